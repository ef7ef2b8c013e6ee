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
    result = timer.scheduled_functions(app)["allocate"](timer.event(datetime.now(timezone.utc)), None)
    assert result == {"waiting": 0, "booked": 0, "conflicts": 0, "expired": 0}
