"""`make run` fires every scheduled function on a local timer (chalice local does not)."""
from datetime import datetime, timezone

from chalice.app import ScheduledEventConfig

from app import app
from infra.local import timer


def test_timer_finds_every_scheduled_function():
    declared = {s.name for s in app.event_sources if isinstance(s, ScheduledEventConfig)}
    found = timer.scheduled_functions(app)
    assert {"allocate", "send_messages", "queue_reminders", "sync_meetings"} <= declared
    assert set(found) == declared
    assert all(callable(h) for h in found.values())


def test_timer_event_runs_the_allocation(aws):
    result = timer.fire(timer.scheduled_functions(app)["allocate"], "allocate", datetime.now(timezone.utc))
    assert {k: result[k] for k in ("waiting", "booked", "conflicts", "expired", "complete", "busy")} == {
        "waiting": 0, "booked": 0, "conflicts": 0, "expired": 0, "complete": True, "busy": False}


def test_the_timer_gives_each_function_the_time_the_deploy_gives_it():
    """Every scheduled function has its own timeout, and its work budget outside Lambda fits in it."""
    from chalicelib.services import jobs

    limits = timer.timeouts()
    for name in timer.scheduled_functions(app):
        assert name in limits, f"{name} has no lambda_timeout in .chalice/config.json"
        assert jobs.BUDGETS[name] < limits[name]
    context = timer.Context("allocate", limits["allocate"])
    assert limits["allocate"] * 1000 - 1000 < context.get_remaining_time_in_millis() <= limits["allocate"] * 1000
