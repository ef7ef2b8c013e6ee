"""Which seats of the calendar are still free, given the sessions that hold seats and rooms. Pure."""
from __future__ import annotations

from datetime import datetime

from . import rules
from .service_calendar import Slot


def holding(sessions) -> list:
    return [s for s in sessions if s.status in rules.SEAT_HOLDING_STATUSES]


def rooms_in_use(sessions) -> dict[datetime, set[str]]:
    """start -> rooms held by sessions at that start."""
    out: dict[datetime, set[str]] = {}
    for s in holding(sessions):
        if s.room_id:
            out.setdefault(rules.parse_utc_iso(s.start), set()).add(s.room_id)
    return out


def free_seats(slots: list[Slot], sessions, active_rooms: list[str]) -> list[Slot]:
    """Seats that no session holds. A room held at a start time is not offered again at that
    time: another free seat gets a spare room if one is left, else goes online-only (or drops out
    when it takes face-to-face sessions only)."""
    held = holding(sessions)
    taken_seats = {s.seat_id for s in held}
    rooms_taken = rooms_in_use(held)
    free = [s for s in slots if s.seat_id not in taken_seats]
    if not rooms_taken:
        return free
    all_rooms = sorted(active_rooms)
    out: list[Slot] = []
    by_start: dict[datetime, list[Slot]] = {}
    for s in free:
        by_start.setdefault(s.start, []).append(s)
    for start_at, group in sorted(by_start.items()):
        held_here = rooms_taken.get(start_at, set())
        busy = set(held_here) | {s.room_id for s in group if s.room_id and s.room_id not in held_here}
        spare = [r for r in all_rooms if r not in busy]
        for s in group:
            if s.room_id and s.room_id in held_here:
                if spare:
                    s = Slot(s.start, s.service, s.consultant_id, s.modes, spare.pop(0))
                else:
                    modes = frozenset(s.modes - {rules.MODE_TATAP_MUKA})
                    if not modes:
                        continue
                    s = Slot(s.start, s.service, s.consultant_id, modes, None)
            out.append(s)
    return out
