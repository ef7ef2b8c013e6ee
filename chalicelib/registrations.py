"""Registrations: create one from the signup form, show it to its visitor.

Domain code with storage through the PynamoDB models; no Chalice imports. Routes call these
functions and turn the results into HTTP answers.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import notify, rules, stats, validation
from .models import BaseMeta, IdempotencyRecord, Registration
from .paging import decode_cursor, encode_cursor

# Easy to read aloud: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6
IDEMPOTENCY_TTL = timedelta(hours=24)


def max_open_per_phone() -> int:
    return int(os.environ.get("MAX_OPEN_PER_PHONE", "3"))


@dataclass
class Outcome:
    """What a domain call produced: a status code and a JSON-able body."""

    status: int
    body: dict = field(default_factory=dict)

    @classmethod
    def errors(cls, status: int, errors: dict) -> "Outcome":
        return cls(status, {"errors": dict(errors)})


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_reference(reference: str) -> str:
    return f"{reference[:3]}-{reference[3:]}"


def normalize_reference(raw: str) -> str | None:
    ref = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(ref) != REFERENCE_LENGTH or any(ch not in REFERENCE_ALPHABET for ch in ref):
        return None
    return ref


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _connection() -> Connection:
    return Connection(region=BaseMeta.region, host=BaseMeta.host)


def closed_days(today: date) -> set[date]:
    """Whole days with no service up to the booking horizon (holidays, office closures)."""
    from . import team

    return team.closed_days(today, today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days))


# What a visitor tells us about themselves and their request: copied as a whole by a follow-up.
VISITOR_FIELDS = ("name", "phone", "email", "kecamatan", "desa", "service", "org_name", "coop_status",
                  "business_sector", "nib", "topics", "description", "mode", "source", "campaign",
                  "consent_at", "consent_version")


def new_registration(reference: str, token: str, now: datetime, *, days, **fields) -> Registration:
    """A waiting registration with its bookkeeping (token hash, queue place, timestamps) set.

    `fields` are the VISITOR_FIELDS (plus optional extras such as follow_up_of); `days` are dates.
    """
    created = rules.to_utc_iso(now)
    return Registration(
        reference,
        token_hash=hash_token(token),
        status=rules.STATUS_WAITING,
        created_at=created,
        created_month=rules.wib_now(now).strftime("%Y-%m"),
        queued_at=rules.to_utc_iso_precise(now),
        updated_at=created,
        name_search=fields["name"].casefold(),
        days=[d.isoformat() for d in days],
        **fields,
    )


def count_open_for_phone(phone: str) -> int:
    return sum(
        1
        for _ in Registration.by_phone.query(
            phone, filter_condition=Registration.status.is_in(*rules.OPEN_STATUSES)
        )
    )


def create_registration(payload: object, idempotency_key: str | None, now: datetime | None = None) -> Outcome:
    """Validate and store a registration; a retried key returns the first answer."""
    now = now or datetime.now(rules.UTC)
    if idempotency_key is not None and not validation.IDEMPOTENCY_RE.match(idempotency_key):
        return Outcome.errors(400, {"_form": "Kunci pengiriman tidak valid; muat ulang halaman lalu kirim lagi."})
    if idempotency_key:
        replay = _replay(idempotency_key)
        if replay is not None:
            return replay

    if isinstance(payload, dict) and payload.get("kontak_lain"):
        # Honeypot: a field hidden from people; only form-filling bots fill it.
        return Outcome.errors(400, {"_form": "Pendaftaran tidak dapat diproses."})

    today = rules.wib_now(now).date()
    data, errors = validation.validate_registration(payload, today=today, closed=closed_days(today))
    if errors:
        return Outcome.errors(400, errors)

    if count_open_for_phone(data.phone) >= max_open_per_phone():
        return Outcome.errors(
            429,
            {"whatsapp": f"Nomor ini sudah punya {max_open_per_phone()} pendaftaran yang masih berjalan. "
                         "Tunggu jadwalnya atau batalkan salah satu lewat tautan status."},
        )

    created = rules.to_utc_iso(now)
    token = secrets.token_urlsafe(24)
    for _attempt in range(5):
        reference = new_reference()
        body = {
            "reference": format_reference(reference),
            "token": token,
            "status": rules.STATUS_WAITING,
            "status_label": rules.REGISTRATION_STATUSES[rules.STATUS_WAITING],
        }
        registration = new_registration(
            reference, token, now,
            name=data.name, phone=data.phone, email=data.email, kecamatan=data.kecamatan, desa=data.desa,
            service=data.service, org_name=data.org_name, coop_status=data.coop_status,
            business_sector=data.business_sector, nib=data.nib, topics=list(data.topics),
            description=data.description, mode=data.mode, days=list(data.days), source=data.source,
            campaign=data.campaign, consent_at=created, consent_version=validation.CONSENT_VERSION,
        )
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(registration, condition=Registration.reference.does_not_exist())
                if idempotency_key:
                    tx.save(
                        IdempotencyRecord(
                            f"registration#{idempotency_key}",
                            response=json.dumps(body),
                            created_at=created,
                            expires_at=now + IDEMPOTENCY_TTL,
                        ),
                        condition=IdempotencyRecord.key.does_not_exist(),
                    )
                # "Registration received" (WhatsApp, and e-mail when given): outbox records.
                for model, cond in notify.on_registration_received(registration, now):
                    tx.save(model, condition=cond)
                # The evaluation counters (chalicelib/stats.py), in the same transaction.
                for model, actions, cond in stats.updates(stats.registration_created(
                        created_at=created, service=data.service, topics=data.topics, source=data.source,
                        campaign=data.campaign, kecamatan=data.kecamatan, mode=data.mode)):
                    tx.update(model, actions=actions, condition=cond)
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
            if "TransactionConflict" in reasons:
                stats.conflict_pause(_attempt)  # another registration updated the same counters
                continue
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                # The same key won a race with us: answer what it answered.
                replay = _replay(idempotency_key)
                if replay is not None:
                    return replay
            if reasons and reasons[0] == "ConditionalCheckFailed":
                continue  # reference collision: draw another
            raise
        return Outcome(201, body)
    raise RuntimeError("could not allocate a unique reference")


def _replay(idempotency_key: str) -> Outcome | None:
    try:
        record = IdempotencyRecord.get(f"registration#{idempotency_key}", consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None
    return Outcome(201, json.loads(record.response))


def find_for_visitor(raw_reference: str, token: str | None) -> Registration | None:
    """The registration behind a private link, or None (unknown and wrong token look alike)."""
    reference = normalize_reference(raw_reference)
    if reference is None or not token:
        return None
    try:
        registration = Registration.get(reference)
    except Registration.DoesNotExist:
        return None
    if not hmac.compare_digest(registration.token_hash, hash_token(token)):
        return None
    return registration


def visitor_view(registration: Registration) -> dict:
    """What the visitor may see of their own registration."""
    return {
        "reference": format_reference(registration.reference),
        "status": registration.status,
        "status_label": rules.REGISTRATION_STATUSES.get(registration.status, registration.status),
        "name": registration.name,
        "service": registration.service,
        "service_label": rules.SERVICES[registration.service],
        "org_name": registration.org_name,
        "mode": registration.mode,
        "mode_label": rules.MODES[registration.mode],
        "days": list(registration.days),
        "topics": [rules.TOPICS.get(t, t) for t in registration.topics],
        "created_at": registration.created_at,
    }


# --- staff views -------------------------------------------------------------------------

PAGE_MAX = 100
MAX_READS = 10


def staff_item(r: Registration) -> dict:
    return {
        "reference": format_reference(r.reference),
        "name": r.name,
        "whatsapp": r.phone,
        "kecamatan": r.kecamatan,
        "service": r.service,
        "mode": r.mode,
        "status": r.status,
        "status_label": rules.REGISTRATION_STATUSES.get(r.status, r.status),
        "created_at": r.created_at,
        "org_name": r.org_name,
        "topics": list(r.topics),
    }


def staff_detail(raw_reference: str) -> dict:
    from .errors import NotFound

    reference = normalize_reference(raw_reference)
    try:
        r = Registration.get(reference) if reference else None
    except Registration.DoesNotExist:
        r = None
    if r is None:
        raise NotFound({"_form": "Pendaftaran tidak ditemukan."})
    return {
        **staff_item(r),
        "email": r.email,
        "desa": r.desa,
        "coop_status": r.coop_status,
        "business_sector": r.business_sector,
        "nib": r.nib,
        "description": r.description,
        "days": list(r.days),
        "source": r.source,
        "campaign": r.campaign,
        "queued_at": r.queued_at,
        "session_id": r.session_id,
        "consent_at": r.consent_at,
    }


def _months_desc(start: date, end: date) -> list[str]:
    months, y, m = [], end.year, end.month
    while (y, m) >= (start.year, start.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return months


def staff_list(*, status=None, service=None, kecamatan=None, start: date | None = None, end: date | None = None,
               q: str | None = None, cursor: str | None = None, limit: int = 25, today: date | None = None) -> dict:
    """A page of registrations for staff, newest first, from Queries on the best GSI.

    Filters combine; the most selective one picks the index, the others become filter
    conditions. `q` is a reference (GetItem), a WhatsApp number (GSI by_phone) or part of a
    name (filter). Without dates the list covers the last 12 months.
    """
    from .errors import InputError

    errors = validation.Errors()
    if status and status not in rules.REGISTRATION_STATUSES:
        errors.add("status", "Status tidak dikenal.")
    if service and service not in rules.SERVICES:
        errors.add("service", "Layanan tidak dikenal.")
    if kecamatan and kecamatan not in rules.kecamatan_list():
        errors.add("kecamatan", "Kecamatan tidak dikenal.")
    if not 1 <= limit <= PAGE_MAX:
        errors.add("limit", f"Antara 1 dan {PAGE_MAX}.")
    if start and end and end < start:
        errors.add("to", "Tanggal akhir sebelum tanggal awal.")
    if errors:
        raise InputError(errors)

    today = today or rules.wib_now().date()
    end = end or today
    start = start or date(end.year - 1, end.month, 1)
    lo = rules.to_utc_iso(datetime.combine(start, datetime.min.time(), tzinfo=rules.WIB))
    hi = rules.to_utc_iso(datetime.combine(end, datetime.max.time().replace(microsecond=0), tzinfo=rules.WIB))

    condition = None

    def add(cond):
        nonlocal condition
        condition = cond if condition is None else condition & cond

    q = (q or "").strip()
    if q:
        reference = normalize_reference(q)
        if reference:
            try:
                r = Registration.get(reference)
                return {"items": [staff_item(r)], "next_cursor": None}
            except Registration.DoesNotExist:
                pass
    phone = None
    if q and sum(ch.isdigit() for ch in q) >= 8:
        phone, _msg = validation.normalize_phone(q)
    if q and not phone:
        add(Registration.name_search.contains(q.casefold()))

    if phone:
        index, partitions = Registration.by_phone, [phone]
        for attr, value in (("status", status), ("service", service), ("kecamatan", kecamatan)):
            if value:
                add(getattr(Registration, attr) == value)
    elif status:
        index, partitions = Registration.by_status, [status]
        for attr, value in (("service", service), ("kecamatan", kecamatan)):
            if value:
                add(getattr(Registration, attr) == value)
    elif kecamatan:
        index, partitions = Registration.by_kecamatan, [kecamatan]
        if service:
            add(Registration.service == service)
    elif service:
        index, partitions = Registration.by_service, [service]
    else:
        index, partitions = Registration.by_month, _months_desc(start, end)

    state = decode_cursor(cursor) if cursor else {"p": 0, "k": None}
    items: list[dict] = []
    part = int(state.get("p", 0))
    last_key = state.get("k")
    reads = 0
    # One DynamoDB page per round, sized to what is still missing: a filter that matches little
    # costs at most MAX_READS reads per request, and the cursor picks up where it stopped.
    while part < len(partitions) and len(items) < limit and reads < MAX_READS:
        pages = index.query(
            partitions[part],
            Registration.created_at.between(lo, hi),
            filter_condition=condition,
            scan_index_forward=False,
            page_size=limit - len(items),
            last_evaluated_key=last_key,
        ).page_iter
        page = next(pages, None) or {}
        reads += 1
        items.extend(staff_item(Registration.from_raw_data(raw)) for raw in page.get("Items", []))
        last_key = pages.last_evaluated_key
        if last_key is None:
            part, last_key = part + 1, None
    next_cursor = encode_cursor({"p": part, "k": last_key}) if part < len(partitions) else None
    return {"items": items, "next_cursor": next_cursor}
