"""Allocation: give waiting registrations a seat, as a pure function.

Stdlib only, no I/O, no Chalice imports: this module ships inside the allocation Lambda. The
caller reads the waiting registrations and the free seats from the database, calls
`allocate`, and writes the assignments back (taking each seat's lock by `Slot.seat_id`).

Vocabulary
----------
* A *seat* is one `Slot`: one consultant at one start time. It holds ONE session whatever its
  mode. `"tatap_muka" in slot.modes` means a room (`slot.room_id`) is reserved for that seat;
  `"daring" in slot.modes` means the consultant also works online at that time.
* A *request* is a waiting registration (`Request`). Its priority is `(queued_at, reference)`:
  earlier first, ties by reference.

How it works (see `allocate` for the guarantees)
------------------------------------------------
Seats with identical (service, WIB day, mode set) are interchangeable for feasibility, so the
matching is done against capacity *buckets* keyed by exactly that. Requests are processed in
priority order; each one searches an augmenting path (breadth first) over the buckets, moving
already-matched requests between buckets but never dropping one (Kuhn's algorithm in priority
order on the compressed graph). A search that fails proves that the buckets it reached are full
and closed (no request in them can go anywhere else), so they are marked dead and never searched
again; that keeps 10k requests against a quarter of seats well under a second. Each matched
request also holds a concrete seat of its bucket (the best free one for it whenever it enters
a bucket); afterwards a local improvement pass moves and swaps seats for topic match, day
preference and start time without changing who is served.
"""
from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from .rules import MODE_DARING, MODE_TATAP_MUKA, WIB
from .service_calendar import Slot

__all__ = ["Request", "Assignment", "allocate", "earliest_start", "request_priority"]

_UTC = timezone.utc
_KNOWN_MODES = (MODE_TATAP_MUKA, MODE_DARING)


@dataclass(frozen=True)
class Request:
    """A waiting registration, as the allocator sees it."""

    reference: str
    # UTC ISO 8601 "2026-11-28T10:00:00Z"; priority: earlier first, ties by reference
    queued_at: str
    service: str  # "koperasi" | "ukm"
    mode: str  # "tatap_muka" | "daring"
    # tuple[date, ...]: WIB days the visitor can come, in the visitor's order of preference
    days: tuple
    topics: tuple  # topic codes (rules.TOPICS keys)


@dataclass(frozen=True)
class Assignment:
    reference: str
    slot: Slot
    mode: str  # the request's mode
    room_id: str | None  # the slot's room if mode is tatap_muka, else None
    topic_match: bool  # the slot's consultant is expert in at least one of the request's topics


def _parse_queued_at(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_UTC)
    return dt.astimezone(_UTC)


def request_priority(request: Request) -> tuple:
    """Sort key of the queue: earlier `queued_at` first, ties by `reference`.

    The remaining fields only make the order total, so that the result never depends on the
    input order even for malformed duplicates.
    """
    return (
        _parse_queued_at(request.queued_at),
        request.reference,
        request.service,
        request.mode,
        tuple(request.days),
        tuple(request.topics),
    )


def _require_aware(dt: datetime, what: str) -> None:
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt!r}")


def earliest_start(
    now: datetime, closures_days: set, notice_working_days: int = 1
) -> datetime:
    """The earliest instant a session may be allocated at, given the notice visitors need.

    Returns 00:00 WIB (as a UTC datetime) of the `notice_working_days`-th working day strictly
    after `now`'s WIB calendar day. A working day is Monday to Friday and not in
    `closures_days` (dates of whole-day closures: public holidays, cuti bersama, office
    closures). With the default 1 that is "the next working day": on Friday (any hour) it is
    Monday, on the day before a holiday it is the first working day after the holiday.
    Today never counts, even at 00:01.

    `now` must be timezone-aware; `notice_working_days` must be >= 1.
    """
    _require_aware(now, "now")
    if notice_working_days < 1:
        raise ValueError("notice_working_days must be >= 1")
    closed = {d for d in closures_days}
    day = now.astimezone(WIB).date()
    found = 0
    # Bounded: even a year of closures cannot make this loop forever.
    for _ in range((notice_working_days + len(closed)) * 7 + 7):
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            found += 1
            if found == notice_working_days:
                return datetime.combine(day, time(0, 0), tzinfo=WIB).astimezone(_UTC)
    raise ValueError("no working day found")  # pragma: no cover - unreachable


