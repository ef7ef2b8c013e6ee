"""The evaluation counters and the dashboard: counts kept in the same transaction as the
change, exact through cancel / rebook / move / attendance corrections, and a dashboard that reads
the same number of items however many registrations exist."""
import json
from datetime import date, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain import counters as stats
from chalicelib.domain import rules
from chalicelib.services import allocation, capacity, roster
from chalicelib.store import stats as stats_store
from tests.support.clinic import (after_its_days, after_start, bookable_days, make_clinic, register, session_of,
                                  visitor_headers)


@pytest.fixture
def clinic(aws):
    make_clinic()


# --- pure -------------------------------------------------------------------------------------

def test_registration_event_counts_its_week_and_the_campaign_total():
    changes = stats.registration_created(created_at="2026-11-29T18:30:00Z", service="ukm", topics=["pemasaran", "keuangan"],
                                         source="instagram", campaign="ig-nov", kecamatan="Babakan Madang", mode="daring")
    # 18:30 UTC on Sunday 29 Nov is 01:30 WIB on Monday 30 Nov: ISO week 49 of 2026.
    assert set(changes) == {"W#2026-W49", "ALL"}
    week = changes["W#2026-W49"]
    assert week["reg"] == 1 and week["reg|svc|ukm"] == 1 and week["reg|kec|Babakan Madang"] == 1
    assert week["reg|top|pemasaran"] == week["reg|top|keuangan"] == 1 and week["reg|camp|ig-nov"] == 1
    assert changes["ALL"] == {"reg|camp|ig-nov": 1}
    odd = stats.registration_created(created_at="2026-11-30T01:00:00Z", service="x", topics=[], source="?",
                                     campaign="no spaces allowed", kecamatan="Atlantis", mode="daring")
    assert odd["W#2026-W49"]["reg|kec|lainnya"] == 1 and not any("camp" in k for k in odd["W#2026-W49"])
    assert "ALL" not in odd  # no campaign: the shared all-time item is not touched


def test_a_move_within_the_week_cancels_out_and_rebooking_is_not_a_second_schedule():
    created = "2026-11-23T02:00:00Z"
    booked = stats.session_booked(registration_created_at=created, first=True, day="2026-11-26", service="koperasi", mode="daring")
    assert booked == {"W#2026-W48": {"sched": 1, "seat": 1, "seat|svc|koperasi": 1, "seat|mode|daring": 1, "wait|3": 1}}
    moved = stats.merge(
        stats.session_released(registration_created_at=created, day="2026-11-26", service="koperasi", mode="daring",
                               new_status=rules.SESSION_CANCELLED_OFFICE, registration_status=rules.STATUS_WAITING, moving=True),
        stats.session_booked(registration_created_at=created, first=False, day="2026-11-27", service="koperasi", mode="daring"))
    assert moved == {"W#2026-W48": {"wait|3": -1, "wait|4": 1}}


def test_attendance_corrections_move_counts_not_add_them():
    created, day = "2026-11-23T02:00:00Z", "2026-12-01"
    noshow = stats.attendance_changed(registration_created_at=created, day=day, old="terjadwal", new="tidak_hadir")
    fixed = stats.attendance_changed(registration_created_at=created, day=day, old="tidak_hadir", new="hadir")
    total = stats.merge(noshow, fixed)
    assert total == {"W#2026-W49": {"s|att": 1}, "W#2026-W48": {"att": 1}}


def test_feedback_sums_give_averages_and_nps():
    from chalicelib.domain.counters import feedback_summary

    answers = [(5, 5, 10, "ya"), (4, 5, 9, "ya"), (3, 4, 7, "sebagian"), (2, 2, 3, "tidak")]
    changes = stats.merge(*[stats.feedback_given(registration_created_at="2026-11-23T02:00:00Z", day="2026-11-26",
                                                 consultant_id="K-SITI", service="koperasi", topics=["keuangan"],
                                                 satisfaction=s, helpfulness=h, recommend=r, answered=a)
                            for s, h, r, a in answers])
    week = changes["W#2026-W48"]
    assert week["fb"] == 4
    summary = feedback_summary({k.rsplit("|", 1)[1]: v for k, v in week.items() if k.startswith("fb|con|K-SITI|")})
    assert summary["count"] == 4 and summary["avg_satisfaction"] == 3.5 and summary["avg_helpfulness"] == 4.0
    assert summary["nps"] == 25  # 2 promoters, 1 passive, 1 detractor of 4: (2 - 1) / 4
    assert summary["answered"] == {"ya": 2, "sebagian": 1, "tidak": 1} and summary["answered_share"]["ya"] == 0.5


