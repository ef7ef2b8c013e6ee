"""What the office writes and keeps about a reporting period (services/skm.py, services/monthly.py)."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from .base import TEAM, BaseModel, _meta


class ReportNoteRecord(BaseModel):
    """Staff's "tindak lanjut" for a period's SKM (what they will improve for the weakest unsur),
    one per period (``skm#2026-12``, ``skm#2026-S2``, ``skm#2026``); every save is audited.

    Access pattern: by team + period key (GetItem; a Query lists a year's)."""

    Meta = _meta("report_notes")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    key = UnicodeAttribute(range_key=True)
    text = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
