"""The unattended work: what each scheduled function does, and the staff's "run now" buttons.

Each job returns its summary as a dict (ids and counts only, never personal data), logs it,
and emits the metrics its alarms watch (chalicelib/metrics.py).
"""
from __future__ import annotations

import json
import logging

from .. import metrics
from ..messages import reminders, send
from . import allocation, broadcasts, meetings, privacy

logger = logging.getLogger(__name__)


def _logged(name: str, summary) -> dict:
    out = summary.as_dict()
    logger.info("%s %s", name, json.dumps(out))
    return out


def allocate() -> dict:
    try:
        summary = allocation.run()
    except Exception:
        metrics.emit("AllocationFailures")
        raise
    if summary.conflicts:
        metrics.emit("AllocationConflicts", summary.conflicts)
    return _logged("allocation run", summary)


def sync_meetings() -> dict:
    return _logged("zoom sync", meetings.run())


def send_messages() -> dict:
    return _logged("outbox run", send.send_due())


def queue_reminders() -> dict:
    return _logged("reminders queued", reminders.queue())


def send_broadcasts() -> dict:
    return _logged("broadcasts", broadcasts.run())


def anonymise_old_data() -> dict:
    return _logged("retention", privacy.run_retention())
