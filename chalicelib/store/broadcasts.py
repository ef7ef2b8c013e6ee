"""WhatsApp broadcasts (table `broadcasts`, one partition sorted by id) and their paced queueing.

Each queued message is an outbox record with an id derived from broadcast + number, written in
one transaction with the broadcast's `queued` counter and the day's total (item ``BC#<day>`` of
the stats table): a repeated or overlapping run can never make a second message or a second count.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from . import flow_tokens
from .models import TEAM, BroadcastRecord, OutboxRecord, StatsRecord
from .unit_of_work import Cancelled, UnitOfWork

RUNNING = "berjalan"


def all() -> list[BroadcastRecord]:  # noqa: A001 - the aggregate's "every broadcast"
    return list(BroadcastRecord.query(TEAM))


def get(broadcast_id: str) -> BroadcastRecord | None:
    return BroadcastRecord.get_or_none(TEAM, broadcast_id)


def created_since(prefix: str) -> list[BroadcastRecord]:
    return list(BroadcastRecord.query(TEAM, BroadcastRecord.broadcast_id >= prefix))


def between(lo: str | None, hi: str | None) -> list[BroadcastRecord]:
    """Newest first; ids start with the WIB creation time, so an id range is a date range."""
    if lo and hi:
        return list(BroadcastRecord.query(TEAM, BroadcastRecord.broadcast_id.between(lo, hi), scan_index_forward=False))
    return list(BroadcastRecord.query(TEAM, scan_index_forward=False))


def running() -> list[BroadcastRecord]:
    return list(BroadcastRecord.query(TEAM, filter_condition=BroadcastRecord.status == RUNNING))


def build(broadcast_id: str, **fields) -> BroadcastRecord:
    return BroadcastRecord(TEAM, broadcast_id, **fields)


def add_new(uow: UnitOfWork, record: BroadcastRecord) -> None:
    uow.put(record, BroadcastRecord.broadcast_id.does_not_exist(), label="broadcast")


def finish(uow: UnitOfWork, record: BroadcastRecord, status: str, stamp: str) -> None:
    """End a running broadcast (cancelled by staff)."""
    uow.update(record, [BroadcastRecord.status.set(status), BroadcastRecord.finished_at.set(stamp),
                        BroadcastRecord.updated_at.set(stamp)], BroadcastRecord.status == RUNNING, label="broadcast")


QUEUED, DUPLICATE, LIMITED = "queued", "duplicate", "limited"


def enqueue(record: BroadcastRecord, message: OutboxRecord, daily_key: str, *, skipped: bool,
            minute: str | None = None, per_minute: int | None = None, daily_limit: int | None = None,
            flow=None) -> str:
    """One outbox record + the counters, in one transaction: queued | duplicate (this number
    already has it, or the broadcast stopped running meanwhile) | limited.

    The limits are conditions of the same write on the day's item: fewer than `daily_limit`
    queued today, and fewer than `per_minute` in attribute `minute` (``m<HHMM>``, WIB). However
    many runs overlap, together they never queue more than either allows."""
    uow = UnitOfWork()
    uow.put(message, OutboxRecord.message_id.does_not_exist(), label="outbox")
    if flow is not None:  # the signup Flow of the message's FLOW button (store/flow_tokens.py)
        flow_tokens.add(uow, flow)
    uow.update(record, [(BroadcastRecord.skipped if skipped else BroadcastRecord.queued).add(1)],
               BroadcastRecord.status == RUNNING, label="broadcast")
    if not skipped:
        queued = NumberAttribute(attr_name="queued")
        actions, condition = [queued.add(1)], None
        if daily_limit is not None:
            condition = queued.does_not_exist() | (queued < daily_limit)
        if minute and per_minute is not None:
            in_minute = NumberAttribute(attr_name=minute)
            actions.append(in_minute.add(1))
            pace = in_minute.does_not_exist() | (in_minute < per_minute)
            condition = pace if condition is None else condition & pace
        uow.update(StatsRecord(daily_key), actions, condition, label="budget")
    try:
        uow.commit()
    except Cancelled as exc:
        if exc.on("outbox"):
            return DUPLICATE
        if exc.on("budget"):
            return LIMITED
        if exc.on("broadcast"):
            return DUPLICATE
        raise
    return QUEUED


def save_progress(record: BroadcastRecord, cursor: str, stamp: str, finished_status: str | None) -> None:
    """Where the recipient Query continues (and the end, when it got through)."""
    actions = [BroadcastRecord.cursor.set(cursor), BroadcastRecord.updated_at.set(stamp)]
    if finished_status:
        actions += [BroadcastRecord.status.set(finished_status), BroadcastRecord.finished_at.set(stamp)]
    try:
        record.update(actions=actions, condition=BroadcastRecord.status == RUNNING)
    except Exception:  # noqa: BLE001 - cancelled meanwhile: the cursor no longer matters
        pass
