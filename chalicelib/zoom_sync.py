"""Zoom meetings for online sessions: the states, the hooks booking calls, and the sync run.

Booking only writes attributes of the session item, inside its own transaction:
  - an online session is booked           -> meeting_state "perlu_dibuat"
  - an online session is released         -> "perlu_dihapus" (cancellation, move, other dates)
  - a move of a session that has a meeting -> the new session takes the meeting over
    ("perlu_diubah": PATCH the time) and the old one is marked "dipindah", in the booking's
    transaction; if the move fails halfway, the old session's meeting is simply deleted.

`run(now)` (the scheduled function `sync_meetings`) Queries the sparse GSI by_meeting_state for
due work and talks to Zoom:

  perlu_dibuat --claim--> membuat --201--> siap
       ^                     | retryable error: back to perlu_dibuat with backoff
       |                     | permanent error / too many attempts: gagal (metric ZoomFailures)
  perlu_diubah --PATCH--> siap            (404 3001: the meeting is gone -> perlu_dibuat)
  perlu_dihapus --DELETE--> dihapus       (404 3001 counts as deleted)

A session never gets two meetings:
  * a run claims the session with a conditional update (state and next-try exactly as it read
    them) before calling Zoom, so two overlapping runs never both create;
  * the claim holds for CLAIM_SECONDS; a run that died leaves "membuat" behind, and the next
    run, seeing that creation was claimed before (`meeting_claimed_at`), first LISTS the Zoom
    user's upcoming meetings and adopts the one whose topic/agenda carries "[<session id>]";
  * the meeting id is stored with a condition on the claim token.

`meeting_next_try` is the GSI's range key: it is removed once a session has nothing left to do
("siap", "dihapus", "dipindah"), so the index holds only work and failures ("gagal", for staff).
"""
from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from . import audit, metrics, rules, zoom
from .errors import Conflict, NotFound
from .models import SessionRecord

logger = logging.getLogger(__name__)

TO_CREATE = "perlu_dibuat"
CREATING = "membuat"
TO_UPDATE = "perlu_diubah"
READY = "siap"
TO_DELETE = "perlu_dihapus"
DELETED = "dihapus"
HANDED_OVER = "dipindah"
FAILED = "gagal"

STATE_LABELS = {
    TO_CREATE: "Rapat Zoom sedang disiapkan",
    CREATING: "Rapat Zoom sedang dibuat",
    TO_UPDATE: "Jadwal rapat Zoom sedang diperbarui",
    READY: "Rapat Zoom siap",
    TO_DELETE: "Rapat Zoom sedang dihapus",
    DELETED: "Rapat Zoom sudah dihapus",
    HANDED_OVER: "Rapat Zoom dipakai sesi pengganti",
    FAILED: "Rapat Zoom gagal dibuat/diubah/dihapus; perlu dicek petugas",
}

# Work the run looks for, in this order (visitors waiting for a link first).
DUE_STATES = (TO_CREATE, CREATING, TO_UPDATE, TO_DELETE)

MAX_ATTEMPTS = 8  # backoff 1, 2, 4, ... 60 min: about three hours of Zoom trouble
BASE_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600
CLAIM_SECONDS = 120  # > the Lambda timeout (30 s): a live run never loses its claim
HANDOVER_GRACE_SECONDS = 120  # a move's old session waits this long before its meeting is deleted
BATCH = 50  # sessions per state per run
RUN_BUDGET_SECONDS = 20.0  # stop taking new work before the Lambda timeout

_monotonic = time.monotonic


def _iso(dt: datetime) -> str:
    return rules.to_utc_iso(dt)


