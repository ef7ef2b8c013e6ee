"""Sessions and their lifecycle (stages 5 and 6): the allocation run, booking by hand, moves,
attendance, cancellations by either side, and the visitor's self-service.

Every booking is one DynamoDB transaction: the session, its locks (seat, room, registration)
and the registration's new status are written together or not at all. The locks make a double
booking impossible whoever writes (two allocation runs, a run and a coordinator), and a run that
dies between two bookings leaves only whole bookings behind; the next run finishes the job.

States
  registration: menunggu -> terjadwal -> selesai | kedaluwarsa (no offered day can be served)
                | dibatalkan (visitor cancelled); a cancelled session puts it back to menunggu
                with its place in the queue (queued_at) when the visitor or office asks so.
  session:      terjadwal -> hadir | tidak_hadir | batal_pengunjung | batal_kantor
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from . import audit, capacity, notify, rules, stats, team, zoom_sync
from .allocation import Assignment, Request, allocate, earliest_start
from .errors import Conflict, InputError, NotFound
from .models import LockRecord, NoteRecord, Registration, SessionRecord
from .service_calendar import Slot
from .web import parse_day

ALLOCATOR = "penjadwal-otomatis"


def _now() -> datetime:
    return datetime.now(rules.UTC)


# --- reading --------------------------------------------------------------------------------

def waiting_registrations() -> list[Registration]:
    """The queue: every waiting registration (GSI by_status)."""
    return list(Registration.by_status.query(rules.STATUS_WAITING))


def as_request(r: Registration) -> Request:
    return Request(r.reference, r.queued_at, r.service, r.mode,
                   tuple(date.fromisoformat(d) for d in r.days), tuple(r.topics))


def free_slots(start: date, end: date, sessions=None) -> list[Slot]:
    """Seats of the calendar that no session holds; a room held at a start time is not offered
    again at that time (another free seat gets a free room if one is left, else goes online-only)."""
    slots = capacity.slots(start, end)
    sessions = capacity.sessions_between(start, end) if sessions is None else sessions
    holding = [s for s in sessions if s.status in rules.SEAT_HOLDING_STATUSES]
    taken_seats = {s.seat_id for s in holding}
    rooms_taken: dict[datetime, set[str]] = {}
    for s in holding:
        if s.room_id:
            rooms_taken.setdefault(rules.parse_utc_iso(s.start), set()).add(s.room_id)
    free = [s for s in slots if s.seat_id not in taken_seats]
    if not rooms_taken:
        return free
    all_rooms = sorted(r.id for r in team.calendar_inputs(start, start)["rooms"] if r.active)
    out: list[Slot] = []
    by_start: dict[datetime, list[Slot]] = {}
    for s in free:
        by_start.setdefault(s.start, []).append(s)
    for start_at, group in sorted(by_start.items()):
        busy = set(rooms_taken.get(start_at, set())) | {s.room_id for s in group if s.room_id and s.room_id not in rooms_taken.get(start_at, set())}
        spare = [r for r in all_rooms if r not in busy]
        for s in group:
            if s.room_id and s.room_id in rooms_taken.get(start_at, set()):
                if spare:
                    s = Slot(s.start, s.service, s.consultant_id, s.modes, spare.pop(0))
                else:
                    modes = frozenset(s.modes - {rules.MODE_TATAP_MUKA})
                    if not modes:
                        continue
                    s = Slot(s.start, s.service, s.consultant_id, modes, None)
            out.append(s)
    return out


def get_session(session_id: str) -> SessionRecord:
    try:
        return SessionRecord.get(session_id)
    except SessionRecord.DoesNotExist:
        raise NotFound({"_form": "Sesi tidak ditemukan."}) from None


def get_registration(reference: str) -> Registration:
    try:
        return Registration.get(reference)
    except Registration.DoesNotExist:
        raise NotFound({"_form": "Pendaftaran tidak ditemukan."}) from None


# --- writing --------------------------------------------------------------------------------

def _locks(session: SessionRecord) -> list[str]:
    ids = [f"seat#{session.seat_id}", f"reg#{session.reference}"]
    if session.room_id:
        ids.append(f"room#{session.room_id}#{session.start}")
    return ids


def book(registration: Registration, slot: Slot, mode: str, *, actor: str, fixed: bool = False,
         allowed_from: tuple[str, ...] = (rules.STATUS_WAITING,), now: datetime | None = None,
         audit_action: str = "sesi.jadwalkan", meeting_from: SessionRecord | None = None) -> SessionRecord:
    """Write one session in one transaction, or raise Conflict naming what was taken.

    An online session is written with its Zoom meeting still to be made (zoom_sync). A move
    passes the released session as `meeting_from`: if it had a meeting, the new session takes it
    over in this transaction (its time is then updated) instead of getting a second one.
    """
    now = now or _now()
    if mode not in slot.modes:
        raise Conflict({"mode": "Slot ini tidak melayani cara konsultasi tersebut."})
    stamp = rules.to_utc_iso(now)
    room_id = slot.room_id if mode == rules.MODE_TATAP_MUKA else None
    session = SessionRecord(
        "S-" + secrets.token_hex(6).upper(),
        reference=registration.reference, seat_id=slot.seat_id, start=rules.to_utc_iso(slot.start),
        day=slot.start.astimezone(rules.WIB).date().isoformat(), service=slot.service, mode=mode,
        consultant_id=slot.consultant_id, room_id=room_id, status=rules.SESSION_SCHEDULED, fixed=fixed,
        created_at=stamp, updated_at=stamp, created_by=actor,
        **zoom_sync.new_session_fields(mode, now, meeting_from),
    )
    locks = [(LockRecord(lock_id, session_id=session.session_id, created_at=stamp), LockRecord.lock_id.does_not_exist())
             for lock_id in _locks(session)]
    # The registration's first session ever is the funnel's "scheduled" step (stats): the
    # condition on session_id keeps that count exact even if `registration` was read earlier.
    first = registration.session_id is None
    reg_update = (
        registration,
        [Registration.status.set(rules.STATUS_SCHEDULED), Registration.session_id.set(session.session_id),
         Registration.updated_at.set(stamp)],
        Registration.status.is_in(*allowed_from)
        & (Registration.session_id.does_not_exist() if first else Registration.session_id.exists()),
    )
    counters = stats.updates(stats.session_booked(registration_created_at=registration.created_at, first=first,
                                                  day=session.day, service=session.service, mode=mode))
    saves = [(session, SessionRecord.session_id.does_not_exist()), *locks,
             *notify.on_session_scheduled(session, registration, now, moved=audit_action == "sesi.pindah")]
    hand_over = session.meeting_state == zoom_sync.TO_UPDATE
    try:
        audit.write(actor, audit_action, registration.reference,
                    {"session": session.session_id, "start": session.start, "consultant": slot.consultant_id, "mode": mode},
                    save=saves, update=[reg_update, *([zoom_sync.hand_over_update(meeting_from, session)] if hand_over else []),
                                        *counters])
    except TransactWriteError as exc:
        if hand_over and not zoom_sync.can_still_hand_over(meeting_from):
            # A sync run got to the old meeting first (it is deleting it): book with a new one.
            return book(registration, slot, mode, actor=actor, fixed=fixed, allowed_from=allowed_from, now=now,
                        audit_action=audit_action)
        raise Conflict(_conflict_reasons(exc, len(locks))) from None
    return session


def _conflict_reasons(exc: TransactWriteError, n_locks: int) -> dict:
    reasons = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
    failed = {i for i, code in enumerate(reasons) if code == "ConditionalCheckFailed"}
    if failed & {1}:
        return {"_form": "Konsultan sudah punya sesi pada jam itu."}
    if failed & set(range(2, 1 + n_locks)):
        return {"_form": "Pendaftaran ini sudah punya sesi, atau ruang sudah terpakai pada jam itu."}
    if failed:
        return {"_form": "Status pendaftaran sudah berubah; muat ulang lalu coba lagi."}
    return {"_form": "Sesi tidak dapat disimpan karena bentrok; muat ulang lalu coba lagi."}


def _release(session: SessionRecord, new_status: str, reg_status: str, *, actor: str, action: str,
             details: dict, extra_reg_actions=(), now: datetime | None = None, moving: bool = False) -> None:
    """End a session's hold on its seat: status change, locks deleted, registration updated,
    and its Zoom meeting (if online) marked for deletion."""
    now = now or _now()
    stamp = rules.to_utc_iso(now)
    registration = get_registration(session.reference)
    updates = [
        (session, [SessionRecord.status.set(new_status), SessionRecord.updated_at.set(stamp),
                   *zoom_sync.release_actions(session, now, moving=moving)],
         SessionRecord.status == rules.SESSION_SCHEDULED),
        (registration, [Registration.status.set(reg_status), Registration.updated_at.set(stamp),
                        *extra_reg_actions], None),
    ]
    updates += stats.updates(stats.session_released(
        registration_created_at=registration.created_at, day=session.day, service=session.service, mode=session.mode,
        new_status=new_status, registration_status=reg_status, moving=moving))
    deletes = [LockRecord(lock_id) for lock_id in _locks(session)]
    try:
        audit.write(actor, action, session.reference, {"session": session.session_id, **details},
                    save=notify.on_release(session, registration, action=action, requeue=reg_status == rules.STATUS_WAITING,
                                           moving=moving, details=details, now=now),
                    delete=deletes, update=updates)
    except TransactWriteError:
        raise Conflict({"_form": "Sesi ini sudah tidak terjadwal; muat ulang halaman."}) from None


# --- the allocation run ----------------------------------------------------------------------

@dataclass
class RunSummary:
    waiting: int = 0
    booked: int = 0
    conflicts: int = 0
    expired: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def run_allocation(now: datetime | None = None, *, notice_working_days: int = 1, crash_after: int | None = None) -> RunSummary:
    """Allocate every waiting registration it can, then expire those no offered day can serve.

    Safe to run twice at once or again after dying: each booking is its own transaction whose
    conditions fail if the seat, room or registration was taken meanwhile (counted as a
    conflict and left for the next run). `crash_after` simulates a death (tests only).
    """
    now = now or _now()
    summary = RunSummary()
    queue = waiting_registrations()
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
        slots = free_slots(first_day, last_day)
        topics = {c.id: c.topics for c in team.calendar_inputs(first_day, first_day)["consultants"]}
        assignments: list[Assignment] = allocate([as_request(r) for r in queue], slots, topics, not_before)
        for n, a in enumerate(assignments):
            if crash_after is not None and n >= crash_after:
                raise RuntimeError("simulated crash")
            try:
                book(by_ref[a.reference], a.slot, a.mode, actor=ALLOCATOR, now=now)
                by_ref.pop(a.reference)
                summary.booked += 1
            except Conflict:
                summary.conflicts += 1
    for r in list(by_ref.values()):
        if max(date.fromisoformat(d) for d in r.days) < first_day:
            if _expire(r, now):
                summary.expired += 1
    return summary


def _expire(r: Registration, now: datetime) -> bool:
    from pynamodb.transactions import TransactWrite

    try:
        with TransactWrite(connection=audit.connection()) as tx:
            tx.update(r, actions=[Registration.status.set(rules.STATUS_EXPIRED), Registration.updated_at.set(rules.to_utc_iso(now))],
                      condition=Registration.status == rules.STATUS_WAITING)
            for model, actions, cond in stats.updates(stats.registration_expired(registration_created_at=r.created_at)):
                tx.update(model, actions=actions, condition=cond)
            for model, cond in notify.on_expired(r, now):
                tx.save(model, condition=cond)
        return True
    except Exception:  # noqa: BLE001 - changed meanwhile: the next run looks again
        return False


# --- staff actions ---------------------------------------------------------------------------

def _seat(start: datetime, consultant_id: str) -> Slot:
    """The calendar seat for a consultant at a start time (with its room), or Conflict."""
    day = start.astimezone(rules.WIB).date()
    for s in free_slots(day, day):
        if s.consultant_id == consultant_id and s.start == start:
            return s
    raise Conflict({"start": "Konsultan tidak bertugas atau sudah punya sesi pada jam itu."})


def assign_by_hand(actor: str, reference: str, start_text: object, consultant_id: object, mode: object = None) -> SessionRecord:
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


def move_session(actor: str, session_id: str, start_text: object, consultant_id: object) -> SessionRecord:
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
    _release(session, rules.SESSION_CANCELLED_OFFICE, rules.STATUS_WAITING, actor=actor, action="sesi.pindah_lepas",
             details={"to": rules.to_utc_iso(start)}, moving=True)
    try:
        return book(get_registration(session.reference), slot, session.mode, actor=actor, fixed=True,
                    audit_action="sesi.pindah", meeting_from=session)
    except Conflict:
        # Someone took the target between our check and our write: the registration waits at
        # its old place in the queue and the next allocation run serves it.
        raise Conflict({"start": "Slot tujuan baru saja terisi. Pendaftaran kembali ke antrean di urutan "
                                 "semula dan akan dijadwalkan ulang otomatis."}) from None


def mark_attendance(actor: str, session_id: str, status: object) -> SessionRecord:
    if status not in (rules.SESSION_ATTENDED, rules.SESSION_NO_SHOW):
        raise InputError({"status": "Pilih hadir atau tidak hadir."})
    session = get_session(session_id)
    if session.status not in (rules.SESSION_SCHEDULED, rules.SESSION_ATTENDED, rules.SESSION_NO_SHOW):
        raise Conflict({"status": "Sesi ini sudah dibatalkan."})
    if rules.parse_utc_iso(session.start) > _now():
        raise Conflict({"status": "Kehadiran dicatat setelah sesi dimulai."})
    stamp = rules.to_utc_iso(_now())
    registration = get_registration(session.reference)
    counters = stats.updates(stats.attendance_changed(registration_created_at=registration.created_at, day=session.day,
                                                      old=session.status, new=status))
    try:
        audit.write(actor, f"sesi.{status}", session.reference, {"session": session_id},
                    update=[(session, [SessionRecord.status.set(status), SessionRecord.updated_at.set(stamp)],
                             SessionRecord.status == session.status),  # counted from this status (stats)
                            (registration, [Registration.status.set(rules.STATUS_DONE), Registration.updated_at.set(stamp)], None),
                            *counters])
    except TransactWriteError:
        raise Conflict({"status": "Status sesi baru saja berubah; muat ulang halaman."}) from None
    session.refresh()
    return session


def cancel_by_office(actor: str, session_id: str, requeue: bool = True) -> None:
    session = get_session(session_id)
    _release(session, rules.SESSION_CANCELLED_OFFICE, rules.STATUS_WAITING if requeue else rules.STATUS_CANCELLED,
             actor=actor, action="sesi.batal_kantor", details={"requeue": requeue})


def cancel_consultant_day(actor: str, consultant_id: str, day_text: object, service: object = None) -> dict:
    """The consultant is away for a day: mark leave and put that day's sessions back in the
    queue, each at its old place (ahead of newer registrations)."""
    day = parse_day(day_text, "day")
    consultant = team.get_consultant(consultant_id)
    services = [service] if service else [s for s in consultant.services]
    for s in services:
        if s not in rules.SERVICES:
            raise InputError({"service": "Layanan tidak dikenal."})
    for s in services:
        try:
            team.add_exception(actor, {"consultant_id": consultant_id, "day": day.isoformat(), "service": s, "kind": "cuti"})
        except InputError:
            pass  # a weekend or unknown service: nothing to mark
    cancelled = 0
    for session in SessionRecord.by_day.query(day.isoformat()):
        if session.consultant_id == consultant_id and session.status == rules.SESSION_SCHEDULED and session.service in services:
            cancel_by_office(actor, session.session_id, requeue=True)
            cancelled += 1
    return {"cancelled": cancelled}


def _parse_start(value: object) -> datetime:
    try:
        return rules.parse_utc_iso(value) if isinstance(value, str) else _bad_start()
    except ValueError:
        return _bad_start()


def _bad_start():
    raise InputError({"start": "Waktu mulai tidak valid."})


# --- the visitor's self-service ----------------------------------------------------------------

def visitor_cancel(registration: Registration) -> None:
    """The visitor cancels: the session (if any) ends and frees its seat; nothing is queued."""
    if registration.status in (rules.STATUS_DONE, rules.STATUS_CANCELLED):
        raise Conflict({"_form": "Pendaftaran ini sudah selesai atau dibatalkan."})
    if registration.status == rules.STATUS_SCHEDULED and registration.session_id:
        _release(get_session(registration.session_id), rules.SESSION_CANCELLED_VISITOR, rules.STATUS_CANCELLED,
                 actor="pengunjung", action="sesi.batal_pengunjung", details={})
    else:
        stamp = rules.to_utc_iso(_now())
        try:
            audit.write("pengunjung", "pendaftaran.batal", registration.reference, {},
                        save=notify.on_registration_cancelled(registration),
                        update=[(registration, [Registration.status.set(rules.STATUS_CANCELLED), Registration.updated_at.set(stamp)],
                                 Registration.status.is_in(rules.STATUS_WAITING, rules.STATUS_EXPIRED)),
                                *stats.updates(stats.registration_cancelled(registration_created_at=registration.created_at))])
        except TransactWriteError:
            raise Conflict({"_form": "Status pendaftaran berubah; muat ulang halaman."}) from None


def visitor_new_days(registration: Registration, raw_days: object, now: datetime | None = None) -> None:
    """The visitor offers other dates: back to waiting with their place kept (queued_at)."""
    from . import registrations, validation

    now = now or _now()
    if registration.status in (rules.STATUS_DONE, rules.STATUS_CANCELLED):
        raise Conflict({"_form": "Pendaftaran ini sudah selesai atau dibatalkan; silakan daftar baru."})
    today = rules.wib_now(now).date()
    days, msg = validation.validate_days(raw_days, today, registrations.closed_days(today))
    if msg:
        raise InputError({"days": msg})
    new_days = [Registration.days.set([d.isoformat() for d in days])]
    if registration.status == rules.STATUS_SCHEDULED and registration.session_id:
        _release(get_session(registration.session_id), rules.SESSION_CANCELLED_VISITOR, rules.STATUS_WAITING,
                 actor="pengunjung", action="sesi.minta_tanggal_lain", details={"days": [d.isoformat() for d in days]},
                 extra_reg_actions=new_days, now=now)
    else:
        stamp = rules.to_utc_iso(now)
        try:
            audit.write("pengunjung", "pendaftaran.tanggal_baru", registration.reference, {"days": [d.isoformat() for d in days]},
                        save=notify.on_new_days(registration, [d.isoformat() for d in days], now),
                        update=[(registration, [Registration.status.set(rules.STATUS_WAITING), Registration.updated_at.set(stamp), *new_days],
                                 Registration.status.is_in(rules.STATUS_WAITING, rules.STATUS_EXPIRED))])
        except TransactWriteError:
            raise Conflict({"_form": "Status pendaftaran berubah; muat ulang halaman."}) from None


# --- views --------------------------------------------------------------------------------

def session_view(s: SessionRecord, names: dict | None = None, rooms: dict | None = None, registration: Registration | None = None) -> dict:
    start = rules.parse_utc_iso(s.start).astimezone(rules.WIB)
    out = {
        "id": s.session_id, "reference": s.reference[:3] + "-" + s.reference[3:], "start": s.start,
        "start_wib": start.strftime("%Y-%m-%d %H:%M"), "end_wib": (start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)).strftime("%H:%M"),
        "day": s.day, "service": s.service, "mode": s.mode, "consultant_id": s.consultant_id,
        "consultant_name": (names or {}).get(s.consultant_id, s.consultant_id), "room_id": s.room_id,
        "room_name": (rooms or {}).get(s.room_id) if s.room_id else None, "status": s.status,
        "status_label": rules.SESSION_STATUSES.get(s.status, s.status), "fixed": bool(s.fixed),
        "meeting": zoom_sync.meeting_view(s, staff=True),
    }
    if registration is not None:
        out.update({"name": registration.name, "org_name": registration.org_name, "topics": list(registration.topics),
                    "whatsapp": registration.phone})
    return out


def _labels() -> tuple[dict, dict]:
    return ({c.consultant_id: c.name for c in team.list_consultants()},
            {r.room_id: r.name for r in team.list_rooms()})


def sessions_view(start: date, end: date, consultant_id: str | None = None, room_id: str | None = None) -> list[dict]:
    names, rooms = _labels()
    sessions = [s for s in capacity.sessions_between(start, end)
                if (not consultant_id or s.consultant_id == consultant_id) and (not room_id or s.room_id == room_id)]
    regs = {r.reference: r for r in Registration.batch_get({s.reference for s in sessions})} if sessions else {}
    return [session_view(s, names, rooms, regs.get(s.reference)) for s in sorted(sessions, key=lambda s: (s.start, s.consultant_id))]


def my_sessions(consultant_id: str, start: date, end: date) -> list[dict]:
    lo = rules.to_utc_iso(datetime.combine(start, datetime.min.time(), tzinfo=rules.WIB))
    hi = rules.to_utc_iso(datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=rules.WIB))
    sessions = list(SessionRecord.by_consultant.query(consultant_id, SessionRecord.start.between(lo, hi)))
    names, rooms = _labels()
    regs = {r.reference: r for r in Registration.batch_get({s.reference for s in sessions})} if sessions else {}
    out = []
    for s in sessions:
        view = session_view(s, names, rooms, regs.get(s.reference))
        reg = regs.get(s.reference)
        if reg is not None:
            view["description"] = reg.description
        out.append(view)
    return out


def visitor_session(registration: Registration) -> dict | None:
    if not registration.session_id:
        return None
    try:
        s = SessionRecord.get(registration.session_id)
    except SessionRecord.DoesNotExist:
        return None
    if s.status not in rules.SEAT_HOLDING_STATUSES:
        return None
    start = rules.parse_utc_iso(s.start).astimezone(rules.WIB)
    room = None
    if s.room_id:
        room = next((r.name for r in team.list_rooms() if r.room_id == s.room_id), s.room_id)
    return {
        "start": s.start, "date_wib": start.date().isoformat(), "time_wib": start.strftime("%H.%M"),
        "end_wib": (start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)).strftime("%H.%M"),
        "mode": s.mode, "mode_label": rules.MODES[s.mode], "room": room, "status": s.status,
        "status_label": rules.SESSION_STATUSES.get(s.status, s.status),
        "meeting": zoom_sync.meeting_view(s),
    }


# --- session notes (consultant) -------------------------------------------------------------------

NOTE_FIELDS = {"problem": ("Masalah", 2000), "advice": ("Saran yang diberikan", 2000), "referral": ("Rujukan", 300)}


def save_notes(principal_email: str, consultant_id: str | None, is_admin: bool, session_id: str, payload: dict) -> dict:
    from . import validation

    session = get_session(session_id)
    if not is_admin and session.consultant_id != consultant_id:
        raise NotFound({"_form": "Sesi tidak ditemukan."})
    errors = validation.Errors()
    values = {}
    for field, (what, hi) in NOTE_FIELDS.items():
        values[field] = validation._text_field(payload, errors, field, 0, hi, required=False, what=what, multiline=True)
    follow_up = payload.get("follow_up", False)
    if not isinstance(follow_up, bool):
        errors.add("follow_up", "Harus ya atau tidak.")
    if errors:
        raise InputError(errors)
    note = NoteRecord(session_id, consultant_id=session.consultant_id, reference=session.reference,
                      follow_up=follow_up, updated_at=rules.to_utc_iso(_now()), updated_by=principal_email, **values)
    audit.write(principal_email, "catatan.simpan", session.reference, {"session": session_id}, save=[note])
    return note_view(note)


def get_notes(consultant_id: str | None, is_admin: bool, session_id: str) -> dict:
    session = get_session(session_id)
    if not is_admin and session.consultant_id != consultant_id:
        raise NotFound({"_form": "Sesi tidak ditemukan."})
    try:
        return note_view(NoteRecord.get(session_id))
    except NoteRecord.DoesNotExist:
        return {"problem": None, "advice": None, "follow_up": False, "referral": None, "updated_at": None}


def note_view(n: NoteRecord) -> dict:
    return {"problem": n.problem, "advice": n.advice, "follow_up": bool(n.follow_up), "referral": n.referral,
            "updated_at": n.updated_at, "updated_by": n.updated_by}


def summary_json(summary: RunSummary) -> str:
    return json.dumps(summary.as_dict())
