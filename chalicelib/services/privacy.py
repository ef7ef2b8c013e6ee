"""The visitor's data rights under UU PDP (No. 27/2022), and retention.

From the private link a visitor can download everything stored about their registration (JSON)
and ask for deletion. Deletion, and the retention job for finished registrations older than
RETENTION_MONTHS (default 24), ANONYMISE: personal fields are removed everywhere, while what
is not personal stays so the office's anonymous figures still add up (the evaluation counters in
chalicelib/domain/counters.py are never touched; the monthly report still counts the registration by
service, kecamatan, topics and status).

Scope of one request: the registration behind the link, the follow-up registrations created
from its feedback (the same person asked for them), and everything keyed to these:
  - registrations: name, WhatsApp, e-mail, village, organisation / business name, NIB and the
    description are removed or replaced by "(data dihapus)"; the item leaves the by_phone index;
  - sessions hold no personal fields (consultant, time, room, status): kept;
  - outbox messages: recipient address, rendered text and parameters removed; one still waiting
    is marked "skipped" so it is never sent. Messages to consultants (their daily schedule) that
    name the person lose their rendered text too. (Outbox records also expire after
    RETENTION_DAYS through DynamoDB's TTL, which deletes them some time after expiry);
  - feedback: the free-text suggestion and the SKM profile are removed; the scores stay (anonymous);
  - consultant notes: the free texts (problem, advice, referral) are removed, the follow-up flag
    stays. Notes ARE part of the download: they describe the visitor's situation and the advice
    they were given, which is their personal data; they are written for the office's
    professional record, and that record keeps only anonymous facts after deletion;
  - audit entries about the registration whose details name the person are blanked (the ordinary
    ones hold only ids and times);
  - the WhatsApp opt-out of the number is deleted when no other registration holds that number
    (a deleted person receives no broadcasts: broadcasts go to numbers stored on registrations);
  - idempotency records hold only the reference and the private token (no personal data) and
    expire within a day.
Other registrations with the same number that were not created from this one are not touched:
each has its own private link (it may have been made by another person sharing the phone).

Finding the pieces without Scan: the audit trail is partitioned by WIB day and records every
booking with the registration as target, so the days from the registration's creation to 21 days
after its last change give all its sessions; the outbox's GSI by_day over the same days, plus
the days on which WhatsApp broadcasts ran, gives its messages.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, settings
from ..budget import Deadline
from ..domain import periods, replies, rules
from ..domain.errors import Conflict, InputError
from ..domain.message_status import PENDING, SKIPPED
from ..messages.catalog import VISITOR
from ..store import audit as audit_store
from ..store import broadcasts as broadcasts_store
from ..store import feedback as feedback_store
from ..store import inbox as inbox_store
from ..store import outbox as outbox_store
from ..store import phone_limits
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from ..store.unit_of_work import UnitOfWork
from . import registrations, self_service, team

if TYPE_CHECKING:
    from ..store.models import Registration

REMOVED = rules.REMOVED_NAME
AFTER_LAST_CHANGE = timedelta(days=21)  # feedback requests and reminders follow the last change
FINISHED = (rules.STATUS_DONE, rules.STATUS_EXPIRED, rules.STATUS_CANCELLED)
RETENTION_KEY = "RETENTION"
RETENTION_OVERLAP = timedelta(days=31)  # re-check a month behind the watermark (late finishers)
RETENTION_BATCH = 200
RETENTION_RESERVE = 20.0  # seconds kept to anonymise one more registration (its trail takes a few Queries)
MAX_FOLLOW_UPS = 10


def retention_months() -> int:
    return settings.retention_months()



def _days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def is_anonymised(r: Registration) -> bool:
    return rules.anonymised(r.name, r.phone)


# --- finding what belongs to a registration --------------------------------------------------------

@dataclass
class Trail:
    registration: object
    sessions: list = field(default_factory=list)
    audit: list = field(default_factory=list)
    outbox: list = field(default_factory=list)
    consultant_messages: list = field(default_factory=list)
    feedback: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    replies: list = field(default_factory=list)  # the visitor's WhatsApp messages (store/inbox.py)


def _personal_strings(r: Registration) -> list[str]:
    values = [r.name, r.phone, r.email, (r.phone or "").replace("+62", "0", 1) if r.phone else None]
    return [v for v in values if v and v != REMOVED and len(v) >= 4]


def _mentions(text: str | None, needles: list[str]) -> bool:
    if not text:
        return False
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles)


def trail(r: Registration, now: datetime | None = None) -> Trail:
    """Everything keyed to one registration (Queries and BatchGets only)."""
    now = now or clock.now()
    today = rules.wib_now(now).date()
    first = rules.parse_utc_iso(r.created_at).astimezone(rules.WIB).date()
    last = min(today, rules.parse_utc_iso(r.updated_at).astimezone(rules.WIB).date() + AFTER_LAST_CHANGE)
    out = Trail(r, replies=inbox_store.of_reference(r.reference))
    session_ids = {r.session_id} if r.session_id else set()
    for d in _days(first, last):
        for entry in audit_store.about(d.isoformat(), r.reference):
            out.audit.append(entry)
            sid = json.loads(entry.details or "{}").get("session")
            if isinstance(sid, str):
                session_ids.add(sid)
    # The whole span, also past the outbox's retention: DynamoDB's TTL deletes expired records
    # eventually (usually within days), not at once, and an empty day costs one small Query.
    needles = _personal_strings(r)
    for d in sorted(set(_days(first, last)) | _broadcast_days(first, today)):
        for m in outbox_store.of_day(d.isoformat()):
            if m.reference == r.reference:
                out.outbox.append(m)
                if m.session_id:
                    session_ids.add(m.session_id)
            elif m.recipient_kind != VISITOR and any(_mentions(getattr(m, a), needles) for a in ("rendered", "params")):
                out.consultant_messages.append(m)
    ids = sorted(session_ids)
    if ids:
        out.sessions = sorted(sessions_store.get_many(ids), key=lambda s: s.start)
        out.feedback = list(feedback_store.get_many(ids).values())
        out.notes = sessions_store.notes_of(ids)
    return out


def _broadcast_days(first: date, today: date) -> set[date]:
    """Days on which WhatsApp broadcasts queued messages (to past clients, long after their last
    change): from each broadcast's creation to its end (one Query; broadcasts are few)."""
    out: set[date] = set()
    for b in broadcasts_store.all():
        start = rules.parse_utc_iso(b.created_at).astimezone(rules.WIB).date()
        end = rules.parse_utc_iso(b.finished_at).astimezone(rules.WIB).date() if b.finished_at else today
        out.update(d for d in _days(max(start, first), min(end, today)))
    return out


