"""The service calendar: which sessions the clinic can offer, as a pure function.

Inputs are plain frozen dataclasses (built from the database by the caller); the output is a
sorted list of `Slot`. No I/O, no Chalice imports.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .rules import DEFAULT_RULES, MODE_DARING, MODE_TATAP_MUKA, UTC, WIB, ServiceRules, wib_datetime


@dataclass(frozen=True)
class Consultant:
    id: str
    name: str
    services: frozenset  # subset of rules.SERVICES keys
    topics: frozenset  # subset of rules.TOPICS keys
    modes: frozenset  # subset of {MODE_TATAP_MUKA, MODE_DARING}
    active: bool = True


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class RosterRule:
    """Weekly pattern: consultant is on duty every `weekday` (0=Monday) for `service`'s block."""

    consultant_id: str
    weekday: int
    service: str


@dataclass(frozen=True)
class RosterException:
    """A dated change to the pattern: kind "cuti" (off duty) or "tambahan" (extra duty)."""

    consultant_id: str
    day: date
    service: str
    kind: str  # "cuti" | "tambahan"


@dataclass(frozen=True)
class Closure:
    """No service on `day`: a public holiday, cuti bersama, or an office closure.

    `service` None closes the whole day; otherwise only that service's block.
    """

    day: date
    reason: str
    service: str | None = None


@dataclass(frozen=True)
class Slot:
    """One bookable seat: a consultant on duty at one start time.

    `modes` is what the seat can take: MODE_DARING if the consultant works online,
    MODE_TATAP_MUKA if the consultant works face to face AND a room was reserved for this
    consultant at this time (`room_id`). A seat holds one session whatever its mode.
    """

    start: datetime  # timezone-aware, UTC
    service: str
    consultant_id: str
    modes: frozenset
    room_id: str | None

    @property
    def seat_id(self) -> str:
        """Stable identity of the (consultant, start) seat, used as a lock key."""
        return f"{self.start.strftime('%Y-%m-%dT%H:%M:%SZ')}#{self.consultant_id}"


EXCEPTION_OFF = "cuti"
EXCEPTION_EXTRA = "tambahan"
ALL_MODES = frozenset({MODE_TATAP_MUKA, MODE_DARING})

EXCEPTION_KINDS = frozenset({EXCEPTION_OFF, EXCEPTION_EXTRA})


# --------------------------------------------------------------------------------------------
# Configuration checks
# --------------------------------------------------------------------------------------------


def service_week(now: datetime, rules: ServiceRules = DEFAULT_RULES) -> date:
    """The Monday of "this week" as staff mean it everywhere (Sesi, Jadwal piket, Jadwal saya,
    Evaluasi): the week whose sessions are still to come. From the end of the last session of the
    week's last working day (Friday 16.00 WIB) through the weekend, that is the coming week."""
    local = now.astimezone(WIB)
    monday = local.date() - timedelta(days=local.weekday())
    last_day = max(rules.workdays)
    last_end = max(end for _, end in rules.blocks.values())
    if local.weekday() > last_day or (local.weekday() == last_day and local.time() >= last_end):
        return monday + timedelta(days=7)
    return monday


def validate_rules(rules: ServiceRules) -> None:
    """Raise ValueError if `rules` cannot describe a calendar.

    Blocks of different services may overlap in time (rooms are then shared between them);
    each block must end after it starts, sessions must last a positive number of minutes and
    workdays must be weekday numbers 0 (Monday) .. 6 (Sunday).
    """
    if isinstance(rules.session_minutes, bool) or not isinstance(rules.session_minutes, int):
        raise ValueError(f"session_minutes must be an int, got {rules.session_minutes!r}")
    if rules.session_minutes <= 0:
        raise ValueError(f"session_minutes must be > 0, got {rules.session_minutes}")
    for weekday in rules.workdays:
        if weekday not in range(7):
            raise ValueError(f"workday must be 0..6, got {weekday!r}")
    for service, block in rules.blocks.items():
        start, end = block
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValueError(f"block of {service!r} must be two datetime.time values")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"block of {service!r} must be naive WIB wall-clock times")
        if end <= start:
            raise ValueError(f"block of {service!r} must end after it starts: {start}-{end}")


