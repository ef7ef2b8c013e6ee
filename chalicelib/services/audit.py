"""The audit trail as staff read it: who changed what, when (written with every change by the
unit of work, store/unit_of_work.py)."""
from __future__ import annotations

from datetime import date

from ..store import audit as store


def list_day(day: date) -> list[dict]:
    return store.list_day(day.isoformat())
