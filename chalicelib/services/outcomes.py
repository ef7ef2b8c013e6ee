"""Outcomes three months on, per cohort (domain/outcomes.py): one BatchGetItem of the cohorts'
counter items, for Evaluasi and the monthly report."""
from __future__ import annotations

from datetime import date, timedelta

from .. import clock
from ..domain import outcomes, periods
from ..store import stats as stats_store

COHORTS = 12


def cohorts(today: date | None = None, n: int = COHORTS) -> list[dict]:
    """The last `n` cohorts whose questions have gone out (sessions at least 90 days ago), newest first."""
    today = today or clock.today()
    newest = today - timedelta(days=outcomes.OUTCOME_DAYS)
    months = periods.months_desc(date(newest.year, newest.month, 1) - timedelta(days=31 * (n - 1)), newest)[:n]
    items = stats_store.read_periods(["OUT#" + m for m in months])
    return [outcomes.cohort_view(m, items.get("OUT#" + m, {})) for m in months]
