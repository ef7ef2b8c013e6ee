"""The scheduled functions. EventBridge schedules run in UTC (the comments say WIB); each
function works within its invocation's remaining time (its timeout is in .chalice/config.json)."""
from __future__ import annotations

from chalice import Blueprint, Cron, Rate

from ..budget import Deadline
from ..services import jobs

bp = Blueprint(__name__)

# Every 15 minutes, 07:00-17:45 WIB (00:00-10:45 UTC), Monday to Friday.
ALLOCATION_CRON = Cron("0/15", "0-10", "?", "*", "MON-FRI", "*")
# Every 5 minutes, every day (cancellations and moves happen any day).
MEETINGS_CRON = Cron("0/5", "*", "*", "*", "?", "*")
# Every day at 02:15 WIB (19:15 UTC the day before).
RETENTION_CRON = Cron(15, 19, "*", "*", "?", "*")
EVERY_MINUTE = Rate(1, unit=Rate.MINUTES)
# Every day at 06:10 WIB (23:10 UTC the day before): yesterday's social-media figures have settled.
INSIGHTS_CRON = Cron(10, 23, "*", "*", "?", "*")
# 07:00 WIB (00:00 UTC) on days 1-7 of each month: the function acts on the first service day only.
MONTHLY_CRON = Cron(0, 0, "1-7", "*", "?", "*")


def _deadline(event, job: str) -> Deadline:
    return Deadline.from_context(event.context, jobs.BUDGETS[job])


@bp.schedule(ALLOCATION_CRON, name="allocate")
def allocate_on_schedule(event) -> dict:
    """Also started by staff ("run now") with {"run_id": ...} in the event's detail."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    run_id = detail.get("run_id") if isinstance(detail.get("run_id"), str) else None
    continuation = detail.get("continuation") if isinstance(detail.get("continuation"), int) else 0
    return jobs.allocate(_deadline(event, "allocate"), run_id=run_id, continuation=continuation)


@bp.schedule(MEETINGS_CRON, name="sync_meetings")
def sync_meetings(event) -> dict:
    return jobs.sync_meetings(_deadline(event, "sync_meetings"))


@bp.schedule(EVERY_MINUTE, name="send_messages")
def send_messages(event) -> dict:
    return jobs.send_messages(_deadline(event, "send_messages"))


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="queue_reminders")
def queue_reminders(event) -> dict:
    return jobs.queue_reminders(_deadline(event, "queue_reminders"))


@bp.schedule(EVERY_MINUTE, name="send_broadcasts")
def send_broadcasts(event) -> dict:
    return jobs.send_broadcasts(_deadline(event, "send_broadcasts"))


@bp.schedule(RETENTION_CRON, name="anonymise_old_data")
def anonymise_old_data(event) -> dict:
    return jobs.anonymise_old_data(_deadline(event, "anonymise_old_data"))


@bp.schedule(Rate(30, unit=Rate.MINUTES), name="forecast")
def publish_forecast(event) -> dict:
    """Every 30 minutes: the waiting-time estimate the signup page shows (services/forecast.py)."""
    return jobs.publish_forecast(_deadline(event, "forecast"))


@bp.schedule(INSIGHTS_CRON, name="import_insights")
def import_insights(event) -> dict:
    """Every day: the campaign posts' views, likes, comments and questions (services/insights.py)."""
    return jobs.import_insights(_deadline(event, "import_insights"))


@bp.schedule(MONTHLY_CRON, name="monthly_report")
def monthly_report(event) -> dict:
    """Last month's report, on the first service day of the month (services/monthly.py)."""
    return jobs.monthly_report(_deadline(event, "monthly_report"))
