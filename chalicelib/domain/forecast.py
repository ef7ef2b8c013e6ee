"""The capacity forecast: how long a new visitor will wait, and what the queue needs (pure).

How the visitor's estimate is computed
--------------------------------------
For one service, the free seats of the coming weeks (the roster's seats minus those sessions
hold, closures already taken out) are handed out in SCENARIOS simulated futures:

1. the waiting registrations, in queue order, each take a seat on the first of their offered
   days that still has one for their mode (a seat for only their mode before a seat that could
   take either: the flexible one stays for someone who needs it), or, when none is left, offer
   new dates once theirs have passed and take the first seat after them (their place in the
   queue is kept); in each future a share of them (`leave_rate`, measured: cancelled or expired
   and gone before a session) leaves instead;
2. the registrations that arrive while the published estimate is shown (`arrivals_per_day` x
   `shown_days`, Poisson) come before the reader and do the same;
3. the new visitor offers days drawn from how recent visitors chose theirs (`patterns`:
   positions among the working days the signup page offered them; a day the office closed is
   left out) and gets the earliest seat on one of them; if none is left they are asked for new
   dates when those days have passed and take the first seat after them.

The wait is counted in working days (Monday to Friday without public holidays and cuti
bersama) from today to the session's day. The estimate is the median and the 90th percentile
over the futures; each future draws its random numbers from a hash of (seed, future, who), so
an estimate is reproducible and comparing two inputs compares the same futures.

Guarantees (tests/unit/domain/test_forecast.py tries to break them): more seats never lengthen
the estimate, a longer queue never shortens it, and closing a day only lengthens it. They hold
because in every future the set of seats left for the visitor only grows with more seats and
only shrinks with more queue (an exchange argument on the fixed first-choice rule above).

The allocator itself (domain/allocation.py) maximises the number served and so sometimes does
better than this first-come rule; `bench/forecast.py` measures how far off that leaves the
estimate over a synthetic year.
"""
from __future__ import annotations

import hashlib
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date

from .rules import MODE_DARING, MODE_TATAP_MUKA

SCENARIOS = 200
OK, NO_SEATS, BEYOND, FULL = "ok", "tanpa_slot", "lebih_lama", "tanggal_penuh"


@dataclass(frozen=True)
class Seat:
    day: date
    service: str
    modes: frozenset  # what the seat can take (a room for tatap_muka, the consultant online for daring)


@dataclass(frozen=True)
class Waiting:
    key: str  # the registration's reference: its random draws follow it, whatever else changes
    service: str
    mode: str
    days: tuple  # offered WIB days, in the visitor's order of preference


@dataclass(frozen=True)
class Inputs:
    today: date
    offered: tuple  # the working days a new visitor could offer now (ascending), office closures included
    working: tuple  # working days after today, ascending, covering the seats' horizon
    seats: tuple  # free Seat's
    queue: tuple  # Waiting's, in queue order
    closed: frozenset = frozenset()  # of `offered`, the days the office closed (the signup page leaves them out)
    patterns: tuple = ((0,),)  # each: positions in `offered` a recent visitor chose
    leave_rate: float = 0.0
    arrivals_per_day: dict = field(default_factory=dict)  # (service, mode) -> registrations per working day
    # service -> seats taken per working day at the walk-in desk (face to face, never through the queue)
    walk_ins_per_day: dict = field(default_factory=dict)
    shown_days: float = 0.0  # how long one published estimate is shown, in working days


