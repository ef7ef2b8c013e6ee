"""Benchmark: the waiting-time forecast against what then happened, over a synthetic year.

Run:  .venv/bin/python bench/forecast.py   (also part of `make bench`; about a minute)

A year (2027, with its holidays, cuti bersama and Lebaran) is replayed day by day:
* the team: five consultants like the demo's, on duty two or three blocks a week, one room
  (2 in the afternoon); seats come from `service_calendar.generate_slots`;
* demand: ~12 registrations per working day (some at weekends), seasonal (+-30 % over the year),
  quieter in the fortnight before Lebaran and busier after it, with three campaign bursts
  (x2.5, fading over two weeks). 55 % koperasi, 60 % online. Each visitor offers 1-5 of the first
  15 bookable days, skewed to the nearest; 8 % cancel while waiting, 5 % of sessions are cancelled
  before their day; an expired registration offers new dates (80 %) or leaves;
* every evening the real allocator (`domain.allocation.allocate`) books the queue from the next
  working day on, as the 15-minute runs do in the office;
* every morning the forecast is computed exactly as the scheduled function does
  (`domain.forecast.estimates`: the queue, the free seats of six weeks, the choice patterns of the
  last 300 visitors, the measured leave rate and the last four weeks' arrivals), and every
  registration of that day records the estimate it was shown (the real one is at most 30 minutes
  old; here up to a day: a harder test).

For the registrations that got a session it prints the mean absolute error of the median in
working days, how often the realised wait was within the stated range or sooner (at most the
90th percentile: the promise "sesi dalam 2-4 hari kerja" holds), how often it fell inside
[median, 90th percentile], and the same for a baseline measured in the same run: the median and
90th percentile of the waits realised by the sessions booked in the last four weeks, over all
visitors and over the same visitors as the forecast. Each with the mean width of its range (90th
percentile - median) and its worst month. The forecast judged is what the page shows: the
estimate for the days the visitor picked (`forecast.for_days`); a visitor whose days have no seat
in most futures is told they may be full, with no range, and the bench says how often that was so.

Two years are replayed: the one the forecast was built on, and one with other seasonality, roster
changes mid-year and a sharp campaign spike that it was not tuned on. The verdict line says whether
the forecast earns its place (the office's bar: median error at most 0.8x the baseline's, every month's
coverage at least 85 %, on both). It exits non-zero if the forecast's coverage is under 80 %.
"""
from __future__ import annotations

import math
import os
import random
import statistics
import sys
import time as _time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chalicelib.domain import forecast as fc  # noqa: E402
from chalicelib.domain.allocation import Request, allocate, earliest_start  # noqa: E402
from chalicelib.domain.holidays import holiday_closures  # noqa: E402
from chalicelib.domain.rules import WIB  # noqa: E402
from chalicelib.domain.service_calendar import (  # noqa: E402
    Consultant,
    Room,
    RosterRule,
    generate_slots,
)

SEED = 20270104
START, END = date(2027, 1, 4), date(2027, 12, 31)
LEBARAN = date(2027, 3, 10)
CAMPAIGNS = (date(2027, 2, 1), date(2027, 6, 14), date(2027, 9, 20))
BASE_PER_WORKING_DAY = 12.0
HORIZON_DAYS, OFFERED_ON_PAGE, BOOKING_DAYS = 42, 15, 28
COVERAGE_AIM = 0.80
MAE_RATIO_AIM, MONTH_COVERAGE_AIM = 0.8, 0.85

