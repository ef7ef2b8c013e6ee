"""Zoom meetings for online sessions: the sync run and what staff see of it.

Booking only writes attributes of the session item, inside its own transaction (the states and
rules are in domain/meetings.py). `run(now)` (the scheduled function `sync_meetings`) Queries the
sparse GSI by_meeting_state for due work and talks to Zoom (adapters/zoom.py).

A session never gets two meetings:
  * a run claims the session with a conditional update (state and next-try exactly as it read
    them) before calling Zoom, so two overlapping runs never both create;
  * the claim holds for CLAIM_SECONDS; a run that died leaves "membuat" behind, and the next
    run, seeing that creation was claimed before (`meeting_claimed_at`), first LISTS the Zoom
    user's upcoming meetings and adopts the one whose topic/agenda carries "[<session id>]";
  * the meeting id is stored with a condition on the claim token.
"""
from __future__ import annotations

import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, settings
from ..adapters import metrics, zoom
from ..budget import Deadline
from ..domain import rules
from ..domain.errors import Conflict, NotFound
from ..domain.meetings import (
    CLAIM_SECONDS,
    CLOSED,
    CREATING,
    DELETED,
    DUE_STATES,
    FAILED,
    MAX_ATTEMPTS,
    READY,
    STATE_LABELS,
    TO_CREATE,
    TO_DELETE,
    TO_UPDATE,
    join_link,
    marker,
    session_end,
)
from ..domain.retry import backoff_seconds
from ..store import sessions as store
from ..store import zoom_quota
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import team

if TYPE_CHECKING:
    from ..store.models import ConsultantRecord, SessionRecord

logger = logging.getLogger(__name__)

BATCH = 1000  # sessions per state per run
RUN_BUDGET_SECONDS = 50.0  # without a Lambda context
# A session's work is at most two Zoom calls (list, then create) of the client's timeout each, and
# storing the result: no session is started with less than this left.
WORK_SECONDS = 2 * 13.05 + 3.0


def _iso(dt: datetime) -> str:
    return rules.to_utc_iso(dt)


# --- what others read ------------------------------------------------------------------------

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


@dataclass(frozen=True)
class Host:
    """Who hosts a session's meeting: the consultant's own Zoom user when the team page links one,
    else the office's user ("me") with the consultant's staff e-mail as alternative host."""

    user: str
    alternative_hosts: tuple = ()

    @classmethod
    def of(cls, consultant: ConsultantRecord) -> "Host":
        if consultant is not None and consultant.zoom_user:
            return cls(consultant.zoom_user)
        staff = getattr(consultant, "staff_email", None)
        return cls("me", (staff,) if staff else ())


def host_for(session: SessionRecord, consultants: dict | None = None) -> Host:
    consultants = consultants if consultants is not None else {c.consultant_id: c for c in team.list_consultants()}
    return Host.of(consultants.get(session.consultant_id))


def meeting_spec(session: SessionRecord, host: Host | None = None) -> zoom.MeetingSpec:
    """What Zoom is told: no visitor's personal data, the session id as the marker."""
    tag = marker(session.session_id)
    service = rules.SERVICES.get(session.service, session.service)
    host = host or Host("me")
    return zoom.MeetingSpec(
        session_id=session.session_id,
        topic=f"Klinik Clean & Clear - {service} {tag}",
        start=rules.parse_utc_iso(session.start),
        duration_minutes=rules.DEFAULT_RULES.session_minutes,
        agenda=(f"Konsultasi gratis Clean & Clear, Dinas Koperasi dan UKM Kabupaten Bogor. "
                f"Ruang tunggu aktif: narasumber akan mempersilakan Anda masuk. Sesi {tag}"),
        host=None if host.user == "me" else host.user,
        alternative_hosts=host.alternative_hosts,
    )


# --- the sync run ------------------------------------------------------------------------------

@dataclass
class SyncSummary:
    due: int = 0
    created: int = 0
    adopted: int = 0
    updated: int = 0
    deleted: int = 0
    closed: int = 0  # a delete Zoom refused for good: ended and locked instead (see _close)
    retry: int = 0
    failed: int = 0
    throttled: int = 0  # Zoom answered 429: this run stops, the rest wait for the next one
    over_quota: int = 0  # the host's 100 create/update calls of the day are used: waits for tomorrow (UTC)
    skipped: int = 0  # another run holds it, or it changed since we read it
    deferred: int = 0  # out of time or throttled: the next run takes it
    not_configured: bool = False
    outcomes: dict = field(default_factory=dict)  # session id -> outcome (tests, logs: ids only)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, session_id: str, outcome: str) -> None:
        with self._lock:
            self.outcomes[session_id] = outcome
            if hasattr(self, outcome) and isinstance(getattr(self, outcome), int):
                setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("outcomes", "_lock")}


