"""The outbox: every message is a record, sent by a scheduled run, retried, and shown to staff.

Lifecycle of an OutboxRecord::

    pending --claim--> (sending) --provider ok--> sent --webhook--> delivered --> read
       ^                   | retryable error (429, 5xx, timeout, throttling): back to pending,
       |                   |   next_attempt_at = now + 1, 2, 4, 8, 16 min (or Retry-After)
       |                   | permanent error, or the 6th attempt failed: failed (+ FailedMessages)
       |                   | no longer true / no address / opted out: skipped (with the reason)
       +---- staff retry (failed only)

Records are created by chalicelib/notify.py inside the transaction of the change they tell
about, and by chalicelib/reminders.py (conditional puts). Ids are a hash of a dedupe key, so a
retried write never makes a second message.

Sending once, even with overlapping runs: a run CLAIMS a record with a conditional update (the
record is still due and its next_attempt_at is exactly what the run read; the update moves
next_attempt_at to now + CLAIM_SECONDS and counts the attempt) before calling the provider.
Only one run's claim can succeed. The claim outlives the Lambda (120 s > 30 s), so a live run
never loses it; if a run dies after the provider accepted but before the result was stored,
the record is due again after the claim expires and may be sent a second time (at-least-once:
neither WhatsApp nor SES takes an idempotency key). Every other path sends at most once.

Texts are rendered when sent, from current data: a Zoom link made after the booking is in the
confirmation; a confirmation whose session was cancelled meanwhile is skipped.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pynamodb.exceptions import PutError, UpdateError

from . import ical, messages, metrics, providers, rules
from .errors import Conflict, InputError, NotFound
from .messages import ConfigError, Defer, Skip
from .models import OptOutRecord, OutboxRecord, Registration, SessionRecord
from .paging import decode_cursor, encode_cursor

logger = logging.getLogger(__name__)

PENDING = "pending"
SENT = "sent"
DELIVERED = "delivered"
READ = "read"
FAILED = "failed"
SKIPPED = "skipped"
STATUS_LABELS = {
    PENDING: "Menunggu dikirim",
    SENT: "Terkirim",
    DELIVERED: "Sampai",
    READ: "Dibaca",
    FAILED: "Gagal",
    SKIPPED: "Tidak dikirim",
}
DELIVERY_RANK = {PENDING: 0, SENT: 1, DELIVERED: 2, READ: 3}
TOLD = (SENT, DELIVERED, READ)

MAX_ATTEMPTS = 6
BASE_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600
CLAIM_SECONDS = 120  # > the Lambda timeout (30 s)
BATCH = 50
RUN_BUDGET_SECONDS = 20.0
RETENTION_DAYS = 180
LINK_WAIT = timedelta(hours=6)  # an online confirmation waits this long for the Zoom link...
LINK_WAIT_BEFORE_START = timedelta(hours=2)  # ...but never closer than this to the session
DEFER_SECONDS = 60
MOVE_GRACE = timedelta(minutes=2)  # a move's cancellation waits for the new booking's message

_monotonic = time.monotonic


def _iso(dt: datetime) -> str:
    return rules.to_utc_iso(dt)


def _now() -> datetime:
    return datetime.now(rules.UTC)


def backoff_seconds(attempts: int) -> int:
    """Wait after `attempts` failed tries: 60, 120, 240, 480, 960 s ... at most an hour."""
    return min(BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS)


# --- records ---------------------------------------------------------------------------------------

def dedupe_key(template: str, subject: str, channel: str) -> str:
    return f"{template}#{subject}#{channel}"


def message_id_for(key: str) -> str:
    return "M-" + hashlib.sha256(key.encode()).hexdigest()[:24].upper()


def new_record(template: str, channel: str, subject: str, *, recipient_kind: str, now: datetime,
               reference: str | None = None, session_id: str | None = None, consultant_id: str | None = None,
               params: dict | None = None, not_before: datetime | None = None) -> OutboxRecord:
    if template not in messages.BY_NAME or channel not in messages.CHANNELS:
        raise ValueError(f"unknown message {template}/{channel}")
    key = dedupe_key(template, subject, channel)
    stamp = _iso(now)
    return OutboxRecord(
        message_id_for(key), dedupe_key=key, recipient_kind=recipient_kind, reference=reference,
        session_id=session_id, consultant_id=consultant_id, channel=channel, template=template,
        params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True), status=PENDING, attempts=0,
        due=PENDING, next_attempt_at=_iso(max(now, not_before or now)), day=rules.wib_now(now).date().isoformat(),
        created_at=stamp, updated_at=stamp, expires_at=now + timedelta(days=RETENTION_DAYS),
    )


def guarded(record: OutboxRecord) -> tuple:
    """(record, condition) for a transaction's save list: never overwrites an existing message."""
    return record, OutboxRecord.message_id.does_not_exist()


