"""The allocation run: every waiting registration the roster can serve gets a session.

The scheduled function `allocate` and the admin's "run now" (started in the background, watched
on the admin page) call `run_job`. It reads the queue and the free seats, asks the pure allocator
(domain/allocation.py) for the best assignment, and books each one in its own transaction
(services/booking.py); registrations none of whose offered days can be served any more become
"kedaluwarsa".

Safe to run twice at once or again after dying: each booking's conditions fail if the seat,
room or registration was taken (or the visitor changed their days) meanwhile; that is counted as
a conflict and left for the next run. A lease keeps two runs from working at the same time (the
second one says so and stops), and a run stops taking bookings before its invocation's deadline:
what it did is whole, and the next run (or its own continuation) carries on.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock
from ..budget import Deadline
from ..domain import rules
from ..domain.allocation import Assignment, Request, allocate, earliest_start
from ..domain.errors import Conflict, NotFound
from ..store import registrations as registrations_store
from ..store import runs as runs_store
from . import booking, roster, team

if TYPE_CHECKING:
    from ..store.models import Registration, RunRecord, SessionRecord

ALLOCATOR = "penjadwal-otomatis"
KIND = "allocate"
STOP_RESERVE_SECONDS = 5.0  # stop booking while there is this much left to finish cleanly
PROGRESS_EVERY_SECONDS = 2.0
LEASE_SECONDS = 900  # longer than any run (the function's timeout); a dead run's lease runs out
MAX_CONTINUATIONS = 3

QUEUED, RUNNING, DONE, CONTINUING, FAILED = "antre", "berjalan", "selesai", "berlanjut", "gagal"
STATUS_LABELS = {QUEUED: "Menunggu dimulai", RUNNING: "Sedang berjalan", DONE: "Selesai",
                 CONTINUING: "Berlanjut (waktu satu putaran habis)", FAILED: "Gagal"}

_monotonic = time.monotonic



def new_run_id(now: datetime) -> str:
    return "R" + rules.wib_now(now).strftime("%Y%m%d%H%M%S") + secrets.token_hex(3).upper()


@dataclass
class RunSummary:
    waiting: int = 0
    booked: int = 0
    conflicts: int = 0
    expired: int = 0
    complete: bool = True  # False: the deadline came first; the rest waits for the next run
    run_id: str | None = None
    busy: bool = False  # another run held the lease: this one did nothing

    def counts(self) -> dict:
        return {"waiting": self.waiting, "booked": self.booked, "conflicts": self.conflicts, "expired": self.expired}

    def as_dict(self) -> dict:
        return {**self.counts(), "complete": self.complete, "run_id": self.run_id, "busy": self.busy}

    def to_json(self) -> str:
        return json.dumps(self.as_dict())


def as_request(r: Registration) -> Request:
    return Request(r.reference, r.queued_at, r.service, r.mode,
                   tuple(date.fromisoformat(d) for d in r.days), tuple(r.topics))


def booking_window(now: datetime, notice_working_days: int = 1) -> tuple[date, datetime]:
    """(the last day the allocator looks at, the earliest start it may book) at `now`."""
    today = rules.wib_now(now).date()
    horizon = today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days + 7)
    return horizon, earliest_start(now, roster.closed_days(today, horizon), notice_working_days)


def run(now: datetime | None = None, *, deadline: Deadline | None = None, notice_working_days: int = 1,
        crash_after: int | None = None, progress=None) -> RunSummary:
    """Allocate every waiting registration it can, then expire those no offered day can serve.

    Stops taking bookings when the deadline is near (`complete` False). `progress(summary)` is
    called every few seconds; `crash_after` simulates a death after that many bookings (tests)."""
    now = now or clock.now()
    summary = RunSummary()
    last_report = _monotonic()

    def report() -> None:
        nonlocal last_report
        if progress is not None and _monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
            last_report = _monotonic()
            progress(summary)

    def time_left() -> bool:
        if deadline is None or deadline.allows(STOP_RESERVE_SECONDS):
            return True
        summary.complete = False
        return False

    queue = registrations_store.waiting()
    summary.waiting = len(queue)
    if not queue:
        return summary
    horizon, not_before = booking_window(now, notice_working_days)
    first_day = not_before.astimezone(rules.WIB).date()
    last_day = max(date.fromisoformat(d) for r in queue for d in r.days)
    by_ref = {r.reference: r for r in queue}
    if last_day >= first_day:
        last_day = min(last_day, horizon)
        slots = booking.free_slots(first_day, last_day)
        topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
        assignments: list[Assignment] = allocate([as_request(r) for r in queue], slots, topics, not_before)
        for n, a in enumerate(assignments):
            if crash_after is not None and n >= crash_after:
                raise RuntimeError("simulated crash")
            if not time_left():
                return summary
            try:
                booking.book(by_ref[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=now)
                by_ref.pop(a.reference)
                summary.booked += 1
            except Conflict:
                summary.conflicts += 1
            report()
    for r in list(by_ref.values()):
        if max(date.fromisoformat(d) for d in r.days) < first_day:
            if not time_left():
                return summary
            if booking.expire(r, now):
                summary.expired += 1
    return summary


def run_job(deadline: Deadline, *, run_id: str | None = None, continuation: int = 0,
            now: datetime | None = None) -> RunSummary:
    """One run with its lease and its record (progress staff can watch)."""
    now = now or clock.now()
    run_id = run_id or new_run_id(now)
    if not runs_store.take_lease(KIND, run_id, now, LEASE_SECONDS):
        holder = runs_store.lease_holder(KIND, now)
        return RunSummary(run_id=holder or run_id, busy=True, complete=True)
    try:
        runs_store.record_progress(run_id, KIND, RUNNING, {}, clock.now())
        summary = run(now, deadline=deadline,
                      progress=lambda s: runs_store.record_progress(run_id, KIND, RUNNING, s.counts(), clock.now()))
        summary.run_id = run_id
        status = DONE if summary.complete or continuation >= MAX_CONTINUATIONS else CONTINUING
        runs_store.record_progress(run_id, KIND, status, summary.counts(), clock.now(), finished=status == DONE)
        return summary
    except Exception as exc:
        runs_store.record_progress(run_id, KIND, FAILED, {}, clock.now(), finished=True, error=type(exc).__name__)
        raise
    finally:
        runs_store.release_lease(KIND, run_id)


# --- a seat given back: to the queue at once -------------------------------------------------------

def refill(released: SessionRecord | None, released_at: datetime, now: datetime | None = None):
    """Offer the seat of a session a visitor just gave back to the waiting list AT ONCE (not at the
    next run), with the run's own rules: the same notice, the same order of the queue, the same
    allocator on that one seat. Returns the new session, or None (the seat's time is too near,
    it is no longer in the calendar, nobody waiting can take it, or someone took it first).

    The new visitor gets the usual confirmation (it is an ordinary booking); the session keeps
    when the seat was freed (`refill_of`) and the counters the time it took. No lease: a run at
    the same moment conflicts on the seat's lock, and one of the two bookings wins."""
    now = now or clock.now()
    start = rules.parse_utc_iso(released.start)
    _, not_before = booking_window(now)
    if start < not_before:
        return None
    day = start.astimezone(rules.WIB).date()
    slots = [s for s in booking.free_slots(day, day) if s.seat_id == released.seat_id]
    if not slots:
        return None
    # Never the visitor who gave it back (one asking for other dates may have offered that day
    # again), nor another registration of their number: the seat goes to someone else.
    giver = registrations_store.get(released.reference)
    queue = [r for r in registrations_store.waiting_for(released.service, day.isoformat())
             if r.reference != released.reference and (giver is None or r.phone != giver.phone)]
    if not queue:
        return None
    by_ref = {r.reference: r for r in queue}
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    for a in allocate([as_request(r) for r in queue], slots, topics, not_before):
        try:
            return booking.book(by_ref[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=clock.now(), refill_of=released_at)
        except Conflict:
            return None
    return None


# --- "run now" from the admin page ---------------------------------------------------------------

def start(actor: str, launch) -> dict:
    """Start a run in the background (`launch(run_id)`), or point at the one already running."""
    now = clock.now()
    holder = runs_store.lease_holder(KIND, now)
    if holder:
        record = runs_store.get(holder)
        if record is not None:
            return {**run_view(record), "already_running": True}
    run_id = new_run_id(now)
    record = runs_store.create(run_id, KIND, actor, QUEUED, now)
    launch(run_id)
    return {**run_view(runs_store.get(run_id) or record), "already_running": False}


def get_run(run_id: object) -> dict:
    record = runs_store.get(run_id) if isinstance(run_id, str) and run_id.startswith("R") else None
    if record is None or record.kind != KIND:
        raise NotFound({"_form": "Putaran penjadwalan tidak ditemukan."})
    return run_view(record)


def run_view(r: RunRecord) -> dict:
    return {"run_id": r.run_id, "status": r.status, "status_label": STATUS_LABELS.get(r.status, r.status),
            "finished": r.status in (DONE, FAILED), "started_at": r.started_at, "updated_at": r.updated_at,
            "finished_at": r.finished_at, "requested_by": r.requested_by, "error": r.error,
            **{k: int(getattr(r, k) or 0) for k in runs_store.COUNTS}}
