"""PynamoDB models: every DynamoDB table of the system and its indexes.

Table names are `<TABLE_PREFIX>-<name>` (the prefix carries the stage). `DYNAMODB_ENDPOINT`
points the models at DynamoDB Local (make run); unset, they talk to AWS (or to moto in tests).
Every request path reads with GetItem or Query on a key or GSI: nothing here is meant to Scan.
"""
from __future__ import annotations

import os

from pynamodb.attributes import ListAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


def table_prefix() -> str:
    return os.environ.get("TABLE_PREFIX", "cleanclear-dev")


class BaseMeta:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"
    host = os.environ.get("DYNAMODB_ENDPOINT") or None
    billing_mode = "PAY_PER_REQUEST"
    # Lambda: fail fast and let the caller retry rather than hang to the function timeout.
    connect_timeout_seconds = 3
    read_timeout_seconds = 5
    max_retry_attempts = 3


def _meta(name: str):
    return type("Meta", (BaseMeta,), {"table_name": f"{table_prefix()}-{name}"})


def _gsi(index: str, hash_attr: str, range_attr: str = "created_at"):
    """A GSI with ALL projection: list views need most fields and read one page at a time."""
    meta = type(
        "Meta",
        (),
        {"index_name": index, "projection": AllProjection()},
    )
    attrs = {"Meta": meta, hash_attr: UnicodeAttribute(hash_key=True)}
    if range_attr:
        attrs[range_attr] = UnicodeAttribute(range_key=True)
    return type(f"{index.title().replace('_', '')}Index", (GlobalSecondaryIndex,), attrs)()


class Registration(Model):
    """A visitor's request for a consultation.

    Access patterns:
      - by reference (GetItem): the visitor's private link, staff detail view;
      - by status + created_at (GSI by_status): staff list, the allocator's waiting queue;
      - by phone + created_at (GSI by_phone): open-registration limit, staff search by phone;
      - by created_month + created_at (GSI by_month): staff list by date range, name search;
      - by service / kecamatan + created_at (GSIs by_service, by_kecamatan): staff filters.
    """

    Meta = _meta("registrations")

    reference = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()  # UTC ISO 8601
    created_month = UnicodeAttribute()  # "2026-11" (WIB month), GSI partition
    queued_at = UnicodeAttribute()  # the place in the queue (UTC ISO); kept on re-offer
    updated_at = UnicodeAttribute()

    name = UnicodeAttribute()
    name_search = UnicodeAttribute()  # casefolded name, for staff search
    phone = UnicodeAttribute()  # E.164
    email = UnicodeAttribute(null=True)
    kecamatan = UnicodeAttribute()
    desa = UnicodeAttribute(null=True)

    service = UnicodeAttribute()
    org_name = UnicodeAttribute()
    coop_status = UnicodeAttribute(null=True)
    business_sector = UnicodeAttribute(null=True)
    nib = UnicodeAttribute(null=True)
    topics = ListAttribute(of=UnicodeAttribute)
    description = UnicodeAttribute()

    mode = UnicodeAttribute()
    days = ListAttribute(of=UnicodeAttribute)  # ISO dates (WIB), visitor's order

    source = UnicodeAttribute()
    campaign = UnicodeAttribute(null=True)
    consent_at = UnicodeAttribute()
    consent_version = UnicodeAttribute()

    # Set when a session is booked (issue: allocation).
    session_id = UnicodeAttribute(null=True)

    by_status = _gsi("by_status", "status")
    by_phone = _gsi("by_phone", "phone")
    by_month = _gsi("by_month", "created_month")
    by_service = _gsi("by_service", "service")
    by_kecamatan = _gsi("by_kecamatan", "kecamatan")


class IdempotencyRecord(Model):
    """The first answer to a client-generated idempotency key, kept for a day.

    Written in the same transaction as what it protects, so a retry either finds it (and
    gets the first answer back) or finds nothing at all: never a half-done request.
    """

    Meta = _meta("idempotency")

    key = UnicodeAttribute(hash_key=True)
    response = UnicodeAttribute()  # JSON of the first answer
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute()


ALL_MODELS: list[type[Model]] = [Registration, IdempotencyRecord]


def create_tables(wait: bool = True) -> None:
    """Create every missing table (local stack and tests; AWS tables come from infra/)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
            model.update_ttl(ignore_update_ttl_errors=True)

