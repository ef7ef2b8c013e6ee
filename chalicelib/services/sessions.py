"""Sessions as staff, consultants and visitors see them, and the consultants' notes."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, links
from ..adapters import zoom
from ..domain import rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.meetings import READY
from ..domain.references import format_reference
from ..store import feedback as feedback_store
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store.unit_of_work import UnitOfWork
from . import booking, capacity, meetings, registrations, team

if TYPE_CHECKING:
    from ..store.models import NoteRecord, Registration, SessionRecord

logger = logging.getLogger(__name__)



def session_view(s: SessionRecord, names: dict | None = None, rooms: dict | None = None, registration: Registration=None) -> dict:
    start = rules.parse_utc_iso(s.start).astimezone(rules.WIB)
    out = {
        "id": s.session_id, "reference": format_reference(s.reference), "start": s.start,
        "start_wib": start.strftime("%Y-%m-%d %H:%M"),
        "end_wib": (start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)).strftime("%H:%M"),
        "day": s.day, "service": s.service, "mode": s.mode, "consultant_id": s.consultant_id,
        "consultant_name": (names or {}).get(s.consultant_id, s.consultant_id), "room_id": s.room_id,
        "room_name": (rooms or {}).get(s.room_id) if s.room_id else None, "status": s.status,
        "status_label": rules.SESSION_STATUSES.get(s.status, s.status), "fixed": bool(s.fixed),
        "meeting": meetings.meeting_view(s, staff=True),
        # The visitor tapped "Saya hadir" on WhatsApp (services/whatsapp_inbox.py).
        "visitor_confirmed_at": s.visitor_confirmed_at,
        "refilled": bool(s.refill_of),  # took a seat a visitor had just given back
        "walk_in": bool(s.walk_in),  # booked at the walk-in desk (services/desk.py)
    }
    if registration is not None:
        out.update({"name": registration.name, "org_name": registration.org_name, "topics": list(registration.topics),
                    "whatsapp": registration.phone, "channel": rules.channel_of(registration.channel)})
    return out


def _labels() -> tuple[dict, dict]:
    return ({c.consultant_id: c.name for c in team.list_consultants()},
            {r.room_id: r.name for r in team.list_rooms()})


def staff_view(s: SessionRecord) -> dict:
    """One session as staff see it after a change: consultant, room and visitor by name."""
    names, rooms = _labels()
    return session_view(s, names, rooms, registrations_store.get(s.reference))


def registration_detail(raw_reference: str) -> dict:
    """A registration as staff see it, with its session (time, consultant, place) when it has one,
    so the page can say when and where without searching the calendar for it."""
    detail = registrations.staff_detail(raw_reference)
    s = sessions_store.get(detail["session_id"]) if detail.get("session_id") else None
    if s is None:
        detail["session"] = None
    else:
        names, rooms = _labels()
        detail["session"] = session_view(s, names, rooms)
    return detail


def sessions_view(start: date, end: date, consultant_id: str | None = None, room_id: str | None = None) -> list[dict]:
    capacity.parse_range(start, end)
    names, rooms = _labels()
    sessions = [s for s in capacity.sessions_between(start, end)
                if (not consultant_id or s.consultant_id == consultant_id) and (not room_id or s.room_id == room_id)]
    regs = registrations_store.get_many(s.reference for s in sessions)
    return [session_view(s, names, rooms, regs.get(s.reference)) for s in sorted(sessions, key=lambda s: (s.start, s.consultant_id))]


def my_sessions(consultant_id: str, start: date, end: date) -> list[dict]:
    capacity.parse_range(start, end)
    lo = rules.to_utc_iso(datetime.combine(start, datetime.min.time(), tzinfo=rules.WIB))
    hi = rules.to_utc_iso(datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=rules.WIB))
    sessions = sessions_store.of_consultant(consultant_id, lo, hi)
    names, rooms = _labels()
    regs = registrations_store.get_many(s.reference for s in sessions)
    out = []
    for s in sessions:
        reg = regs.get(s.reference)
        view = session_view(s, names, rooms, reg)
        if reg is not None:
            view["description"] = reg.description
        out.append(view)
    return out


def visitor_session(registration: Registration) -> dict | None:
    s = sessions_store.get(registration.session_id)
    if s is None or s.status not in rules.SEAT_HOLDING_STATUSES:
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
        # After the session: no meeting to join, but the feedback form (until it is answered).
        "meeting": meetings.meeting_view(s) if s.status == rules.SESSION_SCHEDULED else None,
        "feedback_link": (links.feedback_link(s.session_id)
                          if s.status == rules.SESSION_ATTENDED and feedback_store.get(s.session_id) is None else None),
        "feedback_given": s.status == rules.SESSION_ATTENDED and feedback_store.get(s.session_id) is not None,
    }


def session_for(principal_consultant_id: str | None, is_admin: bool, session_id: str):
    """The session, if this staff member may touch it (admins: any; consultants: their own)."""
    session = booking.get_session(session_id)
    if not is_admin and session.consultant_id != principal_consultant_id:
        raise NotFound({"_form": "Sesi tidak ditemukan."})
    return session


def zoom_start_link(consultant_id: str | None, is_admin: bool, session_id: str) -> dict:
    """A fresh Zoom start link for the session's host, fetched now and never stored or logged
    (it signs the host in). Consultants: their own sessions only."""
    session = session_for(consultant_id, is_admin, session_id)
    if session.mode != rules.MODE_DARING or session.status != rules.SESSION_SCHEDULED:
        raise Conflict({"_form": "Hanya sesi daring yang masih terjadwal yang punya rapat Zoom."})
    if session.meeting_state != READY or not session.meeting_id:
        raise Conflict({"_form": "Rapat Zoom sesi ini belum siap; coba lagi beberapa menit lagi."})
    try:
        client = zoom.provider()
        url = client.start_url(session.meeting_id)
    except zoom.ZoomNotConfigured:
        raise Conflict({"_form": "Zoom belum disiapkan di sistem; hubungi admin."}) from None
    except zoom.ZoomError as exc:
        logger.warning("zoom start link for %s: %s", session_id, exc.short())
        raise Conflict({"_form": "Zoom tidak menjawab; coba lagi sebentar lagi."}) from None
    return {"start_url": url, "host": "akun Zoom Anda" if session.meeting_host not in (None, "me") else
            "akun Zoom kantor (Anda sebagai host pengganti)"}


# --- session notes (consultant) -------------------------------------------------------------------

NOTE_FIELDS = {"problem": ("Masalah", 2000), "advice": ("Saran yang diberikan", 2000), "referral": ("Rujukan", 300)}


def save_notes(principal_email: str, consultant_id: str | None, is_admin: bool, session_id: str, payload: dict) -> dict:
    session = session_for(consultant_id, is_admin, session_id)
    errors = validation.Errors()
    values = {}
    for field, (what, hi) in NOTE_FIELDS.items():
        values[field] = validation.text_field(payload, errors, field, 0, hi, required=False, what=what, multiline=True)
    follow_up = payload.get("follow_up", False)
    if not isinstance(follow_up, bool):
        errors.add("follow_up", "Harus ya atau tidak.")
    if errors:
        raise InputError(errors)
    uow = UnitOfWork(principal_email, "catatan.simpan", session.reference, {"session": session_id})
    note = sessions_store.put_note(uow, session_id, consultant_id=session.consultant_id, reference=session.reference,
                                   follow_up=follow_up, updated_at=rules.to_utc_iso(clock.now()),
                                   updated_by=principal_email, **values)
    uow.commit()
    return note_view(note)


def get_notes(consultant_id: str | None, is_admin: bool, session_id: str) -> dict:
    session_for(consultant_id, is_admin, session_id)
    note = sessions_store.note(session_id)
    if note is None:
        return {"problem": None, "advice": None, "follow_up": False, "referral": None, "updated_at": None}
    return note_view(note)


def note_view(n: NoteRecord) -> dict:
    return {"problem": n.problem, "advice": n.advice, "follow_up": bool(n.follow_up), "referral": n.referral,
            "updated_at": n.updated_at, "updated_by": n.updated_by}
