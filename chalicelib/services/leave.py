"""A consultant away for a day (leave, "cuti"): never a session left booked with someone who is
away. Saving leave over booked sessions moves each to a colleague with a free seat that day (the
same time first, then the nearest), else puts it back in the queue at its old place; the visitors
are told (the move's or the cancellation's own message). Staff first see what it will do: saving
leave over booked sessions needs `confirm`.

"Berhalangan? Batalkan hari ini" on the day view and "Cuti" on the roster page are this one flow.
"""
from __future__ import annotations

from datetime import date

from .. import clock
from ..domain import rules, validation
from ..domain.errors import Conflict, InputError
from ..domain.service_calendar import EXCEPTION_OFF, Slot
from ..domain.validation import parse_day
from ..messages import catalog
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from . import allocation, booking, capacity, roster, team


class ConfirmLeave(Conflict):
    """Leave over booked sessions: 409 with what would happen to each (`affected`), until confirmed."""

    def __init__(self, affected: list[dict]):
        n = len(affected)
        super().__init__({"confirm": f"Pada hari itu ada {n} sesi terjadwal dengan konsultan ini. Simpan cuti untuk "
                                     "memindahkan sesi ke rekan yang kosong, atau mengembalikannya ke antrean."})
        self.extra = {"needs_confirm": True, "affected": affected}


def _booked(consultant_id: str, day: date, services: list[str]) -> list:
    return sorted((s for s in sessions_store.of_day(day.isoformat())
                   if s.consultant_id == consultant_id and s.status == rules.SESSION_SCHEDULED
                   and s.service in services), key=lambda s: s.start)


def plan(consultant_id: str, day: date, services: list[str]) -> list[tuple]:
    """(session, the colleague's seat it moves to or None) for each session booked with the
    consultant that day: each free seat at most once, the same time first, then the nearest."""
    now = clock.now()
    free = [s for s in capacity.free_slots(day, day) if s.consultant_id != consultant_id and s.start > now]
    taken: set[str] = set()
    out = []
    for session in _booked(consultant_id, day, services):
        start = rules.parse_utc_iso(session.start)
        fits = [s for s in free if s.service == session.service and session.mode in s.modes and s.seat_id not in taken]
        seat: Slot | None = min(fits, key=lambda s: (abs((s.start - start).total_seconds()), s.consultant_id), default=None)
        if seat is not None:
            taken.add(seat.seat_id)
        out.append((session, seat))
    return out


def _view(session, seat: Slot | None, names: dict[str, str]) -> dict:
    reg = registrations_store.get(session.reference)
    start = rules.parse_utc_iso(session.start).astimezone(rules.WIB)
    view = {"session_id": session.session_id, "time": start.strftime("%H.%M"),
            "name": reg.name if reg is not None else None, "mode": session.mode}
    if seat is None:
        view["plan"] = "Kembali ke antrean (urutan semula); pengunjung diberi tahu."
    else:
        to = seat.start.astimezone(rules.WIB)
        view["to"] = {"consultant_id": seat.consultant_id, "consultant_name": names.get(seat.consultant_id),
                      "start": rules.to_utc_iso(seat.start), "time": to.strftime("%H.%M")}
        view["plan"] = f"Dipindah ke {names.get(seat.consultant_id, seat.consultant_id)}, pukul {to:%H.%M} WIB."
    return view


def _when(session) -> str:
    day, _, at = catalog.session_times(session.start)
    return f"{catalog.long_date(day)} pukul {at}"


def preview(payload: dict) -> dict:
    """What leave would do, without saving it: each booked session and where it would go."""
    consultant_id, day, services = _parse(payload)
    names = {c.consultant_id: c.name for c in team.list_consultants()}
    return {"consultant_id": consultant_id, "day": day.isoformat(), "services": services,
            "affected": [_view(s, seat, names) for s, seat in plan(consultant_id, day, services)]}


def take(actor: str, payload: dict) -> dict:
    """Leave for a consultant, a day and a service (or every service they serve): the roster's
    exception, then every session it empties moved or requeued. Without `confirm`, leave over
    booked sessions is refused with what it would do (ConfirmLeave)."""
    consultant_id, day, services = _parse(payload)
    names = {c.consultant_id: c.name for c in team.list_consultants()}
    planned = plan(consultant_id, day, services)
    if planned and payload.get("confirm") is not True:
        raise ConfirmLeave([_view(s, seat, names) for s, seat in planned])
    for service in services:
        roster.add_exception(actor, {"consultant_id": consultant_id, "day": day.isoformat(), "service": service,
                                     "kind": EXCEPTION_OFF})
    moved, requeued = [], []
    for session, seat in planned:
        if seat is not None:
            try:
                booking.move_session(actor, session.session_id, rules.to_utc_iso(seat.start), seat.consultant_id)
                moved.append(_view(session, seat, names))
                continue
            except Conflict:
                pass  # taken meanwhile: the visitor is back in the queue at the old place (move_session's own rule)
        if sessions_store.get(session.session_id, consistent=True).status == rules.SESSION_SCHEDULED:
            booking.cancel_by_office(actor, session.session_id, requeue=True)
        view = _view(session, None, names)
        again = allocation.quietly(allocation.requeued, session.reference, session, clock.now()) or []
        mine = next((s for s in again if s.reference == session.reference), None)
        if mine is not None:  # a free seat of their days elsewhere: booked at once, told as usual
            view["plan"] = f"Kembali ke antrean lalu langsung dijadwalkan pada {_when(mine)}; pengunjung diberi tahu."
        requeued.append(view)
    return {"consultant_id": consultant_id, "day": day.isoformat(), "services": services, "kind": EXCEPTION_OFF,
            "moved": moved, "requeued": requeued}


def _parse(payload: dict) -> tuple[str, date, list[str]]:
    consultant_id = payload.get("consultant_id")
    if not isinstance(consultant_id, str) or not consultant_id:
        raise InputError({"consultant_id": "Pilih konsultan."})
    day = parse_day(payload.get("day"), "day")
    consultant = team.get_consultant(consultant_id)
    service = payload.get("service") or None
    if service is not None and not validation.one_of(service, rules.SERVICES):
        raise InputError({"service": "Pilih layanan."})
    if day.weekday() not in rules.DEFAULT_RULES.workdays:
        raise InputError({"day": "Layanan hanya Senin sampai Jumat."})
    return consultant_id, day, [service] if service else list(consultant.services)
