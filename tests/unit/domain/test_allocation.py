"""Tests of chalicelib.allocation against independent oracles (networkx matchings).

The hard rules and the objective are re-derived here from the brief, not from the code:
a request may use a seat iff same service, the request's mode is in the seat's modes (face to
face also needs a room), the seat's WIB day is one of the request's days and the seat starts
at or after `not_before`.
"""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.allocation import Assignment, Request, allocate, earliest_start
from chalicelib.domain.rules import WIB
from chalicelib.domain.service_calendar import Slot

UTC = timezone.utc
TM = "tatap_muka"
DR = "daring"
KOP = "koperasi"
UKM = "ukm"
MON = date(2026, 11, 30)  # a Monday
DAYS = [MON + timedelta(days=k) for k in range(4)]  # Mon..Thu; Thu never has seats below
TOPIC_POOL = ("keuangan", "pemasaran", "legalitas")
CONSULTANTS = ("A", "B", "C")


# ---- oracle helpers --------------------------------------------------------------------


def wib_day(slot: Slot) -> date:
    return (slot.start + timedelta(hours=7)).date()


def usable(r: Request, s: Slot, not_before: datetime) -> bool:
    if s.service != r.service or s.start < not_before or wib_day(s) not in r.days:
        return False
    if r.mode == TM:
        return TM in s.modes and s.room_id is not None
    return r.mode == DR and DR in s.modes


def priority(r: Request):
    return (r.queued_at, r.reference)  # the test data uses one canonical Z format


def max_matching_size(reqs, slots, not_before) -> int:
    g = nx.Graph()
    left = [("r", r.reference) for r in reqs]
    g.add_nodes_from(left)
    for r in reqs:
        for s in slots:
            if usable(r, s, not_before):
                g.add_edge(("r", r.reference), ("s", s.seat_id))
    m = nx.bipartite.hopcroft_karp_matching(g, top_nodes=left)
    return sum(1 for n in left if n in m)


def matchable(reqs, slots, not_before) -> bool:
    return max_matching_size(reqs, slots, not_before) == len(reqs)


def greedy_basis(reqs, slots, not_before) -> set:
    """The priority-greedy basis, computed the slow obvious way."""
    basis: list = []
    for r in sorted(reqs, key=priority):
        if matchable(basis + [r], slots, not_before):
            basis.append(r)
    return {r.reference for r in basis}


def fcfs_greedy(reqs, slots, not_before) -> int:
    taken = set()
    served = 0
    for r in sorted(reqs, key=priority):
        for d in r.days:
            options = sorted(
                (s for s in slots if wib_day(s) == d and s.seat_id not in taken
                 and usable(r, s, not_before)),
                key=lambda s: (s.start, s.consultant_id),
            )
            if options:
                taken.add(options[0].seat_id)
                served += 1
                break
    return served


def seat_key(r: Request, s: Slot, topics_of) -> tuple:
    days = list(dict.fromkeys(r.days))
    expert = bool(set(r.topics) & set(topics_of.get(s.consultant_id, ())))
    return (0 if expert else 1, days.index(wib_day(s)), s.start)


def check_hard_rules(result, reqs, slots, topics_of, not_before):
    by_ref = {r.reference: r for r in reqs}
    seat_ids = {s.seat_id for s in slots}
    assert len({a.reference for a in result}) == len(result), "a request got two seats"
    assert len({a.slot.seat_id for a in result}) == len(result), "a seat got two requests"
    for a in result:
        assert isinstance(a, Assignment)
        r = by_ref[a.reference]
        s = a.slot
        assert s.seat_id in seat_ids
        assert s.service == r.service
        assert r.mode in s.modes
        assert wib_day(s) in r.days
        assert s.start >= not_before
        assert a.mode == r.mode
        if r.mode == TM:
            assert a.room_id is not None and a.room_id == s.room_id
        else:
            assert a.room_id is None
        assert a.topic_match == bool(set(r.topics) & set(topics_of.get(s.consultant_id, ())))