def _slot_sort_key(slot: Slot) -> tuple:
    return (
        slot.start,
        slot.consultant_id,
        slot.service,
        tuple(sorted(slot.modes)),
        slot.room_id or "",
    )


def allocate(
    requests, free_slots, consultant_topics: dict, not_before: datetime
) -> list:
    """Assign waiting requests to free seats.

    Inputs
    ------
    requests: iterable of `Request`. A request whose reference repeats an earlier-priority one
        is ignored (one registration, one seat). Unknown services/modes simply match nothing.
    free_slots: iterable of `Slot` that are free to allocate. The caller has already removed
        taken seats and staff-fixed sessions (those are never moved: they are not an input).
        `start` must be timezone-aware. A seat is identified by (start, consultant_id); if the
        same seat appears twice only the first usable one in sorted order is used.
        "tatap_muka" in a slot's modes without a `room_id` is ignored (no room, no face-to-face
        session).
    consultant_topics: consultant_id -> frozenset of topic codes the consultant is expert in.
        Missing consultants are expert in nothing.
    not_before: timezone-aware instant; seats starting earlier are not used (see
        `earliest_start`).

    Hard rules (always hold)
    ------------------------
    For every returned Assignment a of request r on seat s:
    s.service == r.service; r.mode in s.modes (face to face uses the seat's room, and
    `a.room_id` is that room, else None); the WIB date of s.start is in r.days;
    s.start >= not_before. Each request gets at most one seat and each seat (start,
    consultant) at most one request.

    Objective (lexicographic)
    -------------------------
    (1) The number of served requests is the maximum possible (a maximum matching).
    (2) Among maximum solutions, the served set is the priority-greedy basis of the
        transversal matroid: walking the queue in priority order, a request is served iff it
        can be served together with all earlier served ones. Equivalently, no unserved
        request could be served in place of a served request of later priority, and no
        unserved request could be added. The served set is therefore unique for a given
        input; (3) only chooses the seats.
    (3) Seat choice for the served set (best effort, guaranteed to be a local optimum):
        per request and seat define key = (0 if the consultant is expert in one of the
        request's topics else 1, position of the seat's WIB day in request.days, start).
        The result guarantees
          (a) no served request can move to a free usable seat with a strictly smaller key;
          (b) no two served requests can exchange seats (both staying feasible) so that the
              pair's (number without topic match, sum of day positions) gets
              lexicographically smaller.
        So the placement is a local optimum of (requests without topic match, total day
        position, then each request's own start) under single moves and pairwise swaps. It
        is NOT guaranteed globally optimal: improvements needing a chain of three or more
        requests may remain, and nothing orders start times by priority (a later request may
        hold an earlier time on the same day). Seats are first chosen greedily in priority
        order (each request takes its best free seat when one is free), then improved.

    Output: list of `Assignment` in request priority order. Deterministic: the result depends
    only on the input values, not on their order or on set/hash iteration order.
    """
    _require_aware(not_before, "not_before")

    # ---- requests, in priority order, de-duplicated by reference -----------------------
    ordered = sorted(requests, key=request_priority)
    reqs: list[Request] = []
    seen_refs: set = set()
    for r in ordered:
        if r.reference in seen_refs:
            continue
        seen_refs.add(r.reference)
        reqs.append(r)
    if not reqs:
        return []
    services = {r.service for r in reqs}

    # ---- seats: filtered, de-duplicated, sorted --------------------------------------
    seat_list: list[Slot] = []
    seat_modes: list[frozenset] = []
    seen_seats: set = set()
    for s in sorted(free_slots, key=_slot_sort_key):
        _require_aware(s.start, "slot.start")
        if s.service not in services or s.start < not_before:
            continue
        ident = (s.start, s.consultant_id)
        if ident in seen_seats:
            continue
        modes = frozenset(m for m in s.modes if m in _KNOWN_MODES)
        if MODE_TATAP_MUKA in modes and not s.room_id:
            modes = modes - {MODE_TATAP_MUKA}
        if not modes:
            continue
        seen_seats.add(ident)
        seat_list.append(s)
        seat_modes.append(modes)
    n_seats = len(seat_list)
    if n_seats == 0:
        return []

    # ---- buckets: (service, WIB day, mode set) ----------------------------------------
    seat_day = [s.start.astimezone(WIB).date() for s in seat_list]
    # Integer seconds: cheap to compare. Seats are sorted by start, so index order is start order.
    seat_start = [int(s.start.timestamp()) for s in seat_list]
    bucket_keys = sorted(
        {(seat_list[i].service, seat_day[i], tuple(sorted(seat_modes[i]))) for i in range(n_seats)}
    )
    bucket_index = {k: b for b, k in enumerate(bucket_keys)}
    n_buckets = len(bucket_keys)
    seat_bucket = [
        bucket_index[(seat_list[i].service, seat_day[i], tuple(sorted(seat_modes[i])))]
        for i in range(n_seats)
    ]
    bucket_seats: list[list[int]] = [[] for _ in range(n_buckets)]
    for i in range(n_seats):  # seat indices are in start order already
        bucket_seats[seat_bucket[i]].append(i)
    cap = [len(x) for x in bucket_seats]
    # (service, day) -> buckets of that day, single-mode sets before the two-mode set: on equal
    # preference a request takes a seat that nobody of the other mode could use.
    day_buckets: dict = {}
    for b in sorted(range(n_buckets), key=lambda b: (bucket_keys[b][0], bucket_keys[b][1],
                                                     len(bucket_keys[b][2]), bucket_keys[b][2])):
        day_buckets.setdefault((bucket_keys[b][0], bucket_keys[b][1]), []).append(b)

    # Consultants as small ints; per request the set of expert consultants.
    consultant_ids = sorted({s.consultant_id for s in seat_list})
    cons_index = {c: k for k, c in enumerate(consultant_ids)}
    seat_cons = [cons_index[s.consultant_id] for s in seat_list]
    topic_experts: dict = {}
    for c in consultant_ids:
        for t in consultant_topics.get(c, ()) or ():
            topic_experts.setdefault(t, set()).add(cons_index[c])

    n_req = len(reqs)
    # feas[r]: list of usable buckets in preference order; rank[r]: bucket -> day position.
    feas: list[list[int]] = []
    rank: list[dict] = []
    experts: list[frozenset] = []
    for r in reqs:
        fl: list[int] = []
        rk: dict = {}
        pos = 0
        seen_days = set()
        for d in r.days:
            if d in seen_days:
                continue
            seen_days.add(d)
            for b in day_buckets.get((r.service, d), ()):
                if r.mode in bucket_keys[b][2]:
                    fl.append(b)
                    rk[b] = pos
            pos += 1
        feas.append(fl)
        rank.append(rk)
        ex: set = set()
        for t in r.topics:
            ex |= topic_experts.get(t, set())
        experts.append(frozenset(ex))

    # ---- phase A: priority-order augmenting paths on buckets --------------------------
    # Every matched request also holds a concrete seat of its bucket (the best free one for
    # it when it enters), so the matching doubles as a first, preference-aware placement.
    load = [0] * n_buckets
    dead = bytearray(n_buckets)
    where = [-1] * n_req  # bucket of each matched request
    holder = [-1] * n_seats
    seat_of = [-1] * n_req
    free_seats = [list(x) for x in bucket_seats]  # sorted by start (= by seat index)
    # by[b][b2]: requests currently in b that could also use b2 (insertion-ordered dicts).
    by: list[dict] = [{} for _ in range(n_buckets)]

    def best_free(q: int, b: int) -> int:
        ex = experts[q]
        fs = free_seats[b]
        for i in fs:  # earliest expert seat, else the earliest seat
            if seat_cons[i] in ex:
                return i
        return fs[0]

    def enter(q: int, dst: int, i: int) -> None:
        where[q] = dst
        load[dst] += 1
        free_seats[dst].remove(i)
        holder[i] = q
        seat_of[q] = i
        tbl = by[dst]
        for f in feas[q]:
            if f != dst:
                d = tbl.get(f)
                if d is None:
                    tbl[f] = {q: None}
                else:
                    d[q] = None

    def leave(q: int, src: int) -> None:
        load[src] -= 1
        i = seat_of[q]
        holder[i] = -1
        insort(free_seats[src], i)
        tbl = by[src]
        for f in feas[q]:
            if f != src:
                d = tbl[f]
                del d[q]
                if not d:
                    del tbl[f]

    for r in range(n_req):
        start_buckets = [b for b in feas[r] if not dead[b]]
        if not start_buckets:
            continue
        # Direct: the best free seat by (topic, day position, start) in a non-full bucket.
        best_key = None
        best_seat = -1
        for b in start_buckets:
            if load[b] < cap[b]:
                i = best_free(r, b)
                k = (0 if seat_cons[i] in experts[r] else 1, rank[r][b], seat_start[i])
                if best_key is None or k < best_key:
                    best_key, best_seat = k, i
        if best_seat >= 0:
            enter(r, seat_bucket[best_seat], best_seat)
            continue
        parent = {b: -1 for b in start_buckets}
        queue = list(start_buckets)
        qi = 0
        found = -1
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
            continue
        b2 = found
        while parent[b2] != -1:
            b1 = parent[b2]
            q = next(iter(by[b1][b2]))
            leave(q, b1)
            enter(q, b2, best_free(q, b2))
            b2 = b1
        enter(r, b2, best_free(r, b2))

    matched = [r for r in range(n_req) if where[r] >= 0]

    # ---- phase B: local improvement (moves to free seats, pairwise swaps) -------------
    # Each accepted step strictly lowers the potential (total without topic match, total day
    # position, total start), lexicographically, so the loop ends. A request is re-examined
    # only when something changed in one of its buckets since its last examination: whether
    # it can improve depends only on the seats of its own buckets and their holders.
    def key(r: int, i: int) -> tuple:
        return (0 if seat_cons[i] in experts[r] else 1, rank[r][seat_bucket[i]], seat_start[i])

    stamp = 1
    bucket_stamp = [1] * n_buckets
    seen_stamp = [0] * n_req

    def improve(r: int) -> bool:
        a = seat_of[r]
        ka = key(r, a)
        ta, ra, sa = ka
        cands = []
        ex = experts[r]
        rk = rank[r]
        for b in feas[r]:
            rb = rk[b]
            if ta == 0 and rb > ra:
                continue
            for i in bucket_seats[b]:
                if ta == 0 and rb == ra and seat_start[i] >= sa:
                    break  # seats are in start order
                t = 0 if seat_cons[i] in ex else 1
                if t > ta:
                    continue
                k = (t, rb, seat_start[i])
                if k < ka:
                    cands.append((k, i))
        if not cands:
            return False
        cands.sort()
        ba = seat_bucket[a]
        ca = seat_cons[a]
        for k, i in cands:
            q = holder[i]
            if q < 0:
                holder[a] = -1
                holder[i] = r
                seat_of[r] = i
                return True
            rq = rank[q].get(ba)
            if rq is None:
                continue  # q cannot use r's seat
            exq = experts[q]
            d_topic = k[0] - ta + (0 if ca in exq else 1) - (0 if seat_cons[i] in exq else 1)
            d_rank = k[1] - ra + rq - rank[q][seat_bucket[i]]
            # Starts do not enter: a swap keeps the same two seats taken.
            if d_topic < 0 or (d_topic == 0 and d_rank < 0):
                holder[a] = q
                seat_of[q] = a
                holder[i] = r
                seat_of[r] = i
                return True
        return False

    changed = True
    while changed:
        changed = False
        for r in matched:
            seen = seen_stamp[r]
            for b in feas[r]:
                if bucket_stamp[b] > seen:
                    break
            else:
                continue
            seen_stamp[r] = stamp
            a = seat_of[r]
            if improve(r):
                stamp += 1
                bucket_stamp[seat_bucket[a]] = stamp
                bucket_stamp[seat_bucket[seat_of[r]]] = stamp
                changed = True
                seen_stamp[r] = 0  # look at r again, it may improve further

    # ---- output ------------------------------------------------------------------------
    out = []
    for r in matched:
        i = seat_of[r]
        req = reqs[r]
        slot = seat_list[i]
        out.append(
            Assignment(
                reference=req.reference,
                slot=slot,
                mode=req.mode,
                room_id=slot.room_id if req.mode == MODE_TATAP_MUKA else None,
                topic_match=seat_cons[i] in experts[r],
            )
        )
    return out