def due_sessions(now: datetime) -> list:
    """Sessions with meeting work due by `now`: one Query per state on the sparse GSI."""
    stamp = _iso(now)
    out: list = []
    for state in DUE_STATES:
        out.extend(store.meetings_due(state, stamp, BATCH))
    return out


def run(now: datetime | None = None, *, client=None, deadline: Deadline | None = None,
        budget_seconds: float | None = None) -> SyncSummary:
    """Create, update and delete the meetings of every session that is due, a few at a time, until
    done or the deadline is near. Safe to run twice at once or again after dying (see the module
    docstring)."""
    now = now or clock.now()
    deadline = deadline or Deadline.seconds(RUN_BUDGET_SECONDS if budget_seconds is None else budget_seconds)
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
    client.deadline = deadline  # each Zoom call's timeout ends before the invocation does
    consultants = {c.consultant_id: c for c in team.list_consultants()}  # who hosts what, read once
    throttled = threading.Event()
    opened = threading.Event()  # slow start: one at a time until a call went through
    first = threading.Lock()

    def work(session: SessionRecord) -> str:
        if throttled.is_set() or not deadline.allows(WORK_SECONDS):
            return "deferred"
        outcome = process(session, client, now, consultants)
        if outcome == "throttled":
            throttled.set()
        elif outcome in ("created", "adopted", "updated", "deleted", "closed"):
            opened.set()
        return outcome

    def step(session: SessionRecord) -> str:
        if opened.is_set():
            return work(session)
        with first:
            return work(session)

    with ThreadPoolExecutor(max_workers=settings.meeting_workers(), thread_name_prefix="zoom") as pool:
        for session, outcome in zip(due, pool.map(step, due)):
            summary.add(session.session_id, outcome)
    return summary


def process(session: SessionRecord, client, now: datetime, consultants: dict | None = None) -> str:
    if session.meeting_state in (TO_CREATE, CREATING):
        return _create(session, client, now, host_for(session, consultants))
    if session.meeting_state == TO_UPDATE:
        return _update(session, client, now, consultants)
    if session.meeting_state == TO_DELETE:
        return _delete(session, client, now)
    return "skipped"


def _claim(session: SessionRecord, now: datetime, token: str, *, creating: bool = False) -> bool:
    fields = {"meeting_claim": token, "meeting_next_try": _iso(now + timedelta(seconds=CLAIM_SECONDS))}
    if creating:
        fields.update(meeting_state=CREATING, meeting_claimed_at=_iso(now))
    return store.change_meeting(session, fields, as_read=True)


def _done(session: SessionRecord, token: str, held_state: str, new_state: str, extra: dict | None = None) -> bool:
    return store.change_meeting(session, {"meeting_state": new_state, "meeting_next_try": None, "meeting_claim": None,
                                          "meeting_error": None, **(extra or {})}, held=(token, held_state))


def _fail(session: SessionRecord, now: datetime, token: str, held_state: str, error: str, attempts: int) -> str:
    """Give up: "gagal" stays in the index (next try = when it failed) for staff, and alarms."""
    if store.change_meeting(session, {"meeting_state": FAILED, "meeting_next_try": _iso(now),
                                      "meeting_attempts": attempts, "meeting_error": error[:300],
                                      "meeting_claim": None}, held=(token, held_state)):
        metrics.emit("ZoomFailures")
        logger.error("zoom sync: session %s failed for good: %s", session.session_id, error)
        return "failed"
    return "skipped"


def _after_error(session: SessionRecord, now: datetime, token: str, held_state: str, retry_state: str,
                 exc: zoom.ZoomError, deadline: datetime | None = None) -> str:
    if isinstance(exc, zoom.ZoomOutOfTime):  # never started: back in line for the next run, no attempt counted
        ok = store.change_meeting(session, {"meeting_state": retry_state, "meeting_next_try": _iso(now),
                                            "meeting_claim": None}, held=(token, held_state))
        return "deferred" if ok else "skipped"
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
    ok = store.change_meeting(session, {"meeting_state": retry_state, "meeting_next_try": _iso(nxt),
                                        "meeting_attempts": attempts, "meeting_error": error, "meeting_claim": None},
                              held=(token, held_state))
    if not ok:
        return "skipped"
    return "throttled" if exc.status == 429 else "retry"


