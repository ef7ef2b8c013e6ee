"""Benchmark of chalicelib.domain.allocation on realistic, seeded instances.

Run:  .venv/bin/python bench/allocation.py

For each instance it prints: requests, seats, requests served by `allocate`, by FCFS greedy
(each request in queue order takes its first feasible free seat: its days in its order,
earliest start first), the optimum computed independently by a networkx max flow over
individual seats, the allocator's time (best of 3) and the share of served requests whose
consultant is expert in one of their topics. It exits non-zero if the allocator misses the
optimum, breaks a hard rule, or a 10k-request instance takes 2 s or more.

The instances (all seeded, so the numbers are stable):
* 20 consultants (koperasi only / UKM only / both; online only / face to face only / both),
  each on duty 2-4 blocks a week, ~3% of duty blocks on leave (cuti); 3 rooms; a quarter
  (13 weeks) of seats from the Monday after "now", built by
  `service_calendar.generate_slots` with the project's holiday closures
  (`holidays_id.holiday_closures`), so rooms are given out as in production.
* waiting requests queued over the three weeks before "now", each offering 1-5 working days
  within the 28-day booking horizon, skewed to the next week or two and to Mondays;
  about 60% online, 65% UKM.
* "4k-quarter" and "10k-quarter" are stress instances, not realistic ones (the signup form
  only offers days within 28 days): each day is drawn from the whole quarter (Mondays still
  favoured), so that thousands get served, demand is close to (4k) or far above (10k)
  capacity, and the seat-improvement pass has real work.
"""
from __future__ import annotations

import os
import random
import sys
import time as _time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import networkx as nx  # noqa: E402

from chalicelib.domain.allocation import Request, allocate, earliest_start, request_priority  # noqa: E402
from chalicelib.domain.rules import (  # noqa: E402
    DEFAULT_RULES,
    MODE_DARING,
    MODE_TATAP_MUKA,
    SERVICE_KOPERASI,
    SERVICE_UKM,
    WIB,
    topics_for,
)
from chalicelib.domain.holidays import holiday_closures  # noqa: E402
from chalicelib.domain.service_calendar import (  # noqa: E402
    EXCEPTION_OFF,
    Consultant,
    Room,
    RosterException,
    RosterRule,
    Slot,
    generate_slots,
)

UTC = timezone.utc
NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # Friday 18:00 WIB
WEEKS = 13
N_CONSULTANTS = 20
ROOMS = ("R1", "R2", "R3")


def closures(start: date, end: date) -> list:
    """Whole-day closures (public holidays and cuti bersama) of the project's calendar."""
    found = []
    for year in range(start.year, end.year + 1):
        found += [c for c in holiday_closures(year) if start <= c.day <= end]
    return found


def make_team(rng: random.Random, first_day: date):
    """20 consultants with weekly rosters of 2-4 blocks, 3 rooms, ~3% leave (cuti)."""
    consultants, roster, leave = [], [], []
    for k in range(N_CONSULTANTS):
        cid = f"K{k + 1:02d}"
        x = rng.random()
        services = (
            (SERVICE_KOPERASI,) if x < 0.35 else (SERVICE_UKM,) if x < 0.75
            else (SERVICE_KOPERASI, SERVICE_UKM)
        )
        y = rng.random()
        modes = (
            frozenset({MODE_DARING}) if y < 0.35
            else frozenset({MODE_TATAP_MUKA}) if y < 0.6
            else frozenset({MODE_DARING, MODE_TATAP_MUKA})
        )
        pool = sorted(set().union(*(topics_for(s) for s in services)))
        topics = frozenset(rng.sample(pool, rng.randint(2, 4)))
        consultants.append(Consultant(id=cid, name=f"Konsultan {k + 1}",
                                      services=frozenset(services), topics=topics, modes=modes))
        blocks = sorted(rng.sample([(wd, s) for wd in range(5) for s in services],
                                   rng.randint(2, min(4, 5 * len(services)))))
        for wd, service in blocks:
            roster.append(RosterRule(consultant_id=cid, weekday=wd, service=service))
            for w in range(WEEKS):
                if rng.random() < 0.03:
                    leave.append(RosterException(consultant_id=cid, service=service,
                                                 day=first_day + timedelta(days=7 * w + wd),
                                                 kind=EXCEPTION_OFF))
    rooms = [Room(id=r, name=f"Ruang {r}") for r in ROOMS]
    return consultants, rooms, roster, leave


