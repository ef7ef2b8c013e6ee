"""The scheduled functions (EventBridge schedules run in UTC; the comments say WIB)."""
from __future__ import annotations

from chalice import Blueprint, Cron, Rate

from ..services import jobs

bp = Blueprint(__name__)

# Every 15 minutes, 07:00-17:45 WIB (00:00-10:45 UTC), Monday to Friday.
ALLOCATION_CRON = Cron("0/15", "0-10", "?", "*", "MON-FRI", "*")
# Every 5 minutes, every day (cancellations and moves happen any day).
MEETINGS_CRON = Cron("0/5", "*", "*", "*", "?", "*")
# Every day at 02:15 WIB (19:15 UTC the day before).
RETENTION_CRON = Cron(15, 19, "*", "*", "?", "*")
EVERY_MINUTE = Rate(1, unit=Rate.MINUTES)


@bp.schedule(ALLOCATION_CRON, name="allocate")
def allocate_on_schedule(event):
    return jobs.allocate()


@bp.schedule(MEETINGS_CRON, name="sync_meetings")
def sync_meetings(event):
    return jobs.sync_meetings()


@bp.schedule(EVERY_MINUTE, name="send_messages")
def send_messages(event):
    return jobs.send_messages()


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="queue_reminders")
def queue_reminders(event):
    return jobs.queue_reminders()


@bp.schedule(EVERY_MINUTE, name="send_broadcasts")
def send_broadcasts(event):
    return jobs.send_broadcasts()


@bp.schedule(RETENTION_CRON, name="anonymise_old_data")
def anonymise_old_data(event):
    return jobs.anonymise_old_data()
