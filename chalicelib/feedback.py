"""Feedback after a session (stage 7): the private link, the form's answers, a follow-up request.

The link
    ``<SITE_URL>/umpan-balik.html#s=<session id>&e=<expiry>&t=<signature>``: the expiry is a Unix
    time (seconds), the signature HMAC-SHA256 over ``feedback-link|v1|<session id>|<expiry>`` with
    the server's signing key (``secrets_store.get("APP", ("signing_key",))``: Secrets Manager via
    ``APP_SECRET_ARN`` in AWS, ``APP_SIGNING_KEY`` locally), base64url without padding. Everything
    rides in the URL fragment, which browsers never send to a server or a log; the page passes it
    to the API. A link is good for that one session and for ``FEEDBACK_LINK_DAYS`` days (14).

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

No Chalice imports; the routes in app.py call `view_for_visitor` and `submit`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote

from pynamodb.exceptions import TransactWriteError

from . import audit, registrations, rules, secrets_store, validation
from .errors import Conflict, InputError, NotFound
from .models import FeedbackRecord, Registration, SessionRecord

PAGE = "umpan-balik.html"
DEFAULT_LINK_DAYS = 14
IMPROVE_MAX = 1000
ANSWERED = {"ya": "Ya, terjawab", "sebagian": "Sebagian", "tidak": "Tidak terjawab"}

MSG_INVALID = ("Tautan umpan balik tidak valid. Buka kembali tautan dari pesan WhatsApp atau e-mail "
               "Anda, tanpa mengubahnya.")
MSG_EXPIRED = ("Tautan umpan balik ini sudah kedaluwarsa. Terima kasih atas minat Anda; bila ingin "
               "menyampaikan sesuatu, hubungi kami lewat WhatsApp.")
MSG_ALREADY = "Umpan balik untuk sesi ini sudah kami terima. Terima kasih!"
MSG_NOT_YET = ("Kehadiran sesi ini belum dicatat oleh petugas. Silakan buka tautan ini lagi nanti.")
MSG_NOT_HELD = ("Formulir umpan balik hanya untuk sesi yang sudah berlangsung. Bila Anda berhalangan "
                "hadir, silakan daftar lagi di halaman pendaftaran.")
MSG_CHANGED = "Status sesi berubah; muat ulang halaman lalu coba lagi."

_SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EXPIRY_RE = re.compile(r"^\d{1,12}$")
_SIG_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


# --- the signed link -----------------------------------------------------------------------------

def link_days() -> int:
    raw = os.environ.get("FEEDBACK_LINK_DAYS", "")
    try:
        days = int(raw) if raw else DEFAULT_LINK_DAYS
    except ValueError:
        days = DEFAULT_LINK_DAYS
    return days if days > 0 else DEFAULT_LINK_DAYS


def _signing_key() -> bytes:
    secret = secrets_store.get("APP", ("signing_key",))
    if secret is None:
        # Fail closed: without a key no link can be made or checked.
        raise RuntimeError("APP signing_key is not configured (APP_SECRET_ARN / APP_SIGNING_KEY)")
    return secret["signing_key"].encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def signature(session_id: str, expiry: int) -> str:
    message = f"feedback-link|v1|{session_id}|{expiry}".encode()
    return _b64(hmac.new(_signing_key(), message, hashlib.sha256).digest())


def link_for(session_id: str, now: datetime | None = None) -> str:
    """The private feedback link for one session, valid for FEEDBACK_LINK_DAYS days from `now`.

    Absolute when SITE_URL is set (AWS, make run), else a site-relative path.
    """
    now = now or datetime.now(rules.UTC)
    expiry = int((now + timedelta(days=link_days())).timestamp())
    base = os.environ.get("SITE_URL", "").rstrip("/")
    return f"{base}/{PAGE}#s={quote(session_id, safe='')}&e={expiry}&t={signature(session_id, expiry)}"


def verify(session_id: object, expiry: object, sig: object, now: datetime | None = None) -> int:
    """Check a link's parts; return its expiry. Raises 403 (forged, altered, another session's)
    or 410 (genuine but expired). The signature is checked first, so an expiry cannot be forged."""
    now = now or datetime.now(rules.UTC)
    if not (isinstance(session_id, str) and _SESSION_RE.match(session_id)
            and isinstance(expiry, str) and _EXPIRY_RE.match(expiry)
            and isinstance(sig, str) and _SIG_RE.match(sig)):
        raise InputError({"_form": MSG_INVALID}, 403)
    expires = int(expiry)
    if not hmac.compare_digest(signature(session_id, expires), sig):
        raise InputError({"_form": MSG_INVALID}, 403)
    if now.timestamp() >= expires:
        raise InputError({"_form": MSG_EXPIRED}, 410)
    return expires


def _follow_up_token(session_id: str) -> str:
    """The follow-up registration's private status token: reproducible for a retried request,
    unguessable without the signing key. Only its SHA-256 is stored, as for every registration."""
    message = f"feedback-follow-up-token|v1|{session_id}".encode()
    return _b64(hmac.new(_signing_key(), message, hashlib.sha256).digest()[:24])


# --- the answers (pure) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Answers:
    satisfaction: int
    answered: str
    helpfulness: int
    recommend: int
    improve: str | None
    follow_up: bool
    days: tuple[date, ...]


def _score(payload: dict, errors: validation.Errors, field: str, lo: int, hi: int, missing: str) -> int | None:
    value = payload.get(field)
    if value is None or value == "":
        errors.add(field, missing)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, f"Nilai harus berupa angka bulat {lo}–{hi}.")
        return None
    if not lo <= value <= hi:
        errors.add(field, f"Nilai harus antara {lo} dan {hi}.")
        return None
    return value


def validate_answers(payload: object, *, today: date, closed: set[date]) -> tuple[Answers | None, validation.Errors]:
    """Check the feedback form. Returns (answers, {}) or (None, {field: message in Indonesian})."""
    errors = validation.Errors()
    if not isinstance(payload, dict):
        errors.add("_form", "Data formulir tidak valid.")
        return None, errors
    satisfaction = _score(payload, errors, "satisfaction", 1, 5, "Pilih tingkat kepuasan Anda (1–5).")
    answered = payload.get("answered")
    if answered is None or answered == "":
        errors.add("answered", "Pilih apakah masalah Anda terjawab.")
    elif not isinstance(answered, str) or answered not in ANSWERED:
        errors.add("answered", "Pilihan tidak dikenal. Pilih ya, sebagian, atau tidak.")
    helpfulness = _score(payload, errors, "helpfulness", 1, 5, "Pilih seberapa membantu konsultan (1–5).")
    recommend = _score(payload, errors, "recommend", 0, 10,
                       "Pilih seberapa besar kemungkinan Anda merekomendasikan layanan ini (0–10).")
    improve = validation._text_field(payload, errors, "improve", 0, IMPROVE_MAX, required=False,
                                     what="Saran perbaikan", multiline=True)
    follow_up = payload.get("follow_up", False)
    if follow_up is None:
        follow_up = False
    if not isinstance(follow_up, bool):
        errors.add("follow_up", "Pilih ya atau tidak.")
        follow_up = False
    days: list[date] = []
    if follow_up:
        days, msg = validation.validate_days(payload.get("days"), today, closed)
        if msg:
            errors.add("days", msg)
    if errors:
        return None, errors
    return Answers(satisfaction, answered, helpfulness, recommend, improve or None, follow_up, tuple(days)), errors


# --- reading -------------------------------------------------------------------------------------

def _session(session_id: str) -> SessionRecord:
    try:
        return SessionRecord.get(session_id, consistent_read=True)
    except SessionRecord.DoesNotExist:
        raise NotFound({"_form": "Sesi tidak ditemukan. Periksa kembali tautan Anda."}) from None


def _existing(session_id: str) -> FeedbackRecord | None:
    try:
        return FeedbackRecord.get(session_id, consistent_read=True)
    except FeedbackRecord.DoesNotExist:
        return None


def _check_held(session: SessionRecord) -> None:
    if session.status == rules.SESSION_ATTENDED:
        return
    if session.status == rules.SESSION_SCHEDULED:
        raise Conflict({"_form": MSG_NOT_YET})
    raise Conflict({"_form": MSG_NOT_HELD})


def _follow_up_view(record: FeedbackRecord) -> dict | None:
    if not record.follow_up:
        return None
    return {
        "reference": registrations.format_reference(record.follow_up),
        "token": _follow_up_token(record.session_id),
    }


def _session_view(session: SessionRecord) -> dict:
    from . import team

    start = rules.parse_utc_iso(session.start).astimezone(rules.WIB)
    try:
        consultant = team.get_consultant(session.consultant_id).name
    except InputError:
        consultant = None
    return {
        "id": session.session_id,
        "reference": registrations.format_reference(session.reference),
        "date_wib": start.date().isoformat(),
        "time_wib": start.strftime("%H.%M"),
        "service": session.service,
        "service_label": rules.SERVICES.get(session.service, session.service),
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

def _follow_up_registration(original: Registration, days: tuple[date, ...], token: str, now: datetime) -> Registration:
    # The visitor agreed to processing "to schedule and follow up the consultation"; the
    # follow-up keeps that consent's time and version with the rest of what they told us.
    fields = {name: getattr(original, name) for name in registrations.VISITOR_FIELDS}
    fields["topics"] = list(original.topics)
    return registrations.new_registration(registrations.new_reference(), token, now, days=days,
                                          follow_up_of=original.reference, **fields)


def submit(session_id: str, payload: object, now: datetime | None = None) -> dict:
    """Store one answer for a session (and its follow-up registration), or raise a 4xx."""
    now = now or datetime.now(rules.UTC)
    if not isinstance(payload, dict):
        raise InputError({"_form": "Data formulir tidak valid."})
    verify(session_id, payload.get("e"), payload.get("t"), now)
    session = _session(session_id)
    existing = _existing(session_id)
    if existing is not None:
        raise _already(existing)
    _check_held(session)

    today = rules.wib_now(now).date()
    closed = registrations.closed_days(today) if payload.get("follow_up") is True else set()
    answers, errors = validate_answers(payload, today=today, closed=closed)
    if errors:
        raise InputError(errors)

    original = None
    if answers.follow_up:
        try:
            original = Registration.get(session.reference, consistent_read=True)
        except Registration.DoesNotExist:
            raise NotFound({"_form": "Pendaftaran asal sesi ini tidak ditemukan."}) from None
        if not original.phone:  # the visitor had their data deleted (chalicelib/privacy.py)
            raise Conflict({"follow_up": "Data pendaftaran Anda sudah dihapus, jadi sesi lanjutan tidak dapat "
                                         "dibuat dari sini. Silakan daftar baru di halaman pendaftaran."})
        limit = registrations.max_open_per_phone()
        if registrations.count_open_for_phone(original.phone) >= limit:
            raise InputError({"follow_up": f"Nomor WhatsApp Anda sudah punya {limit} pendaftaran yang masih "
                                           "berjalan, jadi sesi lanjutan belum dapat didaftarkan. Pilih "
                                           "\u201cTidak\u201d untuk mengirim umpan balik saja."}, 429)

    created = rules.to_utc_iso(now)
    token = _follow_up_token(session_id) if original is not None else None
    for _attempt in range(5):
        follow_up = _follow_up_registration(original, answers.days, token, now) if original is not None else None
        record = FeedbackRecord(
            session_id,
            reference=session.reference,
            consultant_id=session.consultant_id,
            service=session.service,
            mode=session.mode,
            topics=_topics_of(session, original),
            session_day=session.day,
            satisfaction=answers.satisfaction,
            answered=answers.answered,
            helpfulness=answers.helpfulness,
            recommend=answers.recommend,
            improve=answers.improve,
            follow_up=follow_up.reference if follow_up is not None else None,
            created_at=created,
            month=rules.wib_now(now).strftime("%Y-%m"),
        )
        saves = [(record, FeedbackRecord.session_id.does_not_exist())]
        if follow_up is not None:
            saves.append((follow_up, Registration.reference.does_not_exist()))
        try:
            audit.write("pengunjung", "umpan_balik.kirim", session.reference,
                        {"session": session_id, "follow_up": record.follow_up},
                        save=saves,
                        condition_checks=[(SessionRecord, session_id, None,
                                           SessionRecord.status == rules.SESSION_ATTENDED)],
                        update=_counters(session, original, record, follow_up))
        except TransactWriteError as exc:
            # PynamoDB sends condition checks first, then puts: [session check, feedback, follow-up, audit].
            codes = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
            failed = {i for i, code in enumerate(codes) if code == "ConditionalCheckFailed"}
            if 1 in failed:  # a concurrent submit won: answer as to any second submit
                winner = _existing(session_id)
                raise _already(winner) if winner is not None else Conflict({"_form": MSG_ALREADY}) from None
            if 0 in failed:
                raise Conflict({"_form": MSG_CHANGED}) from None
            if follow_up is not None and 2 in failed:
                continue  # reference collision: draw another
            raise
        return {
            "received": True,
            "message": "Umpan balik Anda sudah kami terima. Jawaban Anda kami pakai untuk memperbaiki layanan.",
            "follow_up": _follow_up_view(record),
        }
    raise RuntimeError("could not allocate a unique reference")


def _counters(session: SessionRecord, original: Registration | None, record: FeedbackRecord,
              follow_up: Registration | None) -> list[tuple]:
    """The evaluation counters of this answer (chalicelib/stats.py), for the same transaction
    (DynamoDB applies updates after the checks and puts, so the indexes above are unchanged)."""
    from . import stats

    registration = original
    if registration is None:
        try:
            registration = Registration.get(session.reference)
        except Registration.DoesNotExist:
            registration = None
    changes = stats.feedback_given(
        registration_created_at=registration.created_at if registration is not None else session.created_at,
        day=session.day, consultant_id=session.consultant_id, service=session.service, topics=record.topics,
        satisfaction=record.satisfaction, helpfulness=record.helpfulness, recommend=record.recommend,
        answered=record.answered)
    if follow_up is not None:
        changes = stats.merge(changes, stats.registration_created(
            created_at=follow_up.created_at, service=follow_up.service, topics=follow_up.topics,
            source=follow_up.source, campaign=follow_up.campaign, kecamatan=follow_up.kecamatan,
            mode=follow_up.mode, follow_up=True))
    return stats.updates(changes)


def _topics_of(session: SessionRecord, original: Registration | None) -> list[str]:
    if original is None:
        try:
            original = Registration.get(session.reference)
        except Registration.DoesNotExist:
            return []
    return list(original.topics)


def _already(record: FeedbackRecord) -> Conflict:
    exc = Conflict({"_form": MSG_ALREADY})
    exc.extra = {"answered": True, "follow_up": _follow_up_view(record)}  # the page still shows a follow-up's link
    return exc