def test_waiting_time_percentiles_from_the_histogram():
    histogram = {"wait|1": 5, "wait|2": 3, "wait|7": 1, "wait|61+": 1}
    assert stats.percentile_days(histogram, 0.5) == 1
    assert stats.percentile_days(histogram, 0.9) == 7
    assert stats.percentile_days(histogram, 1.0) == 61
    assert stats.percentile_days({}, 0.5) is None
    assert stats.weeks_covering(date(2026, 11, 25), date(2026, 12, 1)) == [date(2026, 11, 23), date(2026, 11, 30)]


# --- through the real flows -------------------------------------------------------------------

def week_items(*days):
    return stats_store.read_periods([stats.week_key(d) for d in days])


@pytest.mark.instants
def test_counters_stay_right_through_cancel_rebook_move_and_attendance(client, clinic, admin, monkeypatch, travel):
    today = clock.today()  # the day of the registrations (the clock moves on to the sessions below)
    days = bookable_days(client)
    # Andi gave an e-mail: face to face + two messages + counters in two weeks is the largest
    # booking transaction (10 items, DynamoDB Local's limit under `make run`).
    a = register(client, name="Andi", phone="0813-7100-0001", kecamatan="Cibinong", topics=["keuangan", "legalitas"],
                 source="instagram", campaign="ig-nov", days=[days[0]], email="andi@contoh.id")
    b = register(client, name="Beni", phone="0813-7100-0002", kecamatan="Ciawi", days=[days[0], days[1]])
    c = register(client, name="Citra", phone="0813-7100-0003", service="ukm", mode="daring", kecamatan="Cibinong",
                 source="whatsapp", campaign="wa-B1")
    assert allocation.run().booked == 3

    # Beni asks for another day (seat released, back in the queue) and is booked again.
    moved = client.http.post(f"/registrations/{b['reference']}/days", headers=visitor_headers(b),
                             body=json.dumps({"days": [days[1]], "confirm": True}))
    assert moved.status_code == 200
    assert allocation.run().booked == 1
    # Citra's session is cancelled by the office without requeueing: the registration ends cancelled.
    assert admin.post(f"/staff/sessions/{session_of(c).session_id}/cancel", {"requeue": False}).status_code == 200
    # Andi's session is moved by the coordinator to 10:00 the same day.
    sa = session_of(a)
    seat = next(s for s in admin.get(f"/staff/slots?from={days[0]}&to={days[0]}").json_body["slots"]
                if s["consultant_id"] == "K-SITI" and not s["taken"] and s["start_wib"].endswith("10:00"))
    assert admin.put(f"/staff/sessions/{sa.session_id}", {"start": seat["start"], "consultant_id": "K-SITI"}).status_code == 200

    # Attendance: Andi came; Beni first recorded as no-show, then corrected to came.
    sa, sb = session_of(a), session_of(b)
    after_start(travel, sb)
    assert admin.post(f"/staff/sessions/{sa.session_id}/attendance", {"status": "hadir"}).status_code == 200
    assert admin.post(f"/staff/sessions/{sb.session_id}/attendance", {"status": "tidak_hadir"}).status_code == 200
    assert admin.post(f"/staff/sessions/{sb.session_id}/attendance", {"status": "hadir"}).status_code == 200

    dates = {today, date.fromisoformat(days[0]), date.fromisoformat(days[1])}
    items = list(week_items(*dates).values())
    total = lambda name: stats.total(items, name)  # noqa: E731
    assert total("reg") == 3 and total("sched") == 3, "a rebooking or a move is not a second 'scheduled'"
    assert total("att") == 2 and total("s|att") == 2 and total("s|noshow") == 0
    # Beni's other dates are not a cancellation (counted apart); Citra's office cancellation is.
    assert total("cancel") == 1 and total("s|cancel_o") == 1 and total("s|cancel_v") == 0 and total("s|other_dates") == 1
    assert total("seat") == 2 and total("seat|svc|koperasi") == 2 and total("seat|svc|ukm") == 0
    assert sum(v for k, v in stats.by_prefix(items, "wait|").items()) == 2
    assert stats.by_prefix(items, "reg|kec|") == {"Cibinong": 2, "Ciawi": 1}
    assert stats.by_prefix(items, "reg|camp|") == {"ig-nov": 1, "wa-B1": 1}
    assert stats_store.read_periods([stats.ALL])[stats.ALL] == {"reg|camp|ig-nov": 1, "reg|camp|wa-B1": 1}

    # Cross-check against the data itself: the counters agree with the sessions that hold seats.
    held = [s for d in days[:2] for s in capacity.sessions_between(date.fromisoformat(d), date.fromisoformat(d))
            if s.status in rules.SEAT_HOLDING_STATUSES]
    assert len(held) == total("seat")


