"""Sessions (table `sessions`), their uniqueness locks (`locks`) and the consultants' notes (`notes`).

Locks written in the same transaction as a session make a double booking impossible, whoever
writes: ``seat#<seat_id>`` (one session per consultant and start), ``room#<room>#<start>`` (one
face-to-face session per room and start), ``reg#<reference>`` (one open session per
registration). The Zoom meeting of an online session lives on the session item
(domain/meetings.py); the sync run's conditional writes are `change_meeting`.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from pynamodb.exceptions import UpdateError

from ..domain import meetings, rules
from ..domain.audit_text import when
from .conditions import failed_condition
from .models import LockRecord, NoteRecord, SessionRecord
from .unit_of_work import UnitOfWork

SEAT, ROOM, REGISTRATION_LOCK, LABEL = "seat", "room", "registration_lock", "session"


def _actions(fields: dict) -> list:
    return [getattr(SessionRecord, k).set(v) if v is not None else getattr(SessionRecord, k).remove()
            for k, v in fields.items()]


# --- reading ------------------------------------------------------------------------------------------

def get(session_id: str | None, *, consistent: bool = False) -> SessionRecord | None:
    if not session_id:
        return None
    return SessionRecord.get_or_none(session_id, consistent=consistent)


def get_many(session_ids: Iterable[str]) -> list[SessionRecord]:
    ids = sorted(set(session_ids))
    return list(SessionRecord.batch_get(ids)) if ids else []


def of_day(day: str) -> list[SessionRecord]:
    return list(SessionRecord.by_day.query(day))


def between(start: date, end: date) -> list[SessionRecord]:
    """Sessions on each WIB day of the range: one Query per day on GSI by_day."""
    out, d = [], start
    while d <= end:
        out.extend(SessionRecord.by_day.query(d.isoformat()))
        d += timedelta(days=1)
    return out


def of_consultant(consultant_id: str, lo: str, hi: str) -> list[SessionRecord]:
    return list(SessionRecord.by_consultant.query(consultant_id, SessionRecord.start.between(lo, hi)))


# --- booking and releasing ------------------------------------------------------------------------------

def build(session_id: str, **fields) -> SessionRecord:
    return SessionRecord(session_id, **fields)


def lock_ids(session) -> dict[str, str]:
    """label -> lock id of a session's locks."""
    out = {SEAT: f"seat#{session.seat_id}", REGISTRATION_LOCK: f"reg#{session.reference}"}
    if session.room_id:
        out[ROOM] = f"room#{session.room_id}#{session.start}"
    return out


def add_booking(uow: UnitOfWork, session: SessionRecord, stamp: str) -> None:
    """The new session and its locks; a taken lock cancels the transaction (label seat/room/...)."""
    uow.put(session, SessionRecord.session_id.does_not_exist(), label=LABEL)
    for label, lock_id in lock_ids(session).items():
        uow.put(LockRecord(lock_id, session_id=session.session_id, created_at=stamp),
                LockRecord.lock_id.does_not_exist(), label=label)


def release(uow: UnitOfWork, session: SessionRecord, fields: dict) -> None:
    """End a scheduled session's hold: its fields change (only while still scheduled) and its
    locks go."""
    uow.update(session, _actions(fields), SessionRecord.status == rules.SESSION_SCHEDULED, label=LABEL)
    for lock_id in lock_ids(session).values():
        uow.delete(LockRecord(lock_id))


def set_status(uow: UnitOfWork, session: SessionRecord, status: str, stamp: str) -> None:
    """Attendance: only from the status the caller read (the counters are computed from it)."""
    uow.update(session, _actions({"status": status, "updated_at": stamp}), SessionRecord.status == session.status,
               label=LABEL)


def confirm_by_visitor(uow: UnitOfWork, session: SessionRecord, stamp: str) -> None:
    """The visitor tapped "Saya hadir": once, and only while the session is still scheduled."""
    uow.update(session, _actions({"visitor_confirmed_at": stamp}),
               (SessionRecord.status == rules.SESSION_SCHEDULED) & SessionRecord.visitor_confirmed_at.does_not_exist(),
               label=LABEL)


