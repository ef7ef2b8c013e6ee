"""Tests of the pure service calendar (chalicelib.service_calendar)."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.rules import (
    DEFAULT_RULES,
    MODE_DARING,
    MODE_TATAP_MUKA,
    SERVICE_KOPERASI,
    SERVICE_UKM,
    UTC,
    WIB,
    ServiceRules,
)
from chalicelib.domain.service_calendar import (
    ALL_MODES,
    EXCEPTION_EXTRA,
    EXCEPTION_OFF,
    Closure,
    Consultant,
    Room,
    RosterException,
    RosterRule,
    Slot,
    generate_slots,
    is_bookable_day,
    session_starts,
    working_days,
)

KOP = SERVICE_KOPERASI
UKM = SERVICE_UKM
TM = MODE_TATAP_MUKA
DR = MODE_DARING
BOTH = frozenset({KOP, UKM})

# 2026-06-08 is an ordinary Monday (no holiday); the week runs to Friday 2026-06-12.
MONDAY = date(2026, 6, 8)
WEDNESDAY = date(2026, 6, 10)
THURSDAY = date(2026, 6, 11)


def consultant(cid, services=BOTH, modes=ALL_MODES, active=True):
    return Consultant(
        id=cid, name=cid.upper(), services=frozenset(services), topics=frozenset(),
        modes=frozenset(modes), active=active,
    )


def room(rid, active=True):
    return Room(id=rid, name=f"Ruang {rid}", active=active)


def every_weekday(cid, service):
    return [RosterRule(cid, wd, service) for wd in range(7)]


def slots(start_day, end_day=None, *, consultants=(), rooms=(), roster_rules=(), exceptions=(),
          closures=(), rules=DEFAULT_RULES):
    return generate_slots(
        start_day=start_day, end_day=end_day or start_day, consultants=list(consultants),
        rooms=list(rooms), roster_rules=list(roster_rules), exceptions=list(exceptions),
        closures=list(closures), rules=rules,
    )


def utc(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def wib_day(slot: Slot) -> date:
    return slot.start.astimezone(WIB).date()


# ------------------------------------------------------------------------------------------
# Unit tests
# ------------------------------------------------------------------------------------------


def test_koperasi_morning_has_six_starts_in_utc():
    result = slots(MONDAY, consultants=[consultant("a", {KOP})],
                   roster_rules=[RosterRule("a", 0, KOP)])
    assert [s.start for s in result] == [
        utc(MONDAY, 2, 0), utc(MONDAY, 2, 30), utc(MONDAY, 3, 0),
        utc(MONDAY, 3, 30), utc(MONDAY, 4, 0), utc(MONDAY, 4, 30),
    ]
    assert all(s.start.utcoffset() == timedelta(0) for s in result)
    assert {s.service for s in result} == {KOP}
    # No room and online-capable: an online-only seat.
    assert all(s.modes == frozenset({DR}) and s.room_id is None for s in result)


def test_ukm_afternoon_is_13_to_16_wib():
    result = slots(MONDAY, consultants=[consultant("a", {UKM})],
                   roster_rules=[RosterRule("a", 0, UKM)])
    assert [s.start for s in result] == [utc(MONDAY, h, m) for h in (6, 7, 8) for m in (0, 30)]


def test_wednesday_morning_pattern_only_gives_wednesday_mornings():
    result = slots(date(2026, 6, 8), date(2026, 6, 21), consultants=[consultant("a")],
                   roster_rules=[RosterRule("a", 2, KOP)])
    days = sorted({wib_day(s) for s in result})
    assert days == [date(2026, 6, 10), date(2026, 6, 17)]
    assert all(s.service == KOP for s in result)
    assert len(result) == 12
    for s in result:
        local = s.start.astimezone(WIB).time()
        assert time(9, 0) <= local <= time(11, 30)


def test_tambahan_adds_duty_on_a_day_without_pattern():
    result = slots(MONDAY, MONDAY + timedelta(days=4), consultants=[consultant("a")],
                   roster_rules=[RosterRule("a", 2, KOP)],
                   exceptions=[RosterException("a", THURSDAY, UKM, EXCEPTION_EXTRA)])
    by_day = defaultdict(set)
    for s in result:
        by_day[wib_day(s)].add(s.service)
    assert by_day == {WEDNESDAY: {KOP}, THURSDAY: {UKM}}
    assert len([s for s in result if wib_day(s) == THURSDAY]) == 6


def test_cuti_removes_the_pattern_for_that_day_and_service_only():
    result = slots(MONDAY, MONDAY + timedelta(days=9), consultants=[consultant("a")],
                   roster_rules=[RosterRule("a", 2, KOP), RosterRule("a", 2, UKM)],
                   exceptions=[RosterException("a", WEDNESDAY, KOP, EXCEPTION_OFF)])
    got = {(wib_day(s), s.service) for s in result}
    assert got == {(WEDNESDAY, UKM), (date(2026, 6, 17), KOP), (date(2026, 6, 17), UKM)}


def test_cuti_wins_over_tambahan_the_same_day():
    result = slots(THURSDAY, consultants=[consultant("a")],
                   exceptions=[RosterException("a", THURSDAY, KOP, EXCEPTION_EXTRA),
                               RosterException("a", THURSDAY, KOP, EXCEPTION_OFF)])
    assert result == []


def test_whole_day_closure_gives_no_slots():
    natal = date(2026, 12, 25)  # a Friday
    result = slots(natal - timedelta(days=4), natal, consultants=[consultant("a")],
                   roster_rules=every_weekday("a", KOP),
                   closures=[Closure(natal, "Libur nasional: Hari Raya Natal")])
    assert natal not in {wib_day(s) for s in result}
    assert {wib_day(s) for s in result} == {natal - timedelta(days=d) for d in (1, 2, 3, 4)}


def test_service_closure_closes_only_that_block():
    result = slots(MONDAY, consultants=[consultant("a")],
                   roster_rules=[RosterRule("a", 0, KOP), RosterRule("a", 0, UKM)],
                   closures=[Closure(MONDAY, "Rapat dinas", UKM)])
    assert {s.service for s in result} == {KOP}
    assert len(result) == 6


def test_no_slots_on_weekend_even_with_tambahan():
    saturday = date(2026, 6, 13)
    result = slots(saturday, saturday + timedelta(days=1), consultants=[consultant("a")],
                   roster_rules=every_weekday("a", KOP),
                   exceptions=[RosterException("a", saturday, KOP, EXCEPTION_EXTRA)])
    assert result == []


def test_wib_0900_is_0200_utc_every_day_of_the_year():
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert session_starts(day, KOP)[0] == utc(day, 2, 0)
        assert session_starts(day, UKM)[-1] == utc(day, 8, 30)
        day += timedelta(days=1)


def test_configurable_block_times_and_45_minute_sessions():
    rules = ServiceRules(blocks={KOP: (time(9, 0), time(11, 30)), UKM: (time(13, 0), time(16, 0))},
                         session_minutes=45)
    result = slots(MONDAY, consultants=[consultant("a")],
                   roster_rules=[RosterRule("a", 0, KOP), RosterRule("a", 0, UKM)], rules=rules)
    kop = [s.start for s in result if s.service == KOP]
    ukm = [s.start for s in result if s.service == UKM]
    # 10:30 + 45 = 11:15 fits; 11:15 + 45 = 12:00 would overrun 11:30.
    assert kop == [utc(MONDAY, 2, 0), utc(MONDAY, 2, 45), utc(MONDAY, 3, 30)]
    # 15:15 + 45 = 16:00 exactly fits.
    assert ukm == [utc(MONDAY, 6, 0), utc(MONDAY, 6, 45), utc(MONDAY, 7, 30), utc(MONDAY, 8, 15)]


def test_configurable_workdays():
    rules = ServiceRules(workdays=frozenset({5}))  # Saturday only
    result = slots(MONDAY, MONDAY + timedelta(days=6), consultants=[consultant("a")],
                   roster_rules=every_weekday("a", KOP), rules=rules)
    assert {wib_day(s) for s in result} == {date(2026, 6, 13)}


def test_rooms_go_to_face_to_face_only_consultants_first_then_by_id():
    people = [
        consultant("a", modes={TM, DR}),
        consultant("b", modes={TM}),
        consultant("c", modes={TM}),
        consultant("d", modes={DR}),
    ]
    roster = [RosterRule(p.id, 0, KOP) for p in people]
    first = [s for s in slots(MONDAY, consultants=people, rooms=[room("r2"), room("r1")],
                              roster_rules=roster) if s.start == utc(MONDAY, 2)]
    assert [(s.consultant_id, s.room_id, s.modes) for s in first] == [
        ("a", None, frozenset({DR})),
        ("b", "r1", frozenset({TM})),
        ("c", "r2", frozenset({TM})),
        ("d", None, frozenset({DR})),
    ]
    # With a third room the hybrid consultant gets it and keeps the online option.
    first = [s for s in slots(MONDAY, consultants=people,
                              rooms=[room("r1"), room("r2"), room("r3")], roster_rules=roster)
             if s.start == utc(MONDAY, 2)]
    assert first[0].consultant_id == "a"
    assert first[0].room_id == "r3" and first[0].modes == ALL_MODES


def test_face_to_face_only_consultant_without_room_gets_no_slot():
    people = [consultant("b", modes={TM}), consultant("c", modes={TM})]
    result = slots(MONDAY, consultants=people, rooms=[room("r1")],
                   roster_rules=[RosterRule("b", 0, KOP), RosterRule("c", 0, KOP)])
    assert {s.consultant_id for s in result} == {"b"}
    assert all(s.room_id == "r1" for s in result)
    assert slots(MONDAY, consultants=people, rooms=[],
                 roster_rules=[RosterRule("b", 0, KOP)]) == []


def test_inactive_rooms_and_consultants_are_ignored():
    people = [consultant("a", modes={TM}), consultant("b", active=False)]
    result = slots(MONDAY, consultants=people, rooms=[room("r1", active=False), room("r2")],
                   roster_rules=[RosterRule("a", 0, KOP), RosterRule("b", 0, KOP)])
    assert {(s.consultant_id, s.room_id) for s in result} == {("a", "r2")}


def test_consultant_must_offer_the_service():
    result = slots(MONDAY, consultants=[consultant("a", services={UKM})],
                   roster_rules=[RosterRule("a", 0, KOP), RosterRule("a", 0, UKM)],
                   exceptions=[RosterException("a", MONDAY, KOP, EXCEPTION_EXTRA)])
    assert {s.service for s in result} == {UKM}


def test_unknown_consultant_in_roster_is_ignored():
    assert slots(MONDAY, consultants=[], roster_rules=[RosterRule("ghost", 0, KOP)]) == []


def test_overlapping_blocks_share_rooms_and_a_consultant_holds_one_seat():
    rules = ServiceRules(blocks={KOP: (time(9, 0), time(12, 0)), UKM: (time(11, 0), time(14, 0))})
    people = [consultant("k", services={KOP}, modes={TM}),
              consultant("u", services={UKM}, modes={TM}),
              consultant("x", services=BOTH, modes=ALL_MODES)]
    roster = [RosterRule("k", 0, KOP), RosterRule("u", 0, UKM),
              RosterRule("x", 0, KOP), RosterRule("x", 0, UKM)]
    result = slots(MONDAY, consultants=people, rooms=[room("r1")], roster_rules=roster,
                   rules=rules)
    eleven = [s for s in result if s.start == utc(MONDAY, 4)]  # 11:00 WIB, both blocks
    # One room: k (face-to-face only, smaller id) gets it; u cannot work; x only online,
    # and x stays in the block that started first (koperasi).
    assert [(s.consultant_id, s.service, s.room_id) for s in eleven] == [
        ("k", KOP, "r1"), ("x", KOP, None)]
    after = [s for s in result if s.start == utc(MONDAY, 5)]  # 12:00 WIB, ukm only
    assert [(s.consultant_id, s.service, s.room_id) for s in after] == [
        ("u", UKM, "r1"), ("x", UKM, None)]


def test_reversed_range_is_empty():
    assert slots(MONDAY, MONDAY - timedelta(days=1), consultants=[consultant("a")],
                 roster_rules=every_weekday("a", KOP)) == []


@pytest.mark.parametrize("rules", [
    ServiceRules(blocks={KOP: (time(12, 0), time(9, 0))}),
    ServiceRules(blocks={KOP: (time(9, 0), time(9, 0))}),
    ServiceRules(session_minutes=0),
    ServiceRules(session_minutes=-30),
    ServiceRules(workdays=frozenset({7})),
])
def test_invalid_rules_are_rejected(rules):
    with pytest.raises(ValueError):
        slots(MONDAY, rules=rules)
    with pytest.raises(ValueError):
        working_days(MONDAY, MONDAY, [], rules)
    with pytest.raises(ValueError):
        is_bookable_day(MONDAY, KOP, [], rules)


def test_overlapping_blocks_are_valid_config():
    rules = ServiceRules(blocks={KOP: (time(9, 0), time(13, 0)), UKM: (time(12, 0), time(16, 0))})
    assert working_days(MONDAY, MONDAY, [], rules) == [MONDAY]


@pytest.mark.parametrize("kwargs", [
    {"consultants": [consultant("a"), consultant("a", active=False)]},
    {"rooms": [room("r1"), room("r1")]},
    {"exceptions": [RosterException("a", MONDAY, KOP, "libur")]},
    {"roster_rules": [RosterRule("a", 7, KOP)]},
])
def test_invalid_inputs_are_rejected(kwargs):
    with pytest.raises(ValueError):
        slots(MONDAY, **kwargs)


def test_working_days_and_is_bookable_day():
    closures = [Closure(date(2026, 6, 9), "Rapat", KOP),
                Closure(date(2026, 6, 10), "Rapat", KOP), Closure(date(2026, 6, 10), "Rapat", UKM),
                Closure(date(2026, 6, 11), "Libur")]
    assert working_days(MONDAY, MONDAY + timedelta(days=6), closures) == [
        date(2026, 6, 8), date(2026, 6, 9), date(2026, 6, 12)]
    assert is_bookable_day(MONDAY, KOP, closures)
    assert not is_bookable_day(date(2026, 6, 9), KOP, closures)
    assert is_bookable_day(date(2026, 6, 9), UKM, closures)
    assert not is_bookable_day(date(2026, 6, 10), UKM, closures)
    assert not is_bookable_day(date(2026, 6, 11), KOP, closures)
    assert not is_bookable_day(date(2026, 6, 13), KOP, closures)  # Saturday
    assert not is_bookable_day(MONDAY, "tidak_ada", closures)


def test_block_shorter_than_a_session_is_not_bookable():
    rules = ServiceRules(blocks={KOP: (time(9, 0), time(9, 20))})
    assert session_starts(MONDAY, KOP, rules) == []
    assert not is_bookable_day(MONDAY, KOP, [], rules)
    assert working_days(MONDAY, MONDAY, [], rules) == []


# ------------------------------------------------------------------------------------------
# Property tests
# ------------------------------------------------------------------------------------------

CONSULTANT_IDS = ["c0", "c1", "c2", "c3", "c4", "c5"]
ROOM_IDS = ["r0", "r1", "r2", "r3"]
services_st = st.sampled_from([KOP, UKM])


@st.composite
def rules_st(draw):
    if draw(st.booleans()):
        return DEFAULT_RULES
    blocks = {}
    for service in (KOP, UKM):
        start = draw(st.integers(7 * 60, 15 * 60).map(lambda m: m - m % 15))
        length = draw(st.integers(20, 240))
        end = start + length
        blocks[service] = (time(start // 60, start % 60), time(end // 60, end % 60))
    return ServiceRules(
        blocks=blocks,
        session_minutes=draw(st.sampled_from([15, 20, 30, 45, 60])),
        workdays=draw(st.frozensets(st.integers(0, 6))),
    )


SERVICE_SETS = [frozenset(), frozenset({KOP}), frozenset({UKM}), BOTH]
MODE_SETS = [frozenset(), frozenset({TM}), frozenset({DR}), ALL_MODES]


@st.composite
def calendar_input(draw):
    """Keyword arguments for generate_slots: a random small clinic over up to two weeks."""
    start_day = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 3 * 365)))
    span = draw(st.integers(0, 13))
    end_day = start_day + timedelta(days=span)
    days = st.integers(0, span).map(lambda d: start_day + timedelta(days=d))
    consultant_ids = draw(st.permutations(CONSULTANT_IDS))[: draw(st.integers(0, 6))]
    consultants = [
        consultant(cid, services=draw(st.sampled_from(SERVICE_SETS)),
                   modes=draw(st.sampled_from(MODE_SETS)), active=draw(st.booleans()))
        for cid in consultant_ids
    ]
    room_ids = draw(st.permutations(ROOM_IDS))[: draw(st.integers(0, 4))]
    rooms = [room(rid, active=draw(st.booleans())) for rid in room_ids]
    cids = st.sampled_from(CONSULTANT_IDS + ["ghost"])
    roster = draw(st.lists(st.builds(RosterRule, cids, st.integers(0, 6), services_st),
                           max_size=20))
    exceptions = draw(st.lists(
        st.builds(RosterException, cids, days, services_st,
                  st.sampled_from([EXCEPTION_OFF, EXCEPTION_EXTRA])),
        max_size=15))
    closures = draw(st.lists(
        st.builds(Closure, days, st.just("Tutup"), st.sampled_from([None, KOP, UKM])),
        max_size=5))
    return dict(start_day=start_day, end_day=end_day, consultants=consultants, rooms=rooms,
                roster_rules=roster, exceptions=exceptions, closures=closures,
                rules=draw(rules_st()))


def on_duty(inp, day, service):
    """Oracle: consultant ids on duty for (day, service), straight from the definition."""
    pattern = {r.consultant_id for r in inp["roster_rules"]
               if r.weekday == day.weekday() and r.service == service}
    extra = {e.consultant_id for e in inp["exceptions"]
             if e.day == day and e.service == service and e.kind == EXCEPTION_EXTRA}
    off = {e.consultant_id for e in inp["exceptions"]
           if e.day == day and e.service == service and e.kind == EXCEPTION_OFF}
    return (pattern | extra) - off


PROPERTY_SETTINGS = settings(max_examples=120, deadline=None)


@PROPERTY_SETTINGS
@given(calendar_input())
def test_slots_respect_days_closures_and_blocks(inp):
    rules = inp["rules"]
    for s in generate_slots(**inp):
        assert s.start.tzinfo is not None and s.start.utcoffset() == timedelta(0)
        local = s.start.astimezone(WIB)
        day = local.date()
        assert inp["start_day"] <= day <= inp["end_day"]
        assert day.weekday() in rules.workdays
        assert day.weekday() < 5 or rules is not DEFAULT_RULES
        for c in inp["closures"]:
            assert not (c.day == day and c.service in (None, s.service))
        assert is_bookable_day(day, s.service, inp["closures"], rules)
        assert day in working_days(day, day, inp["closures"], rules)
        block_start, block_end = rules.blocks[s.service]
        begin = datetime.combine(day, block_start, tzinfo=WIB)
        end = datetime.combine(day, block_end, tzinfo=WIB)
        assert begin <= local
        assert local + timedelta(minutes=rules.session_minutes) <= end
        assert (local - begin) % timedelta(minutes=rules.session_minutes) == timedelta(0)


@PROPERTY_SETTINGS
@given(calendar_input())
def test_seats_rooms_and_consultants_at_each_start(inp):
    active_rooms = {r.id for r in inp["rooms"] if r.active}
    by_id = {c.id: c for c in inp["consultants"]}
    by_start = defaultdict(list)
    for s in generate_slots(**inp):
        by_start[s.start].append(s)
        c = by_id[s.consultant_id]
        assert c.active and s.service in c.services
        assert (s.room_id is not None) == (TM in s.modes)
        assert s.modes and s.modes <= c.modes
        assert (DR in s.modes) == (DR in c.modes)
        assert s.room_id is None or s.room_id in active_rooms
        assert s.consultant_id in on_duty(inp, s.start.astimezone(WIB).date(), s.service)
    for at_start in by_start.values():
        ids = [s.consultant_id for s in at_start]
        assert len(ids) == len(set(ids))
        used = [s.room_id for s in at_start if s.room_id is not None]
        assert len(used) == len(set(used))
        assert len([s for s in at_start if TM in s.modes]) <= len(active_rooms)


@PROPERTY_SETTINGS
@given(calendar_input())
def test_every_eligible_consultant_on_duty_gets_a_seat_when_possible(inp):
    """Completeness and room priority, checked against the definition."""
    rules = inp["rules"]
    by_id = {c.id: c for c in inp["consultants"] if c.active}
    active_rooms = sorted(r.id for r in inp["rooms"] if r.active)
    result = generate_slots(**inp)
    got = defaultdict(dict)
    for s in result:
        got[s.start][s.consultant_id] = s

    expected_starts = defaultdict(set)  # start -> eligible consultant ids on duty
    day = inp["start_day"]
    while day <= inp["end_day"]:
        for service in rules.blocks:
            if not is_bookable_day(day, service, inp["closures"], rules):
                continue
            for cid in on_duty(inp, day, service):
                if cid in by_id and service in by_id[cid].services:
                    for start in session_starts(day, service, rules):
                        expected_starts[start].add(cid)
        day += timedelta(days=1)

    assert set(got) <= set(expected_starts)
    for start, eligible in expected_starts.items():
        seats = got.get(start, {})
        f2f_only = {c for c in eligible if by_id[c].modes & ALL_MODES == {TM}}
        hybrid = {c for c in eligible if by_id[c].modes >= ALL_MODES}
        online_only = {c for c in eligible if by_id[c].modes & ALL_MODES == {DR}}
        # Everyone who can work online has a seat.
        assert hybrid | online_only <= set(seats)
        # Rooms: as many as possible are used, the lowest room ids first.
        rooms_used = sorted(s.room_id for s in seats.values() if s.room_id)
        assert len(rooms_used) == min(len(active_rooms), len(f2f_only) + len(hybrid))
        assert rooms_used == active_rooms[: len(rooms_used)]
        # Face-to-face-only consultants come first, each group by id.
        with_room = sorted((c for c in seats if seats[c].room_id),
                           key=lambda c: (seats[c].room_id))
        assert with_room == sorted(with_room, key=lambda c: (c in hybrid, c))
        if any(seats[c].room_id for c in hybrid if c in seats):
            assert f2f_only <= set(seats)
        assert set(seats) == hybrid | online_only | {c for c in f2f_only if c in seats}


@PROPERTY_SETTINGS
@given(calendar_input())
def test_cuti_always_wins(inp):
    result = generate_slots(**inp)
    off = {(e.consultant_id, e.day, e.service) for e in inp["exceptions"]
           if e.kind == EXCEPTION_OFF}
    for s in result:
        assert (s.consultant_id, s.start.astimezone(WIB).date(), s.service) not in off


@settings(max_examples=100, deadline=None)
@given(calendar_input(), st.randoms(use_true_random=False))
def test_output_is_sorted_deterministic_and_independent_of_input_order(inp, rnd: random.Random):
    first = generate_slots(**inp)
    assert first == generate_slots(**inp)
    assert first == sorted(first, key=lambda s: (s.start, s.consultant_id))
    shuffled = {k: (rnd.sample(v, len(v)) if isinstance(v, list) else v) for k, v in inp.items()}
    assert generate_slots(**shuffled) == first
