"""Feedback after a session: the private link's page, the form's answers, a follow-up request.

The link is signed and expires (chalicelib/links.py); the answers are checked by
domain/feedback.py.

Who may answer
    Only a session the consultant marked ``hadir``: the questions are about the consultation, and
    answers from people who did not come would distort the office's evaluation. A session still
    ``terjadwal`` (attendance not yet recorded) is told to try again later; a no-show or a
    cancelled session is told the form is for sessions that took place. When staff correct a
    wrongly recorded no-show to ``hadir``, the same link starts to work (the signature does not
    depend on the status).

One answer per session
    The feedback record is a conditional put on the session id. A follow-up request creates a new
    waiting registration (same person, organisation, service, mode, topics and description;
    ``follow_up_of`` = the first reference; new days) in the SAME transaction, together with a
    check that the session is still ``hadir`` and the audit entry: a retry or a double click finds
    the record and gets 409, never a second registration. The follow-up's private status token is
    derived from the signing key and the session id, so a retried request can be shown the same
    status link again.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .. import clock, links
from ..domain import counters, periods, rules
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.feedback import ANSWERED, IMPROVE_MAX, validate_answers
from ..domain.references import format_reference, new_reference, token_matches
from ..store import feedback as store
from ..store import phone_limits
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from ..store.unit_of_work import Cancelled, UnitOfWork, conflict_pause
from . import registrations, team

if TYPE_CHECKING:
    from ..store.models import FeedbackRecord, Registration, SessionRecord

__all__ = ["ANSWERED", "IMPROVE_MAX", "view_for_visitor", "submit", "link_for", "verify"]

MSG_ALREADY = "Umpan balik untuk sesi ini sudah kami terima. Terima kasih!"
MSG_NOT_YET = ("Kehadiran sesi ini belum dicatat oleh petugas. Silakan buka tautan ini lagi nanti.")
MSG_NOT_HELD = ("Formulir umpan balik hanya untuk sesi yang sudah berlangsung. Bila Anda berhalangan "
                "hadir, silakan daftar lagi di halaman pendaftaran.")
MSG_CHANGED = "Status sesi berubah; muat ulang halaman lalu coba lagi."

link_for = links.feedback_link
verify = links.verify_feedback


class Answered(Conflict):
    """A second answer for a session: 409, and the page still shows a follow-up's link."""

    def __init__(self, record: FeedbackRecord):
        super().__init__({"_form": MSG_ALREADY})
        self.extra = {"answered": True, "follow_up": _follow_up_view(record)}


# --- reading -------------------------------------------------------------------------------------

def _session(session_id: str):
    session = sessions_store.get(session_id, consistent=True)
    if session is None:
        raise NotFound({"_form": "Sesi tidak ditemukan. Periksa kembali tautan Anda."})
    return session


def _existing(session_id: str):
    return store.get(session_id)


def _check_held(session: SessionRecord) -> None:
    if session.status == rules.SESSION_ATTENDED:
        return
    if session.status == rules.SESSION_SCHEDULED:
        raise Conflict({"_form": MSG_NOT_YET})
    raise Conflict({"_form": MSG_NOT_HELD})


def _follow_up_view(record: FeedbackRecord) -> dict | None:
    if not record.follow_up:
        return None
    follow_up = registrations_store.get(record.follow_up)
    token = links.status_token(record.follow_up)
    if follow_up is not None and not token_matches(follow_up.token_hash, token):
        token = links.follow_up_token(record.session_id)  # made before status tokens were derived
    return {"reference": format_reference(record.follow_up), "token": token}


def _session_view(session: SessionRecord) -> dict:
    start = rules.parse_utc_iso(session.start).astimezone(rules.WIB)
    try:
        consultant = team.get_consultant(session.consultant_id).name
    except InputError:
        consultant = None
    return {
        "id": session.session_id,
        "reference": format_reference(session.reference),
        "date_wib": start.date().isoformat(),
        "time_wib": start.strftime("%H.%M"),
        "service": session.service,
        "service_label": rules.SERVICES.get(session.service, session.service),
        "mode": session.mode,
        "mode_label": rules.MODES.get(session.mode, session.mode),
        "consultant_name": consultant,
    }


def view_for_visitor(session_id: str, expiry: object, sig: object, now: datetime | None = None) -> dict:
    """What the feedback page shows before the form: the session, or that it was answered."""
    verify(session_id, expiry, sig, now)
    session = _session(session_id)
    record = _existing(session_id)
    if record is not None:
        return {"answered": True, "message": MSG_ALREADY, "session": _session_view(session),
                "follow_up": _follow_up_view(record)}
    _check_held(session)
    return {"answered": False, "session": _session_view(session), "max_improve": IMPROVE_MAX}


# --- writing -------------------------------------------------------------------------------------

def _follow_up_registration(original: Registration, days, now: datetime):
    # The visitor agreed to processing "to schedule and follow up the consultation"; the
    # follow-up keeps that consent's time and version with the rest of what they told us.
    fields = {name: getattr(original, name) for name in registrations.VISITOR_FIELDS}
    fields["topics"] = list(original.topics)
    reference = new_reference()
    return registrations_store.build(reference, links.status_token(reference), now, days=days,
                                     follow_up_of=original.reference, **fields)