def check_local_optimum(result, reqs, slots, topics_of, not_before):
    """What the docstring promises for objective (3)."""
    by_ref = {r.reference: r for r in reqs}
    taken = {a.slot.seat_id for a in result}
    free = [s for s in slots if s.seat_id not in taken]
    for a in result:
        r = by_ref[a.reference]
        cur = seat_key(r, a.slot, topics_of)
        for s in free:
            if usable(r, s, not_before):
                assert seat_key(r, s, topics_of) >= cur, (r, a.slot, s)
    for x in result:
        for y in result:
            if x.reference >= y.reference:
                continue
            rx, ry = by_ref[x.reference], by_ref[y.reference]
            if not (usable(rx, y.slot, not_before) and usable(ry, x.slot, not_before)):
                continue
            before = [a + b for a, b in zip(seat_key(rx, x.slot, topics_of)[:2],
                                           seat_key(ry, y.slot, topics_of)[:2])]
            after = [a + b for a, b in zip(seat_key(rx, y.slot, topics_of)[:2],
                                          seat_key(ry, x.slot, topics_of)[:2])]
            assert after >= before, ("improving swap left", x, y)


# ---- builders ----------------------------------------------------------------------------


def mk_slot(day: date, hh: int, mm: int, service: str, cons: str, modes, room=None) -> Slot:
    start = (datetime.combine(day, time(hh), tzinfo=WIB) + timedelta(minutes=mm)).astimezone(UTC)
    return Slot(start=start, service=service, consultant_id=cons, modes=frozenset(modes),
                room_id=room)


def mk_req(ref, service, mode, days, topics=(), queued="2026-11-20T10:00:00Z") -> Request:
    return Request(reference=ref, queued_at=queued, service=service, mode=mode,
                   days=tuple(days), topics=tuple(topics))


NOT_BEFORE = datetime.combine(MON, time(0, 0), tzinfo=WIB).astimezone(UTC)

MODE_SETS = (frozenset({DR}), frozenset({TM}), frozenset({TM, DR}))


@st.composite
def instances(draw, max_requests=9, max_seats=14):
    topics_of = {
        c: frozenset(draw(st.sets(st.sampled_from(TOPIC_POOL), max_size=2))) for c in CONSULTANTS
    }
    seat_keys = draw(
        st.sets(
            st.tuples(
                st.integers(0, 2),  # day index (Mon..Wed)
                st.sampled_from((KOP, UKM)),
                st.integers(0, 2),  # half-hour index inside the block
                st.sampled_from(CONSULTANTS),
            ),
            max_size=max_seats,
        )
    )
    slots = []
    for day_i, service, t, cons in sorted(seat_keys):
        modes = draw(st.sampled_from(MODE_SETS))
        # a face-to-face seat without a room is malformed input: it must not take tatap_muka
        room = draw(st.sampled_from(("R1", "R2", "R1", None))) if TM in modes else None
        hh = 9 if service == KOP else 13
        slots.append(mk_slot(DAYS[day_i], hh, 30 * t, service, cons, modes, room))
    n = draw(st.integers(0, max_requests))
    refs = draw(st.permutations([f"REF{k:02d}" for k in range(n)]))
    reqs = []
    for k in range(n):
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        reqs.append(
            mk_req(
                refs[k],
                draw(st.sampled_from((KOP, UKM))),
                draw(st.sampled_from((TM, DR))),
                days,
                draw(st.lists(st.sampled_from(TOPIC_POOL), max_size=2, unique=True)),
                # few distinct instants, so that ties broken by reference happen
                queued=f"2026-11-2{draw(st.integers(0, 2))}T10:00:00Z",
            )
        )
    not_before = draw(
        st.sampled_from(
            (
                NOT_BEFORE,
                datetime.combine(MON, time(10, 0), tzinfo=WIB).astimezone(UTC),
                datetime.combine(DAYS[1], time(0, 0), tzinfo=WIB).astimezone(UTC),
            )
        )
    )
    return reqs, slots, topics_of, not_before


PROPS = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- property tests ------------------------------------------------------------------------


@PROPS
@given(instances())
def test_hard_rules_and_maximum(inst):
    reqs, slots, topics_of, not_before = inst
    result = allocate(reqs, slots, topics_of, not_before)
    check_hard_rules(result, reqs, slots, topics_of, not_before)
    assert len(result) == max_matching_size(reqs, slots, not_before)
    # output in priority order
    order = {r.reference: priority(r) for r in reqs}
    assert [order[a.reference] for a in result] == sorted(order[a.reference] for a in result)


