"""The published forecast: one item per audience, written whole by the scheduled function."""
from __future__ import annotations

import json

from .models import ForecastRecord

PUBLIC, STAFF = "public", "staff"


def save(key: str, payload: dict, computed_at: str) -> None:
    ForecastRecord(key, payload=json.dumps(payload, separators=(",", ":")), computed_at=computed_at).save()


def public_text(service: str, mode: str) -> str | None:
    """The words of the published estimate for one choice, or None before the first one."""
    item = load(PUBLIC)
    found = ((item or {}).get("estimates") or {}).get(service, {}).get(mode)
    return found.get("text") if found else None


def load(key: str) -> dict | None:
    item = ForecastRecord.get_or_none(key)
    if item is None:
        return None
    return {**json.loads(item.payload), "computed_at": item.computed_at}
