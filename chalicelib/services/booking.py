"""Booking and releasing sessions: the allocation run's bookings, booking by hand, moves,
attendance, cancellations by either side, and the visitor's self-service.

Every booking is one DynamoDB transaction: the session, its locks (seat, room, registration),
the registration's new status, the messages that tell the visitor and the evaluation counters
are written together or not at all. The locks make a double booking impossible whoever writes
(two allocation runs, a run and a coordinator), and a run that dies between two bookings leaves
only whole bookings behind; the next run finishes the job.

States
  registration: menunggu -> terjadwal -> selesai | kedaluwarsa (no offered day can be served)
                | dibatalkan (visitor cancelled); a cancelled session puts it back to menunggu
                with its place in the queue (queued_at) when the visitor or office asks so.
  session:      terjadwal -> hadir | tidak_hadir | batal_pengunjung | batal_kantor | dipindah | minta_tanggal_lain
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from .. import clock
from ..domain import counters, meetings, rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.service_calendar import Slot
from ..messages import catalog, events
from ..store import outbox as outbox_store
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import capacity, registrations

if TYPE_CHECKING:
    from ..store.models import Registration, SessionRecord

VISITOR = "pengunjung"



# --- reading --------------------------------------------------------------------------------

def get_session(session_id: str):
    session = sessions_store.get(session_id)
    if session is None:
        raise NotFound({"_form": "Sesi tidak ditemukan."})
    return session


def get_registration(reference: str):
    registration = registrations_store.get(reference)
    if registration is None:
        raise NotFound({"_form": "Pendaftaran tidak ditemukan."})
    return registration


def free_slots(start, end, sessions=None) -> list[Slot]:
    """Seats of the calendar that no session holds (see capacity.free_seats)."""
    return capacity.free_slots(start, end, sessions)


# --- booking ------------------------------------------------------------------------------------

def book(registration: Registration, slot: Slot, mode: str, *, actor: str, fixed: bool = False,
         allowed_from: tuple[str, ...] = (rules.STATUS_WAITING,), now: datetime | None = None,
         audit_action: str = "sesi.jadwalkan", meeting_from=None, refill_of: datetime | None = None,
         walk_in: bool = False):
    """Write one session in one transaction, or raise Conflict naming what was taken.

    An online session is written with its Zoom meeting still to be made (services/meetings.py). A
    move passes the released session as `meeting_from`: if it had a meeting, the new session
    takes it over in this transaction (its time is then updated) instead of getting a second one.
    `refill_of`: when the seat was given back by a visitor (services/allocation.refill): kept on
    the session and counted with the time it took. `walk_in`: booked at the walk-in desk for a
    visitor at the office (marked on the session, counted apart).
    """
    now = now or clock.now()
    if mode not in slot.modes:
        raise Conflict({"mode": "Slot ini tidak melayani cara konsultasi tersebut."})
    stamp = rules.to_utc_iso(now)
    session = sessions_store.build(
        "S-" + secrets.token_hex(6).upper(),
        reference=registration.reference, seat_id=slot.seat_id, start=rules.to_utc_iso(slot.start),
        day=slot.start.astimezone(rules.WIB).date().isoformat(), service=slot.service, mode=mode,
        consultant_id=slot.consultant_id, room_id=slot.room_id if mode == rules.MODE_TATAP_MUKA else None,
        status=rules.SESSION_SCHEDULED, fixed=fixed, created_at=stamp, updated_at=stamp, created_by=actor,
        refill_of=rules.to_utc_iso(refill_of) if refill_of else None, walk_in=True if walk_in else None,
        **meetings.new_session_fields(mode, now, meeting_from, slot.consultant_id))
    # The registration's first session ever is the funnel's "scheduled" step (counters): the
    # condition on session_id keeps that count exact even if `registration` was read earlier.
    first = registration.session_id is None
    uow = UnitOfWork(actor, audit_action, registration.reference,
                     {"session": session.session_id, "start": session.start, "consultant": slot.consultant_id,
                      "mode": mode})
    sessions_store.add_booking(uow, session, stamp)
    outbox_store.add(uow, events.on_session_scheduled(session, registration, now, moved=audit_action == "sesi.pindah"))
    registrations_store.update(uow, registration, {"status": rules.STATUS_SCHEDULED, "session_id": session.session_id,
                                                   "updated_at": stamp},
                               status_in=allowed_from, session="none" if first else "some", days_as_read=True)
    hand_over = session.meeting_state == meetings.TO_UPDATE
    if hand_over:
        sessions_store.hand_over(uow, meeting_from, session)
    stats_store.add(uow, counters.session_booked(
        registration_created_at=registration.created_at, first=first, day=session.day, service=session.service,
        mode=mode, refill_ms=round((now - refill_of).total_seconds() * 1000) if refill_of else None, walk_in=walk_in))
    try:
        uow.commit()
    except Cancelled as exc:
        if hand_over and not sessions_store.can_still_hand_over(meeting_from):
            # A sync run got to the old meeting first (it is deleting it): book with a new one.
            return book(registration, slot, mode, actor=actor, fixed=fixed, allowed_from=allowed_from, now=now,
                        audit_action=audit_action, refill_of=refill_of, walk_in=walk_in)
        raise Conflict(_conflict_reasons(exc)) from None
    return session


def _conflict_reasons(exc: Cancelled) -> dict:
    if exc.on(sessions_store.SEAT):
        return {"_form": "Konsultan sudah punya sesi pada jam itu."}
    if exc.on(sessions_store.REGISTRATION_LOCK, sessions_store.ROOM):
        return {"_form": "Pendaftaran ini sudah punya sesi, atau ruang sudah terpakai pada jam itu."}
    if exc.failed:
        return {"_form": "Status pendaftaran sudah berubah; muat ulang lalu coba lagi."}
    return {"_form": "Sesi tidak dapat disimpan karena bentrok; muat ulang lalu coba lagi."}


def release(session: SessionRecord, new_status: str, reg_status: str, *, actor: str, action: str, details: dict,
            extra_fields: dict | None = None, now: datetime | None = None, moving: bool = False,
            whatsapp: bool = False) -> None:
    """End a session's hold on its seat: status change, locks deleted, registration updated,
    and its Zoom meeting (if online) marked for deletion. `whatsapp`: the visitor did it from
    WhatsApp (counted apart)."""
    now = now or clock.now()
    stamp = rules.to_utc_iso(now)
    registration = get_registration(session.reference)
    uow = UnitOfWork(actor, action, session.reference, {"session": session.session_id, **details})
    outbox_store.add(uow, events.on_release(session, registration, action=action,
                                            requeue=reg_status == rules.STATUS_WAITING, moving=moving,
                                            details=details, now=now))
    sessions_store.release(uow, session, {"status": new_status, "updated_at": stamp,
                                          **meetings.release_fields(session, now, moving=moving)})
    registrations_store.update(uow, registration, {"status": reg_status, "updated_at": stamp, **(extra_fields or {})})
    stats_store.add(uow, counters.session_released(
        registration_created_at=registration.created_at, day=session.day, service=session.service, mode=session.mode,
        new_status=new_status, registration_status=reg_status, moving=moving, whatsapp=whatsapp,
        walk_in=bool(session.walk_in)))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Sesi ini sudah tidak terjadwal; muat ulang halaman."}) from None


def expire(registration: Registration, now: datetime) -> bool:
    """No offered day can be served any more: kedaluwarsa, and the visitor is invited to offer
    new dates. False when the registration changed meanwhile (the next run looks again)."""
    uow = UnitOfWork()
    registrations_store.update(uow, registration, {"status": rules.STATUS_EXPIRED,
                                                   "updated_at": rules.to_utc_iso(now)},
                               status_in=(rules.STATUS_WAITING,), days_as_read=True)
    stats_store.add(uow, counters.registration_expired(registration_created_at=registration.created_at))
    outbox_store.add(uow, events.on_expired(registration, now))
    try:
        uow.commit()
    except Cancelled:
        return False
    return True


# --- staff actions ---------------------------------------------------------------------------

def _seat(start: datetime, consultant_id: str) -> Slot:
    """The calendar seat for a consultant at a start time (with its room), or Conflict. A seat
    whose time has come is never booked or moved to by hand."""
    if start <= clock.now():
        raise Conflict({"start": "Jam itu sudah lewat. Pilih jam yang akan datang."})
    day = start.astimezone(rules.WIB).date()
    for s in free_slots(day, day):
        if s.consultant_id == consultant_id and s.start == start:
            return s
    raise Conflict({"start": "Konsultan tidak bertugas atau sudah punya sesi pada jam itu."})


def assign_by_hand(actor: str, reference: str, start_text: object, consultant_id: object, mode: object = None):
    """A coordinator books a session: the allocator never moves it."""
    registration = get_registration(reference)
    start = _parse_start(start_text)
    if not isinstance(consultant_id, str) or not consultant_id:
        raise InputError({"consultant_id": "Pilih konsultan."})
    slot = _seat(start, consultant_id)
    if slot.service != registration.service:
        raise Conflict({"start": "Jam itu untuk layanan lain."})
    mode = mode or registration.mode
    return book(registration, slot, mode, actor=actor, fixed=True,
                allowed_from=(rules.STATUS_WAITING, rules.STATUS_EXPIRED), audit_action="sesi.tetapkan")


def move_session(actor: str, session_id: str, start_text: object, consultant_id: object):
    """Move a scheduled session to another seat: the old one is released, the new one booked."""
    session = get_session(session_id)
    if session.status != rules.SESSION_SCHEDULED:
        raise Conflict({"_form": "Hanya sesi yang masih terjadwal yang dapat dipindah."})
    start = _parse_start(start_text)
    if not isinstance(consultant_id, str) or not consultant_id:
        raise InputError({"consultant_id": "Pilih konsultan."})
    slot = _seat(start, consultant_id)  # checks the target before touching the old session
    registration = get_registration(session.reference)
    if slot.service != registration.service or session.mode not in slot.modes:
        raise Conflict({"start": "Slot itu tidak cocok dengan layanan atau cara konsultasi sesi ini."})
    release(session, rules.SESSION_MOVED, rules.STATUS_WAITING, actor=actor, action="sesi.pindah_lepas",
            details={"to": rules.to_utc_iso(start)}, moving=True)
    try:
        return book(get_registration(session.reference), slot, session.mode, actor=actor, fixed=True,
                    audit_action="sesi.pindah", meeting_from=session)
    except Conflict:
        # Someone took the target between our check and our write: the registration waits at
        # its old place in the queue and the next allocation run serves it.
        raise Conflict({"start": "Slot tujuan baru saja terisi. Pendaftaran kembali ke antrean di urutan "
                                 "semula dan akan dijadwalkan ulang otomatis."}) from None


def mark_attendance(actor: str, session_id: str, status: object):
    if status not in (rules.SESSION_ATTENDED, rules.SESSION_NO_SHOW):
        raise InputError({"status": "Pilih hadir atau tidak hadir."})
    session = get_session(session_id)
    if session.status not in (rules.SESSION_SCHEDULED, rules.SESSION_ATTENDED, rules.SESSION_NO_SHOW):
        raise Conflict({"status": "Sesi ini sudah dibatalkan."})
    if rules.parse_utc_iso(session.start) > clock.now():
        raise Conflict({"status": "Kehadiran dicatat setelah sesi dimulai."})
    stamp = rules.to_utc_iso(clock.now())
    registration = get_registration(session.reference)
    uow = UnitOfWork(actor, f"sesi.{status}", session.reference, {"session": session_id})
    sessions_store.set_status(uow, session, status, stamp)  # counted from the status read (counters)
    registrations_store.update(uow, registration, {"status": rules.STATUS_DONE, "updated_at": stamp})
    stats_store.add(uow, counters.attendance_changed(registration_created_at=registration.created_at, day=session.day,
                                                     old=session.status, new=status,
                                                     confirmed=bool(session.visitor_confirmed_at)))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"status": "Status sesi baru saja berubah; muat ulang halaman."}) from None
    return sessions_store.get(session_id, consistent=True)


AVOIDED_SEATS_KEPT = 10


def cancel_by_office(actor: str, session_id: str, requeue: bool = True):
    """The office cancels one session; with `requeue` the visitor waits again at their place and
    is never offered that seat again. Returns the released session (its seat is free)."""
    session = get_session(session_id)
    extra = None
    if requeue:
        avoided = list(get_registration(session.reference).avoid_seats or [])
        extra = {"avoid_seats": (avoided + [session.seat_id])[-AVOIDED_SEATS_KEPT:]}
    release(session, rules.SESSION_CANCELLED_OFFICE, rules.STATUS_WAITING if requeue else rules.STATUS_CANCELLED,
            actor=actor, action="sesi.batal_kantor", details={"requeue": requeue}, extra_fields=extra)
    return session


def _parse_start(value: object) -> datetime:
    try:
        if isinstance(value, str):
            return rules.parse_utc_iso(value)
    except ValueError:
        pass
    raise InputError({"start": "Waktu mulai tidak valid."})


# --- the visitor's self-service ----------------------------------------------------------------

def _via(inbound_id: str | None) -> tuple[dict, dict]:
    """(audit details, registration fields) of a change the visitor made from WhatsApp: the
    inbound message's id goes on the registration, so a webhook Meta delivers again finds it."""
    return ({"lewat": "WhatsApp"}, {"inbound_id": inbound_id}) if inbound_id else ({}, {})


