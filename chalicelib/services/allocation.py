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
import logging
import secrets
import time
from dataclasses import dataclass, replace
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

logger = logging.getLogger(__name__)

ALLOCATOR = "penjadwal-otomatis"
KIND = "allocate"
STOP_RESERVE_SECONDS = 5.0  # stop booking while there is this much left to finish cleanly
PROGRESS_EVERY_SECONDS = 2.0
# Plan again after a booking lost to a concurrent change (each loss means someone else booked or
# a registration changed, so the rounds end); a run, a refill and a requeue all do.
SETTLE_ROUNDS = 10
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
                   tuple(date.fromisoformat(d) for d in r.days), tuple(r.topics), tuple(r.avoid_seats or ()))


def booking_window(now: datetime, notice_working_days: int = 1) -> tuple[date, datetime]:
    """(the last day the allocator looks at, the earliest start it may book) at `now`."""
    today = rules.wib_now(now).date()
    horizon = today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days + 7)
    return horizon, earliest_start(now, roster.closed_days(today, horizon), notice_working_days)


def run(now: datetime | None = None, *, deadline: Deadline | None = None, notice_working_days: int = 1,
        crash_after: int | None = None, progress=None) -> RunSummary:
    """Allocate every waiting registration it can, then expire those no offered day can serve.

    A booking lost to a concurrent change (a visitor's cancel and its refill, another run) does
    not leave its seat empty: the queue and the seats are read again and planned again, up to
    SETTLE_ROUNDS times. Stops taking bookings when the deadline is near (`complete` False).
    `progress(summary)` is called every few seconds; `crash_after` simulates a death after that
    many bookings (tests)."""
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
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    by_ref = {r.reference: r for r in queue}
    for round_ in range(SETTLE_ROUNDS):
        if round_:
            by_ref = {r.reference: r for r in registrations_store.waiting()}
        last_day = min(max((date.fromisoformat(d) for r in by_ref.values() for d in r.days), default=first_day), horizon)
        if last_day < first_day:
            break
        assignments = allocate([as_request(r) for r in by_ref.values()], booking.free_slots(first_day, last_day),
                               topics, not_before)
        lost = 0
        for a in assignments:
            if crash_after is not None and summary.booked >= crash_after:
                raise RuntimeError("simulated crash")
            if not time_left():
                return summary
            try:
                booking.book(by_ref[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=now)
                by_ref.pop(a.reference)
                summary.booked += 1
            except Conflict:
                summary.conflicts += 1
                lost += 1
            report()
        if not lost:
            break
    _expire_passed(by_ref.values(), first_day, now, summary, time_left)
    return summary


def _expire_passed(waiting, first_day: date, now: datetime, summary: RunSummary, time_left) -> None:
    for r in list(waiting):
        if max(date.fromisoformat(d) for d in r.days) < first_day:
            if not time_left():
                return
            if booking.expire(r, now):
                summary.expired += 1


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

def settle(service: str, days, now: datetime | None = None, *, released: SessionRecord | None = None,
           released_at: datetime | None = None, only_seat: str | None = None) -> list:
    """Book AT ONCE whoever waits for `days` (one service) onto those days' free seats, with the run's
    own rules (the same notice, the same order of the queue, the same allocator); called whenever a
    seat is freed or a registration goes back to the queue, so no seat stays empty until the next
    run while someone who could take it waits. Returns the sessions booked.

    `released`: the session whose seat was just given back: that seat never goes to the same
    registration or to another one of the same number, and the one who gets it counts the time it
    took (`refill_of`). `only_seat`: settle that one seat. A booking that loses to a concurrent
    change (a run, another settle, a cancellation) is not lost: the next round reads again, up to
    SETTLE_ROUNDS. No lease: every booking is a conditional transaction, and one of two at the
    same seat wins."""
    now = now or clock.now()
    horizon, not_before = booking_window(now)
    days = sorted({d for d in days if not_before.astimezone(rules.WIB).date() <= d <= horizon})
    if not days:
        return []
    avoid = _seat_avoided_by(released)
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    booked: list = []
    for _ in range(SETTLE_ROUNDS):
        queue = _waiting(service, days)
        slots = [s for s in booking.free_slots(days[0], days[-1]) if s.service == service
                 and s.start.astimezone(rules.WIB).date() in days and (only_seat is None or s.seat_id == only_seat)]
        plan = allocate([_with_avoided(r, avoid) for r in queue.values()], slots, topics, not_before)
        lost = 0
        for a in plan:
            gave_back = released is not None and a.slot.seat_id == released.seat_id
            try:
                booked.append(booking.book(queue[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=clock.now(),
                                           refill_of=(released_at or now) if gave_back else None))
            except Conflict:
                lost += 1
        if not lost:
            break
    return booked


def _waiting(service: str, days: list[date]) -> dict:
    out: dict = {}
    for d in days:
        for r in registrations_store.waiting_for(service, d.isoformat()):
            out[r.reference] = r
    return out


def _seat_avoided_by(released: SessionRecord | None) -> dict:
    """{phone or reference: seat}: who must not get the seat just given back (the registration
    that held it, and any other registration of the same number)."""
    if released is None:
        return {}
    giver = registrations_store.get(released.reference)
    return {released.reference: released.seat_id, **({giver.phone: released.seat_id} if giver and giver.phone else {})}


def _with_avoided(r: Registration, avoid: dict) -> Request:
    request = as_request(r)
    extra = {avoid[k] for k in (r.reference, r.phone) if k in avoid}
    return replace(request, avoid=request.avoid + tuple(extra)) if extra else request


def refill(released: SessionRecord | None, released_at: datetime, now: datetime | None = None):
    """The seat of a session just released, offered to the waiting list at once (`settle` of that
    one seat); returns the session that took it, or None (too near, no longer on the roster, nobody
    waiting can take it, or someone else took it first)."""
    if released is None:
        return None
    day = rules.parse_utc_iso(released.start).astimezone(rules.WIB).date()
    booked = settle(released.service, [day], now, released=released, released_at=released_at, only_seat=released.seat_id)
    return next((s for s in booked if s.seat_id == released.seat_id), None)


def requeued(reference: str, released: SessionRecord | None = None, now: datetime | None = None) -> list:
    """A registration just went back to the queue (the office cancelled its session, or the visitor
    asked for other dates): its days are settled at once, the seat it left included (never back to it)."""
    reg = registrations_store.get(reference, consistent=True)
    if reg is None or reg.status != rules.STATUS_WAITING:  # booked meanwhile, or closed: the seat alone
        taken = refill(released, now or clock.now(), now)
        return [taken] if taken else []
    days = {date.fromisoformat(d) for d in reg.days}
    if released is not None:
        days.add(rules.parse_utc_iso(released.start).astimezone(rules.WIB).date())
    return settle(reg.service, days, now, released=released, released_at=now)


def quietly(change, *args, **kwargs):
    """`refill` / `requeued` for a change that already stands (a cancellation, a move): a failure
    here is logged and the next allocation run does it."""
    try:
        return change(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the change stands; the next run fills the seat
        logger.exception("booking a freed seat or a requeued registration at once failed; the next run will")
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
