"""The outbox (table `outbox`) and WhatsApp opt-outs (table `optouts`).

Each message is one record; its lifecycle and the claim protocol are in messages/send.py.
Here: building records, the conditional writes that make "one send per record" hold, and the
reads of the sender, the webhook and the staff's Kotak keluar.

A broadcast message's status changes also ADD to its broadcast's counters
(`broadcasts.sent`, `delivered`, ...) in the SAME transaction as the status change, so a count is
never lost or doubled.
"""
from __future__ import annotations

import itertools
import json
import logging
from datetime import datetime, timedelta
from typing import Iterable

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain import rules
from ..domain.message_status import FAILED, PENDING, UNKNOWN
from .conditions import failed_condition
from .connection import connection
from .models import TEAM, BroadcastRecord, OptOutRecord, OutboxRecord
from . import stats as stats_store
from .unit_of_work import Cancelled, UnitOfWork

logger = logging.getLogger(__name__)

RETENTION_DAYS = 180


def _actions(fields: dict) -> list:
    """Set each field, or remove it when the value is None; "+attempts" style keys ADD;
    "?sent_at" style keys set only when the record has no value yet."""
    out = []
    for name, value in fields.items():
        if name.startswith("+"):
            out.append(getattr(OutboxRecord, name[1:]).add(value))
        elif name.startswith("?"):
            attr = getattr(OutboxRecord, name[1:])
            out.append(attr.set(attr | value))
        elif value is None:
            out.append(getattr(OutboxRecord, name).remove())
        else:
            out.append(getattr(OutboxRecord, name).set(value))
    return out


# --- records -------------------------------------------------------------------------------------------

def build(message_id: str, *, dedupe_key: str, template: str, channel: str, recipient_kind: str, now: datetime,
          reference: str | None, session_id: str | None, consultant_id: str | None, params: dict,
          not_before: datetime | None) -> OutboxRecord:
    stamp = rules.to_utc_iso(now)
    return OutboxRecord(
        message_id, dedupe_key=dedupe_key, recipient_kind=recipient_kind, reference=reference,
        session_id=session_id, consultant_id=consultant_id, channel=channel, template=template,
        params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True), status=PENDING, attempts=0,
        due=PENDING, next_attempt_at=rules.to_utc_iso(max(now, not_before or now)),
        day=rules.wib_now(now).date().isoformat(), created_at=stamp, made_at=rules.to_utc_iso_precise(now),
        updated_at=stamp,
        expires_at=now + timedelta(days=RETENTION_DAYS))


def mark_skipped(record: OutboxRecord, reason: str) -> OutboxRecord:
    """A record born skipped (e.g. a broadcast to a number that replied BERHENTI)."""
    record.status, record.due, record.next_attempt_at, record.error = "skipped", None, None, reason
    return record


def add(uow: UnitOfWork, records: Iterable[OutboxRecord], label: str = "outbox") -> None:
    """Put new records in `uow`; an existing id (the same message) is never overwritten."""
    for record in records:
        uow.put(record, OutboxRecord.message_id.does_not_exist(), label=label)


def put_new(record: OutboxRecord) -> bool:
    """Store a record unless its id exists (reminders). True when this call created it."""
    try:
        record.save(condition=OutboxRecord.message_id.does_not_exist())
        return True
    except PutError as exc:
        if failed_condition(exc):
            return False
        raise


# --- reading ---------------------------------------------------------------------------------------------

def get(message_id: str, *, consistent: bool = False) -> OutboxRecord | None:
    return OutboxRecord.get_or_none(message_id, consistent=consistent)


def status_of(message_id: str) -> str | None:
    record = get(message_id)
    return record.status if record else None


def due(now: datetime, limit: int) -> list[OutboxRecord]:
    """Records due by `now`, oldest first (sparse GSI `due`)."""
    return list(OutboxRecord.due_index.query(PENDING, OutboxRecord.next_attempt_at <= rules.to_utc_iso(now),
                                             limit=limit))


