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


def test_the_timer_runs_each_function_on_its_deployed_schedule():
    """The allocation runs every 15 minutes 07.00-17.45 WIB on working days, as EventBridge runs it;
    the sender every minute, any day; the retention once a night."""
    from datetime import timedelta

    from infra.local.schedule import Schedule

    when = timer.schedules(app)
    allocate, send, retention = when["allocate"], when["send_messages"], when["anonymise_old_data"]
    monday_8_wib = datetime(2027, 1, 11, 1, 0, tzinfo=timezone.utc)
    saturday_8_wib = datetime(2027, 1, 9, 1, 0, tzinfo=timezone.utc)
    minute = timedelta(minutes=1)
    assert allocate.due(monday_8_wib, monday_8_wib - minute)
    assert not allocate.due(monday_8_wib + 5 * minute, monday_8_wib + 4 * minute)  # between quarter hours
    assert not allocate.due(saturday_8_wib, saturday_8_wib - minute)  # no allocation at the weekend
    evening = datetime(2027, 1, 11, 11, 0, tzinfo=timezone.utc)  # 18.00 WIB: after the last run at 17.45
    assert not allocate.due(evening, evening - 10 * minute)
    assert send.due(saturday_8_wib, saturday_8_wib - minute)
    night = datetime(2027, 1, 9, 19, 15, tzinfo=timezone.utc)
    assert retention.due(night, night - minute) and not retention.due(night + minute, night)
    assert Schedule("cron(0 9 1 JAN,JUL ? *)").matches(datetime(2027, 7, 1, 9, 0, tzinfo=timezone.utc))
    assert not Schedule("cron(0 9 1 JAN,JUL ? *)").matches(datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc))