def backoff_seconds(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones: 60, 120, 240, ... at most 3600."""
    return min(BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS)


# --- hooks for booking (attributes written inside booking's transactions) ----------------------

def new_session_fields(mode: str, now: datetime, take_over_from: SessionRecord | None = None) -> dict:
    """Meeting attributes of a newly booked session (none for face-to-face)."""
    if mode != rules.MODE_DARING:
        return {}
    fields = {"meeting_state": TO_CREATE, "meeting_attempts": 0, "meeting_next_try": _iso(now)}
    if can_hand_over(take_over_from):
        fields.update(meeting_state=TO_UPDATE, meeting_id=take_over_from.meeting_id, join_url=take_over_from.join_url)
    return fields


def can_hand_over(old: SessionRecord | None) -> bool:
    """A moved online session whose meeting exists in Zoom: the new session keeps it."""
    return (old is not None and old.mode == rules.MODE_DARING and bool(old.meeting_id)
            and old.meeting_state not in (None, DELETED, HANDED_OVER))


def hand_over_update(old: SessionRecord, new: SessionRecord) -> tuple:
    """The transaction update that gives the old session's meeting to the new one. Its condition
    holds only while the old session is released and its meeting not yet touched by a run."""
    return (old, [SessionRecord.meeting_state.set(HANDED_OVER), SessionRecord.meeting_next_try.remove(),
                  SessionRecord.meeting_error.set(f"dipindah ke {new.session_id}")],
            (SessionRecord.meeting_state == TO_DELETE) & (SessionRecord.meeting_id == old.meeting_id)
            & SessionRecord.meeting_claim.does_not_exist())


def can_still_hand_over(old: SessionRecord) -> bool:
    """Re-read: the hand-over condition of `hand_over_update` still holds."""
    try:
        current = SessionRecord.get(old.session_id, consistent_read=True)
    except SessionRecord.DoesNotExist:
        return False
    return (current.meeting_state == TO_DELETE and current.meeting_id == old.meeting_id
            and current.meeting_claim is None)


def release_actions(session: SessionRecord, now: datetime, *, moving: bool = False) -> list:
    """Update actions for a released online session: its meeting is to be deleted. A move gives
    the new booking a short grace to take the meeting over first."""
    if session.mode != rules.MODE_DARING or session.meeting_state in (None, DELETED, HANDED_OVER):
        return []
    due = now + timedelta(seconds=HANDOVER_GRACE_SECONDS if moving and can_hand_over(session) else 0)
    return [SessionRecord.meeting_state.set(TO_DELETE), SessionRecord.meeting_next_try.set(_iso(due)),
            SessionRecord.meeting_attempts.set(0), SessionRecord.meeting_claim.remove(),
            SessionRecord.meeting_error.remove()]


# --- what others read ------------------------------------------------------------------------

def join_link(session: SessionRecord) -> str | None:
    """The join URL to give the visitor: only once the meeting is ready at the session's time."""
    return session.join_url if session.meeting_state == READY else None


def provider_label(session: SessionRecord) -> str:
    return zoom.LOCAL_LABEL if zoom.is_local_meeting(session.meeting_id) else zoom.ZOOM_LABEL


def meeting_view(session: SessionRecord, *, staff: bool = False) -> dict | None:
    if session.mode != rules.MODE_DARING or not session.meeting_state:
        return None
    view = {
        "state": session.meeting_state,
        "state_label": STATE_LABELS.get(session.meeting_state, session.meeting_state),
        "join_url": join_link(session),
        "provider_label": provider_label(session),
    }
    if staff:
        view.update({"meeting_id": session.meeting_id, "attempts": int(session.meeting_attempts or 0),
                     "next_try": session.meeting_next_try if session.meeting_state in DUE_STATES else None,
                     "error": session.meeting_error})
    return view


def meeting_spec(session: SessionRecord) -> zoom.MeetingSpec:
    """What Zoom is told: no visitor's personal data, the session id as the marker."""
    tag = zoom.marker(session.session_id)
    service = rules.SERVICES.get(session.service, session.service)
    return zoom.MeetingSpec(
        session_id=session.session_id,
        topic=f"Klinik Clean & Clear - {service} {tag}",
        start=rules.parse_utc_iso(session.start),
        duration_minutes=rules.DEFAULT_RULES.session_minutes,
        agenda=(f"Konsultasi gratis Clean & Clear, Dinas Koperasi dan UKM Kabupaten Bogor. "
                f"Ruang tunggu aktif: narasumber akan mempersilakan Anda masuk. Sesi {tag}"),
    )


# --- the sync run ------------------------------------------------------------------------------

@dataclass
class SyncSummary:
    due: int = 0
    created: int = 0
    adopted: int = 0
    updated: int = 0
    deleted: int = 0
    retry: int = 0
    failed: int = 0
    throttled: int = 0  # Zoom answered 429: this run stops, the rest wait for the next one
    skipped: int = 0  # another run holds it, or it changed since we read it
    deferred: int = 0  # out of time or throttled: the next run takes it
    not_configured: bool = False
    outcomes: dict = field(default_factory=dict)  # session id -> outcome (tests, logs: ids only)

    def add(self, session_id: str, outcome: str) -> None:
        self.outcomes[session_id] = outcome
        if hasattr(self, outcome) and isinstance(getattr(self, outcome), int):
            setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "outcomes"}


