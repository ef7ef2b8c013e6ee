"""The walk-in desk: a visitor who comes to the office is registered and seated in half a minute.

The desk types the visitor's WhatsApp number first (`lookup`: their open registrations and
earlier visits, and what to fill the form with), then asks the rest; `seats` lists the free
face-to-face seats from now to the end of today's block (the next working day's when today has
none), the consultants whose topics fit first; `seat` books one through the same booking path as
everything else (services/booking.book: the same locks and conditions), so a desk never takes a
seat a run, a refill or another desk took a moment before: the loser is answered 409 with the
next free seat. `queue` stores the visitor in the queue with today as their place when nothing is
free.

Idempotent: the desk sends one key per visitor. The first request stores the registration under
that key (services/registrations.store_registration, channel "datang_langsung"); a retried or
doubled request finds it, and finds its session if it was booked (the same answer, never a second
booking). A request that lost its seat leaves the visitor registered under the key: the desk's
next tap books the next seat for the same registration. Until a session is booked, the visitor's
"received" message waits (messages/events.DESK_HOLD), so nobody leaves untold.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from .. import clock
from ..domain import desk, rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.references import format_reference, normalize_reference
from ..messages import catalog
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import booking, capacity, registrations, team

if TYPE_CHECKING:
    from ..domain.service_calendar import Slot
    from ..store.models import Registration, SessionRecord

KEY_PREFIX = "desk#"
LISTED = 5  # earlier registrations shown for a number
BOOKABLE = (rules.STATUS_WAITING, rules.STATUS_EXPIRED)


# --- the number first ------------------------------------------------------------------------------

def lookup(payload: object) -> dict:
    """What the desk knows of a WhatsApp number: its registrations (newest first, open ones with
    their session) and the fields to fill the form with. POST body: no number in a URL."""
    phone, message = validation.normalize_phone((payload or {}).get("whatsapp") if isinstance(payload, dict) else None)
    if message:
        raise InputError({"whatsapp": message})
    regs = sorted((r for r in registrations_store.for_phone(phone) if not rules.anonymised(r.name, r.phone)),
                  key=lambda r: r.created_at, reverse=True)
    visits = {s.session_id: s for s in sessions_store.get_many(r.session_id for r in regs if r.session_id)}
    listed = [_registration_line(r, visits.get(r.session_id)) for r in regs[:LISTED]]
    return {"whatsapp": phone, "known": bool(regs), "registrations": listed,
            "visits": sum(1 for s in visits.values() if s.status == rules.SESSION_ATTENDED),
            "prefill": _prefill(regs[0]) if regs else None}


def _registration_line(r: Registration, session: SessionRecord | None) -> dict:
    line = {"reference": format_reference(r.reference), "status": r.status,
            "status_label": rules.REGISTRATION_STATUSES.get(r.status, r.status),
            "service": r.service, "service_label": rules.SERVICES.get(r.service, r.service),
            "created_day": r.created_at[:10], "topic_codes": list(r.topics),
            "topics": [rules.TOPICS.get(t, t) for t in r.topics], "mode": r.mode,
            "bookable": r.status in BOOKABLE and r.mode == rules.MODE_TATAP_MUKA, "session": None}
    if session is not None and session.status in rules.SEAT_HOLDING_STATUSES:
        day, times, _ = catalog.session_times(session.start)
        line["session"] = {"when": f"{catalog.long_date(day)}, {times}", "status_label":
                           rules.SESSION_STATUSES.get(session.status, session.status), "walk_in": bool(session.walk_in)}
    return line


def _prefill(r: Registration) -> dict:
    return {"name": r.name, "email": r.email, "kecamatan": r.kecamatan, "desa": r.desa, "org_name": r.org_name,
            "choice": desk.choice_of(r.service, r.coop_status, r.business_sector), "topics": list(r.topics)}


# --- the seats -------------------------------------------------------------------------------------

class _Team:
    """The consultants' names and topics and the rooms' names, read once per request."""

    def __init__(self):
        consultants = team.list_consultants()
        self.names = {c.consultant_id: c.name for c in consultants}
        self.topics = {c.consultant_id: set(c.topics or ()) for c in consultants}
        self.rooms = {r.room_id: r.name for r in team.list_rooms()}


def seats(service: object, topics: object, now: datetime | None = None) -> dict:
    """The free face-to-face seats for `service` from now to the end of today's block, or the
    next working day's when today has none; the consultants whose topics fit first. Before a
    service is chosen (none given): every service's, soonest first."""
    now = now or clock.now()
    if service in (None, ""):
        service = None
    elif service not in rules.SERVICES:
        raise InputError({"choice": desk.CHOICE_MESSAGE})
    topics = [t for t in topics if t in rules.TOPICS] if isinstance(topics, list) else []
    people = _Team()
    today = rules.wib_now(now).date()
    choices, day = _free_choices(service, topics, now, people)
    return {"day": day.isoformat() if day else None, "today": day == today,
            "day_label": _day_label(day, today) if day else None,
            "seats": [_seat_view(c.slot, c.fits, today, people) for c in choices],
            # For a visitor who cannot take these (or when none is free): the days they may offer to
            # wait for in the queue (the web form's).
            "queue_days": [d.isoformat() for d in registrations.bookable_days(today)[:10]]}