@PROPS
@given(instances())
def test_served_set_is_priority_greedy_basis(inst):
    reqs, slots, topics_of, not_before = inst
    result = allocate(reqs, slots, topics_of, not_before)
    served = {a.reference for a in result}
    assert served == greedy_basis(reqs, slots, not_before)
    # the exchange property of the brief, checked literally
    served_reqs = [r for r in reqs if r.reference in served]
    for r in reqs:
        if r.reference in served:
            continue
        assert not matchable(served_reqs + [r], slots, not_before), "could add " + r.reference
        for q in served_reqs:
            if priority(q) > priority(r):
                others = [x for x in served_reqs if x is not q]
                assert not matchable(others + [r], slots, not_before), (
                    f"{r.reference} could replace later {q.reference}"
                )


@PROPS
@given(instances(), st.randoms(use_true_random=False))
def test_deterministic_and_order_independent(inst, rnd):
    reqs, slots, topics_of, not_before = inst
    first = allocate(reqs, slots, topics_of, not_before)
    assert allocate(reqs, slots, topics_of, not_before) == first
    reqs2, slots2 = list(reqs), list(slots)
    rnd.shuffle(reqs2)
    rnd.shuffle(slots2)
    topics2 = {c: frozenset(sorted(t, reverse=True)) for c, t in reversed(topics_of.items())}
    assert allocate(reqs2, slots2, topics2, not_before) == first


@PROPS
@given(instances())
def test_seat_choice_is_local_optimum(inst):
    reqs, slots, topics_of, not_before = inst
    result = allocate(reqs, slots, topics_of, not_before)
    check_local_optimum(result, reqs, slots, topics_of, not_before)


def _random_instance(seed: int, n_req: int, n_cons: int = 8, n_days: int = 5):
    rng = random.Random(seed)
    days = [MON + timedelta(days=k) for k in range(n_days)]
    topics_of = {f"K{c}": frozenset(rng.sample(TOPIC_POOL, rng.randint(0, 2)))
                 for c in range(n_cons)}
    slots = []
    for d in days:
        for c in range(n_cons):
            for service in (KOP, UKM):
                if rng.random() < 0.3:
                    modes = rng.choice(MODE_SETS)
                    room = "R1" if TM in modes else None
                    hh = 9 if service == KOP else 13
                    for t in range(rng.randint(1, 4)):
                        slots.append(mk_slot(d, hh, 30 * t, service, f"K{c}", modes, room))
    reqs = []
    for k in range(n_req):
        reqs.append(
            mk_req(
                f"R{k:04d}",
                KOP if rng.random() < 0.4 else UKM,
                DR if rng.random() < 0.6 else TM,
                rng.sample(days[:3], rng.randint(1, 3)) if rng.random() < 0.7
                else rng.sample(days, rng.randint(1, 3)),
                rng.sample(TOPIC_POOL, rng.randint(1, 2)),
                queued=f"2026-11-{10 + rng.randint(0, 9)}T{rng.randint(0, 23):02d}:00:00Z",
            )
        )
    return reqs, slots, topics_of


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_medium_random_instances_against_oracles(seed):
    """Bigger than hypothesis draws, so augmenting paths get long and buckets go dead."""
    reqs, slots, topics_of = _random_instance(seed, n_req=150)
    result = allocate(reqs, slots, topics_of, NOT_BEFORE)
    check_hard_rules(result, reqs, slots, topics_of, NOT_BEFORE)
    assert len(result) == max_matching_size(reqs, slots, NOT_BEFORE)
    assert {a.reference for a in result} == greedy_basis(reqs, slots, NOT_BEFORE)
    check_local_optimum(result, reqs, slots, topics_of, NOT_BEFORE)


# ---- hand-made cases -----------------------------------------------------------------------


