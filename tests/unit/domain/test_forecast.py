"""The forecast's promises, tried by hypothesis: more seats never lengthen the wait, a longer
queue never shortens it, closing a day only lengthens it; and the words the visitor reads."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import forecast as fc

MONDAY = date(2026, 12, 7)
WORKING = tuple(d for d in (MONDAY + timedelta(days=n) for n in range(1, 50)) if d.weekday() < 5)[:30]
OFFERED = WORKING[:20]
MODESETS = [frozenset({"tatap_muka"}), frozenset({"daring"}), frozenset({"tatap_muka", "daring"})]
SERVICES = ("koperasi", "ukm")
INF = float("inf")

seat = st.builds(lambda d, s, m: fc.Seat(WORKING[d], s, MODESETS[m]),
                 st.integers(0, len(WORKING) - 1), st.sampled_from(SERVICES), st.integers(0, 2))
pattern = st.lists(st.integers(0, len(OFFERED) - 1), min_size=1, max_size=5, unique=True).map(tuple)


@st.composite
def waiting(draw, n=None):
    key = draw(st.text("ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=6, max_size=6))
    days = draw(st.lists(st.sampled_from(OFFERED), min_size=1, max_size=5, unique=True))
    return fc.Waiting(key, draw(st.sampled_from(SERVICES)), draw(st.sampled_from(("tatap_muka", "daring"))), tuple(days))


@st.composite
def inputs(draw):
    return fc.Inputs(
        today=MONDAY, offered=OFFERED, working=WORKING,
        seats=tuple(draw(st.lists(seat, max_size=60))),
        queue=tuple(draw(st.lists(waiting(), max_size=40, unique_by=lambda w: w.key))),
        patterns=tuple(draw(st.lists(pattern, min_size=1, max_size=6))),
        leave_rate=draw(st.sampled_from((0.0, 0.1, 0.3))),
        arrivals_per_day={(s, m): draw(st.sampled_from((0.0, 0.5, 2.0))) for s in SERVICES for m in ("tatap_muka", "daring")},
        shown_days=draw(st.sampled_from((0.0, 0.5))),
        closed=frozenset(draw(st.lists(st.sampled_from(OFFERED), max_size=2))),
    )


def key(v):
    return INF if v is None else v


def no_longer(a: dict, b: dict) -> bool:
    """Every future's wait in `a` is at most the same future's wait in `b`."""
    return all(key(x) <= key(y) for mode in a for x, y in zip(a[mode], b[mode]))


def replace(i: fc.Inputs, **changes) -> fc.Inputs:
    return fc.Inputs(**{**i.__dict__, **changes})


@settings(max_examples=150, deadline=None)
@given(inputs(), st.lists(seat, min_size=1, max_size=10), st.sampled_from(SERVICES))
def test_more_seats_never_lengthen_the_wait(base, extra, service):
    more = replace(base, seats=base.seats + tuple(extra))
    assert no_longer(fc.waits(more, service, scenarios=20), fc.waits(base, service, scenarios=20))
    for mode in ("tatap_muka", "daring"):
        a, b = fc.estimate(more, service, mode, scenarios=20), fc.estimate(base, service, mode, scenarios=20)
        if a.status == fc.OK and b.status == fc.OK:
            assert a.median <= b.median and key(a.p90) <= key(b.p90)


@settings(max_examples=150, deadline=None)
@given(inputs(), st.lists(waiting(), min_size=1, max_size=8, unique_by=lambda w: w.key), st.data(), st.sampled_from(SERVICES))
def test_a_longer_queue_never_shortens_the_wait(base, extra, data, service):
    queue = list(base.queue)
    for w in extra:
        if any(q.key == w.key for q in queue):
            continue
        queue.insert(data.draw(st.integers(0, len(queue))), w)  # anywhere: earlier or later arrivals
    longer = replace(base, queue=tuple(queue))
    assert no_longer(fc.waits(base, service, scenarios=20), fc.waits(longer, service, scenarios=20))


@settings(max_examples=150, deadline=None)
@given(inputs(), st.sampled_from(WORKING), st.sampled_from(SERVICES), st.booleans())
def test_closing_a_day_only_lengthens_the_wait(base, day, service, whole_day):
    # A whole-day closure: no seats, and the signup page no longer offers the day; a closure of
    # one service removes only that service's seats.
    seats = tuple(s for s in base.seats if not (s.day == day and (whole_day or s.service == service)))
    closed = base.closed | ({day} if whole_day and day in OFFERED else set())
    after = replace(base, seats=seats, closed=frozenset(closed))
    assert no_longer(fc.waits(base, service, scenarios=20), fc.waits(after, service, scenarios=20))


def test_an_empty_queue_and_seats_every_day_give_the_first_offered_day():
    seats = tuple(fc.Seat(d, "koperasi", MODESETS[2]) for d in WORKING for _ in range(3))
    i = fc.Inputs(MONDAY, OFFERED, WORKING, seats, (), patterns=((0,), (0, 1), (2,)))
    e = fc.estimate(i, "koperasi", "daring", scenarios=100)
    assert e.status == fc.OK and e.median == 1 and e.p90 == 3
    assert e.words() == "Perkiraan: sesi dalam 1\u20133 hari kerja."


def test_a_queue_ahead_pushes_the_estimate_back_by_the_seats_it_takes():
    seats = tuple(fc.Seat(d, "ukm", MODESETS[0]) for d in WORKING for _ in range(2))  # 2 face-to-face seats a day
    queue = tuple(fc.Waiting(f"R{n:04d}", "ukm", "tatap_muka", OFFERED[:10]) for n in range(10))  # fills 5 days
    i = fc.Inputs(MONDAY, OFFERED, WORKING, seats, queue, patterns=((0, 1, 2, 3, 4, 5, 6, 7, 8, 9),))
    e = fc.estimate(i, "ukm", "tatap_muka", scenarios=50)
    assert (e.median, e.p90) == (6, 6) and e.words() == "Perkiraan: sesi dalam 6 hari kerja."


def test_no_seat_for_the_mode_says_it_cannot_estimate():
    seats = tuple(fc.Seat(d, "ukm", MODESETS[0]) for d in WORKING)
    i = fc.Inputs(MONDAY, OFFERED, WORKING, seats, ())
    e = fc.estimate(i, "ukm", "daring")
    assert e.status == fc.NO_SEATS and "belum tersedia" in e.words()
    assert fc.estimate(i, "koperasi", "tatap_muka").status == fc.NO_SEATS


def test_a_queue_longer_than_the_horizon_says_so():
    seats = (fc.Seat(WORKING[0], "koperasi", MODESETS[2]),)
    queue = tuple(fc.Waiting(f"Q{n}", "koperasi", "daring", OFFERED[:1]) for n in range(3))
    e = fc.estimate(fc.Inputs(MONDAY, OFFERED, WORKING, seats, queue), "koperasi", "daring")
    assert e.status == fc.BEYOND and f"lebih dari {len(WORKING)} hari kerja" in e.words()


def test_needs_count_the_backlog_once_and_the_shortfall_cumulatively():
    weeks = [MONDAY + timedelta(days=7 * n) for n in range(4)]
    seats = tuple(fc.Seat(d, "koperasi", MODESETS[0]) for d in WORKING if d < weeks[1] + timedelta(days=7))
    queue = tuple(fc.Waiting(f"Q{n}", "koperasi", "tatap_muka", OFFERED[:3]) for n in range(12))
    i = fc.Inputs(MONDAY, OFFERED, WORKING, seats, queue, arrivals_per_day={("koperasi", "tatap_muka"): 2.0})
    rows = [r for r in fc.needs(i, weeks) if r.service == "koperasi" and r.mode == "tatap_muka"]
    week_days = [sum(1 for d in WORKING if w <= d < w + timedelta(days=7)) for w in weeks]
    assert [r.needed for r in rows] == [12 + 2 * week_days[0]] + [2 * n for n in week_days[1:]]
    assert [r.on_roster for r in rows] == week_days[:2] + [0, 0]
    assert rows[-1].short_hours == (sum(r.needed for r in rows) - sum(r.on_roster for r in rows)) * 0.5
    assert all(a.short_hours <= b.short_hours for a, b in zip(rows, rows[1:]))


@settings(max_examples=60, deadline=None)
@given(inputs(), st.sampled_from((0.5, 1.0, 3.0)))
def test_walk_ins_add_their_seats_to_the_face_to_face_need_only(base, per_day):
    """The seats the walk-in desk takes are needed too (face to face: the desk seats no one online)."""
    weeks = [MONDAY + timedelta(days=7 * n) for n in range(3)]
    before = {(r.week_start, r.service, r.mode): r for r in fc.needs(base, weeks)}
    after = fc.needs(replace(base, walk_ins_per_day={"koperasi": per_day}), weeks)
    for r in after:
        old = before.get((r.week_start, r.service, r.mode))
        days = sum(1 for d in WORKING if r.week_start <= d < r.week_start + timedelta(days=7))
        extra = per_day * days if (r.service, r.mode) == ("koperasi", "tatap_muka") else 0.0
        assert abs(r.needed - ((old.needed if old else 0.0) + extra)) < 1e-9
        assert r.short_hours >= (old.short_hours if old else 0.0)


def test_a_closed_day_the_visitor_would_have_chosen_never_brings_their_session_closer():
    """They would have offered days 1 and 5; day 5 closes. They are asked again only after day 5,
    not straight after day 1 (which would find the seat on day 3 and shorten the wait)."""
    seats = (fc.Seat(WORKING[2], "ukm", MODESETS[1]), fc.Seat(WORKING[4], "ukm", MODESETS[1]),
             fc.Seat(WORKING[6], "ukm", MODESETS[1]))
    base = fc.Inputs(MONDAY, OFFERED, WORKING, seats, (), patterns=((0, 4),))
    assert fc.estimate(base, "ukm", "daring", scenarios=5).median == 5
    closed = replace(base, seats=seats[:1] + seats[2:], closed=frozenset({WORKING[4]}))
    assert fc.estimate(closed, "ukm", "daring", scenarios=5).median == 7


# --- the estimate for the days a visitor picks -------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(inputs(), st.sampled_from(SERVICES), st.sampled_from(("tatap_muka", "daring")),
       st.lists(st.sampled_from(OFFERED), min_size=1, max_size=5, unique=True), st.sampled_from(OFFERED))
def test_the_days_picked_bound_the_estimate_and_one_more_day_never_lengthens_it(i, service, mode, picked, more):
    general, masks = fc.published(i, service, scenarios=30)[mode]
    e = fc.for_days(service, mode, picked, i.offered, i.working, masks, general)
    wider = fc.for_days(service, mode, picked + [more], i.offered, i.working, masks, general)
    if general.status == fc.NO_SEATS:
        assert e == general  # no seats for the choice at all: the general words stand
        return
    first = fc._working_index(i, min(picked))
    if e.status == fc.OK:
        assert e.median >= first  # never a session before the first day picked
        assert wider.status == fc.OK and wider.median <= e.median  # offering more never waits longer
    if e.status == fc.FULL:
        assert "penuh" in e.words()


def test_a_day_nobody_else_wants_is_the_estimate_and_a_full_day_says_so():
    seats = (fc.Seat(WORKING[2], "ukm", MODESETS[1]),)
    queue = (fc.Waiting("AAAAAA", "ukm", "daring", (WORKING[4],)),)  # waits for another day: leaves ours free
    i = fc.Inputs(MONDAY, OFFERED, WORKING, seats + (fc.Seat(WORKING[4], "ukm", MODESETS[1]),), queue)
    general, masks = fc.published(i, "ukm", scenarios=10)["daring"]
    assert fc.for_days("ukm", "daring", [WORKING[2]], i.offered, i.working, masks, general).median == 3
    full = fc.for_days("ukm", "daring", [WORKING[4]], i.offered, i.working, masks, general)
    assert full.status == fc.FULL and full.median is None
    assert fc.for_days("ukm", "daring", [date(2030, 1, 1)], i.offered, i.working, masks, general) == general