def _limit_reached(limit: int) -> InputError:
    return InputError({"follow_up": f"Nomor WhatsApp Anda sudah punya {limit} pendaftaran yang masih "
                                    "berjalan, jadi sesi lanjutan belum dapat didaftarkan. Pilih "
                                    "\u201cTidak\u201d untuk mengirim umpan balik saja."}, 429)


def submit(session_id: str, payload: object, now: datetime | None = None) -> dict:
    """Store one answer for a session (and its follow-up registration), or raise a 4xx."""
    now = now or clock.now()
    if not isinstance(payload, dict):
        raise InputError({"_form": "Data formulir tidak valid."})
    verify(session_id, payload.get("e"), payload.get("t"), now)
    session = _session(session_id)
    existing = _existing(session_id)
    if existing is not None:
        raise Answered(existing)
    _check_held(session)

    today = rules.wib_now(now).date()
    closed = registrations.closed_days(today) if payload.get("follow_up") is True else set()
    answers, errors = validate_answers(payload, today=today, closed=closed)
    if errors:
        raise InputError(errors)

    original = registrations_store.get(session.reference, consistent=True)
    if answers.follow_up:
        if original is None:
            raise NotFound({"_form": "Pendaftaran asal sesi ini tidak ditemukan."})
        if not original.phone:  # the visitor had their data deleted (services/privacy.py)
            raise Conflict({"follow_up": "Data pendaftaran Anda sudah dihapus, jadi sesi lanjutan tidak dapat "
                                         "dibuat dari sini. Silakan daftar baru di halaman pendaftaran."})
        phone_limit = registrations.PhoneLimit(original.phone, now)
        if phone_limit.precheck():
            raise _limit_reached(phone_limit.limit)

    created = rules.to_utc_iso(now)
    for _attempt in range(registrations.ATTEMPTS):
        follow_up = _follow_up_registration(original, answers.days, now) if answers.follow_up else None
        record = store.build(
            session_id, reference=session.reference, consultant_id=session.consultant_id, service=session.service,
            mode=session.mode, topics=list(original.topics) if original is not None else [],
            session_day=session.day, satisfaction=answers.satisfaction, answered=answers.answered,
            helpfulness=answers.helpfulness, recommend=answers.recommend, improve=answers.improve,
            follow_up=follow_up.reference if follow_up is not None else None, created_at=created,
            month=periods.month_key(rules.wib_now(now)), skm=answers.skm, profile=answers.profile)
        uow = UnitOfWork("pengunjung", "umpan_balik.kirim", session.reference,
                         {"session": session_id, "follow_up": record.follow_up})
        sessions_store.check_status(uow, session_id, rules.SESSION_ATTENDED)
        store.add_new(uow, record)
        if follow_up is not None:
            registrations_store.add_new(uow, follow_up)
            phone_limit.add(uow, follow_up.reference)
        stats_store.add(uow, _counters(session, original, record, follow_up, answers))
        try:
            uow.commit()
        except Cancelled as exc:
            if exc.on(store.LABEL):  # a concurrent submit won: answer as to any second submit
                winner = _existing(session_id)
                raise (Answered(winner) if winner is not None else Conflict({"_form": MSG_ALREADY})) from None
            if exc.on(sessions_store.LABEL):
                raise Conflict({"_form": MSG_CHANGED}) from None
            if follow_up is not None and exc.on(phone_limits.LABEL):
                if phone_limit.reached_after_conflict():
                    raise _limit_reached(phone_limit.limit) from None
                continue  # some of the number's registrations had closed: there is room again
            if follow_up is not None and exc.on(registrations_store.LABEL):
                continue  # reference collision: draw another
            if not exc.failed and "TransactionConflict" in exc.codes:
                conflict_pause(_attempt)
                continue
            raise
        return {
            "received": True,
            "message": "Umpan balik Anda sudah kami terima. Jawaban Anda kami pakai untuk memperbaiki layanan.",
            "follow_up": _follow_up_view(record),
        }
    raise Conflict({"_form": registrations.BUSY}, 503)


def _counters(session: SessionRecord, registration: Registration, record: FeedbackRecord, follow_up: Registration | None,
              answers) -> counters.Changes:
    """The evaluation counters of this answer, for the same transaction."""
    changes = counters.feedback_given(
        registration_created_at=registration.created_at if registration is not None else session.created_at,
        day=session.day, consultant_id=session.consultant_id, service=session.service, topics=record.topics,
        satisfaction=record.satisfaction, helpfulness=record.helpfulness, recommend=record.recommend,
        answered=record.answered, walk_in=bool(session.walk_in))
    if answers.skm:
        changes = counters.merge(changes, counters.skm_answered(month=record.month, service=session.service,
                                                                answers=answers.skm, profile=answers.profile or {}))
    if follow_up is not None:
        changes = counters.merge(changes, counters.registration_created(
            created_at=follow_up.created_at, service=follow_up.service, topics=follow_up.topics,
            source=follow_up.source, campaign=follow_up.campaign, kecamatan=follow_up.kecamatan,
            mode=follow_up.mode, follow_up=True))
    return changes