def test_beats_fcfs_on_modes():
    # r1 (earlier, online) would grab the 09:00 room seat; r2 needs the room.
    slots = [
        mk_slot(MON, 9, 0, KOP, "A", {TM, DR}, "R1"),
        mk_slot(MON, 9, 30, KOP, "B", {DR}),
    ]
    reqs = [
        mk_req("r1", KOP, DR, [MON], queued="2026-11-20T10:00:00Z"),
        mk_req("r2", KOP, TM, [MON], queued="2026-11-21T10:00:00Z"),
    ]
    assert fcfs_greedy(reqs, slots, NOT_BEFORE) == 1
    result = allocate(reqs, slots, {}, NOT_BEFORE)
    got = {a.reference: a for a in result}
    assert set(got) == {"r1", "r2"}
    assert got["r2"].slot == slots[0] and got["r2"].room_id == "R1"
    assert got["r1"].slot == slots[1] and got["r1"].room_id is None


def test_beats_fcfs_on_days():
    # r1 can come Monday or Tuesday, r2 only Monday: one seat each day.
    tue = DAYS[1]
    slots = [mk_slot(MON, 13, 0, UKM, "A", {DR}), mk_slot(tue, 13, 0, UKM, "A", {DR})]
    reqs = [
        mk_req("r1", UKM, DR, [MON, tue], queued="2026-11-20T10:00:00Z"),
        mk_req("r2", UKM, DR, [MON], queued="2026-11-21T10:00:00Z"),
    ]
    assert fcfs_greedy(reqs, slots, NOT_BEFORE) == 1
    got = {a.reference: a.slot for a in allocate(reqs, slots, {}, NOT_BEFORE)}
    assert got == {"r1": slots[1], "r2": slots[0]}


def test_priority_decides_who_is_left_out():
    slots = [mk_slot(MON, 9, 0, KOP, "A", {DR})]
    reqs = [
        mk_req("zzz", KOP, DR, [MON], queued="2026-11-20T10:00:00Z"),
        mk_req("aaa", KOP, DR, [MON], queued="2026-11-20T10:00:00Z"),  # tie: reference wins
        mk_req("early", KOP, DR, [MON], queued="2026-11-21T09:00:00Z"),
    ]
    assert [a.reference for a in allocate(reqs, slots, {}, NOT_BEFORE)] == ["aaa"]


def test_topic_expert_preferred_over_earlier_start():
    slots = [mk_slot(MON, 9, 0, KOP, "B", {DR}), mk_slot(MON, 10, 0, KOP, "A", {DR})]
    topics = {"A": frozenset({"keuangan"}), "B": frozenset({"pemasaran"})}
    reqs = [mk_req("r1", KOP, DR, [MON], ["keuangan"])]
    [a] = allocate(reqs, slots, topics, NOT_BEFORE)
    assert a.slot.consultant_id == "A" and a.topic_match


def test_topic_match_found_by_swap_when_capacity_allows():
    # r1 (earlier) takes A at 09:00 first; only A knows pemasaran, B also knows keuangan.
    slots = [mk_slot(MON, 9, 0, KOP, "A", {DR}), mk_slot(MON, 9, 30, KOP, "B", {DR})]
    topics = {"A": frozenset({"keuangan", "pemasaran"}), "B": frozenset({"keuangan"})}
    reqs = [
        mk_req("r1", KOP, DR, [MON], ["keuangan"], queued="2026-11-20T10:00:00Z"),
        mk_req("r2", KOP, DR, [MON], ["pemasaran"], queued="2026-11-21T10:00:00Z"),
    ]
    got = {a.reference: a for a in allocate(reqs, slots, topics, NOT_BEFORE)}
    assert got["r1"].slot.consultant_id == "B" and got["r1"].topic_match
    assert got["r2"].slot.consultant_id == "A" and got["r2"].topic_match


