"""How `allocation.allocate` finds its answer: capacity buckets, a priority-order matching on them
(phase A) and a local improvement of the seats (phase B). Pure, stdlib only.

`allocation.py` states what the result guarantees; this module is the algorithm:

* `Seats`: the usable seats, sorted by start, grouped into buckets of identical (service, WIB
  day, mode set), which are interchangeable for feasibility.
* `Choices`: per request, its usable buckets in preference order, their day positions and the
  consultants expert in one of its topics.
* `Matching.serve_in_priority_order` (phase A): each request in priority order takes its best
  free seat, or searches an augmenting path (breadth first) over the buckets, moving matched
  requests between buckets but never dropping one (Kuhn's algorithm in priority order on the
  compressed graph). A failed search proves the buckets it reached full and closed: they are
  marked dead and never searched again.
* `Matching.improve_seats` (phase B): moves to free seats and pairwise swaps while they lower
  (requests without topic match, total day position, start).
"""
from __future__ import annotations

from bisect import insort
from datetime import datetime

from .rules import MODE_DARING, MODE_TATAP_MUKA, WIB
from .service_calendar import Slot

KNOWN_MODES = (MODE_TATAP_MUKA, MODE_DARING)


def require_aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt!r}")


def slot_sort_key(slot: Slot) -> tuple:
    return (
        slot.start,
        slot.consultant_id,
        slot.service,
        tuple(sorted(slot.modes)),
        slot.room_id or "",
    )


class Seats:
    """The usable seats (filtered, de-duplicated, sorted by start) and their capacity buckets:
    seats with identical (service, WIB day, mode set) are interchangeable for feasibility. A seat
    some request must not get (`isolate`) is a bucket of its own, so it is never interchangeable
    with the others for that request."""

    def __init__(self, free_slots, services: set, not_before: datetime, isolate: frozenset = frozenset()):
        self.isolate = isolate
        self.slots: list[Slot] = []
        self.modes: list[frozenset] = []
        seen: set = set()
        for s in sorted(free_slots, key=slot_sort_key):
            require_aware(s.start, "slot.start")
            if s.service not in services or s.start < not_before:
                continue
            ident = (s.start, s.consultant_id)
            if ident in seen:
                continue
            modes = frozenset(m for m in s.modes if m in KNOWN_MODES)
            if MODE_TATAP_MUKA in modes and not s.room_id:
                modes = modes - {MODE_TATAP_MUKA}
            if not modes:
                continue
            seen.add(ident)
            self.slots.append(s)
            self.modes.append(modes)
        if self.slots:
            self._bucket()

    def _bucket(self) -> None:
        n = len(self.slots)
        day = [s.start.astimezone(WIB).date() for s in self.slots]
        # Integer seconds: cheap to compare. Seats are sorted by start, so index order is start order.
        self.start = [int(s.start.timestamp()) for s in self.slots]
        keys = [(self.slots[i].service, day[i], tuple(sorted(self.modes[i])),
                 self.slots[i].seat_id if self.slots[i].seat_id in self.isolate else "") for i in range(n)]
        self.bucket_keys = sorted(set(keys))
        index = {k: b for b, k in enumerate(self.bucket_keys)}
        self.bucket = [index[k] for k in keys]
        self.bucket_seats: list[list[int]] = [[] for _ in self.bucket_keys]
        for i in range(n):  # seat indices are in start order already
            self.bucket_seats[self.bucket[i]].append(i)
        # (service, day) -> buckets of that day, single-mode sets before the two-mode set: on equal
        # preference a request takes a seat that nobody of the other mode could use.
        self.day_buckets: dict = {}
        k = self.bucket_keys
        for b in sorted(range(len(k)), key=lambda b: (k[b][0], k[b][1], len(k[b][2]), k[b][2])):
            self.day_buckets.setdefault((k[b][0], k[b][1]), []).append(b)
        # Consultants as small ints.
        self.consultant_ids = sorted({s.consultant_id for s in self.slots})
        cons_index = {c: i for i, c in enumerate(self.consultant_ids)}
        self.consultant = [cons_index[s.consultant_id] for s in self.slots]