def _follow_ups(t: Trail) -> list:
    refs = sorted({f.follow_up for f in t.feedback if f.follow_up})
    found = registrations_store.get_many(refs)
    return [found[ref] for ref in refs if ref in found]


# --- the download -------------------------------------------------------------------------------------

REGISTRATION_FIELDS = ("reference", "status", "created_at", "updated_at", "name", "phone", "email", "kecamatan", "desa",
                       "service", "org_name", "coop_status", "business_sector", "nib", "topics", "description", "mode",
                       "days", "source", "campaign", "consent_at", "consent_version", "session_id", "follow_up_of")


def _registration_data(r: Registration) -> dict:
    out = {}
    for name in REGISTRATION_FIELDS:
        value = getattr(r, name, None)
        out[name] = list(value) if isinstance(value, list) else value
    out["status_label"] = rules.REGISTRATION_STATUSES.get(r.status, r.status)
    return out


def export(r: Registration, now: datetime | None = None) -> dict:
    """Everything stored about this registration (and its follow-ups), as the visitor may read it."""
    now = now or clock.now()
    names = {c.consultant_id: c.name for c in team.list_consultants()}
    rooms = {x.room_id: x.name for x in team.list_rooms()}
    parts, seen, queue = [], set(), [r]
    while queue and len(parts) < MAX_FOLLOW_UPS:
        reg = queue.pop(0)
        if reg.reference in seen:
            continue
        seen.add(reg.reference)
        t = trail(reg, now)
        parts.append({
            "registration": _registration_data(reg),
            "sessions": [{
                "id": s.session_id, "start": s.start, "day": s.day, "service": s.service, "mode": s.mode,
                "consultant": names.get(s.consultant_id, s.consultant_id), "room": rooms.get(s.room_id) if s.room_id else None,
                "status": s.status, "status_label": rules.SESSION_STATUSES.get(s.status, s.status),
                "meeting_url": s.join_url, "created_at": s.created_at} for s in t.sessions],
            "messages": [{
                "id": m.message_id, "channel": m.channel, "template": m.template, "status": m.status,
                "created_at": m.created_at, "sent_at": m.sent_at, "to": m.recipient,
                "content": json.loads(m.rendered) if m.rendered else None} for m in sorted(t.outbox, key=lambda m: m.created_at)],
            "feedback": [{
                "session_id": f.session_id, "created_at": f.created_at, "satisfaction": int(f.satisfaction),
                "answered": f.answered, "helpfulness": int(f.helpfulness), "recommend": int(f.recommend),
                "improve": f.improve, "follow_up": f.follow_up,
                "skm": f.skm.as_dict() if f.skm else None, "profile": f.profile.as_dict() if f.profile else None}
                for f in t.feedback],
            "notes": [{
                "session_id": n.session_id, "consultant": names.get(n.consultant_id, n.consultant_id),
                "problem": n.problem, "advice": n.advice, "follow_up": bool(n.follow_up), "referral": n.referral,
                "updated_at": n.updated_at} for n in t.notes],
            "whatsapp_replies": [{
                "received_at": x.received_at, "kind": x.kind, "text": x.text,
                "understood_as": replies.ACTIONS.get(x.action, x.action),
                "outcome": replies.OUTCOMES.get(x.outcome, x.outcome)} for x in t.replies],
        })
        queue.extend(_follow_ups(t))
    return {
        "generated_at": rules.to_utc_iso(now),
        "controller": "Dinas Koperasi dan Usaha Kecil Menengah Kabupaten Bogor (program Clean & Clear)",
        "explanation": ("Semua data yang kami simpan tentang pendaftaran ini: isian formulir, jadwal sesi, pesan "
                        "WhatsApp/e-mail yang dikirim, umpan balik Anda, dan catatan konsultan tentang konsultasi "
                        "Anda. Waktu dalam UTC. Data disimpan paling lama "
                        f"{retention_months()} bulan setelah pendaftaran, lalu dianonimkan."),
        "registrations": parts,
    }