@pytest.mark.instants
def test_visitor_cancel_without_a_session_and_expiry_are_counted(client, clinic):
    a = register(client, name="Andi", phone="0813-7200-0001", service="ukm", mode="daring")
    ok = client.http.post(f"/registrations/{a['reference']}/cancel", headers=visitor_headers(a), body="{}")
    assert ok.status_code == 200
    b = register(client, name="Beni", phone="0813-7200-0002", service="ukm", mode="daring")
    roster.add_exception("admin@demo.local", {"consultant_id": "K-BUDI", "day": bookable_days(client)[0], "service": "ukm", "kind": "cuti"})
    later = after_its_days(b["ref"])
    assert allocation.run(now=later).expired == 1
    items = list(week_items(clock.today()).values())
    assert stats.total(items, "cancel") == 1 and stats.total(items, "exp") == 1 and stats.total(items, "sched") == 0


def test_a_failed_booking_counts_nothing(client, clinic, admin):
    a = register(client, name="Andi", phone="0813-7300-0001")
    b = register(client, name="Beni", phone="0813-7300-0002")
    day = bookable_days(client)[0]
    seat = next(s for s in admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"] if s["service"] == "koperasi")
    assert admin.post("/staff/sessions", {"reference": a["reference"], "start": seat["start"], "consultant_id": "K-SITI"}).status_code == 201
    assert admin.post("/staff/sessions", {"reference": b["reference"], "start": seat["start"], "consultant_id": "K-SITI"}).status_code == 409
    items = list(week_items(clock.today(), date.fromisoformat(day)).values())
    assert stats.total(items, "seat") == 1 and stats.total(items, "sched") == 1


# --- the dashboard ------------------------------------------------------------------------------

def _weekdays_open(start: date, end: date) -> int:
    closed = roster.closed_days(start, end)
    return sum(1 for n in range((end - start).days + 1)
               if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) not in closed)


@pytest.mark.instants
def test_dashboard_figures_match_a_hand_count(client, clinic, admin, monkeypatch, travel):
    today = clock.today()  # the day of the registrations (the clock moves on to the sessions below)
    days = bookable_days(client)
    a = register(client, name="Andi", phone="0813-7400-0001", kecamatan="Cibinong", topics=["keuangan"], source="instagram",
                 campaign="ig-nov", days=[days[0]])
    register(client, name="Beni", phone="0813-7400-0002", kecamatan="Cibinong", days=[days[0]])
    c = register(client, name="Citra", phone="0813-7400-0003", service="ukm", mode="daring", kecamatan="Jonggol", source="facebook")
    assert admin.post("/staff/campaigns", {"code": "ig-nov", "name": "Instagram November", "channel": "instagram"}).status_code == 201
    assert admin.post("/staff/campaigns/ig-nov/posts", {"platform": "instagram", "likes": 120, "comments": 14, "questions": 5}).status_code == 201
    assert admin.post("/staff/campaigns/ig-nov/posts", {"platform": "instagram", "likes": 30, "comments": 1, "questions": 2}).status_code == 201
    allocation.run()
    sa, sc = session_of(a), session_of(c)
    after_start(travel, sc)
    admin.post(f"/staff/sessions/{sa.session_id}/attendance", {"status": "hadir"})
    admin.post(f"/staff/sessions/{sc.session_id}/attendance", {"status": "tidak_hadir"})

    to = date.fromisoformat(days[0]) + timedelta(days=1)
    answer = admin.get(f"/staff/dashboard?from={today}&to={to}")
    assert answer.status_code == 200, answer.json_body
    d = answer.json_body
    monday = today - timedelta(days=today.weekday())
    assert d["range"]["from"] == monday.isoformat() and d["range"]["unit"] == "week"
    sunday = date.fromisoformat(d["range"]["to"])
    assert sunday.weekday() == 6 and sunday >= to

    assert d["registrations"]["total"] == 3
    assert {r["key"]: r["count"] for r in d["registrations"]["by_service"]} == {"koperasi": 2, "ukm": 1}
    assert {r["key"]: r["count"] for r in d["registrations"]["by_source"]} == {
        "instagram": 1, "facebook": 1, "whatsapp": 0, "teman": 1, "acara": 0, "lainnya": 0, "tidak_disebut": 0}
    assert d["registrations"]["by_campaign"] == [{"code": "ig-nov", "name": "Instagram November", "count": 1}]
    assert sum(w["total"] for w in d["registrations"]["per_week"]) == 3

    reach = {k["name"]: k["count"] for k in d["reach"]["kecamatan"]}
    assert len(reach) == 40 and list(reach) == list(rules.kecamatan_list())
    assert reach["Cibinong"] == 2 and reach["Jonggol"] == 1 and sum(reach.values()) == 3
    assert d["reach"]["reached"] == 2

    assert d["funnel"] == {"registered": 3, "scheduled": 3, "attended": 1, "feedback": 0, "cancelled": 0, "expired_events": 0}
    s = d["sessions"]
    assert s["held_seats"] == 3 and s["attended"] == 1 and s["no_show"] == 1 and s["no_show_rate"] == 0.5
    wait = (date.fromisoformat(days[0]) - today).days
    assert s["waiting_days"]["median"] == wait and s["waiting_days"]["p90"] == wait and s["waiting_days"]["count"] == 3
    # Siti 6 morning seats + Budi 6 afternoon seats on every open weekday of the covered weeks.
    offered = 12 * _weekdays_open(monday, sunday)
    assert s["utilisation"] == {"offered": offered, "taken": 3, "rate": round(3 / offered, 3)}

    camp = next(c for c in d["campaigns"] if c["code"] == "ig-nov")
    assert camp["interaction"] == {"likes": 150, "comments": 15, "questions": 7}
    assert camp["registrations"] == 1 and camp["registrations_all_time"] == 1 and len(camp["posts"]) == 2
    assert camp["link"].endswith("/?src=ig-nov")


