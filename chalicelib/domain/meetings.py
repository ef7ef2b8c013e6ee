"""The Zoom meeting of an online session: its states and the rules booking and the sync run
follow. Pure: services/meetings.py talks to Zoom, store/sessions.py writes the states.

States (attribute ``meeting_state`` of the session)::

  perlu_dibuat --claim--> membuat --201--> siap
       ^                     | retryable error: back to perlu_dibuat with backoff
       |                     | permanent error / too many attempts: gagal (metric ZoomFailures)
  perlu_diubah --PATCH--> siap            (404 3001: the meeting is gone -> perlu_dibuat)
  perlu_dihapus --DELETE--> dihapus       (404 3001 counts as deleted)
       | a delete refused for good: --end + PATCH--> ditutup (a new passcode, the waiting room:
       | the old join link lets nobody in); refused again: gagal, with what staff must do

  - an online session is booked            -> perlu_dibuat
  - an online session is released          -> perlu_dihapus (cancellation, move, other dates)
  - a move of a session that has a meeting, same consultant -> the new session takes the meeting
    over (perlu_diubah: PATCH the time) and the old one is marked dipindah, in the booking's
    transaction; if the move fails halfway, the old session's meeting is simply deleted. A move
    to another consultant deletes the meeting and makes one for the new host.

``meeting_next_try`` is the sparse index's range key: it is removed once a session has nothing
left to do (siap, dihapus, dipindah), so the index holds only work and failures (gagal).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from . import rules

TO_CREATE = "perlu_dibuat"
CREATING = "membuat"
TO_UPDATE = "perlu_diubah"
READY = "siap"
TO_DELETE = "perlu_dihapus"
DELETED = "dihapus"
CLOSED = "ditutup"  # Zoom refused to delete it: ended, new passcode, waiting room (the old link admits nobody)
HANDED_OVER = "dipindah"
FAILED = "gagal"

STATE_LABELS = {
    TO_CREATE: "Rapat Zoom sedang disiapkan",
    CREATING: "Rapat Zoom sedang dibuat",
    TO_UPDATE: "Jadwal rapat Zoom sedang diperbarui",
    READY: "Rapat Zoom siap",
    TO_DELETE: "Rapat Zoom sedang dihapus",
    DELETED: "Rapat Zoom sudah dihapus",
    CLOSED: "Rapat Zoom ditutup (Zoom menolak menghapusnya): tautan lama tidak bisa dipakai masuk",
    HANDED_OVER: "Rapat Zoom dipakai sesi pengganti",
    FAILED: "Rapat Zoom gagal dibuat/diubah/dihapus; perlu dicek petugas",
}

# Work the sync run looks for, in this order (visitors waiting for a link first).
DUE_STATES = (TO_CREATE, CREATING, TO_UPDATE, TO_DELETE)

MAX_ATTEMPTS = 8  # backoff 1, 2, 4, ... 60 min: about three hours of Zoom trouble
CLAIM_SECONDS = 120  # > the Lambda timeout: a live run never loses its claim
HANDOVER_GRACE_SECONDS = 120  # a move's old session waits this long before its meeting is deleted


def marker(session_id: str) -> str:
    """The tag put in a meeting's topic and agenda: how a later run recognises its meeting."""
    return f"[{session_id}]"


def new_session_fields(mode: str, now: datetime, take_over_from=None, consultant_id: str | None = None) -> dict:
    """Meeting attributes of a newly booked session (none for face-to-face)."""
    if mode != rules.MODE_DARING:
        return {}
    fields = {"meeting_state": TO_CREATE, "meeting_attempts": 0, "meeting_next_try": rules.to_utc_iso(now)}
    if can_hand_over(take_over_from, consultant_id):
        fields.update(meeting_state=TO_UPDATE, meeting_id=take_over_from.meeting_id, join_url=take_over_from.join_url,
                      meeting_host=take_over_from.meeting_host)
    return fields


def can_hand_over(old, consultant_id: str | None = None) -> bool:
    """A moved online session whose meeting exists in Zoom keeps it, when the consultant stays the
    same: a meeting belongs to its host's Zoom user, so a move to another consultant deletes it and
    makes a new one for them."""
    return (old is not None and old.mode == rules.MODE_DARING and bool(old.meeting_id)
            and old.meeting_state not in (None, DELETED, HANDED_OVER)
            and (consultant_id is None or consultant_id == old.consultant_id))


def release_fields(session, now: datetime, *, moving: bool = False) -> dict:
    """Attributes of a released online session: its meeting is to be deleted (None = remove).
    A move gives the new booking a short grace to take the meeting over first."""
    if session.mode != rules.MODE_DARING or session.meeting_state in (None, DELETED, HANDED_OVER):
        return {}
    due = now + timedelta(seconds=HANDOVER_GRACE_SECONDS if moving and can_hand_over(session) else 0)
    return {"meeting_state": TO_DELETE, "meeting_next_try": rules.to_utc_iso(due), "meeting_attempts": 0,
            "meeting_claim": None, "meeting_error": None}


def join_link(session) -> str | None:
    """The join URL to give the visitor: only once the meeting is ready at the session's time."""
    return session.join_url if session.meeting_state == READY else None


def session_end(session) -> datetime:
    return rules.parse_utc_iso(session.start) + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)