def test_seat_freed_during_improvement_is_offered_again():
    # Found by random search against a mutant that forgot to re-examine requests whose
    # bucket lost a holder: r5 must end on Wednesday 09:30, not 10:00.
    mon, tue, wed = DAYS[:3]
    slots = [
        mk_slot(mon, 9, 0, KOP, "A", {DR}), mk_slot(mon, 9, 30, KOP, "B", {DR}),
        mk_slot(mon, 10, 0, KOP, "C", {DR}), mk_slot(tue, 9, 0, KOP, "A", {DR}),
        mk_slot(wed, 9, 0, KOP, "A", {DR}), mk_slot(wed, 9, 30, KOP, "B", {DR}),
        mk_slot(wed, 10, 0, KOP, "C", {DR}),
    ]
    topics = {"A": frozenset({"pemasaran"}), "B": frozenset(), "C": frozenset()}
    reqs = [
        mk_req("r0", KOP, DR, [tue, mon, wed], [], queued="2026-11-20T00:00:00Z"),
        mk_req("r1", KOP, DR, [mon, tue, wed], [], queued="2026-11-21T00:00:00Z"),
        mk_req("r2", KOP, DR, [mon, tue, wed], ["keuangan"], queued="2026-11-22T00:00:00Z"),
        mk_req("r3", KOP, DR, [tue, mon, wed], ["pemasaran"], queued="2026-11-23T00:00:00Z"),
        mk_req("r4", KOP, DR, [wed, tue, mon], ["pemasaran"], queued="2026-11-24T00:00:00Z"),
        mk_req("r5", KOP, DR, [wed], [], queued="2026-11-25T00:00:00Z"),
    ]
    result = allocate(reqs, slots, topics, NOT_BEFORE)
    check_hard_rules(result, reqs, slots, topics, NOT_BEFORE)
    check_local_optimum(result, reqs, slots, topics, NOT_BEFORE)
    assert len(result) == 6
    got = {a.reference: a.slot for a in result}
    assert got["r5"] == slots[5]


def test_topic_never_costs_a_served_request():
    # Only one seat: the earlier request gets it even though the later one matches the topic.
    slots = [mk_slot(MON, 9, 0, KOP, "A", {DR})]
    topics = {"A": frozenset({"pemasaran"})}
    reqs = [
        mk_req("r1", KOP, DR, [MON], ["keuangan"], queued="2026-11-20T10:00:00Z"),
        mk_req("r2", KOP, DR, [MON], ["pemasaran"], queued="2026-11-21T10:00:00Z"),
    ]
    [a] = allocate(reqs, slots, topics, NOT_BEFORE)
    assert a.reference == "r1" and not a.topic_match


def test_visitor_day_order_respected():
    tue = DAYS[1]
    slots = [mk_slot(MON, 13, 0, UKM, "A", {DR}), mk_slot(tue, 13, 0, UKM, "A", {DR})]
    [a] = allocate([mk_req("r", UKM, DR, [tue, MON])], slots, {}, NOT_BEFORE)
    assert wib_day(a.slot) == tue


def test_not_before_and_room_rules():
    seat = mk_slot(MON, 9, 0, KOP, "A", {TM, DR}, "R1")
    no_room = Slot(start=mk_slot(MON, 9, 30, KOP, "B", {TM}).start, service=KOP,
                   consultant_id="B", modes=frozenset({TM}), room_id=None)
    nb = datetime.combine(MON, time(9, 15), tzinfo=WIB).astimezone(UTC)
    reqs = [mk_req("r1", KOP, TM, [MON]),
            mk_req("r2", KOP, DR, [MON], queued="2026-11-21T00:00:00Z")]
    assert allocate(reqs, [seat, no_room], {}, nb) == []
    got = allocate(reqs, [seat, no_room], {}, NOT_BEFORE)
    assert [(a.reference, a.room_id) for a in got] == [("r1", "R1")]
    assert allocate(reqs, [seat, no_room], {}, seat.start) == got  # start == not_before is fine


def test_day_is_the_wib_day():
    # 06:30 WIB Monday is 23:30 UTC on Sunday: the seat belongs to Monday.
    early = mk_slot(MON, 6, 30, KOP, "A", {DR})
    sunday = MON - timedelta(days=1)
    assert early.start.date() == sunday
    nb = datetime.combine(sunday, time(0, 0), tzinfo=WIB).astimezone(UTC)
    assert allocate([mk_req("r", KOP, DR, [sunday])], [early], {}, nb) == []
    [a] = allocate([mk_req("r", KOP, DR, [MON])], [early], {}, nb)
    assert a.slot == early


def test_duplicates_are_harmless():
    s = mk_slot(MON, 9, 0, KOP, "A", {DR})
    reqs = [mk_req("r1", KOP, DR, [MON, MON]),
            mk_req("r1", KOP, DR, [MON], queued="2026-11-25T00:00:00Z")]
    slots = [s, s, mk_slot(MON, 9, 30, KOP, "A", {DR})]
    result = allocate(reqs, slots, {}, NOT_BEFORE)
    assert [a.reference for a in result] == ["r1"]


