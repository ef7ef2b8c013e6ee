"""Allocation: give waiting registrations a seat, as a pure function.

Stdlib only, no I/O, no Chalice imports: this module ships inside the allocation Lambda. The
caller reads the waiting registrations and the free seats from the database, calls
`allocate`, and writes the assignments back (taking each seat's lock by `Slot.seat_id`).

Vocabulary
----------
* A *seat* is one `Slot`: one consultant at one start time. It holds ONE session whatever its
  mode. `"tatap_muka" in slot.modes` means a room (`slot.room_id`) is reserved for that seat;
  `"daring" in slot.modes` means the consultant also works online at that time.
* A *request* is a waiting registration (`Request`). Its priority is `(queued_at, reference)`:
  earlier first, ties by reference.

How it works
------------
`allocate` runs named phases (domain/matching.py): the queue in priority order, the usable
seats grouped into capacity buckets, each request's choices, phase A (who is served: a
priority-order matching with augmenting paths over the buckets; dead buckets are never searched
again, which keeps 10k requests against a quarter of seats well under a second) and phase B
(which seat each holds: moves and swaps for topic match, day preference and start time, without
changing who is served). `allocate`'s docstring states the guarantees.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from .matching import Choices, Matching, Seats, require_aware
from .rules import MODE_TATAP_MUKA, WIB
from .service_calendar import Slot

__all__ = ["Request", "Assignment", "allocate", "earliest_start", "request_priority"]

_UTC = timezone.utc


@dataclass(frozen=True)
class Request:
    """A waiting registration, as the allocator sees it."""

    reference: str
    # UTC ISO 8601 "2026-11-28T10:00:00Z"; priority: earlier first, ties by reference
    queued_at: str
    service: str  # "koperasi" | "ukm"
    mode: str  # "tatap_muka" | "daring"
    # tuple[date, ...]: WIB days the visitor can come, in the visitor's order of preference
    days: tuple
    topics: tuple  # topic codes (rules.TOPICS keys)
    avoid: tuple = ()  # seat ids never to offer it (the office took that seat away from it)


@dataclass(frozen=True)
class Assignment:
    reference: str
    slot: Slot
    mode: str  # the request's mode
    room_id: str | None  # the slot's room if mode is tatap_muka, else None
    topic_match: bool  # the slot's consultant is expert in at least one of the request's topics


def _parse_queued_at(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_UTC)
    return dt.astimezone(_UTC)


def request_priority(request: Request) -> tuple:
    """Sort key of the queue: earlier `queued_at` first, ties by `reference`.

    The remaining fields only make the order total, so that the result never depends on the
    input order even for malformed duplicates.
    """
    return (
        _parse_queued_at(request.queued_at),
        request.reference,
        request.service,
        request.mode,
        tuple(request.days),
        tuple(request.topics),
    )


def earliest_start(
    now: datetime, closures_days: set, notice_working_days: int = 1
) -> datetime:
    """The earliest instant a session may be allocated at, given the notice visitors need.

    Returns 00:00 WIB (as a UTC datetime) of the `notice_working_days`-th working day strictly
    after `now`'s WIB calendar day. A working day is Monday to Friday and not in
    `closures_days` (dates of whole-day closures: public holidays, cuti bersama, office
    closures). With the default 1 that is "the next working day": on Friday (any hour) it is
    Monday, on the day before a holiday it is the first working day after the holiday.
    Today never counts, even at 00:01.

    `now` must be timezone-aware; `notice_working_days` must be >= 1.
    """
    require_aware(now, "now")
    if notice_working_days < 1:
        raise ValueError("notice_working_days must be >= 1")
    closed = {d for d in closures_days}
    day = now.astimezone(WIB).date()
    found = 0
    # Bounded: even a year of closures cannot make this loop forever.
    for _ in range((notice_working_days + len(closed)) * 7 + 7):
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            found += 1
            if found == notice_working_days:
                return datetime.combine(day, time(0, 0), tzinfo=WIB).astimezone(_UTC)
    raise ValueError("no working day found")  # pragma: no cover - unreachable


def allocate(
    requests, free_slots, consultant_topics: dict, not_before: datetime
) -> list:
    """Assign waiting requests to free seats.

    Inputs
    ------
    requests: iterable of `Request`. A request whose reference repeats an earlier-priority one
        is ignored (one registration, one seat). Unknown services/modes simply match nothing.
    free_slots: iterable of `Slot` that are free to allocate. The caller has already removed
        taken seats and staff-fixed sessions (those are never moved: they are not an input).
        `start` must be timezone-aware. A seat is identified by (start, consultant_id); if the
        same seat appears twice only the first usable one in sorted order is used.
        "tatap_muka" in a slot's modes without a `room_id` is ignored (no room, no face-to-face
        session).
    consultant_topics: consultant_id -> frozenset of topic codes the consultant is expert in.
        Missing consultants are expert in nothing.
    not_before: timezone-aware instant; seats starting earlier are not used (see
        `earliest_start`).

    Hard rules (always hold)
    ------------------------
    For every returned Assignment a of request r on seat s:
    s.service == r.service; r.mode in s.modes (face to face uses the seat's room, and
    `a.room_id` is that room, else None); the WIB date of s.start is in r.days;
    s.start >= not_before. Each request gets at most one seat and each seat (start,
    consultant) at most one request.

    Objective (lexicographic)
    -------------------------
    (1) The number of served requests is the maximum possible (a maximum matching).
    (2) Among maximum solutions, the served set is the priority-greedy basis of the
        transversal matroid: walking the queue in priority order, a request is served iff it
        can be served together with all earlier served ones. Equivalently, no unserved
        request could be served in place of a served request of later priority, and no
        unserved request could be added. The served set is therefore unique for a given
        input; (3) only chooses the seats.
    (3) Seat choice for the served set (best effort, guaranteed to be a local optimum):
        per request and seat define key = (0 if the consultant is expert in one of the
        request's topics else 1, position of the seat's WIB day in request.days, start).
        The result guarantees
          (a) no served request can move to a free usable seat with a strictly smaller key;
          (b) no two served requests can exchange seats (both staying feasible) so that the
              pair's (number without topic match, sum of day positions) gets
              lexicographically smaller.
        So the placement is a local optimum of (requests without topic match, total day
        position, then each request's own start) under single moves and pairwise swaps. It
        is NOT guaranteed globally optimal: improvements needing a chain of three or more
        requests may remain, and nothing orders start times by priority (a later request may
        hold an earlier time on the same day). Seats are first chosen greedily in priority
        order (each request takes its best free seat when one is free), then improved.

    Output: list of `Assignment` in request priority order. Deterministic: the result depends
    only on the input values, not on their order or on set/hash iteration order.
    """
    require_aware(not_before, "not_before")
    queue = _in_priority_order(requests)
    if not queue:
        return []
    avoided = frozenset(seat for r in queue for seat in r.avoid)
    seats = Seats(free_slots, {r.service for r in queue}, not_before, isolate=avoided)
    if not seats.slots:
        return []
    matching = Matching(Choices(queue, seats, consultant_topics))
    matching.serve_in_priority_order()
    matching.improve_seats()
    out = []
    for r, i in matching.placements():
        req, slot = queue[r], seats.slots[i]
        out.append(Assignment(reference=req.reference, slot=slot, mode=req.mode,
                              room_id=slot.room_id if req.mode == MODE_TATAP_MUKA else None,
                              topic_match=matching.topic_match(r, i)))
    return out


def _in_priority_order(requests) -> list[Request]:
    """The queue in priority order, one request per reference (the earliest)."""
    out: list[Request] = []
    seen: set = set()
    for r in sorted(requests, key=request_priority):
        if r.reference not in seen:
            seen.add(r.reference)
            out.append(r)
    return out