def export_document(r: Registration, now: datetime | None = None) -> str:
    """The same export as a readable HTML document (services/data_document.py)."""
    from . import data_document

    return data_document.render(export(r, now))


# --- anonymising -----------------------------------------------------------------------------------------

@dataclass
class Outcome:
    registrations: int = 0
    messages: int = 0
    feedback: int = 0
    notes: int = 0
    audit: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _scrub(t: Trail, stamp: str, outcome: Outcome) -> None:
    for m in t.outbox:
        fields = {"recipient": None, "rendered": None, "params": "{}", "error": "data dihapus", "updated_at": stamp}
        if m.status == PENDING:
            fields.update(status=SKIPPED, due=None)
        outbox_store.scrub(m, fields)
        outcome.messages += 1
    for m in t.consultant_messages:
        outbox_store.scrub(m, {"rendered": None, "updated_at": stamp})
        outcome.messages += 1
    for f in t.feedback:
        if f.improve or f.profile:  # the SKM's scores stay (anonymous); the profile goes with the comment
            feedback_store.remove_comment(f)
            outcome.feedback += 1
    for n in t.notes:
        sessions_store.scrub_note(n, stamp)
        outcome.notes += 1
    for x in t.replies:
        if x.text:
            inbox_store.scrub(x)
            outcome.messages += 1
    needles = _personal_strings(t.registration)
    for a in t.audit:
        if _mentions(a.details, needles):
            audit_store.blank_details(a, {"data": REMOVED})
            outcome.audit += 1


def _forget_phone(phone: str | None, keep: set[str]) -> None:
    """When no other registration uses the number: forget its opt-out and its limit record."""
    if not phone:
        return
    others = [x for x in registrations_store.for_phone(phone) if x.reference not in keep]
    if not others:
        outbox_store.opt_in(phone)
        phone_limits.forget(registrations.PhoneLimit(phone, clock.now()).key)


