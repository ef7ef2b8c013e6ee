"""What the office writes and keeps about a reporting period (services/skm.py, services/monthly.py)."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

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


class MonthlyReportRecord(BaseModel):
    """A month's report as the office reads and prints it (services/monthly.py): the HTML page
    (figures and SVG charts, no personal data), kept so any past month opens as it was sent.

    Access pattern: by month (GetItem). Written once per month with ``attribute_not_exists`` (a
    rebuild by staff replaces it on purpose); `emailed_at` marks the office's e-mail as sent."""

    Meta = _meta("monthly_reports")
    month = UnicodeAttribute(hash_key=True)  # "2026-11"
    html = UnicodeAttribute()
    built_at = UnicodeAttribute()
    built_by = UnicodeAttribute()  # "jadwal" (the scheduled function) or a staff member
    build_ms = NumberAttribute(null=True)
    emailed_at = UnicodeAttribute(null=True)