def _matching(client, session: SessionRecord, host: str | None = None) -> list[zoom.Meeting]:
    tag = marker(session.session_id)
    user = host or session.meeting_host
    meetings = client.list_upcoming_meetings(None if user in (None, "me") else user)
    return [m for m in meetings if m.carries(tag)]


def _quota(client, host: Host, now: datetime) -> bool:
    """One of the host's create/update calls of the day (Zoom: 100 per user), as a write condition."""
    if client.local:
        return True
    return zoom_quota.take(host.user, now, zoom.DAILY_USER_LIMIT)


def _tomorrow(session: SessionRecord, now: datetime, token: str, held_state: str, retry_state: str) -> str:
    """The host's calls of the day are used up: the session waits until Zoom's day turns (UTC)."""
    nxt = datetime.combine(now.astimezone(rules.UTC).date() + timedelta(days=1), datetime.min.time(), rules.UTC)
    ok = store.change_meeting(session, {"meeting_state": retry_state, "meeting_next_try": _iso(nxt + timedelta(minutes=5)),
                                        "meeting_claim": None,
                                        "meeting_error": "Batas 100 permintaan Zoom per hari untuk narasumber ini "
                                                         "tercapai; dilanjutkan besok."}, held=(token, held_state))
    return "over_quota" if ok else "skipped"


def _create(session: SessionRecord, client, now: datetime, host: Host | None = None) -> str:
    created_before = bool(session.meeting_claimed_at)  # Zoom may hold a meeting we never stored
    host = host or host_for(session)
    token = secrets.token_hex(8)
    if not _claim(session, now, token, creating=True):
        return "skipped"
    if session_end(session) <= now:
        return _fail(session, now, token, CREATING, "Waktu sesi sudah lewat sebelum rapat Zoom dibuat.",
                     int(session.meeting_attempts or 0))
    try:
        meeting, outcome = None, "created"
        if created_before:
            found = _matching(client, session, host.user)
            if found:
                meeting, outcome = found[0], "adopted"
                for extra in found[1:]:  # cannot happen through this code; never leave one behind
                    client.delete_meeting(extra.id)
        if meeting is None:
            if not _quota(client, host, now):
                return _tomorrow(session, now, token, CREATING, TO_CREATE)
            meeting = client.create_meeting(meeting_spec(session, host))
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, CREATING, TO_CREATE, exc, deadline=session_end(session))
    if store_meeting(session, token, meeting, host.user):
        return outcome
    _lost_claim(session, meeting, client)
    return "skipped"


def store_meeting(session: SessionRecord, token: str, meeting: zoom.Meeting, host: str = "me") -> bool:
    """Record the meeting (and whose it is), only while this run still holds the claim."""
    return _done(session, token, CREATING, READY, {"meeting_id": meeting.id, "join_url": meeting.join_url,
                                                   "meeting_host": host})


def _lost_claim(session: SessionRecord, meeting: zoom.Meeting, client) -> None:
    """Zoom made a meeting but the session changed meanwhile (released, mostly)."""
    session = store.get(session.session_id, consistent=True)
    if session is None:
        return
    if session.meeting_state == TO_DELETE and not session.meeting_id:
        # Let the deletion find it by id (it would also find it by listing).
        store.change_meeting(session, {"meeting_id": meeting.id, "join_url": meeting.join_url},
                             deleting_without_id=True)
    elif session.meeting_id and session.meeting_id != meeting.id:
        try:
            client.delete_meeting(meeting.id)
        except zoom.ZoomError:
            logger.warning("zoom sync: spare meeting %s of session %s not deleted", meeting.id, session.session_id)


def _update(session: SessionRecord, client, now: datetime, consultants: dict | None = None) -> str:
    token = secrets.token_hex(8)
    if not _claim(session, now, token):
        return "skipped"
    host = host_for(session, consultants)
    try:
        if zoom.is_local_meeting(session.meeting_id) and not client.local:
            raise zoom.MeetingGone("update: local demo meeting", status=404, code=3001)
        if not _quota(client, Host(session.meeting_host or "me"), now):
            return _tomorrow(session, now, token, TO_UPDATE, TO_UPDATE)
        client.update_meeting(session.meeting_id, meeting_spec(session, host))
    except zoom.MeetingGone:
        # Deleted in Zoom by hand (or a demo meeting): make a new one for this session.
        ok = store.change_meeting(session, {"meeting_state": TO_CREATE, "meeting_id": None, "join_url": None,
                                            "meeting_next_try": _iso(now), "meeting_attempts": 0,
                                            "meeting_claim": None}, held=(token, TO_UPDATE))
        return "retry" if ok else "skipped"
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, TO_UPDATE, TO_UPDATE, exc, deadline=session_end(session))
    return "updated" if _done(session, token, TO_UPDATE, READY) else "skipped"


