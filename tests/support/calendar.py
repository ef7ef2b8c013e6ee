"""The service calendar's closed days, for tests that pick their days from it (they must mean the
same on any day they run: a week of Lebaran, Christmas and New Year included)."""
from __future__ import annotations

from datetime import date

from chalicelib.domain.holidays import holiday_closures


def holiday_days(*years: int) -> set[date]:
    """Every public holiday and cuti bersama day of `years`."""
    return {c.day for year in years for c in holiday_closures(year)}