def put_new(record: OutboxRecord) -> bool:
    """Store a record unless its id exists (reminders). True when this call created it."""
    try:
        record.save(condition=OutboxRecord.message_id.does_not_exist())
        return True
    except PutError as exc:
        if _conditional_failed(exc):
            return False
        raise


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


# --- reading current data ----------------------------------------------------------------------------

class Data:
    """Reads for one run or one staff page, each item at most once."""

    def __init__(self):
        self._regs: dict = {}
        self._sessions: dict = {}
        self._consultants: dict | None = None
        self._rooms: dict | None = None
        self._optouts: dict = {}
        self._days: dict = {}

    def registration(self, reference: str | None) -> Registration | None:
        if not reference:
            return None
        if reference not in self._regs:
            try:
                self._regs[reference] = Registration.get(reference)
            except Registration.DoesNotExist:
                self._regs[reference] = None
        return self._regs[reference]

    def session(self, session_id: str | None) -> SessionRecord | None:
        if not session_id:
            return None
        if session_id not in self._sessions:
            try:
                self._sessions[session_id] = SessionRecord.get(session_id)
            except SessionRecord.DoesNotExist:
                self._sessions[session_id] = None
        return self._sessions[session_id]

    def consultants(self) -> dict:
        if self._consultants is None:
            from . import team

            self._consultants = {c.consultant_id: c for c in team.list_consultants()}
        return self._consultants

    def consultant(self, consultant_id: str | None):
        return self.consultants().get(consultant_id) if consultant_id else None

    def room_name(self, room_id: str | None) -> str | None:
        if not room_id:
            return None
        if self._rooms is None:
            from . import team

            self._rooms = {r.room_id: r.name for r in team.list_rooms()}
        return self._rooms.get(room_id, room_id)

    def opted_out(self, phone: str | None) -> bool:
        if not phone:
            return False
        if phone not in self._optouts:
            try:
                OptOutRecord.get(phone)
                self._optouts[phone] = True
            except OptOutRecord.DoesNotExist:
                self._optouts[phone] = False
        return self._optouts[phone]

    def sessions_of_day(self, day: str) -> list[SessionRecord]:
        if day not in self._days:
            self._days[day] = list(SessionRecord.by_day.query(day))
            for s in self._days[day]:
                self._sessions.setdefault(s.session_id, s)
        return self._days[day]

    @staticmethod
    def outbox_status(message_id: str) -> str | None:
        try:
            return OutboxRecord.get(message_id).status
        except OutboxRecord.DoesNotExist:
            return None


# --- what a record says, from current data -------------------------------------------------------------

@dataclass
class Built:
    kind: messages.Kind
    to: str
    to_name: str
    phone: str | None  # for the opt-out check
    ctx: dict
    session: SessionRecord | None = None  # the session a calendar invite is about
    calendar_method: str | None = None


def _join_link(session: SessionRecord) -> str | None:
    try:
        from . import zoom_sync
    except ImportError:  # the Zoom part is not there: use the field if any
        return getattr(session, "join_url", None)
    return zoom_sync.join_link(session)


def _meeting_failed(session: SessionRecord) -> bool:
    return getattr(session, "meeting_state", None) == "gagal"


def session_context(s: SessionRecord, data: Data, link: str | None) -> dict:
    day, jam, jam_mulai = messages.session_times(s.start)
    daring = s.mode == rules.MODE_DARING
    ruang = data.room_name(s.room_id)
    consultant = data.consultant(s.consultant_id)
    return {
        "tanggal": messages.long_date(day), "jam": jam, "jam_mulai": jam_mulai, "daring": daring, "ruang": ruang,
        "narasumber": consultant.name if consultant else "narasumber Clean & Clear",
        "tautan_zoom": link if daring else None,
        "tempat": messages.phrase("tempat", daring=daring, ruang=ruang, tautan_zoom=link if daring else None),
        "petunjuk": messages.phrase("petunjuk", daring=daring),
    }


