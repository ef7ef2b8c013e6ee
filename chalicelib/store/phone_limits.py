"""The per-number limit of open registrations, held by the registration's own transaction.

One `PhoneLimitRecord` per WhatsApp number (keyed by a keyed hash of the number) lists the
registrations made under it. Every new registration adds itself in its transaction, with the
condition that fewer than the limit are listed: however many requests race, at most `limit`
get through, because DynamoDB checks the condition and applies the add atomically.

The list only grows on the hot path; a registration that closes (done, cancelled, expired) is
taken out lazily: when the condition fails, `reconcile` keeps the listed registrations that are
still open (read consistently), adds any open ones made before this record existed (the by_phone
index), and writes the result with the version it read, so a registration added meanwhile is
never lost. Then the caller tries again, or tells the visitor the limit is reached.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from pynamodb.exceptions import PutError

from ..domain import rules
from .models import PhoneLimitRecord, Registration
from .unit_of_work import UnitOfWork

LABEL = "phone_limit"
# Long after any registration made with the record closed (the booking horizon is weeks):
# the record of a number nobody uses any more goes away by itself.
KEEP = timedelta(days=180)
RECONCILE_ATTEMPTS = 5
RETRY_CODES = ("ConditionalCheckFailedException", "TransactionConflictException")


def add(uow: UnitOfWork, phone_key: str, reference: str, *, seed: int, limit: int, now: datetime) -> None:
    """List `reference` under the number, on condition that fewer than `limit` are listed.

    `seed` is how many open registrations the number had when its record did not exist yet
    (registrations made before this record was introduced); it only counts for a new record."""
    r = PhoneLimitRecord
    uow.update(PhoneLimitRecord(phone_key), actions=[
        r.refs.add({reference}),
        r.n.set((r.n | seed) + 1),
        r.version.set((r.version | 0) + 1),
        r.expires_at.set(now + KEEP),
    ], condition=r.n.does_not_exist() | (r.n < limit), label=LABEL)


def reconcile(phone_key: str, phone: str, now: datetime) -> int:
    """Drop the closed registrations from the number's record; return how many stay open.

    Reads alone when nothing closed (the usual answer to a burst for one number: "full")."""
    still_open: set[str] = set()
    for attempt in range(RECONCILE_ATTEMPTS):
        record = PhoneLimitRecord.get_or_none(phone_key, consistent=True)
        if record is not None:
            version, condition = record.version, PhoneLimitRecord.version == record.version
            listed, counted = set(record.refs or ()), record.n
        else:
            version, condition = 0, PhoneLimitRecord.phone_key.does_not_exist()
            listed, counted = set(), None
        still_open = {ref for ref in listed if _is_open(ref)} | _open_by_index(phone)
        if still_open == listed and counted == len(listed):
            return len(still_open)
        try:
            PhoneLimitRecord(phone_key, refs=still_open or None, n=len(still_open), version=version + 1,
                             expires_at=now + KEEP).save(condition)
            return len(still_open)
        except PutError as exc:
            if exc.cause_response_code not in RETRY_CODES:
                raise
            # A registration was added, or another reconcile wrote, meanwhile: read again.
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    return len(still_open)  # still moving: what the last consistent read saw


def forget(phone_key: str) -> None:
    """Remove the number's record (its registrations' personal data was removed)."""
    PhoneLimitRecord(phone_key).delete()


def _is_open(reference: str) -> bool:
    record = Registration.get_or_none(reference, consistent=True)
    return record is not None and record.status in rules.OPEN_STATUSES


def _open_by_index(phone: str) -> set[str]:
    return {r.reference for r in Registration.by_phone.query(
        phone, filter_condition=Registration.status.is_in(*rules.OPEN_STATUSES))}