def _free_choices(service: str | None, topics, now: datetime, people: _Team) -> tuple[list, date | None]:
    today = rules.wib_now(now).date()
    for day in desk.seat_days(today, registrations.closed_days(today)):
        choices = desk.order_seats(capacity.free_slots(day, day), service, topics, people.topics, now)
        if choices:
            return choices, day
    return [], None


def _day_label(day: date, today: date) -> str:
    return "" if day == today else catalog.long_date(day)


def _seat_view(slot: Slot, fits: bool, today: date, people: _Team) -> dict:
    local = slot.start.astimezone(rules.WIB)
    consultant = people.names.get(slot.consultant_id, slot.consultant_id)
    room = people.rooms.get(slot.room_id, slot.room_id)
    return {"start": rules.to_utc_iso(slot.start), "time_wib": f"{local:%H.%M}", "day": local.date().isoformat(),
            "consultant_id": slot.consultant_id, "consultant_name": consultant, "room_id": slot.room_id,
            "room_name": room, "fits": fits, "service": slot.service,
            "words": desk.seat_words(f"{local:%H.%M}", consultant, room, _day_label(local.date(), today))}


# --- booking ---------------------------------------------------------------------------------------

def seat(actor: str, payload: object, idempotency_key: str | None, now: datetime | None = None) -> dict:
    """Register the visitor (or take their open registration) and book the chosen seat, once per
    key. Conflict (409) with the next free seat when it was taken meanwhile."""
    now = now or clock.now()
    payload = payload if isinstance(payload, dict) else {}
    closed = registrations.closed_days(rules.wib_now(now).date())  # read once for the whole request
    start, consultant_id = _chosen_seat(payload.get("seat"), now, closed)
    if payload.get("reference"):
        registration = _open_registration(payload.get("reference"))
    else:
        registration = _registered(actor, payload, idempotency_key, now, closed,
                                   seat_day=start.astimezone(rules.WIB).date())
    return _book(actor, registration, start, consultant_id, now)


def queue(actor: str, payload: object, idempotency_key: str | None, now: datetime | None = None) -> dict:
    """Nothing free: the visitor joins the queue with today as their place and the days they can
    come (the web form's rules for days); told by the usual "received" message."""
    now = now or clock.now()
    closed = registrations.closed_days(rules.wib_now(now).date())
    registration = _registered(actor, payload, idempotency_key, now, closed, seat_day=None)
    registration = _requeued_for(actor, registration, payload, now, closed)
    return {"reference": format_reference(registration.reference), "status": registration.status,
            "status_label": rules.REGISTRATION_STATUSES[registration.status], "days": list(registration.days)}


def _requeued_for(actor: str, registration: Registration, payload: object, now: datetime,
                  closed: set[date]) -> Registration:
    """The visitor was registered under this key by a booking that lost its seat: their days
    become the ones they can come (they keep their place, taken when they came in)."""
    if registration.status != rules.STATUS_WAITING or registration.session_id:
        return registration
    today = rules.wib_now(now).date()
    raw = payload.get("days") if isinstance(payload, dict) else None
    days, message = validation.validate_days(raw, today, closed)
    errors = {"days": message} if message else registrations.servable(registration.service, registration.mode, days)
    if errors:
        raise InputError(errors)
    wanted = [d.isoformat() for d in days]
    if wanted == list(registration.days):
        return registration  # a retried request: nothing changes
    uow = UnitOfWork(actor, "pendaftaran.tanggal_loket", registration.reference, {"days": wanted})
    registrations_store.update(uow, registration, {"days": wanted, "updated_at": rules.to_utc_iso(now)},
                               status_in=(rules.STATUS_WAITING,), session="none", days_as_read=True)
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Pendaftaran ini baru saja berubah; muat ulang lalu coba lagi."}) from None
    return registrations_store.get(registration.reference, consistent=True)


def _key(idempotency_key: str | None) -> str:
    if not idempotency_key or not validation.IDEMPOTENCY_RE.match(idempotency_key):
        raise InputError({"_form": "Kunci pengiriman tidak valid; muat ulang halaman lalu kirim lagi."})
    return KEY_PREFIX + idempotency_key


