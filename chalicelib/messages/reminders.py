"""Messages that come from the clock, not from a change: reminders, feedback requests and the
consultants' schedule for the next day.

`queue(now)` (the scheduled function `queue_reminders`, every 15 minutes) reads the sessions of
yesterday, today and tomorrow (GSI by_day: three Queries) and puts each message that is due
soon with a deterministic id and `attribute_not_exists`: a second run, or a run that overlaps
another, finds the record and adds nothing. Records carry the exact moment as next_attempt_at,
so `send_messages` (every minute) sends them on time even though this run is coarser. A run that
comes late still queues what is late but useful, and skips what is too late (messages/timing.py).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock
from ..budget import Deadline
from ..domain import rules
from ..store import outbox as outbox_store
from . import catalog
from .catalog import CONSULTANT, EMAIL, VISITOR, WHATSAPP
from .compose import Data
from .records import new_record
from .timing import (
    FEEDBACK_LATE,
    LOOKAHEAD,
    day_before_moment,
    moment,
    reminder_skip_reason,
    schedule_skip_reason,
    session_end,
)

if TYPE_CHECKING:
    from ..store.models import OutboxRecord, Registration


PUT_WORKERS = 8  # conditional puts in flight at once
PUT_RESERVE_SECONDS = 2.0


@dataclass
class QueueSummary:
    sessions: int = 0
    queued: int = 0
    already: int = 0
    deferred: int = 0  # not written before the deadline: the next run (15 minutes) writes them

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _visitor_channels(reg: Registration) -> list[str]:
    if reg is None:
        return []
    return [WHATSAPP] + ([EMAIL] if reg.email else [])


def queue(now: datetime | None = None, *, deadline: Deadline | None = None) -> QueueSummary:
    now = now or clock.now()
    deadline = deadline or Deadline.seconds(60)
    records: list = []
    summary = QueueSummary()
    today = rules.wib_now(now).date()
    data = Data()
    candidates: list[tuple[str, object, datetime]] = []
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        for s in data.sessions_of_day(day.isoformat()):
            summary.sessions += 1
            if s.status == rules.SESSION_SCHEDULED:
                for kind in (catalog.PENGINGAT_BESOK, catalog.PENGINGAT_SEJAM):
                    at = moment(kind, s)
                    if now >= at - LOOKAHEAD and reminder_skip_reason(kind, s, max(now, at)) is None:
                        candidates.append((kind, s, at))
            elif s.status == rules.SESSION_ATTENDED:
                end = session_end(s)
                if end <= now <= end + FEEDBACK_LATE:
                    candidates.append((catalog.UMPAN_BALIK, s, now))

    data.prefetch_registrations(s.reference for _, s, _ in candidates)
    for kind, s, at in candidates:
        reg = data.registration(s.reference)
        for channel in _visitor_channels(reg):
            records.append(new_record(kind, channel, s.session_id, recipient_kind=VISITOR, now=now,
                                      reference=s.reference, session_id=s.session_id, not_before=at))

    tomorrow = today + timedelta(days=1)
    at = day_before_moment(tomorrow)
    if now >= at - LOOKAHEAD and schedule_skip_reason(tomorrow, now) is None:
        busy = sorted({s.consultant_id for s in data.sessions_of_day(tomorrow.isoformat())
                       if s.status == rules.SESSION_SCHEDULED})
        for consultant_id in busy:
            c = data.consultant(consultant_id)
            if c is None or not c.active:
                continue
            channels = ([WHATSAPP] if c.phone else []) + ([EMAIL] if c.email else [])
            for channel in channels:
                records.append(new_record(catalog.JADWAL_KONSULTAN, channel, f"{consultant_id}#{tomorrow.isoformat()}",
                                          recipient_kind=CONSULTANT, now=now, consultant_id=consultant_id,
                                          params={"day": tomorrow.isoformat()}, not_before=at))
    _put_all(records, summary, deadline)
    return summary


def _put_all(records: list, summary: QueueSummary, deadline: Deadline) -> None:
    def put(record: OutboxRecord) -> str:
        if not deadline.allows(PUT_RESERVE_SECONDS):
            return "deferred"
        return "queued" if outbox_store.put_new(record) else "already"

    with ThreadPoolExecutor(max_workers=PUT_WORKERS, thread_name_prefix="remind") as pool:
        for outcome in pool.map(put, records):
            setattr(summary, outcome, getattr(summary, outcome) + 1)
