"""The capacity forecast, published by a scheduled function, and the coordinator's what-if.

`publish` (every 30 minutes) reads the queue, the free seats of the coming six weeks, how
recent visitors chose their days, and the last weeks' counters; asks the pure forecast
(domain/forecast.py) for each service and mode; and writes two small items: what the signup
page shows (GET /public/forecast, cached) and what the coordinator sees ("Perkiraan kebutuhan"
on the Evaluasi page). No request computes anything: they read one item.

`what_if` is the coordinator's question "and with one more duty block?": the same inputs with
a "tambahan" for one consultant, day and service, answered both by the forecast and by the real
allocator (domain/allocation.py) on the current queue.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import clock
from ..domain import counters, periods, rules, seats, validation, words
from ..domain import forecast as fc
from ..domain.allocation import allocate, earliest_start, request_priority
from ..domain.errors import InputError
from ..domain.holidays import holiday_closures
from ..domain.service_calendar import EXCEPTION_EXTRA, RosterException, Slot, generate_slots
from ..store import forecasts as store
from ..store import registrations as registrations_store
from ..store import stats as stats_store
from . import allocation, capacity, registrations, roster, team

HORIZON_DAYS = 42  # six weeks of seats: past the booking window, for those asked for new dates
EVERY_MINUTES = 30  # the schedule (api/schedules.py): how long one published estimate is shown
PATTERN_SAMPLE = 300  # recent registrations whose choice of days the new visitor resembles
DEFAULT_PATTERN = (0, 1, 2)  # before anyone registered: the first three days offered
LEAVE_WEEKS = range(2, 10)  # weeks ago whose registrations have mostly settled (cancelled, expired, served)
ARRIVAL_WEEKS = range(1, 5)  # the last four full weeks
NEED_WEEKS = 4



@dataclass
class Built:
    inputs: fc.Inputs
    slots: list  # the free Slot's (for the real allocator)
    queue: list  # the waiting registrations, in queue order
    not_before: datetime


def _weekdays(start: date, end: date, holidays: set[date]) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() in rules.DEFAULT_RULES.workdays and d not in holidays:
            out.append(d)
        d += timedelta(days=1)
    return out


def _holidays(start: date, end: date) -> set[date]:
    """Public holidays and cuti bersama: not working days, whatever the office decides."""
    return {c.day for year in range(start.year, end.year + 1) for c in holiday_closures(year)
            if c.service is None and start <= c.day <= end}


def _patterns(today: date, holidays: set[date]) -> tuple:
    """How recent visitors chose: the positions of their days among the working days offered to them."""
    months = {periods.month_key(today), periods.month_key(today.replace(day=1) - timedelta(days=1))}
    recent = sorted((r for m in months for r in registrations_store.of_month(m)),
                    key=lambda r: r.created_at, reverse=True)[:PATTERN_SAMPLE]
    out = []
    for r in recent:
        created = counters.wib_day(r.created_at)
        offered = _weekdays(created + timedelta(days=1), created + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days),
                            holidays)
        index = {d: n for n, d in enumerate(offered)}
        positions = tuple(sorted(index[d] for d in (date.fromisoformat(x) for x in r.days or []) if d in index))
        if positions:
            out.append(positions)
    return tuple(out) or (DEFAULT_PATTERN,)


def _rates(today: date, working_per_week: int = 5) -> tuple[float, dict, dict]:
    """(share of registrations cancelled before a session, arrivals to the queue per working day
    per (service, mode), seats the walk-in desk takes per working day per service). Walk-ins seated
    at the desk never wait in the queue: they are taken out of the face-to-face arrivals and
    counted as seats they take instead."""
    monday = counters.week_start(today)
    weeks = {n: counters.week_key(monday - timedelta(days=7 * n)) for n in set(LEAVE_WEEKS) | set(ARRIVAL_WEEKS)}
    items = stats_store.read_periods(list(weeks.values()))
    leave_reg = sum(items.get(weeks[n], {}).get(counters.REG, 0) for n in LEAVE_WEEKS)
    # Cancellations only: most registrations that expire offer new dates and wait on (the
    # forecast lets them), so counting expiries as leaving would promise too short a wait.
    left = sum(items.get(weeks[n], {}).get(counters.CANCEL, 0) for n in LEAVE_WEEKS)
    leave_rate = min(0.5, left / leave_reg) if leave_reg else 0.0
    arrivals = [items.get(weeks[n], {}) for n in ARRIVAL_WEEKS]
    total = sum(a.get(counters.REG, 0) for a in arrivals)
    rates, walk_ins, days = {}, {}, len(ARRIVAL_WEEKS) * working_per_week
    for service in rules.SERVICES:
        by_service = sum(a.get(counters.reg_key(counters.BY_SERVICE, service), 0) for a in arrivals)
        seated = sum(a.get(counters.seat_key(counters.BY_WALK_IN, service), 0) for a in arrivals)
        walk_ins[service] = seated / days
        for mode in rules.MODES:
            share = sum(a.get(counters.reg_key(counters.BY_MODE, mode), 0) for a in arrivals) / total if total else 0.0
            queued = by_service * share - (seated if mode == rules.MODE_TATAP_MUKA else 0)
            rates[(service, mode)] = max(0.0, queued) / days
    return leave_rate, rates, walk_ins


def _free_slots(first: date, last: date, extra: tuple = ()) -> list[Slot]:
    inputs = roster.calendar_inputs(first, last)
    inputs["exceptions"] = list(inputs["exceptions"]) + list(extra)
    all_slots = generate_slots(start_day=first, end_day=last, **inputs)
    sessions = capacity.sessions_between(first, last)
    rooms = [r.room_id for r in team.list_rooms() if r.active] if seats.rooms_in_use(sessions) else []
    return seats.free_seats(all_slots, sessions, rooms)


def build(now: datetime, extra: tuple = ()) -> Built:
    today = rules.wib_now(now).date()
    last = today + timedelta(days=HORIZON_DAYS)
    holidays = _holidays(today, last)
    closed_all = roster.closed_days(today, last)
    not_before = earliest_start(now, closed_all)
    first = not_before.astimezone(rules.WIB).date()
    slots = [s for s in _free_slots(first, last, extra) if s.start >= not_before]
    queue = sorted(registrations_store.waiting(), key=lambda r: request_priority(allocation.as_request(r)))
    working = tuple(_weekdays(today + timedelta(days=1), last, holidays))
    window_end = today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days)
    offered = tuple(d for d in working if first <= d <= window_end)[:registrations.OFFERED_ON_PAGE]
    leave_rate, rates, walk_ins = _rates(today)
    inputs = fc.Inputs(
        today=today, offered=offered, working=working,
        seats=tuple(fc.Seat(s.start.astimezone(rules.WIB).date(), s.service, s.modes) for s in slots),
        queue=tuple(fc.Waiting(r.reference, r.service, r.mode, tuple(date.fromisoformat(d) for d in r.days)) for r in queue),
        patterns=_patterns(today, holidays), leave_rate=leave_rate, arrivals_per_day=rates, walk_ins_per_day=walk_ins,
        shown_days=EVERY_MINUTES / (24 * 60) * 7 / 5,
        closed=frozenset(d for d in offered if d in closed_all))
    return Built(inputs, slots, queue, not_before)


def _estimates(inputs: fc.Inputs, with_masks: bool = False) -> dict:
    """service -> mode -> the estimate's figures and words (and, for the public item, the
    futures' day masks that `public_estimate` answers a visitor's own days from)."""
    out: dict = {}
    for service in rules.SERVICES:
        out[service] = {}
        for mode, (e, masks) in fc.published(inputs, service).items():
            out[service][mode] = {**e.as_dict(), **({"masks": masks} if with_masks else {})}
    return out


def _mondays(first_bookable: date) -> list[date]:
    """The four weeks that still have seats to book: the week of the first bookable day (on a
    Friday or a weekend, the coming week) and the three after it."""
    monday = counters.week_start(first_bookable)
    return [monday + timedelta(days=7 * n) for n in range(NEED_WEEKS)]


def publish(now: datetime | None = None) -> dict:
    """Compute and store both items; returns a summary (counts only)."""
    now = now or clock.now()
    built = build(now)
    estimates = _estimates(built.inputs, with_masks=True)
    stamp = rules.to_utc_iso(now)
    store.save(store.PUBLIC, {"estimates": estimates, "offered": [d.isoformat() for d in built.inputs.offered],
                              "working": [d.isoformat() for d in built.inputs.working]}, stamp)
    estimates = {s: {m: {k: v for k, v in e.items() if k != "masks"} for m, e in modes.items()}
                 for s, modes in estimates.items()}
    needs = [n.as_dict() for n in fc.needs(built.inputs, _mondays(built.not_before.astimezone(rules.WIB).date()))]
    store.save(store.STAFF, {
        "estimates": estimates, "needs": needs, "waiting": len(built.queue), "free_seats": len(built.slots),
        "leave_rate": round(built.inputs.leave_rate, 3), "patterns": len(built.inputs.patterns),
        "arrivals_per_week": {f"{s}|{m}": round(r * 5, 1) for (s, m), r in built.inputs.arrivals_per_day.items()},
        "walk_ins_per_week": {s: round(r * 5, 1) for s, r in built.inputs.walk_ins_per_day.items()},
    }, stamp)
    return {"waiting": len(built.queue), "free_seats": len(built.slots), "needs": len(needs)}


def staff_view() -> dict:
    item = store.load(store.STAFF)
    if item is None:
        return {"computed_at": None, "estimates": {}, "needs": []}
    return item


# --- what if one more duty block ----------------------------------------------------------------

def _allocator_view(built: Built) -> dict:
    """The real allocator on the current queue: how many it serves, and their wait."""
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    assigned = allocate([allocation.as_request(r) for r in built.queue], built.slots, topics, built.not_before)
    index = {d: n + 1 for n, d in enumerate(built.inputs.working)}
    waits = [index.get(a.slot.start.astimezone(rules.WIB).date(), len(index) + 1) for a in assigned]
    return {"served": len(assigned), "waiting": len(built.queue),
            "median_wait": statistics.median(waits) if waits else None}


def what_if(payload: object, now: datetime | None = None) -> dict:
    """Before and after one extra duty block ("tambahan") for a consultant, day and service."""
    now = now or clock.now()
    data = payload if isinstance(payload, dict) else {}
    errors = validation.Errors()
    service = data.get("service")
    if not validation.one_of(service, rules.SERVICES):
        errors.add("service", "Pilih layanan.")
    try:
        day = validation.parse_day(data.get("day"), "day")
    except InputError as exc:
        errors.update(exc.errors)
        day = None
    today = rules.wib_now(now).date()
    if day and not (today < day <= today + timedelta(days=HORIZON_DAYS)):
        errors.add("day", f"Pilih hari kerja dalam {HORIZON_DAYS // 7} minggu ke depan.")
    elif day and day.weekday() not in rules.DEFAULT_RULES.workdays:
        errors.add("day", "Layanan hanya Senin sampai Jumat.")
    consultant_id = data.get("consultant_id")
    if not isinstance(consultant_id, str) or not consultant_id:
        errors.add("consultant_id", "Pilih konsultan.")
    if errors:
        raise InputError(errors)
    consultant = team.get_consultant(consultant_id)
    if not consultant.active:
        raise InputError({"consultant_id": f"{consultant.name} sedang tidak aktif."})
    if service not in consultant.services:
        raise InputError({"service": f"{consultant.name} tidak melayani {words.mid_sentence(rules.SERVICES[service])}."})
    before = build(now)
    after = build(now, (RosterException(consultant_id, day, service, EXCEPTION_EXTRA),))
    added = len(after.slots) - len(before.slots)
    return {
        "consultant_name": consultant.name, "day": day.isoformat(), "service": service, "added_seats": added,
        "before": {"estimates": _estimates(before.inputs)[service], "allocator": _allocator_view(before)},
        "after": {"estimates": _estimates(after.inputs)[service], "allocator": _allocator_view(after)},
    }