def _registered(actor: str, payload: object, idempotency_key: str | None, now: datetime, closed: set[date], *,
                seat_day: date | None) -> Registration:
    """The registration stored under the desk's key: found again, or validated and stored."""
    key = _key(idempotency_key)
    replay = registrations_store.replay(key)
    if replay is None:
        today = rules.wib_now(now).date()
        data, errors = desk.validate(payload, today=today, closed=closed, seat_day=seat_day)
        if not errors and seat_day is None:
            errors = registrations.servable(data.service, data.mode, data.days)
        if errors:
            raise InputError(errors)
        outcome = registrations.store_registration(data, key, now, another=True,
                                                   origin=registrations.Origin.desk(actor, seating=seat_day is not None))
        if outcome.status != 201:
            raise InputError(outcome.body.get("errors") or {"_form": registrations.BUSY}, outcome.status)
        replay = outcome.body
    registration = registrations_store.get(normalize_reference(replay["reference"]), consistent=True)
    if registration is None:  # deleted on request meanwhile
        raise NotFound({"_form": "Pendaftaran tidak ditemukan."})
    return registration


def _open_registration(raw_reference: object) -> Registration:
    registration = registrations_store.get(normalize_reference(raw_reference), consistent=True)
    if registration is None:
        raise NotFound({"reference": "Pendaftaran tidak ditemukan."})
    if registration.mode != rules.MODE_TATAP_MUKA:
        raise Conflict({"reference": "Pendaftaran ini untuk konsultasi daring; jadwalnya lewat Zoom, bukan di loket."})
    return registration


def _chosen_seat(raw: object, now: datetime, closed: set[date]) -> tuple[datetime, str]:
    raw = raw if isinstance(raw, dict) else {}
    consultant_id = raw.get("consultant_id")
    try:
        start = rules.parse_utc_iso(raw.get("start")) if isinstance(raw.get("start"), str) else None
    except ValueError:
        start = None
    if start is None or not isinstance(consultant_id, str) or not consultant_id:
        raise InputError({"seat": "Pilih kursi dari daftar."})
    today = rules.wib_now(now).date()
    if start.astimezone(rules.WIB).date() not in desk.seat_days(today, closed):
        raise InputError({"seat": "Loket hanya menjadwalkan hari ini atau hari kerja berikutnya."})
    return start, consultant_id


def _book(actor: str, registration: Registration, start: datetime, consultant_id: str, now: datetime) -> dict:
    """Book the seat for `registration`, or say what it already has, or Conflict with the next."""
    done = _booked_at_desk(registration)
    if done is not None:
        return done
    if registration.status not in BOOKABLE:
        raise Conflict({"reference": f"Pendaftaran ini berstatus {rules.REGISTRATION_STATUSES.get(registration.status)}; "
                                     "tidak dapat dijadwalkan di loket."})
    people = _Team()
    day = start.astimezone(rules.WIB).date()
    slot = next((s for s in capacity.free_slots(day, day) if s.consultant_id == consultant_id and s.start == start
                 and s.service == registration.service and rules.MODE_TATAP_MUKA in s.modes and s.room_id), None)
    if slot is not None and start > now:
        try:
            session = booking.book(registration, slot, rules.MODE_TATAP_MUKA, actor=actor, fixed=True,
                                   allowed_from=BOOKABLE, audit_action="sesi.datang_langsung", walk_in=True, now=now)
            return _answer(registration, session, people)
        except Conflict:
            pass
    # The seat is gone: perhaps to this very visitor, by the same key's other tap a moment before.
    done = _booked_at_desk(registrations_store.get(registration.reference, consistent=True))
    if done is not None:
        return done
    raise _taken(registration, now, people, passed=start <= now)


def _booked_at_desk(registration: Registration | None) -> dict | None:
    """The answer of an earlier tap of the same visitor: their scheduled walk-in session."""
    if registration is None or registration.status != rules.STATUS_SCHEDULED or not registration.session_id:
        return None
    session = sessions_store.get(registration.session_id, consistent=True)
    if session is None or not session.walk_in or session.status != rules.SESSION_SCHEDULED:
        raise Conflict({"reference": "Pendaftaran ini sudah terjadwal; lihat jadwalnya di daftar pendaftaran nomor ini."})
    return _answer(registration, session, _Team())


def _taken(registration: Registration, now: datetime, people: _Team, *, passed: bool = False) -> Conflict:
    choices, _ = _free_choices(registration.service, registration.topics, now, people)
    today = rules.wib_now(now).date()
    following = _seat_view(choices[0].slot, choices[0].fits, today, people) if choices else None
    exc = Conflict({"seat": desk.taken_message(following["words"] if following else None, passed=passed)})
    exc.extra = {"next": following, "reference": format_reference(registration.reference)}
    return exc


def _answer(registration: Registration, session: SessionRecord, people: _Team) -> dict:
    """What the desk says aloud: when, where, with whom; and that WhatsApp has the details."""
    day, times, _ = catalog.session_times(session.start)
    return {"reference": format_reference(registration.reference), "session_id": session.session_id,
            "name": registration.name, "when": f"{catalog.long_date(day)}, {times}", "day": session.day,
            "consultant_name": people.names.get(session.consultant_id, session.consultant_id),
            "room_name": people.rooms.get(session.room_id, session.room_id) if session.room_id else None,
            "told_by": ["WhatsApp"] + (["e-mail"] if registration.email else [])}