def due_page(now: datetime, size: int, start_key: dict | None = None) -> tuple[list[OutboxRecord], dict | None]:
    """One page of the records due by `now` (oldest first) and where the next page starts."""
    pages = OutboxRecord.due_index.query(PENDING, OutboxRecord.next_attempt_at <= rules.to_utc_iso(now),
                                         page_size=size, last_evaluated_key=start_key).page_iter
    page = next(pages, None) or {}
    return [OutboxRecord.from_raw_data(raw) for raw in page.get("Items", [])], pages.last_evaluated_key


def by_provider_id(provider_message_id: str) -> OutboxRecord | None:
    found = list(OutboxRecord.by_provider_id.query(provider_message_id, limit=1))
    return found[0] if found else None


def of_day(day: str) -> list[OutboxRecord]:
    return list(OutboxRecord.by_day.query(day))


def of_reference(reference: str, limit: int = 200) -> list[OutboxRecord]:
    """The messages of one registration, oldest first (the Kotak keluar's conversation)."""
    return list(OutboxRecord.by_reference.query(reference, limit=limit))


def staff_page(*, day: str | None, status: str | None, limit: int, start_key: dict | None):
    """(records, next key): one WIB day (optionally one status), or one status over all days. The
    next key is None unless one more record was found after these (then it starts there)."""
    if day is None:
        query = OutboxRecord.by_status.query(status, scan_index_forward=False, limit=limit + 1,
                                             last_evaluated_key=start_key)
    else:
        query = OutboxRecord.by_day.query(day, scan_index_forward=False, limit=limit + 1,
                                          filter_condition=(OutboxRecord.status == status) if status else None,
                                          last_evaluated_key=start_key)
    records = list(itertools.islice(query, limit))
    after = query.last_evaluated_key
    return records, (after if next(query, None) is not None else None)


# --- the claim protocol (messages/send.py) ----------------------------------------------------------------

def claim(record: OutboxRecord, now: datetime, until: datetime, token: str) -> bool:
    """Take a due record for one send: only if it is still exactly as read (due, pending or
    unknown, the same status and next_attempt_at, not in the future) and nobody's claim is on it
    (a dead run's claim is turned into "unknown" first: messages/send.py). Counts the attempt,
    and a send again after an unknown outcome in `resends`."""
    seen = record.next_attempt_at
    actions = [OutboxRecord.next_attempt_at.set(rules.to_utc_iso(until)), OutboxRecord.claim.set(token),
               OutboxRecord.attempts.add(1), OutboxRecord.updated_at.set(rules.to_utc_iso(now))]
    if record.status == UNKNOWN:
        actions.append(OutboxRecord.resends.add(1))
    try:
        record.update(
            actions=actions,
            condition=(OutboxRecord.due == PENDING) & (OutboxRecord.status == record.status)
            & OutboxRecord.status.is_in(PENDING, UNKNOWN) & OutboxRecord.claim.does_not_exist()
            & (OutboxRecord.next_attempt_at == seen) & (OutboxRecord.next_attempt_at <= rules.to_utc_iso(now)))
    except UpdateError as exc:
        if failed_condition(exc):
            return False
        raise
    return True


def _broadcast_counts(broadcast_id: str, names: list[str]):
    return (BroadcastRecord(TEAM, broadcast_id), [getattr(BroadcastRecord, n).add(1) for n in names],
            BroadcastRecord.broadcast_id.exists())