def _visitor_context(reg: Registration, params: dict) -> dict:
    return {
        "nama": reg.name, "kode": messages.format_reference(reg.reference),
        "layanan": rules.SERVICES.get(reg.service, reg.service), "cara": rules.MODES.get(reg.mode, reg.mode),
        "tanggal_pilihan": messages.days_text(params.get("days") or reg.days),
        "oleh": params.get("by", "kantor"), "antre": bool(params.get("requeue")), "sesi_lama": None,
    }


def _told(session_id: str, channel: str) -> bool:
    """Was the visitor told about this session on this channel (confirmation or change sent)?"""
    return any(Data.outbox_status(message_id_for(dedupe_key(t, session_id, channel))) in TOLD
               for t in ("cc_sesi_terjadwal", "cc_sesi_diubah"))


def build(record: OutboxRecord, data: Data, now: datetime) -> Built:
    """Who gets it and what it says now; raises Skip, Defer or ConfigError."""
    from . import reminders

    kind = messages.BY_NAME.get(record.template)
    if kind is None:
        raise ConfigError(f"jenis pesan tidak dikenal: {record.template}")
    params = json.loads(record.params or "{}")
    email = record.channel == messages.EMAIL

    if kind.audience == messages.CONSULTANT:
        consultant = data.consultant(record.consultant_id)
        if consultant is None or not consultant.active:
            raise Skip("narasumber tidak ada atau tidak aktif")
        to = consultant.email if email else consultant.phone
        if not to:
            raise Skip("narasumber tidak punya " + ("alamat e-mail" if email else "nomor WhatsApp"))
        built = Built(kind, to, consultant.name, consultant.phone, {"nama": consultant.name})
        _consultant_schedule(built, record, params, data, now)
    else:
        reg = data.registration(record.reference)
        if reg is None:
            raise Skip("pendaftaran sudah tidak ada")
        to = reg.email if email else reg.phone
        if not to:
            raise Skip("pengunjung tidak memberi alamat e-mail" if email else "pengunjung tidak punya nomor WhatsApp")
        built = Built(kind, to, reg.name, reg.phone, _visitor_context(reg, params))
        _visitor_message(built, record, reg, params, data, now, reminders)

    if not kind.essential and data.opted_out(built.phone):
        raise Skip("penerima membalas BERHENTI: hanya pesan penting yang dikirim")
    return built


