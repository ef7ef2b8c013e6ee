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
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock
from ..budget import Deadline
from ..domain import outcomes, rules
from ..store import outbox as outbox_store
from ..store import stats as stats_store
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import catalog
from .catalog import CONSULTANT, EMAIL, VISITOR, WHATSAPP
from .compose import Data
from .records import dedupe_key, message_id_for, new_record
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
    _outcome_questions(now, today, data, summary, deadline)
    return summary


OUTCOME_OPT_OUT = "hasil#"  # an OptOutRecord key prefix: the number answered "Jangan tanya lagi"


def _outcome_questions(now: datetime, today: date, data: Data, summary: QueueSummary, deadline: Deadline) -> None:
    """The three-months question (domain/outcomes.py) for the sessions attended about 90 days ago,
    when its moment has come and not passed: once per session (a deterministic id, written with
    its "asked" counter in one transaction, so a repeated run neither sends nor counts twice).
    Not to a number that replied BERHENTI or "Jangan tanya lagi", nor to deleted data."""
    first = today - timedelta(days=outcomes.OUTCOME_DAYS + outcomes.LATE.days)
    due = [s for n in range(outcomes.LATE.days + 1)
           for s in data.sessions_of_day((first + timedelta(days=n)).isoformat())
           if s.status == rules.SESSION_ATTENDED and s.service in outcomes.CHOICES
           and outcomes.moment(date.fromisoformat(s.day)) - LOOKAHEAD <= now <= outcomes.moment(date.fromisoformat(s.day)) + outcomes.LATE]
    if not due:
        return
    # Asked already (an earlier run of the window): one BatchGetItem instead of a failed write each.
    ids = {s.session_id: message_id_for(dedupe_key(_outcome_template(s), s.session_id, WHATSAPP)) for s in due}
    asked = outbox_store.existing(ids.values())
    due = [s for s in due if ids[s.session_id] not in asked]
    summary.already += len(asked)
    if not due:
        return
    data.prefetch_registrations(s.reference for s in due)
    regs = {s.session_id: data.registration(s.reference) for s in due}
    phones = {r.phone for r in regs.values() if r is not None and r.phone}
    refused = outbox_store.opted_out_among(phones | {OUTCOME_OPT_OUT + p for p in phones})
    for s in due:
        reg = regs[s.session_id]
        if reg is None or not reg.phone or reg.phone in refused or OUTCOME_OPT_OUT + reg.phone in refused:
            continue
        if not deadline.allows(PUT_RESERVE_SECONDS):
            summary.deferred += 1
            continue
        uow = UnitOfWork()
        outbox_store.add(uow, [new_record(_outcome_template(s), WHATSAPP, s.session_id, recipient_kind=VISITOR, now=now,
                                          reference=s.reference, session_id=s.session_id,
                                          not_before=outcomes.moment(date.fromisoformat(s.day)))])
        stats_store.add(uow, {outcomes.period(s.day): outcomes.asked(s.service)})
        try:
            uow.commit()
            summary.queued += 1
        except Cancelled:
            summary.already += 1


def _put_all(records: list, summary: QueueSummary, deadline: Deadline) -> None:
    def put(record: OutboxRecord) -> str:
        if not deadline.allows(PUT_RESERVE_SECONDS):
            return "deferred"
        return "queued" if outbox_store.put_new(record) else "already"

    with ThreadPoolExecutor(max_workers=PUT_WORKERS, thread_name_prefix="remind") as pool:
        for outcome in pool.map(put, records):
            setattr(summary, outcome, getattr(summary, outcome) + 1)


def _outcome_template(s) -> str:
    return catalog.HASIL_KOPERASI if s.service == rules.SERVICE_KOPERASI else catalog.HASIL_UKM