CONSULTANTS = [
    Consultant("K-SITI", "Siti", frozenset({"koperasi"}), frozenset({"keuangan"}), frozenset({"tatap_muka", "daring"})),
    Consultant("K-BUDI", "Budi", frozenset({"ukm"}), frozenset({"pemasaran"}), frozenset({"tatap_muka", "daring"})),
    Consultant("K-RINA", "Rina", frozenset({"koperasi", "ukm"}), frozenset({"legalitas"}), frozenset({"tatap_muka"})),
    Consultant("K-AGUS", "Agus", frozenset({"koperasi", "ukm"}), frozenset({"keuangan"}), frozenset({"daring"})),
    Consultant("K-MAYA", "Maya", frozenset({"ukm"}), frozenset({"operasional"}), frozenset({"tatap_muka", "daring"})),
    Consultant("K-DEWI", "Dewi", frozenset({"koperasi", "ukm"}), frozenset({"pemasaran"}), frozenset({"tatap_muka", "daring"})),
]
PATTERN = [("K-SITI", 0, "koperasi"), ("K-SITI", 2, "koperasi"), ("K-SITI", 4, "koperasi"),
           ("K-BUDI", 0, "ukm"), ("K-BUDI", 1, "ukm"), ("K-BUDI", 3, "ukm"),
           ("K-RINA", 1, "koperasi"), ("K-RINA", 3, "koperasi"), ("K-RINA", 2, "ukm"),
           ("K-AGUS", 0, "koperasi"), ("K-AGUS", 1, "koperasi"), ("K-AGUS", 4, "ukm"),
           ("K-MAYA", 2, "ukm"), ("K-MAYA", 3, "ukm")]
ROOMS = [Room("R-1", "Ruang 1"), Room("R-2", "Ruang 2")]


@dataclass(frozen=True)
class Scenario:
    """One replayed year: its demand and its roster. The first is the one the forecast was built
    on; the second has other seasonality, roster changes mid-year and a sharp campaign spike."""

    name: str
    seed: int
    base: float = BASE_PER_WORKING_DAY
    amplitude: float = 0.3
    peak_shift: int = 60  # days after 4 January where the seasonal wave crosses upwards
    campaigns: tuple = tuple((c, 2.5, 14) for c in CAMPAIGNS)  # (start, peak factor, days it fades over)
    roster: tuple = ((START, tuple(PATTERN)),)  # (from, pattern) in order


SECOND_PATTERN_JULY = tuple(p for p in PATTERN if p[0] != "K-AGUS")  # Agus leaves at the end of June
SECOND_PATTERN_SEPT = SECOND_PATTERN_JULY + (("K-DEWI", 0, "ukm"), ("K-DEWI", 2, "koperasi"), ("K-DEWI", 4, "koperasi"))
SCENARIOS = (
    Scenario("2027 (the bench's own year)", SEED),
    Scenario("2027, other year (peak in November, roster changes, a x4 spike)", SEED + 1, base=11.0, amplitude=0.45,
             peak_shift=220, campaigns=((date(2027, 4, 12), 2.0, 10), (date(2027, 10, 4), 4.0, 5)),
             roster=((START, tuple(PATTERN)), (date(2027, 7, 1), SECOND_PATTERN_JULY),
                     (date(2027, 9, 1), SECOND_PATTERN_SEPT))),
)


def demand(day: date, sc: Scenario = SCENARIOS[0]) -> float:
    """Expected registrations that calendar day."""
    t = (day - START).days
    rate = sc.base * (1 + sc.amplitude * math.sin(2 * math.pi * (t - sc.peak_shift) / 365))
    if timedelta(days=-14) <= day - LEBARAN < timedelta(days=0):
        rate *= 0.5
    elif timedelta(days=7) <= day - LEBARAN < timedelta(days=28):
        rate *= 1.6
    for c, peak, fade in sc.campaigns:
        if timedelta(0) <= day - c < timedelta(days=fade):
            rate *= 1 + (peak - 1) * (1 - (day - c).days / fade)
    return rate * (1.0 if day.weekday() < 5 else 0.3)