@dataclass(frozen=True)
class Estimate:
    service: str
    mode: str
    status: str  # OK | NO_SEATS | BEYOND
    median: int | None = None  # working days
    p90: int | None = None  # None with status OK: longer than the horizon for 1 in 10
    horizon: int = 0  # working days the seats cover

    def words(self) -> str:
        """What the visitor reads, in Indonesian."""
        if self.status == NO_SEATS:
            return "Perkiraan belum tersedia: belum ada jadwal konsultan untuk pilihan ini dalam beberapa minggu ke depan."
        if self.status == BEYOND:
            return f"Perkiraan: antrean sedang panjang, sesi mungkin lebih dari {self.horizon} hari kerja lagi."
        if self.status == FULL:
            # Said of the futures where none of these days keeps a seat: about one visitor in two
            # told so still gets one of them (bench/forecast.py), hence "mungkin", not "kemungkinan".
            return ("Perkiraan: tanggal pilihan Anda mungkin sudah penuh. Menambah tanggal lain memperbesar peluang; "
                    "bila tanggal ini lewat tanpa jadwal, kami meminta tanggal baru.")
        if self.p90 is None:
            return f"Perkiraan: sesi dalam {self.median} hari kerja atau lebih (antrean sedang padat)."
        if self.p90 == self.median:
            return f"Perkiraan: sesi dalam {self.median} hari kerja."
        return f"Perkiraan: sesi dalam {self.median}\u2013{self.p90} hari kerja."

    def as_dict(self) -> dict:
        return {"service": self.service, "mode": self.mode, "status": self.status, "median": self.median,
                "p90": self.p90, "horizon": self.horizon, "text": self.words()}


