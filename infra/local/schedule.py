"""When EventBridge would run a scheduled function: its `cron(...)` or `rate(...)` expression read
the way EventBridge reads it (UTC; six cron fields: minutes hours day-of-month month day-of-week
year; `*`, `?`, lists, ranges, steps, month and weekday names), so the local timer runs each
function on the deployed schedule's days and hours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}  # EventBridge: 1 = Sunday
_MONTHS = {m: i + 1 for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
                                            "NOV", "DEC"))}
_UNITS = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The numbers a cron field allows; None for any (`*`, `?`)."""
    if field in ("*", "?"):
        return None
    out: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, raw_step = part.split("/")
            step = int(raw_step)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-")
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(part, names)
            end = high if step > 1 else start
        out.update(range(start, end + 1, step))
    return out


def _number(text: str, names: dict[str, int] | None) -> int:
    return names[text.upper()] if names and text.upper() in names else int(text)


@dataclass(frozen=True)
class Schedule:
    expression: str

    def due(self, at: datetime, since: datetime) -> bool:
        """Would EventBridge have started it in (since, at]? (`at`, `since`: aware UTC instants.)"""
        rate = re.fullmatch(r"rate\((\d+) (\w+)\)", self.expression)
        if rate:
            minutes = int(rate.group(1)) * _UNITS[rate.group(2)]
            return int(at.timestamp() // 60) // minutes > int(since.timestamp() // 60) // minutes
        minute = (since.replace(second=0, microsecond=0) + timedelta(minutes=1))
        while minute <= at:
            if self.matches(minute):
                return True
            minute += timedelta(minutes=1)
        return False

    def matches(self, minute: datetime) -> bool:
        fields = re.fullmatch(r"cron\((.*)\)", self.expression).group(1).split()
        mins, hours, dom, month, dow, year = fields
        checks = [(_values(mins, 0, 59), minute.minute), (_values(hours, 0, 23), minute.hour),
                  (_values(dom, 1, 31), minute.day), (_values(month, 1, 12, _MONTHS), minute.month),
                  (_values(dow, 1, 7, _WEEKDAYS), minute.isoweekday() % 7 + 1),
                  (_values(year, 1970, 2199), minute.year)]
        return all(allowed is None or value in allowed for allowed, value in checks)

    def words(self) -> str:
        return f"{self.expression} UTC"


def of(source) -> Schedule:
    """The schedule of a Chalice ScheduledEventConfig."""
    expression = source.schedule_expression
    return Schedule(expression if isinstance(expression, str) else expression.to_string())
