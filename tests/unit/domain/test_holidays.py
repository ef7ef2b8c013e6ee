"""Tests of the Indonesian holiday closures (chalicelib.holidays_id)."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from chalicelib.domain.holidays import holiday_closures, public_holidays
from chalicelib.domain.rules import SERVICE_KOPERASI, SERVICE_UKM, WIB
from chalicelib.domain.service_calendar import (
    ALL_MODES,
    Consultant,
    RosterRule,
    generate_slots,
    is_bookable_day,
    working_days,
)

REPO = Path(__file__).resolve().parents[3]


def closure_on(year: int, day: date):
    matches = [c for c in holiday_closures(year) if c.day == day]
    assert len(matches) <= 1
    return matches[0] if matches else None


def test_independence_day_2026_is_a_holiday():
    day = date(2026, 8, 17)
    assert (day, "Hari Kemerdekaan Republik Indonesia") in public_holidays(2026)
    closure = closure_on(2026, day)
    assert closure is not None and closure.service is None
    assert closure.reason == "Libur nasional: Hari Kemerdekaan Republik Indonesia"


def test_christmas_2026_is_a_holiday():
    assert (date(2026, 12, 25), "Hari Raya Natal") in public_holidays(2026)
    assert closure_on(2026, date(2026, 12, 25)).reason == "Libur nasional: Hari Raya Natal"


def test_cuti_bersama_is_included():
    # Cuti bersama Natal 2026 and Idul Fitri 2026 (SKB 3 Menteri), known to holidays 0.109.
    assert (date(2026, 12, 24), "Cuti Bersama Hari Raya Natal") in public_holidays(2026)
    assert closure_on(2026, date(2026, 12, 24)).reason == "Cuti bersama: Hari Raya Natal"
    assert closure_on(2026, date(2026, 3, 23)).reason == "Cuti bersama: Hari Raya Idul Fitri"
    assert closure_on(2025, date(2025, 8, 18)) is not None


def test_ordinary_days_are_not_closed():
    assert closure_on(2026, date(2026, 6, 8)) is None
    assert closure_on(2026, date(2026, 12, 23)) is None


def test_closures_are_whole_days_sorted_unique_and_within_the_year():
    for year in (2024, 2025, 2026, 2027):
        closures = holiday_closures(year)
        days = [c.day for c in closures]
        assert days == sorted(set(days))
        assert all(d.year == year for d in days)
        assert all(c.service is None for c in closures)
        assert all(c.reason.startswith(("Libur nasional: ", "Cuti bersama: ")) for c in closures)
        assert set(days) == {d for d, _name in public_holidays(year)}
        assert len(closures) >= 15


def test_two_holidays_on_one_day_are_both_named():
    # 2021-05-13: Idul Fitri and Kenaikan Yesus Kristus on the same day.
    names = {n for d, n in public_holidays(2021) if d == date(2021, 5, 13)}
    assert names == {"Hari Raya Idul Fitri", "Kenaikan Yesus Kristus"}
    reason = closure_on(2021, date(2021, 5, 13)).reason
    assert "Libur nasional: Hari Raya Idul Fitri" in reason
    assert "Libur nasional: Kenaikan Yesus Kristus" in reason


def test_holiday_closures_remove_slots():
    consultant = Consultant(id="a", name="A", services=frozenset({SERVICE_KOPERASI, SERVICE_UKM}),
                            topics=frozenset(), modes=ALL_MODES)
    roster = [RosterRule("a", wd, s) for wd in range(5) for s in (SERVICE_KOPERASI, SERVICE_UKM)]
    closures = holiday_closures(2026)
    slots = generate_slots(start_day=date(2026, 12, 21), end_day=date(2026, 12, 31),
                           consultants=[consultant], rooms=[], roster_rules=roster,
                           exceptions=[], closures=closures)
    days = {s.start.astimezone(WIB).date() for s in slots}
    expected = {date(2026, 12, d) for d in (21, 22, 23, 28, 29, 30, 31)}
    assert days == expected
    assert working_days(date(2026, 12, 21), date(2026, 12, 31), closures) == sorted(expected)
    assert not is_bookable_day(date(2026, 12, 25), SERVICE_KOPERASI, closures)
    assert not is_bookable_day(date(2026, 8, 17), SERVICE_UKM, closures)
    assert is_bookable_day(date(2026, 8, 18), SERVICE_UKM, closures)


def test_every_weekday_of_a_year_is_workday_unless_closed():
    closures = holiday_closures(2026)
    closed = {c.day for c in closures}
    open_days = set(working_days(date(2026, 1, 1), date(2026, 12, 31), closures))
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert (day in open_days) == (day.weekday() < 5 and day not in closed)
        day += timedelta(days=1)


def test_importing_the_module_does_not_import_holidays():
    """The holidays package is imported lazily to keep Lambda cold starts short."""
    code = ("import sys, chalicelib.domain.holidays, chalicelib.domain.service_calendar; "
            "assert 'holidays' not in sys.modules, 'holidays imported eagerly'")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