def anonymise(r: Registration, now: datetime | None = None, *, on_request: bool = False) -> Outcome:
    """Remove personal fields of a registration and everything keyed to it (and of its
    follow-ups). Each step is idempotent: a run that dies half-way is finished by the next.

    On the visitor's request an open registration (or an expired one, which the visitor could
    revive with new dates) is cancelled first; the retention job only sees finished ones."""
    now = now or clock.now()
    stamp = rules.to_utc_iso(now)
    outcome = Outcome()
    done: set[str] = set()
    queue = [r]
    while queue and len(done) < MAX_FOLLOW_UPS:
        reg = queue.pop(0)
        if reg.reference in done:
            continue
        done.add(reg.reference)
        if reg.status in rules.OPEN_STATUSES or (on_request and reg.status == rules.STATUS_EXPIRED):
            _close(reg)
            reg = registrations_store.get(reg.reference, consistent=True)
        t = trail(reg, now)
        queue.extend(_follow_ups(t))
        _scrub(t, stamp, outcome)
        phone = reg.phone
        if not is_anonymised(reg):
            registrations_store.anonymise(reg, stamp, REMOVED)
        outcome.registrations += 1
        _forget_phone(phone, done)
    return outcome


def _close(reg: Registration) -> None:
    """An open registration is cancelled first, as if the visitor had cancelled it: its session
    (if any) frees its seat and the counters record a cancellation."""
    try:
        self_service.cancel(reg)
    except Conflict:
        current = registrations_store.get(reg.reference, consistent=True)
        if current is not None and current.status in rules.OPEN_STATUSES:
            raise


# What a data-rights request leaves in the audit trail (no personal data: the reference, the
# format, who acted): staff see the period's requests (services/data_requests.py).
DOWNLOAD, DELETE = "data.unduh", "data.hapus"
BY_VISITOR = "pengunjung"


def record_request(actor: str, action: str, reference: str, details: dict | None = None) -> None:
    UnitOfWork(actor, action, reference, details or {}).commit()


def download(r: Registration, html: bool, actor: str = BY_VISITOR) -> str | dict:
    """The visitor's data (a readable document, or JSON), and the request in the audit trail."""
    out = export_document(r) if html else export(r)
    record_request(actor, DOWNLOAD, r.reference, {"format": "html" if html else "json"})
    return out


def delete_for_visitor(r: Registration, payload: object, now: datetime | None = None,
                       actor: str = BY_VISITOR) -> dict:
    if not isinstance(payload, dict) or payload.get("confirm") is not True:
        raise InputError({"confirm": "Centang persetujuan penghapusan data untuk melanjutkan."})
    outcome = anonymise(r, now, on_request=True)
    record_request(actor, DELETE, r.reference, {"registrations": outcome.registrations})
    return {
        "deleted": True,
        "message": ("Data pribadi Anda sudah kami hapus dari pendaftaran ini, jadwal, pesan, umpan balik, dan "
                    "catatan konsultasi. Kami hanya menyimpan angka statistik tanpa identitas."),
        "counts": outcome.as_dict(),
    }


# --- retention ---------------------------------------------------------------------------------------------

@dataclass
class RetentionSummary:
    cutoff: str = ""
    examined: int = 0
    anonymised: int = 0
    complete: bool = True

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def run_retention(now: datetime | None = None, *, batch: int = RETENTION_BATCH,
                  deadline: Deadline | None = None) -> RetentionSummary:
    """Anonymise finished registrations created more than RETENTION_MONTHS ago.

    Found with Queries on GSI by_status (selesai, kedaluwarsa, dibatalkan) over created_at from a
    month before the watermark (the item ``RETENTION`` in the stats table) to the cutoff, skipping
    those already anonymised; the watermark moves to the cutoff when a run got through them all.
    At most `batch` registrations per run: the next run goes on.
    """
    now = now or clock.now()
    cutoff = rules.to_utc_iso(periods.months_back(now, retention_months()))
    summary = RetentionSummary(cutoff=cutoff)
    through = stats_store.watermark(RETENTION_KEY)
    lo = rules.to_utc_iso(rules.parse_utc_iso(through) - RETENTION_OVERLAP) if through else "0000"
    for status in FINISHED:
        for r in registrations_store.finished_between(status, lo, cutoff):
            summary.examined += 1
            if summary.anonymised >= batch or (deadline is not None and not deadline.allows(RETENTION_RESERVE)):
                summary.complete = False
                break
            if is_anonymised(r):
                continue
            anonymise(r, now)
            summary.anonymised += 1
        if not summary.complete:
            break
    if summary.complete and (through or "") < cutoff:
        stats_store.set_watermark(RETENTION_KEY, cutoff)
    return summary
