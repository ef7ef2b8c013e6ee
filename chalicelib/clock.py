"""The one clock of the system: every "what time is it" of the code is asked here.

Instants are timezone-aware UTC datetimes (stored as ISO 8601 with a Z); the clinic's day and
week are those of WIB (Asia/Jakarta, UTC+7). The domain never asks the clock: it receives `now`
as an argument, so its rules are pure and a test can hand it any instant.

Tests move this clock with time-machine (one fixture, `tests/conftest.py`), which moves Python's
own time functions, so an instant set by a test is seen by every layer and by the libraries below
them (token expiry, e-mail dates) alike. Durations are measured with `time.monotonic`, which no
test moves: a Lambda deadline stays a real deadline.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

from .domain import rules


def now() -> datetime:
    """This instant, in UTC."""
    return datetime.now(timezone.utc)


def wib_now() -> datetime:
    """This instant on the clinic's wall clock (WIB)."""
    return rules.wib_now(now())


def today() -> date:
    """The clinic's calendar day (WIB): a visitor's "today", the staff's "today"."""
    return wib_now().date()


def epoch_seconds() -> float:
    """This instant as seconds since 1970 (token lifetimes, metric timestamps)."""
    return time.time()