def due_sessions(now: datetime) -> list[SessionRecord]:
    """Sessions with meeting work due by `now`: one Query per state on the sparse GSI."""
    stamp = _iso(now)
    out: list[SessionRecord] = []
    for state in DUE_STATES:
        out.extend(SessionRecord.by_meeting_state.query(state, SessionRecord.meeting_next_try <= stamp, limit=BATCH))
    return out


def run(now: datetime | None = None, *, client=None, budget_seconds: float = RUN_BUDGET_SECONDS) -> SyncSummary:
    """Create, update and delete the meetings of every session that is due. Safe to run twice
    at once or again after dying (see the module docstring)."""
    now = now or datetime.now(rules.UTC)
    summary = SyncSummary()
    due = due_sessions(now)
    summary.due = len(due)
    if not due:
        return summary
    if client is None:
        try:
            client = zoom.provider()
        except zoom.ZoomNotConfigured as exc:
            logger.error("zoom sync: not configured (%s); %d session(s) wait", exc, len(due))
            metrics.emit("ZoomFailures")
            summary.not_configured = True
            return summary
    started = _monotonic()
    throttled = False
    for session in due:
        if throttled or _monotonic() - started > budget_seconds:
            summary.add(session.session_id, "deferred")
            continue
        outcome = process(session, client, now)
        summary.add(session.session_id, outcome)
        throttled = outcome == "throttled"
    return summary


def process(session: SessionRecord, client, now: datetime) -> str:
    if session.meeting_state in (TO_CREATE, CREATING):
        return _create(session, client, now)
    if session.meeting_state == TO_UPDATE:
        return _update(session, client, now)
    if session.meeting_state == TO_DELETE:
        return _delete(session, client, now)
    return "skipped"


def _conditional(session: SessionRecord, actions: list, condition) -> bool:
    """An update that may lose a race: False when its condition no longer holds."""
    try:
        session.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def _as_read(session: SessionRecord):
    """The session is still exactly as this run read it (state and next try)."""
    return ((SessionRecord.meeting_state == session.meeting_state)
            & (SessionRecord.meeting_next_try == session.meeting_next_try))


def _claim(session: SessionRecord, now: datetime, token: str, *, creating: bool = False) -> bool:
    actions = [SessionRecord.meeting_claim.set(token),
               SessionRecord.meeting_next_try.set(_iso(now + timedelta(seconds=CLAIM_SECONDS)))]
    if creating:
        actions += [SessionRecord.meeting_state.set(CREATING), SessionRecord.meeting_claimed_at.set(_iso(now))]
    return _conditional(session, actions, _as_read(session))


def _held(token: str, state: str):
    return (SessionRecord.meeting_claim == token) & (SessionRecord.meeting_state == state)


def _done(session: SessionRecord, token: str, held_state: str, new_state: str, extra=()) -> bool:
    return _conditional(session, [SessionRecord.meeting_state.set(new_state), SessionRecord.meeting_next_try.remove(),
                                  SessionRecord.meeting_claim.remove(), SessionRecord.meeting_error.remove(), *extra],
                        _held(token, held_state))


