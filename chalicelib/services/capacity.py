"""Bookable slots and capacity for staff: the pure calendar over the stored team, minus the
seats that sessions hold."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from ..domain import rules, seats
from ..domain.errors import InputError
from ..domain.service_calendar import Slot, generate_slots
from ..store import sessions as sessions_store
from . import roster, team

MAX_RANGE_DAYS = 31


def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def sessions_between(start: date, end: date) -> list:
    """Sessions on each WIB day of the range: one Query per day on GSI by_day."""
    return sessions_store.between(start, end)


def taken_seats(sessions) -> set[str]:
    return {s.seat_id for s in sessions if s.status in rules.SEAT_HOLDING_STATUSES}


def slots(start: date, end: date) -> list[Slot]:
    return generate_slots(start_day=start, end_day=end, **roster.calendar_inputs(start, end))


def free_slots(start: date, end: date, sessions=None) -> list[Slot]:
    """Seats of the calendar that no session holds (domain.seats.free_seats)."""
    all_slots = slots(start, end)
    sessions = sessions_between(start, end) if sessions is None else sessions
    rooms = [r.room_id for r in team.list_rooms() if r.active] if seats.rooms_in_use(sessions) else []
    return seats.free_seats(all_slots, sessions, rooms)


def day_offer(days: list[date], now) -> dict:
    """What a visitor choosing days should know, per service and mode and day (ISO):
    {"seats": seats on the roster that can take that mode, "free": of those, not yet taken and
    still to come}. A day with no seats has no consultant for that choice."""
    out = {s: {m: {d.isoformat(): {"seats": 0, "free": 0} for d in days} for m in rules.MODES} for s in rules.SERVICES}
    if not days:
        return out
    start, end = min(days), max(days)
    all_slots = slots(start, end)
    free = {s.seat_id for s in free_slots(start, end) if s.start > now}
    for slot in all_slots:
        day = slot.start.astimezone(rules.WIB).date().isoformat()
        for mode in slot.modes:
            cell = out.get(slot.service, {}).get(mode, {}).get(day)
            if cell is not None:
                cell["seats"] += 1
                cell["free"] += slot.seat_id in free
    return out


def roster_seats(days, service: str, mode: str) -> int:
    """Seats on the roster for `service` that can take `mode` on these days (booked or not)."""
    days = sorted(set(days))
    if not days:
        return 0
    wanted = set(days)
    return sum(1 for s in slots(days[0], days[-1])
               if s.service == service and mode in s.modes and s.start.astimezone(rules.WIB).date() in wanted)


def slots_view(start: date, end: date) -> list[dict]:
    parse_range(start, end)
    inputs = roster.calendar_inputs(start, end)
    names = {c.id: c.name for c in inputs["consultants"]}
    rooms = {r.id: r.name for r in inputs["rooms"]}
    taken = taken_seats(sessions_between(start, end))
    out = []
    for slot in generate_slots(start_day=start, end_day=end, **inputs):
        local = slot.start.astimezone(rules.WIB)
        out.append({
            "seat_id": slot.seat_id,
            "start": rules.to_utc_iso(slot.start),
            "start_wib": local.strftime("%Y-%m-%d %H:%M"),
            "day": local.date().isoformat(),
            "service": slot.service,
            "consultant_id": slot.consultant_id,
            "consultant_name": names.get(slot.consultant_id, slot.consultant_id),
            "modes": sorted(slot.modes),
            "room_id": slot.room_id,
            "room_name": rooms.get(slot.room_id) if slot.room_id else None,
            "taken": slot.seat_id in taken,
        })
    return out


def capacity_view(start: date, end: date) -> list[dict]:
    """Per day and service: seats offered / taken / free, in total and per mode they can take."""
    parse_range(start, end)
    all_slots = slots(start, end)
    sessions = [s for s in sessions_between(start, end) if s.status in rules.SEAT_HOLDING_STATUSES]
    taken_ids = {s.seat_id for s in sessions}

    def empty():
        return {k: {"offered": 0, "taken": 0, "free": 0} for k in ("seats", *rules.MODES)}

    table: dict[str, dict[str, dict]] = defaultdict(lambda: {s: empty() for s in rules.SERVICES})
    for slot in all_slots:
        cell = table[slot.start.astimezone(rules.WIB).date().isoformat()][slot.service]
        is_taken = slot.seat_id in taken_ids
        for key in ("seats", *sorted(slot.modes)):
            cell[key]["offered"] += 1
            if not is_taken:
                cell[key]["free"] += 1
    for s in sessions:
        cell = table[s.day][s.service]
        cell["seats"]["taken"] += 1
        cell[s.mode]["taken"] += 1
    return [{"day": d.isoformat(), "services": table[d.isoformat()]} for d in _days(start, end)
            if d.isoformat() in table or d.weekday() in rules.DEFAULT_RULES.workdays]


def parse_range(start: date, end: date) -> None:
    if end < start:
        raise InputError({"to": "Tanggal akhir sebelum tanggal awal."})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InputError({"to": f"Rentang paling lama {MAX_RANGE_DAYS} hari."})
