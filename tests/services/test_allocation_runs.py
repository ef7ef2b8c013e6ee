"""The allocation run as an unattended job: within its deadline, one at a time (the lease), started
by staff in the background and watched, and never acting on days a visitor withdrew meanwhile."""
from datetime import timedelta

import pytest

from chalicelib import clock
from chalicelib.budget import Deadline
from chalicelib.domain import rules
from chalicelib.services import allocation, booking, jobs
from chalicelib.store import registrations as registrations_store
from chalicelib.store import runs as runs_store
from chalicelib.store.models import LockRecord, Registration, SessionRecord
from tests.services.test_booking import clinic, first_day, register, status_page  # noqa: F401 - fixture


def bookable(client) -> list[str]:
    return client.http.get("/public/options").json_body["days"]


def scheduled_sessions() -> list:
    return [SessionRecord.get(r.session_id) for r in Registration.by_status.query(rules.STATUS_SCHEDULED)]


def test_days_changed_during_a_run_are_not_booked_on(client, clinic, monkeypatch):
    days = bookable(client)
    reg = register(client, days=[days[0]])
    real_waiting = registrations_store.waiting
    reads = []

    def read_then_visitor_changes_days():
        queue = real_waiting()  # the run has read days[0]...
        if not reads:
            answer = client.http.post(f"/registrations/{reg['reference']}/days", headers={
                "X-Registration-Token": reg["token"], "Content-Type": "application/json"},
                body=f'{{"days": ["{days[3]}"]}}')
            assert answer.status_code == 200  # ...and the visitor withdraws it for days[3]
        reads.append(len(queue))
        return queue

    monkeypatch.setattr(registrations_store, "waiting", read_then_visitor_changes_days)
    summary = allocation.run()
    # The booking on the withdrawn day loses; the run reads the queue again and books the day
    # the visitor offers now, in the same run (not a seat left empty until the next one).
    assert (summary.booked, summary.conflicts) == (1, 1) and len(reads) == 2
    assert status_page(client, reg)["status"] == "terjadwal" and status_page(client, reg)["days"] == [days[3]]
    assert [s.day for s in scheduled_sessions()] == [days[3]]
    monkeypatch.undo()
    assert allocation.run().booked == 0


@pytest.mark.instants
def test_a_registration_given_new_days_during_a_run_is_not_expired(client, clinic, monkeypatch):
    days = bookable(client)
    reg = register(client, days=[days[0]])
    ref = reg["reference"].replace("-", "")
    past = (clock.today() - timedelta(days=3)).isoformat()
    Registration(ref).update(actions=[Registration.days.set([past])])  # its only day has passed
    real_waiting = registrations_store.waiting

    def read_then_new_days():
        queue = real_waiting()
        Registration(ref).update(actions=[Registration.days.set([days[1]])])  # the visitor offers a new day
        return queue

    monkeypatch.setattr(registrations_store, "waiting", read_then_new_days)
    assert allocation.run().expired == 0
    assert Registration.get(ref).status == "menunggu"


def test_a_run_stops_before_its_deadline_with_whole_bookings_and_the_next_carries_on(client, clinic, monkeypatch):
    day = first_day(client)
    for i in range(6):
        register(client, name=f"Peserta {i}", phone=f"0813-7100-00{i:02d}", days=[day])
    booked = []
    real_book = booking.book
    monkeypatch.setattr(booking, "book", lambda *a, **k: booked.append(1) or real_book(*a, **k))
    deadline = Deadline(lambda: 60.0 if len(booked) < 2 else allocation.STOP_RESERVE_SECONDS - 1)
    first = allocation.run(deadline=deadline)
    assert (first.booked, first.complete) == (2, False)
    sessions = scheduled_sessions()
    assert len(sessions) == 2 and all(LockRecord.get(f"seat#{s.seat_id}") for s in sessions)
    assert sum(1 for _ in Registration.by_status.query("menunggu")) == 4
    second = allocation.run(deadline=Deadline.seconds(60))
    assert (second.booked, second.complete) == (4, True)
    assert len({s.seat_id for s in scheduled_sessions()}) == 6


