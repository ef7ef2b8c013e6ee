"""Indonesian public holidays (libur nasional) and cuti bersama, as service closures.

Backed by the `holidays` package (country "ID"): its PUBLIC category holds the national
holidays, its GOVERNMENT category the cuti bersama (joint leave days of civil servants, on
which the office is closed too). Names are in Bahasa Indonesia.

Importing `holidays` and building a year costs on the order of 100 ms each, so the package is
imported inside the functions (not at module import, to keep Lambda cold starts fast) and
results are cached per year. No I/O beyond the package's own data files.

Limits of the data (holidays 0.109): cuti bersama are listed only for years that have been
decreed (through 2027 in this version); Islamic and some other lunar holidays of later years
are estimates and carry the suffix "(perkiraan)". Staff should add or correct closures for
such years by hand.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from .service_calendar import Closure

PUBLIC_PREFIX = "Libur nasional"
JOINT_LEAVE_PREFIX = "Cuti bersama"

# Category names of the `holidays` package (holidays.constants.PUBLIC / GOVERNMENT), spelled
# out so that this module does not import the package at import time.
_CATEGORY_PUBLIC = "public"
_CATEGORY_GOVERNMENT = "government"


@lru_cache(maxsize=16)
def _entries(year: int) -> tuple[tuple[date, str, str], ...]:
    """(day, category, name) for every holiday name of `year`, without duplicates."""
    import holidays  # deferred: ~65-115 ms import, see module docstring

    entries: set[tuple[date, str, str]] = set()
    for category in (_CATEGORY_PUBLIC, _CATEGORY_GOVERNMENT):
        calendar = holidays.country_holidays(
            "ID", years=year, language="id", categories=(category,)
        )
        for day in calendar:
            if day.year != year:
                continue
            for name in calendar.get_list(day):
                entries.add((day, category, name))
    # Per day: national holidays before cuti bersama, then by name.
    return tuple(sorted(entries, key=lambda e: (e[0], e[1] != _CATEGORY_PUBLIC, e[2])))


def public_holidays(year: int) -> list[tuple[date, str]]:
    """National holidays and cuti bersama of `year` as (day, Indonesian name), sorted.

    A day with two holidays (e.g. 2021-05-13: Idul Fitri and Kenaikan Yesus Kristus) yields one
    tuple per name. Cuti bersama names come from the package and start with "Cuti Bersama".
    """
    return [(day, name) for day, _category, name in _entries(year)]


def _reason(category: str, name: str) -> str:
    if category == _CATEGORY_GOVERNMENT:
        # The package already names these "Cuti Bersama <holiday>"; avoid saying it twice.
        prefix = "cuti bersama "
        if name.lower().startswith(prefix):
            name = name[len(prefix):]
        return f"{JOINT_LEAVE_PREFIX}: {name}"
    return f"{PUBLIC_PREFIX}: {name}"


def holiday_closures(year: int) -> list[Closure]:
    """Whole-day closures (service None) for every holiday and cuti bersama day of `year`.

    One Closure per day, sorted by day; if several holidays fall on one day their reasons are
    joined with "; ", e.g. "Libur nasional: Hari Raya Natal" or
    "Cuti bersama: Hari Raya Idul Fitri".
    """
    reasons: dict[date, list[str]] = {}
    for day, category, name in _entries(year):
        reason = _reason(category, name)
        day_reasons = reasons.setdefault(day, [])
        if reason not in day_reasons:
            day_reasons.append(reason)
    return [
        Closure(day=day, reason="; ".join(day_reasons), service=None)
        for day, day_reasons in sorted(reasons.items())
    ]