def _visitor_message(built: Built, record: OutboxRecord, reg: Registration, params: dict, data: Data,
                     now: datetime, reminders) -> None:
    name = built.kind.name
    ctx = built.ctx
    session = data.session(record.session_id)
    if built.kind.session and session is None and name != "cc_tanggal_baru_diterima":
        raise Skip("sesi sudah tidak ada")

    if name in ("cc_sesi_terjadwal", "cc_sesi_diubah"):
        if session.status != rules.SESSION_SCHEDULED:
            raise Skip("sesi sudah tidak terjadwal")
        if rules.parse_utc_iso(session.start) <= now:
            raise Skip("sesi sudah dimulai")
        link = _join_link(session) if session.mode == rules.MODE_DARING else None
        if session.mode == rules.MODE_DARING and not link and not _meeting_failed(session):
            waited = now - rules.parse_utc_iso(record.created_at)
            before_start = rules.parse_utc_iso(session.start) - now
            if waited < LINK_WAIT and before_start > LINK_WAIT_BEFORE_START:
                raise Defer("menunggu tautan Zoom", DEFER_SECONDS)
        ctx.update(session_context(session, data, link))
        built.session, built.calendar_method = session, "REQUEST"

    elif name == "cc_sesi_dibatalkan":
        if not _told(session.session_id, record.channel):
            raise Skip("jadwal sesi ini belum pernah terkirim ke pengunjung")
        if params.get("moving") and reg.session_id and reg.session_id != session.session_id:
            new = data.session(reg.session_id)
            if new is not None and new.status == rules.SESSION_SCHEDULED:
                raise Skip("digantikan pesan perubahan jadwal")
        ctx.update(session_context(session, data, None))
        ctx["keterangan"] = messages.phrase("keterangan_batal", oleh=params.get("by", "kantor"),
                                            antre=bool(params.get("requeue")))
        built.session, built.calendar_method = session, "CANCEL"

    elif name == "cc_tanggal_baru_diterima":
        if session is not None and _told(session.session_id, record.channel):
            day, jam, _ = messages.session_times(session.start)
            ctx["sesi_lama"] = {"tanggal": messages.long_date(day), "jam": jam}
            ctx.update({k: v for k, v in session_context(session, data, None).items() if k not in ctx})
            built.session, built.calendar_method = session, "CANCEL"
        ctx["keterangan"] = messages.phrase("keterangan_tanggal_baru", sesi_lama=ctx["sesi_lama"])

    elif name == "cc_tanggal_tidak_tersedia":
        if reg.status != rules.STATUS_EXPIRED:
            raise Skip("pendaftaran sudah berubah (tanggal baru atau jadwal dari petugas)")

    elif name in ("cc_pengingat_besok", "cc_pengingat_sejam"):
        if session.status != rules.SESSION_SCHEDULED:
            raise Skip("sesi sudah tidak terjadwal")
        late = reminders.reminder_skip_reason(name, session, now)
        if late:
            raise Skip(late)
        ctx.update(session_context(session, data, _join_link(session) if session.mode == rules.MODE_DARING else None))

    elif name == "cc_umpan_balik":
        if session.status != rules.SESSION_ATTENDED:
            raise Skip("sesi tidak tercatat hadir")
        ctx.update(session_context(session, data, None))
        ctx["tautan"] = feedback_link(session.session_id, now)

    elif name.startswith(messages.BROADCAST_PREFIX):  # issue 6: staff text and link (chalicelib/broadcasts.py)
        ctx.update({k: v for k, v in params.items() if k in built.kind.params and k != "nama"})


def _consultant_schedule(built: Built, record: OutboxRecord, params: dict, data: Data, now: datetime) -> None:
    from . import reminders

    day = date.fromisoformat(params["day"])
    late = reminders.schedule_skip_reason(day, now)
    if late:
        raise Skip(late)
    sessions = sorted((s for s in data.sessions_of_day(day.isoformat())
                       if s.consultant_id == record.consultant_id and s.status == rules.SESSION_SCHEDULED),
                      key=lambda s: s.start)
    if not sessions:
        raise Skip("tidak ada sesi pada hari itu")
    rows, short = [], []
    for s in sessions:
        reg = data.registration(s.reference)
        _, jam, jam_mulai = messages.session_times(s.start)
        daring = s.mode == rules.MODE_DARING
        ruang = data.room_name(s.room_id)
        peserta = reg.name if reg else "-"
        organisasi = reg.org_name if reg else "-"
        rows.append({"jam": jam, "peserta": peserta, "organisasi": organisasi,
                     "layanan": rules.SERVICES.get(s.service, s.service),
                     "cara": messages.phrase("cara_singkat", daring=daring),
                     "tempat": "Zoom" if daring else (ruang or "-"),
                     "topik": ", ".join(rules.TOPICS.get(t, t) for t in (reg.topics if reg else [])) or "-",
                     "kode": messages.format_reference(s.reference)})
        short.append(messages.phrase("sesi_singkat", jam=jam_mulai.replace(" WIB", ""), peserta=peserta,
                                     organisasi=organisasi, daring=daring, ruang=ruang))
    built.ctx.update({"tanggal": messages.long_date(day), "jumlah": str(len(sessions)),
                      "daftar": "; ".join(short), "sesi": rows})


def site_url() -> str:
    import os

    url = os.environ.get("SITE_URL", "").rstrip("/")
    if url:
        return url
    if os.environ.get("STAGE", "local") in ("local", "test"):
        return "http://localhost:8080"
    raise ConfigError("SITE_URL belum diatur: tautan dalam pesan tidak bisa dibuat")


def feedback_link(session_id: str, now: datetime) -> str:
    try:
        from . import feedback
    except ImportError:
        raise ConfigError("formulir umpan balik belum tersedia") from None
    link = feedback.link_for(session_id, now)
    return link if link.startswith("http") else site_url() + "/" + link.lstrip("/")