class Choices:
    """Per request: its usable buckets in preference order (`feas`), each bucket's day position
    (`rank`), and the consultants expert in one of its topics (`experts`)."""

    def __init__(self, queue: list, seats: Seats, consultant_topics: dict):
        self.queue, self.seats = queue, seats
        topic_experts: dict = {}
        for k, c in enumerate(seats.consultant_ids):
            for t in consultant_topics.get(c, ()) or ():
                topic_experts.setdefault(t, set()).add(k)
        self.feas: list[list[int]] = []
        self.rank: list[dict] = []
        self.experts: list[frozenset] = []
        for r in queue:
            usable: list[int] = []
            rank: dict = {}
            pos = 0
            seen_days = set()
            for d in r.days:
                if d in seen_days:
                    continue
                seen_days.add(d)
                for b in seats.day_buckets.get((r.service, d), ()):
                    if r.mode in seats.bucket_keys[b][2] and seats.bucket_keys[b][3] not in r.avoid:
                        usable.append(b)
                        rank[b] = pos
                pos += 1
            self.feas.append(usable)
            self.rank.append(rank)
            ex: set = set()
            for t in r.topics:
                ex |= topic_experts.get(t, set())
            self.experts.append(frozenset(ex))


class Matching:
    """Phase A (who is served) and phase B (which seat each holds) over the buckets."""

    def __init__(self, choices: Choices):
        self.c, self.s = choices, choices.seats
        n_buckets, n_seats, n_req = len(self.s.bucket_keys), len(self.s.slots), len(choices.queue)
        self.cap = [len(x) for x in self.s.bucket_seats]
        self.load = [0] * n_buckets
        self.dead = bytearray(n_buckets)
        self.where = [-1] * n_req  # bucket of each matched request
        self.holder = [-1] * n_seats
        self.seat_of = [-1] * n_req
        self.free_seats = [list(x) for x in self.s.bucket_seats]  # sorted by start (= by seat index)
        # by[b][b2]: requests currently in b that could also use b2 (insertion-ordered dicts).
        self.by: list[dict] = [{} for _ in range(n_buckets)]
        self.matched: list[int] = []

    # -- phase A: priority-order augmenting paths on buckets ------------------------------------
    # Every matched request also holds a concrete seat of its bucket (the best free one for it
    # when it enters), so the matching doubles as a first, preference-aware placement.

    def best_free(self, q: int, b: int) -> int:
        ex, cons = self.c.experts[q], self.s.consultant
        fs = self.free_seats[b]
        for i in fs:  # earliest expert seat, else the earliest seat
            if cons[i] in ex:
                return i
        return fs[0]

    def enter(self, q: int, dst: int, i: int) -> None:
        self.where[q] = dst
        self.load[dst] += 1
        self.free_seats[dst].remove(i)
        self.holder[i] = q
        self.seat_of[q] = i
        tbl = self.by[dst]
        for f in self.c.feas[q]:
            if f != dst:
                d = tbl.get(f)
                if d is None:
                    tbl[f] = {q: None}
                else:
                    d[q] = None

    def leave(self, q: int, src: int) -> None:
        self.load[src] -= 1
        i = self.seat_of[q]
        self.holder[i] = -1
        insort(self.free_seats[src], i)
        tbl = self.by[src]
        for f in self.c.feas[q]:
            if f != src:
                d = tbl[f]
                del d[q]
                if not d:
                    del tbl[f]

    def serve_in_priority_order(self) -> None:
        for r in range(len(self.c.queue)):
            start_buckets = [b for b in self.c.feas[r] if not self.dead[b]]
            if start_buckets and not self._take_a_free_seat(r, start_buckets):
                self._augment(r, start_buckets)
        self.matched = [r for r in range(len(self.c.queue)) if self.where[r] >= 0]

    def _take_a_free_seat(self, r: int, start_buckets: list[int]) -> bool:
        """Direct: the best free seat by (topic, day position, start) in a non-full bucket."""
        best_key, best_seat = None, -1
        ex, rank, cons, start = self.c.experts[r], self.c.rank[r], self.s.consultant, self.s.start
        for b in start_buckets:
            if self.load[b] < self.cap[b]:
                i = self.best_free(r, b)
                k = (0 if cons[i] in ex else 1, rank[b], start[i])
                if best_key is None or k < best_key:
                    best_key, best_seat = k, i
        if best_seat < 0:
            return False
        self.enter(r, self.s.bucket[best_seat], best_seat)
        return True

    def _augment(self, r: int, start_buckets: list[int]) -> None:
        """Breadth-first search for a path of moves that frees a bucket for `r`."""
        parent = {b: -1 for b in start_buckets}
        queue = list(start_buckets)
        qi, found = 0, -1
        load, cap, dead, by = self.load, self.cap, self.dead, self.by
        while qi < len(queue) and found < 0:
            b = queue[qi]
            qi += 1
            for b2 in by[b]:
                if b2 in parent or dead[b2]:
                    continue
                parent[b2] = b
                if load[b2] < cap[b2]:
                    found = b2
                    break
                queue.append(b2)
        if found < 0:
            # Every bucket reached is full and no request in it can leave the reached set:
            # no later augmenting path can pass through them either.
            for b in queue:
                dead[b] = 1
            return
        b2 = found
        while parent[b2] != -1:
            b1 = parent[b2]
            q = next(iter(by[b1][b2]))
            self.leave(q, b1)
            self.enter(q, b2, self.best_free(q, b2))
            b2 = b1
        self.enter(r, b2, self.best_free(r, b2))

    # -- phase B: local improvement (moves to free seats, pairwise swaps) -----------------------
    # Each accepted step strictly lowers the potential (total without topic match, total day
    # position, total start), lexicographically, so the loop ends. A request is re-examined
    # only when something changed in one of its buckets since its last examination: whether
    # it can improve depends only on the seats of its own buckets and their holders.

    def key(self, r: int, i: int) -> tuple:
        return (0 if self.s.consultant[i] in self.c.experts[r] else 1, self.c.rank[r][self.s.bucket[i]], self.s.start[i])

    def improve_seats(self) -> None:
        stamp = 1
        bucket_stamp = [1] * len(self.s.bucket_keys)
        seen_stamp = [0] * len(self.c.queue)
        feas, seat_of, bucket = self.c.feas, self.seat_of, self.s.bucket
        changed = True
        while changed:
            changed = False
            for r in self.matched:
                seen = seen_stamp[r]
                for b in feas[r]:
                    if bucket_stamp[b] > seen:
                        break
                else:
                    continue
                seen_stamp[r] = stamp
                a = seat_of[r]
                if self._improve(r):
                    stamp += 1
                    bucket_stamp[bucket[a]] = stamp
                    bucket_stamp[bucket[seat_of[r]]] = stamp
                    changed = True
                    seen_stamp[r] = 0  # look at r again, it may improve further

    def _candidates(self, r: int, ka: tuple) -> list:
        """Seats with a strictly smaller key for `r` than its own (key `ka`), best first."""
        ta, ra, sa = ka
        cands = []
        ex, rk, cons, start = self.c.experts[r], self.c.rank[r], self.s.consultant, self.s.start
        for b in self.c.feas[r]:
            rb = rk[b]
            if ta == 0 and rb > ra:
                continue
            for i in self.s.bucket_seats[b]:
                if ta == 0 and rb == ra and start[i] >= sa:
                    break  # seats are in start order
                t = 0 if cons[i] in ex else 1
                if t > ta:
                    continue
                k = (t, rb, start[i])
                if k < ka:
                    cands.append((k, i))
        cands.sort()
        return cands

    def _improve(self, r: int) -> bool:
        a = self.seat_of[r]
        ka = self.key(r, a)
        ta, ra, _ = ka
        holder, seat_of, rank, cons, bucket = self.holder, self.seat_of, self.c.rank, self.s.consultant, self.s.bucket
        ba, ca = bucket[a], cons[a]
        for k, i in self._candidates(r, ka):
            q = holder[i]
            if q < 0:
                holder[a] = -1
                holder[i] = r
                seat_of[r] = i
                return True
            rq = rank[q].get(ba)
            if rq is None:
                continue  # q cannot use r's seat
            exq = self.c.experts[q]
            d_topic = k[0] - ta + (0 if ca in exq else 1) - (0 if cons[i] in exq else 1)
            d_rank = k[1] - ra + rq - rank[q][bucket[i]]
            # Starts do not enter: a swap keeps the same two seats taken.
            if d_topic < 0 or (d_topic == 0 and d_rank < 0):
                holder[a] = q
                seat_of[q] = a
                holder[i] = r
                seat_of[r] = i
                return True
        return False

    def placements(self) -> list[tuple[int, int]]:
        """(request index, seat index) of every served request, in priority order."""
        return [(r, self.seat_of[r]) for r in self.matched]

    def topic_match(self, r: int, i: int) -> bool:
        return self.s.consultant[i] in self.c.experts[r]
