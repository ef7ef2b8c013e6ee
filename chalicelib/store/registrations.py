"""Registrations (table `registrations`) and the idempotency records that protect their creation.

Access patterns (see models.Registration): by reference; by status (the queue, staff lists,
retention); by phone (the open-registration limit, staff search); by month, service and kecamatan
(staff lists, the report, broadcast recipients). Nothing here Scans.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterable

from pynamodb.attributes import UnicodeAttribute

from ..domain import periods, rules
from ..domain.references import hash_token
from .models import IdempotencyRecord, Registration
from .unit_of_work import UnitOfWork

IDEMPOTENCY_TTL = timedelta(hours=24)
# An attribute the model does not declare: set when a registration's personal data was removed
# (services/privacy.py); PynamoDB writes and filters on it through a free-standing attribute.
ANONYMISED_AT = UnicodeAttribute(attr_name="anonymised_at")
LABEL = "registration"


# --- building ---------------------------------------------------------------------------------------

def build(reference: str, token: str, now: datetime, *, days, **fields) -> Registration:
    """A waiting registration with its bookkeeping (token hash, queue place, timestamps) set.

    `fields` are the visitor's fields (services/registrations.VISITOR_FIELDS, plus extras such as
    follow_up_of); `days` are dates."""
    created = rules.to_utc_iso(now)
    return Registration(
        reference, token_hash=hash_token(token), status=rules.STATUS_WAITING, created_at=created,
        created_month=periods.month_key(rules.wib_now(now)), queued_at=rules.to_utc_iso_precise(now),
        updated_at=created, name_search=fields["name"].casefold(), days=[d.isoformat() for d in days], **fields)


def add_new(uow: UnitOfWork, registration: Registration, label: str = LABEL) -> None:
    """Put a new registration; the condition fails on a reference collision."""
    uow.put(registration, Registration.reference.does_not_exist(), label=label)


def add_idempotency(uow: UnitOfWork, key: str, answer: dict, now: datetime, label: str = "idempotency") -> None:
    uow.put(IdempotencyRecord(key, response=json.dumps(answer), created_at=rules.to_utc_iso(now),
                              expires_at=now + IDEMPOTENCY_TTL),
            IdempotencyRecord.key.does_not_exist(), label=label)


def replay(key: str) -> dict | None:
    """The first answer stored under an idempotency key, or None."""
    record = IdempotencyRecord.get_or_none(key, consistent=True)
    return json.loads(record.response) if record else None


# --- changing ----------------------------------------------------------------------------------------

def update(uow: UnitOfWork, registration: Registration, fields: dict, *, status_in: Iterable[str] | None = None,
           session: str | None = None, days_as_read: bool = False, label: str = LABEL) -> None:
    """Set (or, for None, remove) `fields` in `uow`.

    Conditions: `status_in` (the status is one of these), `session` "none" (no session id yet)
    or "some" (a session id is set), `days_as_read` (the offered days are still the ones this
    object was read with: a visitor who changed them meanwhile is not booked or expired on days
    they withdrew); with none the update has no condition."""
    actions = [getattr(Registration, name).set(value) if value is not None else getattr(Registration, name).remove()
               for name, value in fields.items()]
    condition = None
    if status_in is not None:
        condition = Registration.status.is_in(*status_in)
    if session is not None:
        extra = Registration.session_id.does_not_exist() if session == "none" else Registration.session_id.exists()
        condition = extra if condition is None else condition & extra
    if days_as_read:
        extra = Registration.days == list(registration.days)
        condition = extra if condition is None else condition & extra
    uow.update(registration, actions, condition, label=label)


def anonymise(registration: Registration, stamp: str, removed: str) -> None:
    """Remove the personal fields (they stay out of the by_phone index) and mark the item."""
    registration.update(actions=[
        Registration.name.set(removed), Registration.org_name.set(removed), Registration.description.set(removed),
        Registration.phone.remove(), Registration.email.remove(), Registration.desa.remove(), Registration.nib.remove(),
        Registration.name_search.remove(), Registration.updated_at.set(stamp), ANONYMISED_AT.set(stamp)])


# --- reading -------------------------------------------------------------------------------------------

def get(reference: str | None, *, consistent: bool = False) -> Registration | None:
    if not reference:
        return None
    return Registration.get_or_none(reference, consistent=consistent)


def get_many(references: Iterable[str]) -> dict[str, Registration]:
    keys = sorted(set(references))
    return {r.reference: r for r in Registration.batch_get(keys)} if keys else {}


def waiting() -> list[Registration]:
    """The queue: every waiting registration (GSI by_status)."""
    return list(Registration.by_status.query(rules.STATUS_WAITING))


def waiting_for(service: str, day: str) -> list[Registration]:
    """The waiting registrations of one service that offered `day` (a freed seat's candidates)."""
    return list(Registration.by_status.query(
        rules.STATUS_WAITING, filter_condition=(Registration.service == service) & Registration.days.contains(day)))


def open_count_for_phone(phone: str) -> int:
    return sum(1 for _ in Registration.by_phone.query(
        phone, filter_condition=Registration.status.is_in(*rules.OPEN_STATUSES)))


def for_phone(phone: str) -> list[Registration]:
    return list(Registration.by_phone.query(phone))


def of_month(month: str) -> list[Registration]:
    return list(Registration.by_month.query(month))


def finished_between(status: str, lo: str, hi: str):
    """Registrations of a finished status created in lo..hi that were not anonymised yet."""
    return Registration.by_status.query(status, Registration.created_at.between(lo, hi),
                                        filter_condition=ANONYMISED_AT.does_not_exist())


# --- staff lists: one DynamoDB page per round, on the most selective index ---------------------------

def page(*, index: str, partition: str, lo: str, hi: str, filters: dict, name_contains: str | None,
         size: int, last_key: dict | None) -> tuple[list[tuple[Registration, dict]], dict | None]:
    """One page of `index` (by_phone, by_status, by_kecamatan, by_service, by_month) for one
    partition, created_at in lo..hi, newest first, with equality `filters` and a name search:
    each record with the key a next page would start after, and DynamoDB's own next key."""
    condition = None
    for attr, value in filters.items():
        if value:
            cond = getattr(Registration, attr) == value
            condition = cond if condition is None else condition & cond
    if name_contains:
        cond = Registration.name_search.contains(name_contains.casefold())
        condition = cond if condition is None else condition & cond
    pages = getattr(Registration, index).query(
        partition, Registration.created_at.between(lo, hi), filter_condition=condition,
        scan_index_forward=False, page_size=size, last_evaluated_key=last_key).page_iter
    found = next(pages, None) or {}
    keys = list(pages.key_names)
    return ([(Registration.from_raw_data(raw), {k: raw[k] for k in keys}) for raw in found.get("Items", [])],
            pages.last_evaluated_key)


def past_clients_page(*, index: str, partition: str, since: str, status: str | None, service: str | None,
                      size: int, last_key: dict | None) -> tuple[list[Registration], dict | None]:
    """One page of registrations that still hold a number (broadcast recipients), created from
    `since`, with an optional status and service filter."""
    condition = Registration.phone.exists()
    if status:
        condition &= Registration.status == status
    if service:
        condition &= Registration.service == service
    pages = getattr(Registration, index).query(partition, Registration.created_at >= since,
                                               filter_condition=condition, page_size=size,
                                               last_evaluated_key=last_key).page_iter
    found = next(pages, None) or {}
    return [Registration.from_raw_data(r) for r in found.get("Items", [])], pages.last_evaluated_key