def _delete(session: SessionRecord, client, now: datetime) -> str:
    if not session.meeting_id:
        if not session.meeting_claimed_at:  # creation never started: nothing exists in Zoom
            done = store.change_meeting(session, {"meeting_state": DELETED, "meeting_next_try": None}, as_read=True)
            return "deleted" if done else "skipped"
        lease_end = rules.parse_utc_iso(session.meeting_claimed_at) + timedelta(seconds=CLAIM_SECONDS)
        if lease_end > now:  # a run may still be creating it: look after its claim has run out
            ok = store.change_meeting(session, {"meeting_next_try": _iso(lease_end)}, as_read=True)
            return "deferred" if ok else "skipped"
    token = secrets.token_hex(8)
    if not _claim(session, now, token):
        return "skipped"
    refused: list[str] = []
    try:
        if session.meeting_id:
            if not zoom.is_local_meeting(session.meeting_id) or client.local:
                _delete_or_note(client, session.meeting_id, refused)
        else:
            for meeting in _matching(client, session):
                _delete_or_note(client, meeting.id, refused)
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, TO_DELETE, TO_DELETE, exc)
    if refused:
        return _close(session, client, now, token, refused)
    return "deleted" if _done(session, token, TO_DELETE, DELETED) else "skipped"


def _delete_or_note(client, meeting_id: str, refused: list[str]) -> None:
    try:
        client.delete_meeting(meeting_id)
    except zoom.MeetingGone:
        return
    except zoom.ZoomPermanent as exc:
        refused.append(f"{meeting_id} ({exc.short()})")


def _close(session: SessionRecord, client, now: datetime, token: str, refused: list[str]) -> str:
    """Zoom refused for good to delete a meeting we no longer need: end it and take its old join
    link's use away (adapters/zoom close_meeting), so nobody gets in to a session that was moved or
    cancelled. When that is refused too, "gagal" with what staff must do by hand."""
    ids = [r.split(" ", 1)[0] for r in refused]
    try:
        for meeting_id in ids:
            client.close_meeting(meeting_id)
    except zoom.ZoomPermanent as exc:
        todo = (f"Zoom menolak menghapus dan menutup rapat {', '.join(ids)} ({exc.short()}). Hapus rapat itu "
                "di zoom.us (Meetings, akun penyelenggara), lalu tekan \"Coba lagi\".")
        return _fail(session, now, token, TO_DELETE, todo, int(session.meeting_attempts or 0) + 1)
    except zoom.ZoomError as exc:
        return _after_error(session, now, token, TO_DELETE, TO_DELETE, exc)
    logger.warning("zoom sync: session %s: delete refused (%s); meeting closed instead", session.session_id,
                   "; ".join(refused))
    note = f"Zoom menolak menghapus rapat {', '.join(ids)}; rapat ditutup: passcode baru dan ruang tunggu."
    return "closed" if _done(session, token, TO_DELETE, CLOSED, {"meeting_error": note[:300]}) else "skipped"


# --- staff -------------------------------------------------------------------------------------

def failures() -> list[dict]:
    """Sessions whose meeting failed for good (a Query on the sparse index), newest first."""
    items = store.meetings_failed()
    return [{"session_id": s.session_id, "reference": s.reference, "start": s.start, "status": s.status,
             "meeting": meeting_view(s, staff=True)} for s in items]


def retry(actor: str, session_id: str, now: datetime | None = None) -> dict:
    """Staff ask for another go at a failed meeting (after fixing the cause)."""
    now = now or clock.now()
    session = store.get(session_id)
    if session is None:
        raise NotFound({"_form": "Sesi tidak ditemukan."})
    if session.meeting_state != FAILED:
        raise Conflict({"_form": "Rapat Zoom sesi ini tidak dalam keadaan gagal."})
    if session.status != rules.SESSION_SCHEDULED:
        state = TO_DELETE
    else:
        state = TO_UPDATE if session.meeting_id else TO_CREATE
    uow = UnitOfWork(actor, "zoom.ulangi", session.reference, {"session": session_id, "state": state})
    store.retry_failed_meeting(uow, session, state, _iso(now))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Keadaan rapat Zoom berubah; muat ulang halaman."}) from None
    return meeting_view(store.get(session_id, consistent=True), staff=True)

