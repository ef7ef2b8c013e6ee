"""The allocation run: every waiting registration the roster can serve gets a session.

The scheduled function `allocate` and the admin's "run now" call `run`. It reads the queue and
the free seats, asks the pure allocator (domain/allocation.py) for the best assignment, and books
each one in its own transaction (services/booking.py); registrations none of whose offered days
can be served any more become "kedaluwarsa".

Safe to run twice at once or again after dying: each booking's conditions fail if the seat,
room or registration was taken meanwhile (counted as a conflict and left for the next run).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain import rules
from ..domain.allocation import Assignment, Request, allocate, earliest_start
from ..domain.errors import Conflict
from ..store import registrations as registrations_store
from . import booking, team

ALLOCATOR = "penjadwal-otomatis"


def _now() -> datetime:
    return datetime.now(rules.UTC)


@dataclass
class RunSummary:
    waiting: int = 0
    booked: int = 0
    conflicts: int = 0
    expired: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def to_json(self) -> str:
        return json.dumps(self.as_dict())


def as_request(r) -> Request:
    return Request(r.reference, r.queued_at, r.service, r.mode,
                   tuple(date.fromisoformat(d) for d in r.days), tuple(r.topics))


def run(now: datetime | None = None, *, notice_working_days: int = 1, crash_after: int | None = None) -> RunSummary:
    """Allocate every waiting registration it can, then expire those no offered day can serve.

    `crash_after` simulates a death after that many bookings (tests only)."""
    now = now or _now()
    summary = RunSummary()
    queue = registrations_store.waiting()
    summary.waiting = len(queue)
    if not queue:
        return summary
    today = rules.wib_now(now).date()
    horizon = today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days + 7)
    closed = team.closed_days(today, horizon)
    not_before = earliest_start(now, closed, notice_working_days)
    first_day = not_before.astimezone(rules.WIB).date()
    last_day = max(date.fromisoformat(d) for r in queue for d in r.days)
    by_ref = {r.reference: r for r in queue}
    if last_day >= first_day:
        last_day = min(last_day, horizon)
        slots = booking.free_slots(first_day, last_day)
        topics = {c.id: c.topics for c in team.calendar_inputs(first_day, first_day)["consultants"]}
        assignments: list[Assignment] = allocate([as_request(r) for r in queue], slots, topics, not_before)
        for n, a in enumerate(assignments):
            if crash_after is not None and n >= crash_after:
                raise RuntimeError("simulated crash")
            try:
                booking.book(by_ref[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=now)
                by_ref.pop(a.reference)
                summary.booked += 1
            except Conflict:
                summary.conflicts += 1
    for r in list(by_ref.values()):
        if max(date.fromisoformat(d) for d in r.days) < first_day:
            if booking.expire(r, now):
                summary.expired += 1
    return summary