def record_outcome(uow: UnitOfWork, session: SessionRecord, code: str, stamp: str) -> None:
    """The visitor's answer to the three-months question: the first one only."""
    uow.update(session, _actions({"outcome": code, "outcome_at": stamp}), SessionRecord.outcome.does_not_exist(),
               label=LABEL)


def hand_over(uow: UnitOfWork, old: SessionRecord, new: SessionRecord) -> None:
    """Give the old session's meeting to the new one. Holds only while the old session is released
    and its meeting not yet touched by a sync run."""
    uow.update(old, _actions({"meeting_state": meetings.HANDED_OVER, "meeting_next_try": None,
                              "meeting_error": f"Rapat dipakai jadwal barunya: {when(new.start)}"}),
               (SessionRecord.meeting_state == meetings.TO_DELETE) & (SessionRecord.meeting_id == old.meeting_id)
               & SessionRecord.meeting_claim.does_not_exist(), label="handover")


def can_still_hand_over(old: SessionRecord) -> bool:
    """Re-read: the hand-over condition still holds."""
    current = get(old.session_id, consistent=True)
    return (current is not None and current.meeting_state == meetings.TO_DELETE
            and current.meeting_id == old.meeting_id and current.meeting_claim is None)


# --- the meeting's conditional writes (services/meetings.py) ------------------------------------------------

def meetings_due(state: str, by: str, limit: int) -> list[SessionRecord]:
    return list(SessionRecord.by_meeting_state.query(state, SessionRecord.meeting_next_try <= by, limit=limit))


def meetings_failed() -> list[SessionRecord]:
    return list(SessionRecord.by_meeting_state.query(meetings.FAILED, scan_index_forward=False))


def change_meeting(session: SessionRecord, fields: dict, *, as_read: bool = False, held: tuple[str, str] | None = None,
                   deleting_without_id: bool = False) -> bool:
    """A meeting update that may lose a race: False when its condition no longer holds.

    `as_read`: the state and next try are still what this run read; `held` (token, state): this
    run's claim still holds in that state; `deleting_without_id`: being deleted with no id yet."""
    if as_read:
        condition = ((SessionRecord.meeting_state == session.meeting_state)
                     & (SessionRecord.meeting_next_try == session.meeting_next_try))
    elif held is not None:
        condition = (SessionRecord.meeting_claim == held[0]) & (SessionRecord.meeting_state == held[1])
    elif deleting_without_id:
        condition = (SessionRecord.meeting_state == meetings.TO_DELETE) & SessionRecord.meeting_id.does_not_exist()
    else:
        raise ValueError("a meeting change needs a condition")
    try:
        session.update(actions=_actions(fields), condition=condition)
        return True
    except UpdateError as exc:
        if failed_condition(exc):
            return False
        raise


def retry_failed_meeting(uow: UnitOfWork, session: SessionRecord, state: str, stamp: str) -> None:
    uow.update(session, _actions({"meeting_state": state, "meeting_next_try": stamp, "meeting_attempts": 0,
                                  "meeting_error": None}),
               SessionRecord.meeting_state == meetings.FAILED, label=LABEL)


# --- notes -------------------------------------------------------------------------------------------------

def note(session_id: str) -> NoteRecord | None:
    return NoteRecord.get_or_none(session_id)


def notes_of(session_ids: Iterable[str]) -> list[NoteRecord]:
    ids = sorted(set(session_ids))
    return list(NoteRecord.batch_get(ids)) if ids else []


def put_note(uow: UnitOfWork, session_id: str, **fields) -> NoteRecord:
    record = NoteRecord(session_id, **fields)
    uow.put(record, label="note")
    return record


def scrub_note(record: NoteRecord, stamp: str) -> None:
    record.update(actions=[NoteRecord.problem.remove(), NoteRecord.advice.remove(), NoteRecord.referral.remove(),
                           NoteRecord.updated_at.set(stamp)])


def check_status(uow: UnitOfWork, session_id: str, status: str, label: str = LABEL) -> None:
    """The transaction holds only while the session still has `status`."""
    uow.check(SessionRecord, session_id, None, SessionRecord.status == status, label=label)
