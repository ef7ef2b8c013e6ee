"""Calendar months as the evaluation, the lists and retention count them ("2026-12", WIB)."""
from __future__ import annotations

import re
from datetime import date, datetime

from .errors import InputError

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MSG_MONTH = "Bulan: TTTT-BB, misalnya 2026-11."


def month_key(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_desc(start: date, end: date) -> list[str]:
    """The months from `end`'s back to `start`'s, newest first: ["2026-12", "2026-11", ...]."""
    months, y, m = [], end.year, end.month
    while (y, m) >= (start.year, start.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return months


def months_back(moment: datetime, months: int) -> datetime:
    """`moment` so many calendar months earlier (the day kept, at most the 28th)."""
    y, m = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    return moment.replace(year=y, month=m + 1, day=min(moment.day, 28))


def parse_month(raw: object, field: str = "month") -> str:
    """A "2026-11" month as given, or InputError on `field`."""
    if not isinstance(raw, str) or not MONTH_RE.match(raw):
        raise InputError({field: MSG_MONTH})
    return raw
