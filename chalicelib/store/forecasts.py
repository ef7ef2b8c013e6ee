"""The published forecast: one item per audience, written whole by the scheduled function."""
from __future__ import annotations

import json

from .models import ForecastRecord

PUBLIC, STAFF = "public", "staff"


def save(key: str, payload: dict, computed_at: str) -> None:
    ForecastRecord(key, payload=json.dumps(payload, separators=(",", ":")), computed_at=computed_at).save()


def load(key: str) -> dict | None:
    item = ForecastRecord.get_or_none(key)
    if item is None:
        return None
    return {**json.loads(item.payload), "computed_at": item.computed_at}
