"""The unattended work: what each scheduled function does, and the staff's "run now" buttons.

Each job works within a deadline (the Lambda invocation's time left, or the budget below outside
Lambda), returns its summary as a dict (ids and counts only, never personal data), logs it, and
emits the metrics its alarms watch (chalicelib/adapters/metrics.py).
"""
from __future__ import annotations

import json
import logging

from ..adapters import launcher, metrics
from ..budget import Deadline
from ..messages import reminders, send
from . import allocation, broadcasts, forecast, insights, meetings, monthly, privacy

logger = logging.getLogger(__name__)

# Seconds of work when no Lambda context says otherwise: each a little under the function's
# timeout in .chalice/config.json (a test keeps them so).
BUDGETS = {"allocate": 110, "send_messages": 50, "sync_meetings": 230, "queue_reminders": 110,
           "send_broadcasts": 50, "anonymise_old_data": 590, "forecast": 50, "import_insights": 110,
           "monthly_report": 110}


def _deadline(name: str, deadline: Deadline | None) -> Deadline:
    return deadline or Deadline.seconds(BUDGETS[name])


def _logged(name: str, summary) -> dict:
    out = summary.as_dict()
    logger.info("%s %s", name, json.dumps(out))
    return out


def allocate(deadline: Deadline | None = None, *, run_id: str | None = None, continuation: int = 0) -> dict:
    try:
        summary = allocation.run_job(_deadline("allocate", deadline), run_id=run_id, continuation=continuation)
    except Exception:
        metrics.emit("AllocationFailures")
        raise
    if summary.conflicts:
        metrics.emit("AllocationConflicts", summary.conflicts)
    if not summary.complete and not summary.busy and continuation < allocation.MAX_CONTINUATIONS:
        # The deadline came first: carry on at once in a fresh invocation, with the same run record.
        nxt = continuation + 1
        launcher.launch("allocate", {"run_id": summary.run_id, "continuation": nxt},
                        lambda: allocate(run_id=summary.run_id, continuation=nxt))
    return _logged("allocation run", summary)


def start_allocation(actor: str) -> dict:
    """The admin's "run now": in the background, watched through its run record."""
    return allocation.start(actor, lambda run_id: launcher.launch(
        "allocate", {"run_id": run_id}, lambda: allocate(run_id=run_id)))


def sync_meetings(deadline: Deadline | None = None) -> dict:
    return _logged("zoom sync", meetings.run(deadline=_deadline("sync_meetings", deadline)))


def send_messages(deadline: Deadline | None = None) -> dict:
    return _logged("outbox run", send.send_due(deadline=_deadline("send_messages", deadline)))


def queue_reminders(deadline: Deadline | None = None) -> dict:
    return _logged("reminders queued", reminders.queue(deadline=_deadline("queue_reminders", deadline)))


def send_broadcasts(deadline: Deadline | None = None) -> dict:
    return _logged("broadcasts", broadcasts.run(deadline=_deadline("send_broadcasts", deadline)))


def anonymise_old_data(deadline: Deadline | None = None) -> dict:
    return _logged("retention", privacy.run_retention(deadline=_deadline("anonymise_old_data", deadline)))


def run_messages_now() -> dict:
    """The Kotak keluar's "run now": queue due reminders and send what is due (the two scheduled
    functions, at once)."""
    return {"reminders": queue_reminders(), "sent": send_messages()}


def publish_forecast(deadline: Deadline | None = None) -> dict:
    """The capacity forecast (services/forecast.py): one computation, two small items."""
    summary = forecast.publish()
    logger.info("forecast %s", json.dumps(summary))
    return summary


def import_insights(deadline: Deadline | None = None) -> dict:
    """The campaign posts' daily insights from Meta's Graph API (services/insights.py)."""
    return _logged("import_insights", insights.run_import(_deadline("import_insights", deadline)))


def monthly_report(deadline: Deadline | None = None) -> dict:
    """Last month's report on the month's first service day, kept and e-mailed (services/monthly.py)."""
    summary = monthly.run()
    logger.info("monthly_report %s", json.dumps(summary))
    return summary