def _check_unique_ids(kind: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ValueError(f"duplicate {kind} id {item_id!r}")
        seen.add(item_id)


# --------------------------------------------------------------------------------------------
# Days and session times
# --------------------------------------------------------------------------------------------


def _days(start_day: date, end_day: date) -> Iterator[date]:
    """Every calendar day from start_day to end_day inclusive (nothing if reversed)."""
    day = start_day
    while day <= end_day:
        yield day
        day += timedelta(days=1)


def _closure_index(closures: Iterable[Closure]) -> dict[date, set[str | None]]:
    """day -> closed services; None in the set means the whole day is closed."""
    index: dict[date, set[str | None]] = defaultdict(set)
    for closure in closures:
        index[closure.day].add(closure.service)
    return index


def session_starts(day: date, service: str, rules: ServiceRules = DEFAULT_RULES) -> list[datetime]:
    """UTC start instants of the sessions of `service`'s block on WIB calendar day `day`.

    Sessions start every `rules.session_minutes` from the block start and must end by the
    block end (09:00-12:00 with 30 minutes: 09:00, 09:30, ..., 11:30). Ignores workdays and
    closures; an unknown service has no sessions.
    """
    block = rules.blocks.get(service)
    if block is None:
        return []
    block_start = wib_datetime(day, block[0])
    block_end = wib_datetime(day, block[1])
    length = timedelta(minutes=rules.session_minutes)
    starts = []
    at = block_start
    while at + length <= block_end:
        starts.append(at.astimezone(UTC))
        at += length
    return starts


def _service_open(
    day: date, service: str, closed: set[str | None], rules: ServiceRules
) -> bool:
    return (
        day.weekday() in rules.workdays
        and None not in closed
        and service not in closed
        and bool(session_starts(day, service, rules))
    )


def is_bookable_day(
    day: date,
    service: str,
    closures: Iterable[Closure],
    rules: ServiceRules = DEFAULT_RULES,
) -> bool:
    """True if `service` runs on WIB calendar day `day`.

    That is: the day is a workday, no closure covers the whole day or this service, and the
    service's block holds at least one session. Duty rosters are NOT considered: a bookable
    day may still have no consultant on duty.
    """
    validate_rules(rules)
    closed = {c.service for c in closures if c.day == day}
    return _service_open(day, service, closed, rules)


def working_days(
    start_day: date,
    end_day: date,
    closures: Iterable[Closure],
    rules: ServiceRules = DEFAULT_RULES,
) -> list[date]:
    """WIB calendar days in [start_day, end_day] open for at least one service, ascending."""
    validate_rules(rules)
    closed_by_day = _closure_index(closures)
    empty: set[str | None] = set()
    return [
        day
        for day in _days(start_day, end_day)
        if any(
            _service_open(day, service, closed_by_day.get(day, empty), rules)
            for service in rules.blocks
        )
    ]


# --------------------------------------------------------------------------------------------
# Slots
# --------------------------------------------------------------------------------------------


def generate_slots(
    *,
    start_day: date,
    end_day: date,
    consultants: Iterable[Consultant],
    rooms: Iterable[Room],
    roster_rules: Iterable[RosterRule],
    exceptions: Iterable[RosterException],
    closures: Iterable[Closure],
    rules: ServiceRules = DEFAULT_RULES,
) -> list[Slot]:
    """Every bookable seat from start_day to end_day (inclusive WIB calendar days).

    - Only workdays; nothing on a whole-day closure, nothing in a closed service's block.
    - A consultant is on duty for (day, service) if a RosterRule(weekday, service) or a
      "tambahan" exception covers it, unless a "cuti" exception for that day and service
      exists (cuti wins). Only active consultants offering the service get seats; roster
      entries for unknown consultants are ignored.
    - Sessions start every rules.session_minutes and end by the block end.
    - Rooms (active only, ordered by id) go at each start instant to the face-to-face
      consultants on duty: first those who work only face to face, then those who also work
      online, each group ordered by consultant id; one consultant per room per instant, and
      rooms are shared by all services whose blocks overlap that instant.
    - A seat's modes: tatap_muka if it got a room, plus daring if the consultant works
      online. A consultant with neither gets no seat at that instant.
    - If overlapping blocks put one consultant on duty for two services at the same instant,
      the service whose block started first (then the smaller service key) keeps the
      consultant, so a consultant never holds two seats at one instant.

    The result is sorted by (start, consultant_id) and does not depend on the order of the
    inputs. Raises ValueError for an invalid configuration (see `validate_rules`), duplicate
    consultant or room ids, an unknown exception kind or a roster weekday outside 0..6.
    """
    validate_rules(rules)
    consultants = list(consultants)
    rooms = list(rooms)
    _check_unique_ids("consultant", (c.id for c in consultants))
    _check_unique_ids("room", (r.id for r in rooms))
    by_id = {c.id: c for c in consultants if c.active}
    room_ids = sorted(r.id for r in rooms if r.active)
    duty = _Duty(roster_rules, exceptions)
    closed_by_day = _closure_index(closures)
    # Services in the order that settles a consultant on duty in two overlapping blocks.
    services = sorted(rules.blocks, key=lambda s: (rules.blocks[s][0], s))
    slots: list[Slot] = []
    for day in _days(start_day, end_day):
        seats = _day_seats(day, services, closed_by_day.get(day, set()), duty, by_id, rules)
        for start in sorted(seats):
            slots.extend(_seats_at(start, seats[start], by_id, room_ids))
    return slots


class _Duty:
    """The weekly pattern and the dated exceptions, indexed for one question: who is on duty?"""

    def __init__(self, roster_rules: Iterable[RosterRule], exceptions: Iterable[RosterException]):
        self.pattern: dict[tuple[int, str], set[str]] = defaultdict(set)
        for rule in roster_rules:
            if rule.weekday not in range(7):
                raise ValueError(f"roster weekday must be 0..6, got {rule.weekday!r}")
            self.pattern[(rule.weekday, rule.service)].add(rule.consultant_id)
        self.extra: dict[tuple[date, str], set[str]] = defaultdict(set)
        self.off: dict[tuple[date, str], set[str]] = defaultdict(set)
        for exc in exceptions:
            if exc.kind == EXCEPTION_EXTRA:
                self.extra[(exc.day, exc.service)].add(exc.consultant_id)
            elif exc.kind == EXCEPTION_OFF:
                self.off[(exc.day, exc.service)].add(exc.consultant_id)
            else:
                raise ValueError(f"unknown roster exception kind {exc.kind!r}")

    def on(self, day: date, service: str) -> set[str]:
        key, empty = (day, service), set()
        on_duty = self.pattern.get((day.weekday(), service), empty) | self.extra.get(key, empty)
        return on_duty - self.off.get(key, empty)  # cuti wins over pattern and tambahan


def _day_seats(day: date, services: list[str], closed: set, duty: _Duty, by_id: dict[str, Consultant],
               rules: ServiceRules) -> dict[datetime, dict[str, str]]:
    """start instant -> consultant id -> service on `day`; the first service wins a consultant."""
    seats: dict[datetime, dict[str, str]] = defaultdict(dict)
    for service in services:
        if not _service_open(day, service, closed, rules):
            continue
        eligible = [cid for cid in duty.on(day, service) if cid in by_id and service in by_id[cid].services]
        if not eligible:
            continue
        for start in session_starts(day, service, rules):
            at_start = seats[start]
            for cid in eligible:
                at_start.setdefault(cid, service)
    return seats


def _seats_at(
    start: datetime,
    service_of: dict[str, str],
    by_id: dict[str, Consultant],
    room_ids: list[str],
) -> list[Slot]:
    """The seats at one start instant, rooms given out as generate_slots describes."""
    face_to_face = [cid for cid in service_of if MODE_TATAP_MUKA in by_id[cid].modes]
    # Face-to-face-only consultants first (they cannot work without a room), then by id.
    face_to_face.sort(key=lambda cid: (MODE_DARING in by_id[cid].modes, cid))
    room_of = dict(zip(face_to_face, room_ids))

    result = []
    for cid in sorted(service_of):
        modes = set()
        room_id = room_of.get(cid)
        if room_id is not None:
            modes.add(MODE_TATAP_MUKA)
        if MODE_DARING in by_id[cid].modes:
            modes.add(MODE_DARING)
        if not modes:
            continue
        result.append(
            Slot(
                start=start,
                service=service_of[cid],
                consultant_id=cid,
                modes=frozenset(modes),
                room_id=room_id,
            )
        )
    return result
