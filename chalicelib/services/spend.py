"""What the program's WhatsApp messages cost in a month (domain/costs.py), beside the sessions they
served: one read of the month's cost counters and one Query per day of its sessions."""
from __future__ import annotations

from .. import clock
from ..domain import costs, periods, rules
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from .reports import month_days

def month(raw: object = None, *, attended: int | None = None) -> dict:
    """`attended`: the month's attended sessions when the caller has read them already."""
    chosen = periods.parse_month(raw or clock.today().strftime("%Y-%m"))
    items = stats_store.read_periods([costs.period(chosen)]).get(costs.period(chosen), {})
    if attended is None:
        attended = sum(1 for day in month_days(chosen) for s in sessions_store.of_day(day.isoformat())
                       if s.status == rules.SESSION_ATTENDED)
    return costs.month_view(chosen, items, attended)