def make_requests(rng: random.Random, n: int, working_days: list, spread: bool):
    """Skewed demand: next week or two, Mondays; 1-5 days each, in the visitor's order."""
    first = working_days[0]
    if spread:
        weights = [1.0 + (2.0 if d.weekday() == 0 else 0.0) for d in working_days]
        pool = working_days
    else:
        pool = [d for d in working_days if (d - first).days < DEFAULT_RULES.booking_horizon_days]
        week_w = (0.5, 0.3, 0.13, 0.07)
        weights = [week_w[min(3, (d - first).days // 7)] * (2.5 if d.weekday() == 0 else 1.0)
                   for d in pool]
    reqs = []
    for k in range(n):
        queued = NOW - timedelta(seconds=rng.randint(0, 21 * 86400))
        service = SERVICE_UKM if rng.random() < 0.65 else SERVICE_KOPERASI
        mode = MODE_DARING if rng.random() < 0.6 else MODE_TATAP_MUKA
        n_days = rng.choices((1, 2, 3, 4, 5), weights=(0.3, 0.25, 0.2, 0.15, 0.1))[0]
        days = []
        avail = list(range(len(pool)))
        while len(days) < n_days and avail:
            j = rng.choices(avail, weights=[weights[a] for a in avail])[0]
            avail.remove(j)
            days.append(pool[j])
        topics = tuple(rng.sample(sorted(topics_for(service)), rng.randint(1, 3)))
        reqs.append(
            Request(
                reference=f"CC-{k:06d}",
                queued_at=queued.strftime("%Y-%m-%dT%H:%M:%SZ"),
                service=service,
                mode=mode,
                days=tuple(days),
                topics=topics,
            )
        )
    return reqs


def usable(req: Request, slot: Slot, not_before: datetime) -> bool:
    if slot.service != req.service or slot.start < not_before:
        return False
    if slot.start.astimezone(WIB).date() not in req.days:
        return False
    if req.mode == MODE_TATAP_MUKA:
        return MODE_TATAP_MUKA in slot.modes and slot.room_id is not None
    return req.mode in slot.modes


def fcfs_greedy(reqs, slots, not_before) -> int:
    by_day = defaultdict(list)
    for i, s in enumerate(sorted(slots, key=lambda s: (s.start, s.consultant_id))):
        by_day[(s.service, s.start.astimezone(WIB).date())].append(s)
    taken = set()
    served = 0
    for r in sorted(reqs, key=request_priority):
        done = False
        for d in r.days:
            for s in by_day.get((r.service, d), ()):
                if s.seat_id not in taken and usable(r, s, not_before):
                    taken.add(s.seat_id)
                    served += 1
                    done = True
                    break
            if done:
                break
    return served


def flow_optimum(reqs, slots, not_before) -> int:
    """Max flow: source -> request type (count) -> (service, day, mode) -> seat (1) -> sink."""
    g = nx.DiGraph()
    types = defaultdict(int)
    for r in reqs:
        types[(r.service, r.mode, frozenset(r.days))] += 1
    for (service, mode, days), count in types.items():
        tnode = ("type", service, mode, days)
        g.add_edge("src", tnode, capacity=count)
        for d in days:
            g.add_edge(tnode, ("sdm", service, d, mode), capacity=count)
    for s in slots:
        if s.start < not_before:
            continue
        d = s.start.astimezone(WIB).date()
        seat = ("seat", s.seat_id)
        g.add_edge(seat, "sink", capacity=1)
        for mode in (MODE_TATAP_MUKA, MODE_DARING):
            probe = Request("x", "2000-01-01T00:00:00Z", s.service, mode, (d,), ())
            if usable(probe, s, not_before):
                g.add_edge(("sdm", s.service, d, mode), seat, capacity=1)
    if "sink" not in g or "src" not in g:
        return 0
    return int(nx.maximum_flow_value(g, "src", "sink"))


def check_hard_rules(result, reqs, not_before):
    by_ref = {r.reference: r for r in reqs}
    assert len({a.reference for a in result}) == len(result)
    assert len({a.slot.seat_id for a in result}) == len(result)
    for a in result:
        r = by_ref[a.reference]
        assert usable(r, a.slot, not_before), a
        assert a.mode == r.mode
        assert a.room_id == (a.slot.room_id if r.mode == MODE_TATAP_MUKA else None)


def main() -> int:
    first_day = NOW.astimezone(WIB).date() + timedelta(days=3)  # the Monday after NOW
    assert first_day.weekday() == 0
    last_day = first_day + timedelta(weeks=WEEKS) - timedelta(days=1)
    closure_list = closures(first_day, last_day)
    closed = {c.day for c in closure_list if c.service is None}
    not_before = earliest_start(NOW, closed)
    consultants, rooms, roster, leave = make_team(random.Random(20261128), first_day)
    consultant_topics = {c.id: c.topics for c in consultants}
    slots = generate_slots(start_day=first_day, end_day=last_day, consultants=consultants,
                           rooms=rooms, roster_rules=roster, exceptions=leave,
                           closures=closure_list)
    working_days = sorted({s.start.astimezone(WIB).date() for s in slots})
    instances = [
        ("1k", make_requests(random.Random(1), 1000, working_days, spread=False)),
        ("10k", make_requests(random.Random(10), 10000, working_days, spread=False)),
        ("4k-quarter", make_requests(random.Random(4), 4000, working_days, spread=True)),
        ("10k-quarter", make_requests(random.Random(11), 10000, working_days, spread=True)),
    ]
    print(f"now {NOW.isoformat()}  not_before {not_before.isoformat()}  "
          f"closed days in quarter {len(closed)}  seats {len(slots)}")
    header = ("instance", "requests", "seats", "allocator", "fcfs", "optimum", "alloc==opt",
              "time_s", "topic_match")
    rows = []
    failures = []
    for name, reqs in instances:
        times = []
        result = None
        for _ in range(3):
            t0 = _time.perf_counter()
            result = allocate(reqs, slots, consultant_topics, not_before)
            times.append(_time.perf_counter() - t0)
        check_hard_rules(result, reqs, not_before)
        again = allocate(list(reversed(reqs)), list(reversed(slots)), consultant_topics, not_before)
        if again != result:
            failures.append(f"{name}: not deterministic under input order")
        served = len(result)
        greedy = fcfs_greedy(reqs, slots, not_before)
        opt = flow_optimum(reqs, slots, not_before)
        best = min(times)
        share = sum(a.topic_match for a in result) / served if served else 0.0
        rows.append((name, len(reqs), len(slots), served, greedy, opt, served == opt,
                     f"{best:.3f}", f"{share:.1%}"))
        if served != opt:
            failures.append(f"{name}: allocator {served} != optimum {opt}")
        if len(reqs) >= 10000 and best >= 2.0:
            failures.append(f"{name}: {best:.3f} s >= 2 s")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)))
    for f in failures:
        print("FAIL:", f)
    print("allocator == optimum on every instance:", all(r[6] for r in rows))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