def render(record: OutboxRecord, built: Built, now: datetime) -> messages.Rendered:
    if record.channel == messages.WHATSAPP:
        return messages.render_whatsapp(built.kind, built.ctx)
    calendar = None
    if built.session is not None and built.calendar_method:
        calendar = _calendar(record, built)
    return messages.render_email(built.kind, built.ctx, calendar)


def _mail_domain() -> str:
    import os

    sender = os.environ.get("SES_FROM_ADDRESS", "")
    return sender.rpartition("@")[2] or "cleanclear.local"


def _calendar(record: OutboxRecord, built: Built) -> str:
    import os

    s = built.session
    start = rules.parse_utc_iso(s.start)
    changed = rules.parse_utc_iso(record.created_at)
    ctx = built.ctx
    return ical.render(ical.Invite(
        method=built.calendar_method,
        uid=f"{s.reference}@{_mail_domain()}",
        sequence=ical.sequence_for(changed),
        start=start,
        end=start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes),
        stamp=changed,
        summary=messages.phrase("kalender_judul", layanan=rules.SERVICES.get(s.service, s.service)),
        location=ctx["tempat"],
        description=messages.phrase("kalender_keterangan", kode=messages.format_reference(s.reference),
                                    narasumber=ctx["narasumber"], petunjuk=ctx["petunjuk"],
                                    tautan_zoom=ctx.get("tautan_zoom")),
        organizer_email=os.environ.get("SES_FROM_ADDRESS") or "no-reply@cleanclear.local",
        organizer_name=messages.site()["program"],
        attendee_email=built.to,
        attendee_name=built.to_name,
    ))


# --- the send run ------------------------------------------------------------------------------------

@dataclass
class SendSummary:
    due: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # waiting (Zoom link), throttled channel, or out of time
    busy: int = 0  # another run holds it, or it changed since it was read
    outcomes: dict = field(default_factory=dict)  # message id -> outcome (tests, logs: ids only)

    def add(self, message_id: str, outcome: str) -> None:
        self.outcomes[message_id] = outcome
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "outcomes"}


def due_records(now: datetime, limit: int = BATCH) -> list[OutboxRecord]:
    return list(OutboxRecord.due_index.query(PENDING, OutboxRecord.next_attempt_at <= _iso(now), limit=limit))


def send_due(now: datetime | None = None, *, senders: dict | None = None, limit: int = BATCH,
             budget_seconds: float = RUN_BUDGET_SECONDS) -> SendSummary:
    """One run of the sender: every due record at most once, within the time budget."""
    now = now or _now()
    summary = SendSummary()
    records = due_records(now, limit)
    summary.due = len(records)
    senders = dict(senders or {})
    data = Data()
    throttled: set[str] = set()
    started = _monotonic()
    for record in records:
        if record.channel in throttled or _monotonic() - started > budget_seconds:
            summary.add(record.message_id, "deferred")
            continue
        if record.channel not in senders:
            senders[record.channel] = providers.sender(record.channel)
        outcome = _send_one(record, data, now, senders[record.channel], throttled)
        summary.add(record.message_id, outcome)
    return summary


def _claim(record: OutboxRecord, now: datetime) -> str | None:
    token = secrets.token_hex(8)
    seen = record.next_attempt_at
    try:
        record.update(
            actions=[OutboxRecord.next_attempt_at.set(_iso(now + timedelta(seconds=CLAIM_SECONDS))),
                     OutboxRecord.claim.set(token), OutboxRecord.attempts.add(1), OutboxRecord.updated_at.set(_iso(now))],
            condition=(OutboxRecord.due == PENDING) & (OutboxRecord.status == PENDING)
            & (OutboxRecord.next_attempt_at == seen) & (OutboxRecord.next_attempt_at <= _iso(now)),
        )
    except UpdateError as exc:
        if _conditional_failed(exc):
            return None
        raise
    return token


def _settle(record: OutboxRecord, token: str, actions: list) -> bool:
    try:
        record.update(actions=[*actions, OutboxRecord.claim.remove()], condition=OutboxRecord.claim == token)
        return True
    except UpdateError as exc:
        if _conditional_failed(exc):
            logger.warning("outbox %s: claim lost before the result was stored", record.message_id)
            return False
        raise