def visitor_cancel(registration: Registration, *, inbound_id: str | None = None, now: datetime | None = None):
    """The visitor cancels: the session (if any) ends and frees its seat; nothing is queued.
    Returns the released session (None when there was none), for services/self_service.py to
    offer its seat to the queue."""
    now = now or clock.now()
    if registration.status in (rules.STATUS_DONE, rules.STATUS_CANCELLED):
        raise Conflict({"_form": "Pendaftaran ini sudah selesai atau dibatalkan."})
    details, fields = _via(inbound_id)
    if registration.status == rules.STATUS_SCHEDULED and registration.session_id:
        session = get_session(registration.session_id)
        release(session, rules.SESSION_CANCELLED_VISITOR, rules.STATUS_CANCELLED, actor=VISITOR,
                action="sesi.batal_pengunjung", details=details, extra_fields=fields, now=now,
                whatsapp=bool(inbound_id))
        return session
    uow = UnitOfWork(VISITOR, "pendaftaran.batal", registration.reference, details)
    outbox_store.add(uow, events.on_registration_cancelled(registration, now))
    registrations_store.update(uow, registration, {"status": rules.STATUS_CANCELLED,
                                                   "updated_at": rules.to_utc_iso(now), **fields},
                               status_in=(rules.STATUS_WAITING, rules.STATUS_EXPIRED))
    stats_store.add(uow, counters.registration_cancelled(registration_created_at=registration.created_at))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Status pendaftaran berubah; muat ulang halaman."}) from None
    return None