def _change(record: OutboxRecord, fields: dict, condition, broadcast: tuple[str, list[str]] | None) -> bool:
    """One conditional change of a record, with its broadcast's counters in the same transaction.
    False when the record's condition no longer holds."""
    actions = _actions(fields)
    if not broadcast or not broadcast[1]:
        try:
            record.update(actions=actions, condition=condition)
            return True
        except UpdateError as exc:
            if failed_condition(exc):
                return False
            raise
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.update(record, actions=actions, condition=condition)
            model, counts, exists = _broadcast_counts(*broadcast)
            tx.update(model, actions=counts, condition=exists)
        return True
    except TransactWriteError as exc:
        codes = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
        if codes and codes[0] == "ConditionalCheckFailed":
            return False
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            logger.warning("outbox %s: broadcast %s is gone; status changed without its count",
                           record.message_id, broadcast[0])
            return _change(record, fields, condition, None)
        raise


def settle(record: OutboxRecord, token: str, fields: dict, broadcast: tuple[str, list[str]] | None = None) -> bool:
    """Store the result of a claimed send, only while the claim is still this run's."""
    ok = _change(record, {**fields, "claim": None}, OutboxRecord.claim == token, broadcast)
    if not ok:
        logger.warning("outbox %s: claim lost before the result was stored", record.message_id)
    return ok


def advance(record: OutboxRecord, fields: dict, allowed_from: tuple[str, ...],
            broadcast: tuple[str, list[str]] | None = None, *, in_flight: bool = False) -> bool:
    """A delivery status from the webhook: applied only from the statuses it may follow. With
    `in_flight` (the status settles a send whose outcome we did not learn) also to a record that
    was tried and is pending (a run is sending it right now, or its last try looked failed) or
    failed by our own run (no provider id: the provider took it although every try looked failed)."""
    condition = OutboxRecord.status.is_in(*allowed_from)
    if in_flight:
        condition = (condition | ((OutboxRecord.status == PENDING) & (OutboxRecord.attempts > 0))
                     | ((OutboxRecord.status == FAILED) & OutboxRecord.provider_message_id.does_not_exist()))
    return _change(record, fields, condition, broadcast)


def price(record: OutboxRecord, category: str, micro: int, changes: dict) -> bool:
    """Record what a message cost and add it to the month's counters, once: the first status
    webhook with a charged pricing object wins; a repeated or later one changes nothing."""
    uow = UnitOfWork()
    uow.update(record, [OutboxRecord.price_category.set(category), OutboxRecord.price_micro.set(micro)],
               OutboxRecord.price_category.does_not_exist(), label="price")
    stats_store.add(uow, changes)
    try:
        uow.commit()
    except Cancelled as exc:
        if exc.on("price"):
            return False
        raise
    return True


def reset_failed(uow: UnitOfWork, record: OutboxRecord, stamp: str) -> None:
    """Staff send a failed message again: pending, due now, attempts from zero."""
    uow.update(record, _actions({"status": PENDING, "due": PENDING, "next_attempt_at": stamp, "attempts": 0,
                                 "claim": None, "updated_at": stamp}),
               OutboxRecord.status == "failed", label="message")


def scrub(record: OutboxRecord, fields: dict) -> None:
    """Remove personal data from a record (services/privacy.py)."""
    record.update(actions=_actions(fields))


# --- opt-outs ------------------------------------------------------------------------------------------

def opted_out(phone: str) -> bool:
    return OptOutRecord.get_or_none(phone) is not None


def existing(message_ids: Iterable[str]) -> set[str]:
    """Which of these records are stored (BatchGetItem, keys only)."""
    keys = sorted(set(message_ids))
    return {r.message_id for r in OutboxRecord.batch_get(keys, attributes_to_get=["message_id"])} if keys else set()


def opted_out_among(phones: Iterable[str]) -> set[str]:
    keys = sorted(set(phones))
    return {o.phone for o in OptOutRecord.batch_get(keys)} if keys else set()


def opt_out(phone: str, keyword: str, now: datetime) -> None:
    OptOutRecord(phone, keyword=keyword, opted_out_at=rules.to_utc_iso(now)).save()


def opt_in(phone: str) -> None:
    try:
        OptOutRecord(phone).delete()
    except Exception:  # noqa: BLE001 - nothing stored for this number
        pass