def _send_one(record: OutboxRecord, data: Data, now: datetime, sender, throttled: set) -> str:
    token = _claim(record, now)
    if token is None:
        return "busy"
    stamp = _iso(now)
    try:
        built = build(record, data, now)
        rendered = render(record, built, now)
    except Skip as reason:
        if _settle(record, token, [OutboxRecord.status.set(SKIPPED), OutboxRecord.due.remove(),
                                   OutboxRecord.error.set(str(reason)[:300]), OutboxRecord.updated_at.set(stamp)]):
            _count_broadcast(record, SKIPPED)
        logger.info("outbox %s skipped", record.message_id)
        return "skipped"
    except Defer as wait:
        _settle(record, token, [OutboxRecord.next_attempt_at.set(_iso(now + timedelta(seconds=wait.seconds))),
                                OutboxRecord.attempts.add(-1), OutboxRecord.error.set(str(wait)),
                                OutboxRecord.updated_at.set(stamp)])
        return "deferred"
    except ConfigError as exc:
        return _failed(record, token, str(exc), now)
    except Exception as exc:  # noqa: BLE001 - a read error or a bug: retried, then failed for staff
        logger.exception("outbox %s: could not prepare the message", record.message_id)
        return _retry_or_fail(record, token, providers.Retryable(f"pesan tidak dapat disiapkan: {type(exc).__name__}"), now)

    try:
        provider_id = sender.send(built.to, built.to_name, rendered, record.message_id)
    except providers.SendError as exc:
        if exc.throttled:
            throttled.add(record.channel)
        return _retry_or_fail(record, token, exc, now)
    except Exception as exc:  # noqa: BLE001 - unknown provider trouble: treated as retryable
        logger.exception("outbox %s: provider raised", record.message_id)
        return _retry_or_fail(record, token, providers.Retryable(f"{type(exc).__name__}"), now)

    snapshot = {"to": built.to, **rendered.preview()}
    settled = _settle(record, token, [
        OutboxRecord.status.set(SENT), OutboxRecord.due.remove(), OutboxRecord.provider_message_id.set(provider_id),
        OutboxRecord.sent_at.set(stamp), OutboxRecord.recipient.set(built.to),
        OutboxRecord.rendered.set(json.dumps(snapshot, ensure_ascii=False)), OutboxRecord.error.remove(),
        OutboxRecord.updated_at.set(stamp),
    ])
    if settled:
        _count_broadcast(record, SENT)
    logger.info("outbox %s sent (%s)", record.message_id, record.template)
    return "sent"


def _retry_or_fail(record: OutboxRecord, token: str, exc: providers.SendError, now: datetime) -> str:
    attempts = int(record.attempts or 0)  # already counts this try (the claim added it)
    if not exc.retryable or attempts >= MAX_ATTEMPTS:
        return _failed(record, token, exc.short(), now)
    delay = max(backoff_seconds(attempts), exc.retry_after or 0)
    _settle(record, token, [OutboxRecord.next_attempt_at.set(_iso(now + timedelta(seconds=delay))),
                            OutboxRecord.error.set(exc.short()), OutboxRecord.updated_at.set(_iso(now))])
    logger.info("outbox %s: retry in %ss (%s)", record.message_id, int(delay), exc.short())
    return "retry"


def _failed(record: OutboxRecord, token: str, reason: str, now: datetime) -> str:
    if _settle(record, token, [OutboxRecord.status.set(FAILED), OutboxRecord.due.remove(),
                               OutboxRecord.error.set(reason[:300]), OutboxRecord.updated_at.set(_iso(now))]):
        _count_broadcast(record, FAILED)
    metrics.emit("FailedMessages")
    logger.warning("outbox %s failed: %s", record.message_id, reason[:300])
    return "failed"


def _count_broadcast(record: OutboxRecord, status: str, before: str | None = None) -> None:
    """A broadcast message changed status: its broadcast's counters follow (issue 6)."""
    if (record.template or "").startswith(messages.BROADCAST_PREFIX):
        from . import broadcasts

        try:
            broadcasts.count_outcome(record, status, before)
        except Exception:  # noqa: BLE001 - a count must never break sending
            logger.exception("outbox %s: broadcast count not updated", record.message_id)


# --- webhook: delivery statuses and opt-outs -----------------------------------------------------------

