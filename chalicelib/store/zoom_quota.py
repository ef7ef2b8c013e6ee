"""Zoom's limit of create/update requests per user per day, held as a write condition.

Zoom allows each user 100 meeting create/update requests a day (UTC). Every such call first
adds one to ``zoomquota#<host key>#<UTC day>`` in the runs table, on the condition that the
count is still under the limit: however many sync runs overlap, no user gets more calls than
that, and the count is what staff see. The host is keyed by a hash (no e-mail in keys).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from ..domain import rules
from .conditions import failed_condition
from .models import RunRecord

KIND = "zoomquota"


def _key(host: str, now: datetime) -> str:
    digest = hashlib.sha256(host.strip().lower().encode()).hexdigest()[:16]
    return f"{KIND}#{digest}#{now.astimezone(rules.UTC).date().isoformat()}"


def take(host: str, now: datetime, limit: int) -> bool:
    """One call for `host` today, if fewer than `limit` were made: True; else False (nothing written)."""
    record = RunRecord(_key(host, now), kind=KIND)
    try:
        record.update(actions=[RunRecord.n.add(1), RunRecord.kind.set(KIND), RunRecord.expires_at.set(now + timedelta(days=2))],
                      condition=RunRecord.n.does_not_exist() | (RunRecord.n < limit))
    except UpdateError as exc:
        if failed_condition(exc):
            return False
        raise
    return True


def used(host: str, now: datetime) -> int:
    record = RunRecord.get_or_none(_key(host, now))
    return int(record.n or 0) if record else 0
