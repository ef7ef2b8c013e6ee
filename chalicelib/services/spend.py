"""What the program's WhatsApp messages cost in a month (domain/costs.py), beside the sessions they
served: one read of the month's cost counters and one Query per day of its sessions."""
from __future__ import annotations

from .. import clock
from ..domain import costs, rules
from ..domain.errors import InputError
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from .reports import month_days

MSG_MONTH = "Bulan: TTTT-BB, misalnya 2026-11."


def month(raw: object = None) -> dict:
    chosen = raw or clock.today().strftime("%Y-%m")
    if not isinstance(chosen, str) or len(chosen) != 7 or chosen[4] != "-" or not chosen.replace("-", "").isdigit() \
            or not 1 <= int(chosen[5:]) <= 12:
        raise InputError({"month": MSG_MONTH})
    items = stats_store.read_periods([costs.period(chosen)]).get(costs.period(chosen), {})
    attended = sum(1 for day in month_days(chosen) for s in sessions_store.of_day(day.isoformat())
                   if s.status == rules.SESSION_ATTENDED)
    return costs.month_view(chosen, items, attended)