WEBHOOK_STATUSES = {SENT, DELIVERED, READ, FAILED}


def apply_status(provider_message_id: str, status: str, error: str | None = None, now: datetime | None = None) -> str:
    """Move the matching record forward (sent < delivered < read; failed only from sent/delivered).
    Returns what happened: updated | unchanged | unknown."""
    if status not in WEBHOOK_STATUSES:
        return "unchanged"
    found = list(OutboxRecord.by_provider_id.query(provider_message_id, limit=1))
    if not found:
        return "unknown"
    record = found[0]
    stamp = _iso(now or _now())
    if status == FAILED:
        allowed = (SENT, DELIVERED)
        actions = [OutboxRecord.status.set(FAILED), OutboxRecord.error.set((error or "WhatsApp: gagal terkirim")[:300])]
    else:
        allowed = tuple(s for s, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status] and s != PENDING)
        actions = [OutboxRecord.status.set(status)]
    if not allowed:
        return "unchanged"
    before = record.status
    try:
        record.update(actions=[*actions, OutboxRecord.updated_at.set(stamp)], condition=OutboxRecord.status.is_in(*allowed))
    except UpdateError as exc:
        if _conditional_failed(exc):
            return "unchanged"
        raise
    _count_broadcast(record, status, before)
    if status == FAILED:
        metrics.emit("FailedMessages")
    return "updated"


STOP_WORDS = {"berhenti", "stop", "unsubscribe", "berhentikan"}
START_WORDS = {"mulai", "start"}


def keyword(text: str) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


def apply_inbound(phone: str, text: str, now: datetime | None = None) -> str:
    """BERHENTI / STOP opts the number out of non-essential messages; MULAI / START opts it back in."""
    word = keyword(text)
    if word in STOP_WORDS:
        OptOutRecord(phone, keyword=word, opted_out_at=_iso(now or _now())).save()
        return "opted_out"
    if word in START_WORDS:
        try:
            OptOutRecord(phone).delete()
        except Exception:  # noqa: BLE001 - nothing to delete
            pass
        return "opted_in"
    return "ignored"


# --- staff: Kotak keluar ----------------------------------------------------------------------------

PAGE_MAX = 100


def staff_list(*, day: date | None = None, status: str | None = None, cursor: str | None = None,
               limit: int = 25, now: datetime | None = None) -> dict:
    """A page of messages, newest first: of one WIB day (default today), optionally one status;
    or, with a status and no day, of every day (e.g. all failed messages)."""
    if status and status not in STATUS_LABELS:
        raise InputError({"status": "Status tidak dikenal."})
    if not 1 <= limit <= PAGE_MAX:
        raise InputError({"limit": f"Antara 1 dan {PAGE_MAX}."})
    now = now or _now()
    start_key = decode_cursor(cursor) if cursor else None
    if day is None and status:
        query = OutboxRecord.by_status.query(status, scan_index_forward=False, limit=limit,
                                             last_evaluated_key=start_key)
    else:
        day = day or rules.wib_now(now).date()
        query = OutboxRecord.by_day.query(day.isoformat(), scan_index_forward=False, limit=limit,
                                          filter_condition=(OutboxRecord.status == status) if status else None,
                                          last_evaluated_key=start_key)
    records = list(query)
    data = Data()
    return {"items": [staff_view(r, data, now) for r in records],
            "next_cursor": encode_cursor(query.last_evaluated_key),
            "day": day.isoformat() if day else None, "status": status}