def test_dashboard_reads_do_not_grow_with_registrations(client, clinic, admin, dynamo_ops):
    today = clock.today()
    register(client, name="Andi", phone="0813-7500-0001")
    path = f"/staff/dashboard?from={today - timedelta(days=90)}&to={today}"
    dynamo_ops.clear()
    assert admin.get(path).status_code == 200
    few = list(dynamo_ops)
    for n in range(200):  # many more registrations' worth of counts, spread over the weeks
        stats_store.apply(stats.registration_created(created_at=rules.to_utc_iso(
            clock.wib_now() - timedelta(days=n % 90)), service="ukm", topics=["pemasaran"], source="teman",
            campaign=None, kecamatan=rules.kecamatan_list()[n % 40], mode="daring"))
    dynamo_ops.clear()
    d = admin.get(path).json_body
    assert d["registrations"]["total"] == 201
    assert sorted(dynamo_ops) == sorted(few)
    assert "Scan" not in dynamo_ops and dynamo_ops.count("BatchGetItem") == 1


def test_dashboard_refuses_bad_ranges_and_konsultan(client, clinic, admin, konsultan):
    bad = admin.get("/staff/dashboard?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 400 and "to" in bad.json_body["errors"]
    assert admin.get("/staff/dashboard?from=2020-01-01&to=2026-01-01").status_code == 400
    assert konsultan.get("/staff/dashboard").status_code == 403


def test_asking_for_other_dates_is_counted_apart_from_cancellations(client, clinic, admin):
    """A visitor who gives up a session for other dates has not cancelled: the dashboard and the
    monthly report count it on its own line, and the page says how each figure is counted."""
    days = bookable_days(client)
    a = register(client, name="Andi", phone="0813-7500-0001", days=[days[0]])
    assert allocation.run().booked == 1
    session = session_of(a)
    moved = client.http.post(f"/registrations/{a['reference']}/days", headers=visitor_headers(a),
                             body=json.dumps({"days": [days[1]], "confirm": True}))
    assert moved.status_code == 200
    d = admin.get(f"/staff/dashboard?from={days[0]}&to={days[0]}").json_body
    assert d["sessions"]["other_dates"] == 1
    assert d["sessions"]["cancelled_by_visitor"] == 0 and d["sessions"]["cancelled_by_office"] == 0
    assert "tanggal daftar" in d["definitions"]["cohort"] or "mendaftar" in d["definitions"]["cohort"]
    assert "tanggalnya" in d["definitions"]["sessions"]
    report = admin.get(f"/staff/reports/{days[0][:7]}.csv?sheet=ringkasan").body.decode("utf-8-sig")
    assert "Minta tanggal lain (bukan pembatalan),1" in report and "Sesi dibatalkan,0" in report
    sheet = admin.get(f"/staff/reports/{days[0][:7]}.csv?sheet=sesi").body.decode("utf-8-sig")
    assert "Minta tanggal lain" in sheet and session.reference[:3] in sheet