class World:
    def __init__(self, sc: Scenario = SCENARIOS[0]):
        self.sc = sc
        self.rng = random.Random(sc.seed)
        self.holidays = {c.day for y in (2027, 2028) for c in holiday_closures(y)}
        self.closures = [c for y in (2027, 2028) for c in holiday_closures(y)]
        self.taken: set[str] = set()  # seat ids held by sessions
        self.waiting: dict[str, dict] = {}  # reference -> registration
        self.records: list[dict] = []
        self.recent_patterns: deque = deque(maxlen=300)
        self.booked_log: list[tuple[date, str, str, int]] = []  # (booking day, service, mode, wait)
        self.left = self.created = 0
        self.arrivals: deque = deque()  # (day, service, mode)
        self.n = 0

    def working_after(self, day: date, until: date) -> list[date]:
        out, d = [], day + timedelta(days=1)
        while d <= until:
            if d.weekday() < 5 and d not in self.holidays:
                out.append(d)
            d += timedelta(days=1)
        return out

    def offered(self, day: date) -> list[date]:
        return [d for d in self.working_after(day, day + timedelta(days=BOOKING_DAYS))][:OFFERED_ON_PAGE]

    def choose_days(self, offered: list[date]) -> tuple[tuple, tuple]:
        k = self.rng.choices([1, 2, 3, 4, 5], [25, 25, 20, 15, 15])[0]
        positions: set[int] = set()
        while len(positions) < min(k, len(offered)):
            positions.add(min(int(self.rng.expovariate(1 / 3.0)), len(offered) - 1))
        pos = tuple(sorted(positions))
        return pos, tuple(offered[i] for i in pos)  # in page order, as the signup form sends them

    def free_slots(self, first: date, last: date):
        """The seats of [first, last] on the roster of each day (a roster change splits the range)."""
        slots = []
        for i, (since, pattern) in enumerate(self.sc.roster):
            until = self.sc.roster[i + 1][0] - timedelta(days=1) if i + 1 < len(self.sc.roster) else last
            lo, hi = max(first, since), min(last, until)
            if lo <= hi:
                slots += generate_slots(start_day=lo, end_day=hi, consultants=CONSULTANTS, rooms=ROOMS,
                                        roster_rules=[RosterRule(c, w, s) for c, w, s in pattern], exceptions=[],
                                        closures=self.closures)
        return [s for s in slots if s.seat_id not in self.taken]

    def rates(self, today: date) -> dict:
        while self.arrivals and self.arrivals[0][0] < today - timedelta(days=28):
            self.arrivals.popleft()
        out = defaultdict(float)
        for _, s, m in self.arrivals:
            out[(s, m)] += 1 / 20  # four weeks = 20 working days
        return dict(out)

    def forecast(self, today: date) -> dict:
        last = today + timedelta(days=HORIZON_DAYS)
        now = datetime.combine(today, time(6, 0), tzinfo=WIB)
        not_before = earliest_start(now, self.holidays)
        first = not_before.astimezone(WIB).date()
        slots = [s for s in self.free_slots(first, last) if s.start >= not_before]
        queue = sorted(self.waiting.values(), key=lambda r: (r["queued_at"], r["ref"]))
        working = tuple(self.working_after(today, last))
        inputs = fc.Inputs(
            today=today, offered=tuple(d for d in working if d >= first)[:OFFERED_ON_PAGE], working=working,
            seats=tuple(fc.Seat(s.start.astimezone(WIB).date(), s.service, s.modes) for s in slots),
            queue=tuple(fc.Waiting(r["ref"], r["service"], r["mode"], r["days"]) for r in queue),
            patterns=tuple(self.recent_patterns) or ((0, 1, 2),),
            leave_rate=self.left / self.created if self.created > 50 else 0.1,
            arrivals_per_day=self.rates(today), shown_days=1.0)
        published = {s: fc.published(inputs, s) for s in ("koperasi", "ukm")}
        return {"general": {s: {m: e for m, (e, _) in modes.items()} for s, modes in published.items()},
                "masks": {s: {m: masks for m, (_, masks) in modes.items()} for s, modes in published.items()},
                "offered": inputs.offered, "working": inputs.working}

    def baseline(self, today: date, service: str, mode: str):
        recent = sorted(w for d, s, m, w in self.booked_log if s == service and m == mode and d >= today - timedelta(days=28))
        if not recent:
            return None
        return recent[len(recent) // 2], recent[max(0, math.ceil(0.9 * len(recent)) - 1)]

    def wait(self, created: date, session_day: date) -> int:
        return len(self.working_after(created, session_day))

    def register(self, day: date, estimates: dict) -> None:
        service = "koperasi" if self.rng.random() < 0.55 else "ukm"
        mode = "daring" if self.rng.random() < 0.6 else "tatap_muka"
        offered = self.offered(day)
        pos, days = self.choose_days(offered)
        self.recent_patterns.append(pos)
        self.n += 1
        ref = f"R{self.n:06d}"
        general = estimates["general"][service][mode]
        # What the page shows: the estimate for the days this visitor picked (services/estimates.py).
        e = fc.for_days(service, mode, days, estimates["offered"], estimates["working"],
                        estimates["masks"][service][mode], general)
        rec = {"ref": ref, "service": service, "mode": mode, "days": days, "created": day,
               "queued_at": f"{day.isoformat()}T{self.rng.randint(0, 23):02d}:{self.rng.randint(0, 59):02d}",
               "est": e, "base": self.baseline(day, service, mode),
               "days_index": self.wait(day, max(days)),
               "realised": None, "cancel_at": None}
        if self.rng.random() < 0.08:
            rec["cancel_at"] = day + timedelta(days=self.rng.randint(1, 10))
        self.waiting[ref] = rec
        self.records.append(rec)
        self.created += 1
        self.arrivals.append((day, service, mode))

    def evening(self, day: date) -> None:
        for ref, r in list(self.waiting.items()):  # cancellations while waiting
            if r["cancel_at"] and r["cancel_at"] <= day:
                del self.waiting[ref]
                self.left += 1
        now = datetime.combine(day, time(20, 0), tzinfo=WIB)
        not_before = earliest_start(now, self.holidays)
        first = not_before.astimezone(WIB).date()
        slots = [s for s in self.free_slots(first, first + timedelta(days=BOOKING_DAYS + 7)) if s.start >= not_before]
        requests = [Request(r["ref"], r["queued_at"] + ":00Z", r["service"], r["mode"], r["days"], ()) for r in self.waiting.values()]
        for a in allocate(requests, slots, {c.id: c.topics for c in CONSULTANTS}, not_before):
            r = self.waiting.pop(a.reference)
            session_day = a.slot.start.astimezone(WIB).date()
            if self.rng.random() < 0.05:  # cancelled before the day: the seat is not held
                self.left += 1
                continue
            self.taken.add(a.slot.seat_id)
            r["realised"] = self.wait(r["created"], session_day)
            self.booked_log.append((day, r["service"], r["mode"], r["realised"]))
        for ref, r in list(self.waiting.items()):  # every offered day has passed: new dates, or gone
            if max(r["days"]) < first:
                if self.rng.random() < 0.8:
                    _, r["days"] = self.choose_days(self.offered(day))
                else:
                    del self.waiting[ref]
                    self.left += 1


def summarise(rows, key):
    """(n, MAE of the median, share <= p90, share inside [median, p90], mean width p90 - median) for
    rows with a stated range."""
    stated = [(r["realised"], key(r)) for r in rows if key(r) is not None]
    if not stated:
        return 0, None, None, None, None
    mae = statistics.mean(abs(w - m) for w, (m, _) in stated)
    within = sum(1 for w, (_, p) in stated if p is None or w <= p) / len(stated)
    inside = sum(1 for w, (m, p) in stated if m <= w and (p is None or w <= p)) / len(stated)
    width = statistics.mean((p - m) for _, (m, p) in stated if p is not None)
    return len(stated), mae, within, inside, width


def monthly_coverage(rows, key) -> dict:
    by_month = defaultdict(list)
    for r in rows:
        stated = key(r)
        if stated:
            by_month[r["created"].strftime("%Y-%m")].append(r["realised"] <= (stated[1] if stated[1] is not None else 10 ** 9))
    return {m: sum(v) / len(v) for m, v in sorted(by_month.items())}


def replay(sc: Scenario) -> dict:
    """One year replayed; prints its table and returns {label: (mae, worst month's coverage)}."""
    t0 = _time.perf_counter()
    world = World(sc)
    day = START
    while day <= END:
        estimates = world.forecast(day)
        for _ in range(_poisson(world.rng, demand(day, sc))):
            world.register(day, estimates)
        world.evening(day)
        day += timedelta(days=1)
    elapsed = _time.perf_counter() - t0
    served = [r for r in world.records if r["realised"] is not None and r["created"] <= END - timedelta(days=HORIZON_DAYS)]

    def ours(r):
        e = r["est"]
        return (e.median, e.p90) if e.status == fc.OK else None

    def base(r):
        return r["base"]

    print(f"\n{sc.name}: {len(world.records)} registrations, {len(served)} served in time to be judged, "
          f"{elapsed:.0f} s (forecast every morning, real allocator every evening)")
    print(f"{'':<34}{'judged':>8}{'MAE (days)':>12}{'<= p90':>9}{'in range':>10}{'width':>7}{'worst month':>13}")
    figures = {}
    for label, key in (("forecast (domain/forecast.py)", ours), ("baseline: last 4 weeks' waits", base)):
        n, mae, within, inside, width = summarise(served, key)
        months = monthly_coverage(served, key)
        worst = min(months.items(), key=lambda kv: kv[1]) if months else ("-", 0.0)
        figures[label] = (mae, within, worst[1])
        print(f"{label:<34}{n:>8}{(mae or 0):>12.2f}{(within or 0) * 100:>8.1f}%{(inside or 0) * 100:>9.1f}%"
              f"{(width or 0):>7.2f}{worst[1] * 100:>8.0f}% {worst[0][5:]}")
        print(f"{'':<34}by month: " + ", ".join(f"{m[5:]} {v * 100:.0f}%" for m, v in months.items()))
    shown = [r for r in served if ours(r)]
    n, b_mae_same, b_within_same, _, b_width_same = summarise(shown, base)
    b_months_same = monthly_coverage(shown, base)
    print(f"{'baseline, the same visitors':<34}{n:>8}{(b_mae_same or 0):>12.2f}{(b_within_same or 0) * 100:>8.1f}%"
          f"{'':>10}{(b_width_same or 0):>7.2f}{min(b_months_same.values()) * 100:>8.0f}%")
    figures["baseline, the same visitors"] = (b_mae_same, b_within_same, min(b_months_same.values()))
    full = [r for r in served if r["est"].status == fc.FULL]
    if full:
        right = sum(1 for r in full if r["realised"] > r["days_index"]) / len(full)
        print(f"told 'your days may be full' (no range shown): {len(full)}; the session came after the days "
              f"they had picked for {right * 100:.0f}% of them")
    waits = [r["realised"] for r in served]
    print(f"realised waits: median {statistics.median(waits)} working days, 90th percentile "
          f"{sorted(waits)[math.ceil(0.9 * len(waits)) - 1]}, longest {max(waits)}")
    (f_mae, f_within, _), _, (b_mae, b_within, _) = figures.values()
    if b_mae:
        print(f"ratio to the baseline on the same visitors: MAE x{f_mae / b_mae:.2f}, coverage x{f_within / b_within:.2f}")
    return figures


def main() -> int:
    results = [replay(sc) for sc in SCENARIOS]
    earns = all(f["forecast (domain/forecast.py)"][0] <= MAE_RATIO_AIM * f["baseline, the same visitors"][0]
                and f["forecast (domain/forecast.py)"][2] >= MONTH_COVERAGE_AIM for f in results)
    base_holds = all(f["baseline: last 4 weeks' waits"][2] >= MONTH_COVERAGE_AIM for f in results)
    print(f"\nverdict: the forecast {'earns' if earns else 'does not earn'} its place (median error at most "
          f"x{MAE_RATIO_AIM} the baseline's and every month's coverage at least {MONTH_COVERAGE_AIM * 100:.0f}% on "
          f"both replays); the baseline's worst month {'holds' if base_holds else 'does not hold'} that coverage")
    worst = min(f["forecast (domain/forecast.py)"][1] for f in results)
    if worst < COVERAGE_AIM:
        print(f"coverage {worst * 100:.1f}% is under the aim of {COVERAGE_AIM * 100:.0f}%")
        return 1
    return 0


def _poisson(rng: random.Random, mean: float) -> int:
    k, p, u = 0, math.exp(-mean), rng.random()
    total = p
    while u > total:
        k += 1
        p *= mean / k
        total += p
    return k


if __name__ == "__main__":
    sys.exit(main())