def _unit(seed: int, scenario: int, who: str) -> float:
    """A reproducible number in [0, 1) for one draw."""
    digest = hashlib.blake2b(f"{seed}|{scenario}|{who}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0 ** 64


def _poisson(mean: float, u: float) -> int:
    """Inverse CDF of a Poisson variable (mean small: a handful of arrivals)."""
    if mean <= 0:
        return 0
    k, p = 0, math.exp(-mean)
    total = p
    while u > total and k < 1000:
        k += 1
        p *= mean / k
        total += p
    return k


class _Free:
    """Free seats of one service: day -> mode set -> count."""

    def __init__(self, seats):
        self.by_day: dict[date, dict[frozenset, int]] = {}
        for s in seats:
            slot = self.by_day.setdefault(s.day, {})
            slot[s.modes] = slot.get(s.modes, 0) + 1
        self.days = sorted(self.by_day)

    def copy(self) -> "_Free":
        out = _Free(())
        out.by_day = {d: dict(v) for d, v in self.by_day.items()}
        out.days = list(self.days)
        return out

    def take(self, day: date, mode: str) -> bool:
        """One seat that day for `mode`, the least flexible first; False if none."""
        slot = self.by_day.get(day)
        if not slot:
            return False
        best = None
        for modes, n in slot.items():
            if n > 0 and mode in modes and (best is None or len(modes) < len(best) or
                                            (len(modes) == len(best) and sorted(modes) < sorted(best))):
                best = modes
        if best is None:
            return False
        slot[best] -= 1
        return True

    def has(self, day: date, mode: str) -> bool:
        return any(n > 0 and mode in modes for modes, n in self.by_day.get(day, {}).items())

    def first_after(self, after: date | None, mode: str) -> date | None:
        """The first day after `after` with a seat for `mode` (nothing is taken)."""
        start = 0 if after is None else bisect_right(self.days, after)
        return next((day for day in self.days[start:] if self.has(day, mode)), None)


def _serve(free: _Free, days, mode: str, after: date | None) -> None:
    """One registration ahead of the visitor: a seat on one of its days, in its order; else, once
    those days have passed, it offers new dates (keeping its place) and takes the first seat after
    them. A fixed order of preference over the seats, whatever else is free: what keeps the
    guarantees."""
    if any(free.take(d, mode) for d in days):
        return
    if after is not None:
        later = free.first_after(after, mode)
        if later is not None:
            free.take(later, mode)


def _visitor_days(inputs: Inputs, u: float) -> tuple[list[date], date | None]:
    """(days the visitor offers, the last day of their pattern: when they are asked again)."""
    pattern = inputs.patterns[min(int(u * len(inputs.patterns)), len(inputs.patterns) - 1)]
    chosen = sorted({inputs.offered[i] for i in pattern if 0 <= i < len(inputs.offered)})
    # A day the office closed cannot be offered; the visitor is still asked again only once the
    # days they would have chosen have passed (so a closure never brings their session closer).
    return [d for d in chosen if d not in inputs.closed], (chosen[-1] if chosen else None)


def _working_index(inputs: Inputs, day: date) -> int:
    """Working days from today to `day`: the next working day is 1."""
    return bisect_left(inputs.working, day) + 1


def _quantile(values: list, q: float):
    """The q-quantile (nearest rank) of numbers where None means "beyond the horizon"."""
    ordered = sorted(values, key=lambda v: (v is None, v or 0))
    rank = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[rank]


def waits(inputs: Inputs, service: str, scenarios: int = SCENARIOS, seed: int = 0) -> dict[str, list]:
    """mode -> the new visitor's wait (working days, None = beyond the horizon) in each future."""
    return futures(inputs, service, scenarios, seed)[0]


def futures(inputs: Inputs, service: str, scenarios: int = SCENARIOS, seed: int = 0) -> tuple[dict, dict]:
    """(mode -> the new visitor's wait in each future, mode -> in each future, which of
    `inputs.offered` still have a seat for the visitor, as a bit mask: bit i is offered[i])."""
    base = _Free([s for s in inputs.seats if s.service == service])
    queue = [w for w in inputs.queue if w.service == service]
    modes = (MODE_TATAP_MUKA, MODE_DARING)
    rates = {m: max(0.0, float(inputs.arrivals_per_day.get((service, m), 0.0))) for m in modes}
    total_rate = sum(rates.values())
    out: dict[str, list] = {m: [] for m in modes}
    masks: dict[str, list] = {m: [] for m in modes}
    for k in range(scenarios):
        free = base.copy()
        for w in queue:
            if _unit(seed, k, w.key) < inputs.leave_rate:
                continue
            _serve(free, w.days, w.mode, max(w.days) if w.days else None)
        ahead = _poisson(total_rate * inputs.shown_days, _unit(seed, k, "arrivals"))
        for i in range(ahead):
            mode = modes[0] if _unit(seed, k, f"arrival-mode-{i}") * total_rate < rates[modes[0]] else modes[1]
            days, last = _visitor_days(inputs, _unit(seed, k, f"arrival-{i}"))
            _serve(free, days, mode, last)
        days, last = _visitor_days(inputs, _unit(seed, k, "visitor"))
        for mode in modes:  # the same visitor, asking for either mode
            got = next((d for d in days if free.has(d, mode)), None) or free.first_after(last, mode)
            out[mode].append(None if got is None else _working_index(inputs, got))
            masks[mode].append(sum(1 << i for i, d in enumerate(inputs.offered)
                                   if d not in inputs.closed and free.has(d, mode)))
    return out, masks


def estimate(inputs: Inputs, service: str, mode: str, scenarios: int = SCENARIOS, seed: int = 0) -> Estimate:
    return estimates(inputs, service, scenarios, seed)[mode]


def estimates(inputs: Inputs, service: str, scenarios: int = SCENARIOS, seed: int = 0) -> dict[str, Estimate]:
    """mode -> Estimate for a visitor registering now for `service`."""
    return {mode: e for mode, (e, _) in published(inputs, service, scenarios, seed).items()}


def published(inputs: Inputs, service: str, scenarios: int = SCENARIOS, seed: int = 0) -> dict[str, tuple]:
    """mode -> (Estimate for a visitor who offers days as recent visitors did, the futures' day
    masks: what `for_days` needs to answer for the days a visitor actually picks)."""
    horizon = len(inputs.working)
    out = {}
    sampled, masks = futures(inputs, service, scenarios, seed)
    for mode, values in sampled.items():
        if not any(s.service == service and mode in s.modes for s in inputs.seats):
            out[mode] = (Estimate(service, mode, NO_SEATS, horizon=horizon), masks[mode])
            continue
        median, p90 = _quantile(values, 0.5), _quantile(values, 0.9)
        status = BEYOND if median is None else OK
        out[mode] = (Estimate(service, mode, status, median, p90, horizon), masks[mode])
    return out


def for_days(service: str, mode: str, chosen, offered: tuple, working: tuple, masks: list,
             general: Estimate) -> Estimate:
    """The estimate for a visitor who offers exactly `chosen` days: in each future, the first of
    them that still has a seat (never earlier than the first of them); None when none has (the
    visitor will be asked for new dates once they have passed). Days outside `offered` are not
    known to the futures and are left out; with none left, the general estimate stands."""
    index = {d: i for i, d in enumerate(offered)}
    picked = sorted(d for d in set(chosen) if d in index)
    if not picked or general.status == NO_SEATS or not masks:
        return general
    waits = []
    for mask in masks:
        got = next((d for d in picked if mask >> index[d] & 1), None)
        waits.append(None if got is None else bisect_left(working, got) + 1)
    median, p90 = _quantile(waits, 0.5), _quantile(waits, 0.9)
    if median is None:
        return Estimate(service, mode, FULL, horizon=len(working))
    return Estimate(service, mode, OK, median, p90, len(working))


# --- what the queue needs (the coordinator's view) ---------------------------------------------

SESSION_HOURS = 0.5


@dataclass(frozen=True)
class WeekNeed:
    week_start: date
    service: str
    mode: str
    needed: float  # seats the queue and the expected arrivals need that week
    on_roster: int  # free seats that can take this mode that week
    short_hours: float  # consultant-hours missing, cumulated up to this week (0 when enough)

    def as_dict(self) -> dict:
        return {"week_start": self.week_start.isoformat(), "service": self.service, "mode": self.mode,
                "needed": round(self.needed, 1), "on_roster": self.on_roster, "short_hours": round(self.short_hours, 1)}


def needs(inputs: Inputs, weeks: list[date]) -> list[WeekNeed]:
    """Per week (Mondays in `weeks`), service and mode: seats needed vs seats on the roster.

    Needed: the waiting registrations (less the share that leaves) in the first week, plus each
    week's expected arrivals (`arrivals_per_day` x its working days), plus, face to face, the seats
    the walk-in desk takes (`walk_ins_per_day` x its working days). Seats that can take either
    mode count for both (they are shown side by side, not added). The shortfall is cumulative:
    seats left over in one week serve the next week's need."""
    out = []
    for service in sorted({s.service for s in inputs.seats} | {w.service for w in inputs.queue} |
                          {k[0] for k in inputs.arrivals_per_day} | set(inputs.walk_ins_per_day)):
        for mode in (MODE_TATAP_MUKA, MODE_DARING):
            backlog = sum(1 for w in inputs.queue if w.service == service and w.mode == mode) * (1 - inputs.leave_rate)
            need_total = seats_total = 0.0
            for n, monday in enumerate(weeks):
                days = [d for d in inputs.working if monday <= d < date.fromordinal(monday.toordinal() + 7)]
                per_day = float(inputs.arrivals_per_day.get((service, mode), 0.0))
                if mode == MODE_TATAP_MUKA:
                    per_day += float(inputs.walk_ins_per_day.get(service, 0.0))
                needed = len(days) * per_day + (backlog if n == 0 else 0)
                seats = sum(1 for s in inputs.seats if s.service == service and mode in s.modes
                            and monday <= s.day < date.fromordinal(monday.toordinal() + 7))
                need_total += needed
                seats_total += seats
                out.append(WeekNeed(monday, service, mode, needed, seats,
                                    max(0.0, need_total - seats_total) * SESSION_HOURS))
    return out