def _fail(session: SessionRecord, now: datetime, token: str, held_state: str, error: str, attempts: int) -> str:
    """Give up: "gagal" stays in the index (next try = when it failed) for staff, and alarms."""
    if _conditional(session, [SessionRecord.meeting_state.set(FAILED), SessionRecord.meeting_next_try.set(_iso(now)),
                              SessionRecord.meeting_attempts.set(attempts), SessionRecord.meeting_error.set(error[:300]),
                              SessionRecord.meeting_claim.remove()],
                    _held(token, held_state)):
        metrics.emit("ZoomFailures")
        logger.error("zoom sync: session %s failed for good: %s", session.session_id, error)
        return "failed"
    return "skipped"


def _after_error(session: SessionRecord, now: datetime, token: str, held_state: str, retry_state: str,
                 exc: zoom.ZoomError, deadline: datetime | None = None) -> str:
    attempts = int(session.meeting_attempts or 0) + 1
    error = exc.short()
    late = deadline is not None and deadline <= now + timedelta(seconds=backoff_seconds(attempts))
    if isinstance(exc, zoom.ZoomPermanent) or attempts >= MAX_ATTEMPTS or late:
        return _fail(session, now, token, held_state, error, attempts)
    wait = float(backoff_seconds(attempts))
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        wait = max(wait, retry_after)
    nxt = now + timedelta(seconds=wait)
    logger.warning("zoom sync: session %s attempt %d failed (%s); next try %s", session.session_id, attempts, error, _iso(nxt))
    ok = _conditional(session, [SessionRecord.meeting_state.set(retry_state), SessionRecord.meeting_next_try.set(_iso(nxt)),
                                SessionRecord.meeting_attempts.set(attempts), SessionRecord.meeting_error.set(error),
                                SessionRecord.meeting_claim.remove()],
                      _held(token, held_state))
    if not ok:
        return "skipped"
    return "throttled" if exc.status == 429 else "retry"


def _end(session: SessionRecord) -> datetime:
    return rules.parse_utc_iso(session.start) + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)


def _matching(client, session: SessionRecord) -> list[zoom.Meeting]:
    tag = zoom.marker(session.session_id)
    return [m for m in client.list_upcoming_meetings() if m.carries(tag)]


def _create(session: SessionRecord, client, now: datetime) -> str:
    created_before = bool(session.meeting_claimed_at)  # Zoom may hold a meeting we never stored
    token = secrets.token_hex(8)
    if not _claim(session, now, token, creating=True):
        return "skipped"
    if _end(session) <= now:
        return _fail(session, now, token, CREATING, "Waktu sesi sudah lewat sebelum rapat Zoom dibuat.",
                     int(session.meeting_attempts or 0))
    try:
        meeting, outcome = None, "created"
        if created_before:
            found = _matching(client, session)
            if found:
                meeting, outcome = found[0], "adopted"
                for extra in found[1:]:  # cannot happen through this code; never leave one behind
                    client.delete_meeting(extra.id)
        if meeting is None:
            meeting = client.create_meeting(meeting_spec(session))
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, CREATING, TO_CREATE, exc, deadline=_end(session))
    if store_meeting(session, token, meeting):
        return outcome
    _lost_claim(session, meeting, client)
    return "skipped"


def store_meeting(session: SessionRecord, token: str, meeting: zoom.Meeting) -> bool:
    """Record the meeting, only while this run still holds the claim."""
    return _done(session, token, CREATING, READY,
                 [SessionRecord.meeting_id.set(meeting.id), SessionRecord.join_url.set(meeting.join_url)])


def _lost_claim(session: SessionRecord, meeting: zoom.Meeting, client) -> None:
    """Zoom made a meeting but the session changed meanwhile (released, mostly)."""
    session.refresh()
    if session.meeting_state == TO_DELETE and not session.meeting_id:
        # Let the deletion find it by id (it would also find it by listing).
        _conditional(session, [SessionRecord.meeting_id.set(meeting.id), SessionRecord.join_url.set(meeting.join_url)],
                     (SessionRecord.meeting_state == TO_DELETE) & SessionRecord.meeting_id.does_not_exist())
    elif session.meeting_id and session.meeting_id != meeting.id:
        try:
            client.delete_meeting(meeting.id)
        except zoom.ZoomError:
            logger.warning("zoom sync: spare meeting %s of session %s not deleted", meeting.id, session.session_id)