def staff_view(record: OutboxRecord, data: Data | None = None, now: datetime | None = None) -> dict:
    kind = messages.BY_NAME.get(record.template)
    out = {
        "id": record.message_id,
        "created_at": record.created_at,
        "created_at_wib": rules.parse_utc_iso(record.created_at).astimezone(rules.WIB).strftime("%Y-%m-%d %H:%M"),
        "day": record.day,
        "channel": record.channel,
        "channel_label": messages.CHANNEL_LABELS.get(record.channel, record.channel),
        "recipient_kind": record.recipient_kind,
        "recipient_label": messages.AUDIENCE_LABELS.get(record.recipient_kind, record.recipient_kind),
        "to": record.recipient,
        "reference": messages.format_reference(record.reference) if record.reference else None,
        "session_id": record.session_id,
        "consultant_id": record.consultant_id,
        "template": record.template,
        "template_label": kind.label if kind else record.template,
        "essential": bool(kind and kind.essential),
        "status": record.status,
        "status_label": STATUS_LABELS.get(record.status, record.status),
        "attempts": int(record.attempts or 0),
        "next_attempt_at": record.next_attempt_at if record.status == PENDING else None,
        "sent_at": record.sent_at,
        "provider_message_id": record.provider_message_id,
        "provider_label": providers.provider_label(record.channel, record.provider_message_id),
        "error": record.error,
        "can_retry": record.status == FAILED,
        "preview": None,
        "preview_note": None,
    }
    if record.rendered:
        snapshot = json.loads(record.rendered)
        out["to"] = out["to"] or snapshot.get("to")
        out["preview"] = {k: snapshot.get(k) for k in ("subject", "text", "parameters", "calendar")}
        out["preview_note"] = "Seperti yang terkirim."
        return out
    now = now or _now()
    try:
        built = build(record, data or Data(), now)
        out["to"] = built.to
        out["preview"] = render(record, built, now).preview()
        out["preview_note"] = "Pratinjau dari data saat ini."
    except Defer as wait:
        out["preview_note"] = f"Belum dapat dikirim: {wait}."
    except Skip as reason:
        out["preview_note"] = f"Tidak akan dikirim: {reason}."
    except Exception as exc:  # noqa: BLE001 - a preview must never break the list
        out["preview_note"] = f"Pratinjau tidak tersedia ({type(exc).__name__})."
    return out


def retry(actor: str, message_id: str, now: datetime | None = None) -> dict:
    """Staff sends a failed message again: back to pending, attempts from zero."""
    from pynamodb.exceptions import TransactWriteError

    from . import audit

    now = now or _now()
    try:
        record = OutboxRecord.get(message_id)
    except OutboxRecord.DoesNotExist:
        raise NotFound({"_form": "Pesan tidak ditemukan."}) from None
    if record.status != FAILED:
        raise Conflict({"_form": "Hanya pesan yang gagal yang dapat dikirim ulang."})
    stamp = _iso(now)
    try:
        audit.write(actor, "pesan.kirim_ulang", message_id, {"template": record.template, "channel": record.channel},
                    update=[(record, [OutboxRecord.status.set(PENDING), OutboxRecord.due.set(PENDING),
                                      OutboxRecord.next_attempt_at.set(stamp), OutboxRecord.attempts.set(0),
                                      OutboxRecord.claim.remove(), OutboxRecord.updated_at.set(stamp)],
                             OutboxRecord.status == FAILED)])
    except TransactWriteError:
        raise Conflict({"_form": "Status pesan baru saja berubah; muat ulang daftar."}) from None
    record.refresh()
    return staff_view(record, now=now)


def whatsapp_webhook(raw_body: bytes | None, signature: str | None, now: datetime | None = None) -> dict:
    """A signed WhatsApp webhook POST: delivery statuses and BERHENTI/MULAI. A missing or wrong
    signature (or no app secret configured) is refused with 403 before anything is read."""
    from . import whatsapp

    app_secret, _ = whatsapp.webhook_settings()
    if not whatsapp.verify_signature(raw_body, signature, app_secret):
        raise InputError({"_form": "Tanda tangan webhook tidak valid."}, 403)
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise InputError({"_form": "Isi webhook bukan JSON."}) from None
    statuses, inbound = whatsapp.parse_webhook(payload)
    result = {"statuses": 0, "opted_out": 0, "opted_in": 0}
    for s in statuses:
        if apply_status(s.provider_message_id, s.status, s.error, now) == "updated":
            result["statuses"] += 1
    for m in inbound:
        outcome = apply_inbound(m.phone, m.text, now)
        if outcome in ("opted_out", "opted_in"):
            result[outcome] += 1
            logger.info("whatsapp %s", outcome)
    return {"ok": True, **result}


def whatsapp_handshake(mode: str | None, token: str | None, challenge: str | None) -> str:
    from . import whatsapp

    _, verify_token = whatsapp.webhook_settings()
    answer = whatsapp.handshake(mode, token, challenge, verify_token)
    if answer is None:
        raise InputError({"_form": "Verifikasi webhook ditolak."}, 403)
    return answer