def test_empty_inputs():
    assert allocate([], [], {}, NOT_BEFORE) == []
    assert allocate([mk_req("r", KOP, DR, [MON])], [], {}, NOT_BEFORE) == []
    assert allocate([], [mk_slot(MON, 9, 0, KOP, "A", {DR})], {}, NOT_BEFORE) == []


def test_naive_datetimes_rejected():
    with pytest.raises(ValueError):
        allocate([], [], {}, datetime(2026, 11, 30))
    with pytest.raises(ValueError):
        earliest_start(datetime(2026, 11, 27, 18), set())


# ---- earliest_start --------------------------------------------------------------------------


def at_wib(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), tzinfo=WIB).astimezone(UTC)


def test_earliest_start_friday_evening_is_monday():
    fri = date(2026, 11, 27)
    got = earliest_start(at_wib(fri, 18), set())
    assert got == at_wib(date(2026, 11, 30), 0)
    assert got == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert got.utcoffset() == timedelta(0)
    # Friday morning too: today never counts
    assert earliest_start(at_wib(fri, 0, 5), set()) == at_wib(date(2026, 11, 30), 0)


def test_earliest_start_uses_the_wib_day_not_the_utc_day():
    # Monday 00:30 WIB is still Sunday in UTC: the next working day is Tuesday.
    now = at_wib(date(2026, 11, 30), 0, 30)
    assert now.date() == date(2026, 11, 29)
    assert earliest_start(now, set()) == at_wib(date(2026, 12, 1), 0)


def test_earliest_start_skips_holidays():
    # Thursday 24 Dec 2026, Friday 25 Dec is Christmas: next working day is Monday 28 Dec.
    assert earliest_start(at_wib(date(2026, 12, 24), 10), {date(2026, 12, 25)}) == at_wib(
        date(2026, 12, 28), 0
    )
    # a closed Monday after a weekend
    assert earliest_start(at_wib(date(2026, 11, 27), 10), {date(2026, 11, 30)}) == at_wib(
        date(2026, 12, 1), 0
    )


def test_earliest_start_notice_days():
    fri = date(2026, 11, 27)
    assert earliest_start(at_wib(fri, 10), set(), 2) == at_wib(date(2026, 12, 1), 0)
    assert earliest_start(at_wib(fri, 10), {date(2026, 12, 1)}, 2) == at_wib(date(2026, 12, 2), 0)
    assert earliest_start(at_wib(date(2026, 11, 25), 10), set(), 1) == at_wib(date(2026, 11, 26), 0)
    with pytest.raises(ValueError):
        earliest_start(at_wib(fri, 10), set(), 0)


@PROPS
@given(instances(), st.data())
def test_a_seat_taken_from_a_visitor_is_never_given_back_to_them(inst, data):
    """A registration the office took a seat from (`avoid`) is never assigned that seat, and the
    plan is still as large as any plan that respects it: the seat goes to somebody else."""
    reqs, slots, topics_of, not_before = inst
    seat_ids = [s.seat_id for s in slots]
    avoiding = [replace(r, avoid=tuple(data.draw(st.lists(st.sampled_from(seat_ids), max_size=3, unique=True))))
                if seat_ids and data.draw(st.booleans()) else r for r in reqs]
    result = allocate(avoiding, slots, topics_of, not_before)
    by_ref = {r.reference: r for r in avoiding}
    assert all(a.slot.seat_id not in by_ref[a.reference].avoid for a in result)
    check_hard_rules(result, avoiding, slots, topics_of, not_before)
    g = nx.Graph()
    left = [("r", r.reference) for r in avoiding]
    g.add_nodes_from(left)
    g.add_edges_from((("r", r.reference), ("s", s.seat_id)) for r in avoiding for s in slots
                     if usable(r, s, not_before) and s.seat_id not in r.avoid)
    best = sum(1 for node in nx.bipartite.hopcroft_karp_matching(g, top_nodes=left) if node[0] == "r")
    assert len(result) == best