def test_a_run_that_reaches_its_deadline_continues_itself_under_the_same_run(client, clinic, monkeypatch):
    day = first_day(client)
    for i in range(5):
        register(client, name=f"Peserta {i}", phone=f"0813-7200-00{i:02d}", days=[day])
    calls = []
    real_run = allocation.run

    def short_first_invocation(now=None, *, deadline=None, **kw):
        calls.append(1)
        if len(calls) == 1:  # the first invocation has time for two bookings only
            left = iter([60.0, 60.0] + [0.0] * 50)
            deadline = Deadline(lambda: next(left))
        return real_run(now, deadline=deadline, **kw)

    monkeypatch.setattr(allocation, "run", short_first_invocation)
    result = jobs.allocate(run_id="R20261201000000AAAAAA")
    assert len(calls) == 2, "the run started its own continuation"
    run = allocation.get_run("R20261201000000AAAAAA")
    assert run["status"] == "selesai" and run["finished"] and run["booked"] == 3
    assert result["complete"] is False and len(scheduled_sessions()) == 5


def test_run_now_answers_202_at_once_and_the_page_can_watch_the_run(client, clinic, admin):
    register(client)
    started = admin.post("/staff/allocation/run", {})
    assert started.status_code == 202
    body = started.json_body
    assert body["run_id"].startswith("R") and body["already_running"] is False
    watched = admin.get(f"/staff/allocation/runs/{body['run_id']}")
    assert watched.status_code == 200
    run = watched.json_body
    assert (run["status"], run["finished"], run["waiting"], run["booked"]) == ("selesai", True, 1, 1)
    assert run["requested_by"] == "admin@demo.local"
    assert admin.get("/staff/allocation/runs/R000").status_code == 404
    assert admin.get("/staff/allocation/runs/lease%23allocate").status_code == 404


def test_a_second_run_while_one_holds_the_lease_does_nothing(client, clinic, admin):
    register(client)
    now = clock.wib_now().astimezone(rules.UTC)
    runs_store.create("R20261201090000BBBBBB", allocation.KIND, "admin@demo.local", allocation.RUNNING, now)
    assert runs_store.take_lease(allocation.KIND, "R20261201090000BBBBBB", now, 600)
    scheduled = jobs.allocate()
    assert scheduled["busy"] is True and scheduled["booked"] == 0 and scheduled["run_id"] == "R20261201090000BBBBBB"
    again = admin.post("/staff/allocation/run", {})
    assert again.status_code == 202 and again.json_body["already_running"] is True
    assert again.json_body["run_id"] == "R20261201090000BBBBBB"
    assert scheduled_sessions() == []
    runs_store.release_lease(allocation.KIND, "R20261201090000BBBBBB")
    assert jobs.allocate()["booked"] == 1


def test_a_lease_left_by_a_dead_run_runs_out(aws):
    now = clock.wib_now().astimezone(rules.UTC)
    assert runs_store.take_lease("allocate", "R-dead", now - timedelta(seconds=allocation.LEASE_SECONDS + 1),
                                 allocation.LEASE_SECONDS)
    assert runs_store.lease_holder("allocate", now) is None
    assert runs_store.take_lease("allocate", "R-new", now, 60)
    assert not runs_store.take_lease("allocate", "R-other", now, 60)


@pytest.mark.parametrize("left", [0.5, allocation.STOP_RESERVE_SECONDS])
def test_no_booking_starts_when_the_deadline_is_too_close(client, clinic, left):
    register(client)
    summary = allocation.run(deadline=Deadline(lambda: left))
    assert (summary.booked, summary.complete) == (0, False)
    assert scheduled_sessions() == []