class ConfirmRelease(Conflict):
    """New days for a registration with a session: the seat would be given up, so the visitor is
    asked first (409 with `needs_confirm`; sent again with confirm: true, it goes through)."""

    def __init__(self, session: SessionRecord):
        start = rules.parse_utc_iso(session.start).astimezone(rules.WIB)
        super().__init__({"confirm": f"Sesi Anda {catalog.long_date(start.date())}, pukul {start:%H.%M} WIB akan dilepas "
                                     "untuk peserta lain, lalu Anda menunggu jadwal pada tanggal baru (urutan Anda tetap). "
                                     "Lanjutkan bila memang tidak bisa hadir."})
        self.extra = {"needs_confirm": True}


UNCHANGED_DAYS = "Tanggal ini sama dengan yang sudah Anda tawarkan; tidak ada yang berubah."


def visitor_new_days(registration: Registration, raw_days: object, now: datetime | None = None, *,
                     inbound_id: str | None = None, confirm: bool = False):
    """The visitor offers other dates: back to waiting with their place kept (queued_at).
    Returns the released session (None when there was none). The same days again change nothing
    (refused); giving up a booked seat needs `confirm`; days nobody can serve are refused."""
    now = now or clock.now()
    if registration.status in (rules.STATUS_DONE, rules.STATUS_CANCELLED):
        raise Conflict({"_form": "Pendaftaran ini sudah selesai atau dibatalkan; silakan daftar baru."})
    today = rules.wib_now(now).date()
    days, msg = validation.validate_days(raw_days, today, registrations.closed_days(today))
    if msg:
        raise InputError({"days": msg})
    if {d.isoformat() for d in days} == set(registration.days or ()) and registration.status != rules.STATUS_EXPIRED:
        raise InputError({"days": UNCHANGED_DAYS})
    errors = registrations.servable(registration.service, registration.mode, days)
    if errors:
        raise InputError(errors)
    if registration.status == rules.STATUS_SCHEDULED and registration.session_id and not confirm:
        raise ConfirmRelease(get_session(registration.session_id))
    offered = [d.isoformat() for d in days]
    details, fields = _via(inbound_id)
    if registration.status == rules.STATUS_SCHEDULED and registration.session_id:
        session = get_session(registration.session_id)
        release(session, rules.SESSION_OTHER_DATES, rules.STATUS_WAITING,
                actor=VISITOR, action="sesi.minta_tanggal_lain", details={"days": offered, **details},
                extra_fields={"days": offered, **fields}, now=now)
        return session
    uow = UnitOfWork(VISITOR, "pendaftaran.tanggal_baru", registration.reference, {"days": offered, **details})
    outbox_store.add(uow, events.on_new_days(registration, offered, now))
    registrations_store.update(uow, registration, {"status": rules.STATUS_WAITING, "updated_at": rules.to_utc_iso(now),
                                                   "days": offered, **fields},
                               status_in=(rules.STATUS_WAITING, rules.STATUS_EXPIRED))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Status pendaftaran berubah; muat ulang halaman."}) from None
    return None
