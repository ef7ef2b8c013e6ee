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

from . import rules, validation
from .models import BaseMeta, IdempotencyRecord, Registration

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
    """Days with no service between today and the booking horizon (holidays, closures)."""
    from .holidays_id import public_holidays  # lazy: keeps the holiday tables off cold start

    years = {today.year, (today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days)).year}
    return {day for year in sorted(years) for day, _name in public_holidays(year)}


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
        registration = Registration(
            reference,
            token_hash=hash_token(token),
            status=rules.STATUS_WAITING,
            created_at=created,
            created_month=rules.wib_now(now).strftime("%Y-%m"),
            queued_at=created,
            updated_at=created,
            name=data.name,
            name_search=data.name.casefold(),
            phone=data.phone,
            email=data.email,
            kecamatan=data.kecamatan,
            desa=data.desa,
            service=data.service,
            org_name=data.org_name,
            coop_status=data.coop_status,
            business_sector=data.business_sector,
            nib=data.nib,
            topics=list(data.topics),
            description=data.description,
            mode=data.mode,
            days=[d.isoformat() for d in data.days],
            source=data.source,
            campaign=data.campaign,
            consent_at=created,
            consent_version=validation.CONSENT_VERSION,
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
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
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
