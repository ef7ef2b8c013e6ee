"""The audit trail: who changed what, when. Entries are written by the unit of work, in the same
transaction as the change they record (store/unit_of_work.py); here they are read."""
from __future__ import annotations

import json

from .models import AuditRecord


def _view(item: AuditRecord) -> dict:
    return {"at": item.sk.split("#", 1)[0], "actor": item.actor, "action": item.action, "target": item.target,
            "details": json.loads(item.details or "{}")}


def list_day(day: str) -> list[dict]:
    """A WIB day's entries, newest first."""
    return [_view(item) for item in AuditRecord.query(day, scan_index_forward=False)]


def about(day: str, target: str) -> list[AuditRecord]:
    """A WIB day's entries about one target (a registration reference, a consultant id...)."""
    return list(AuditRecord.query(day, filter_condition=AuditRecord.target == target))


def blank_details(entry: AuditRecord, replacement: dict) -> None:
    entry.update(actions=[AuditRecord.details.set(json.dumps(replacement))])