def _update(session: SessionRecord, client, now: datetime) -> str:
    token = secrets.token_hex(8)
    if not _claim(session, now, token):
        return "skipped"
    try:
        if zoom.is_local_meeting(session.meeting_id) and not getattr(client, "local", False):
            raise zoom.MeetingGone("update: local demo meeting", status=404, code=3001)
        client.update_meeting(session.meeting_id, meeting_spec(session))
    except zoom.MeetingGone:
        # Deleted in Zoom by hand (or a demo meeting): make a new one for this session.
        ok = _conditional(session, [SessionRecord.meeting_state.set(TO_CREATE), SessionRecord.meeting_id.remove(),
                                    SessionRecord.join_url.remove(), SessionRecord.meeting_next_try.set(_iso(now)),
                                    SessionRecord.meeting_attempts.set(0), SessionRecord.meeting_claim.remove()],
                          _held(token, TO_UPDATE))
        return "retry" if ok else "skipped"
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, TO_UPDATE, TO_UPDATE, exc, deadline=_end(session))
    return "updated" if _done(session, token, TO_UPDATE, READY) else "skipped"


def _delete(session: SessionRecord, client, now: datetime) -> str:
    if not session.meeting_id:
        if not session.meeting_claimed_at:  # creation never started: nothing exists in Zoom
            return "deleted" if _conditional(session, [SessionRecord.meeting_state.set(DELETED),
                                                       SessionRecord.meeting_next_try.remove()], _as_read(session)) else "skipped"
        lease_end = rules.parse_utc_iso(session.meeting_claimed_at) + timedelta(seconds=CLAIM_SECONDS)
        if lease_end > now:  # a run may still be creating it: look after its claim has run out
            ok = _conditional(session, [SessionRecord.meeting_next_try.set(_iso(lease_end))], _as_read(session))
            return "deferred" if ok else "skipped"
    token = secrets.token_hex(8)
    if not _claim(session, now, token):
        return "skipped"
    try:
        if session.meeting_id:
            if not zoom.is_local_meeting(session.meeting_id) or getattr(client, "local", False):
                client.delete_meeting(session.meeting_id)
        else:
            for meeting in _matching(client, session):
                client.delete_meeting(meeting.id)
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, TO_DELETE, TO_DELETE, exc)
    return "deleted" if _done(session, token, TO_DELETE, DELETED) else "skipped"


# --- staff -------------------------------------------------------------------------------------

def failures() -> list[dict]:
    """Sessions whose meeting failed for good (a Query on the sparse index), newest first."""
    items = SessionRecord.by_meeting_state.query(FAILED, scan_index_forward=False)
    return [{"session_id": s.session_id, "reference": s.reference, "start": s.start, "status": s.status,
             "meeting": meeting_view(s, staff=True)} for s in items]


def retry(actor: str, session_id: str, now: datetime | None = None) -> dict:
    """Staff ask for another go at a failed meeting (after fixing the cause)."""
    now = now or datetime.now(rules.UTC)
    try:
        session = SessionRecord.get(session_id)
    except SessionRecord.DoesNotExist:
        raise NotFound({"_form": "Sesi tidak ditemukan."}) from None
    if session.meeting_state != FAILED:
        raise Conflict({"_form": "Rapat Zoom sesi ini tidak dalam keadaan gagal."})
    if session.status != rules.SESSION_SCHEDULED:
        state = TO_DELETE
    else:
        state = TO_UPDATE if session.meeting_id else TO_CREATE
    from pynamodb.exceptions import TransactWriteError

    try:
        audit.write(actor, "zoom.ulangi", session.reference, {"session": session_id, "state": state},
                    update=[(session, [SessionRecord.meeting_state.set(state), SessionRecord.meeting_next_try.set(_iso(now)),
                                       SessionRecord.meeting_attempts.set(0), SessionRecord.meeting_error.remove()],
                             SessionRecord.meeting_state == FAILED)])
    except TransactWriteError:
        raise Conflict({"_form": "Keadaan rapat Zoom berubah; muat ulang halaman."}) from None
    session.refresh()
    return meeting_view(session, staff=True)
