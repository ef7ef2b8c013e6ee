"""When the clock's messages are due, and when they are too late to be useful.

  message                   moment                            queued from        skipped when
  cc_pengingat_besok        the day before, 16.00 WIB         moment - 30 min    > 6 h late, < 3 h before
                                                                                 the session, or booked
                                                                                 after the moment
  cc_pengingat_sejam        start - 60 min                    moment - 30 min    < 15 min before start
  cc_umpan_balik            end of a session marked hadir     end                > 2 days after the end
  cc_jadwal_konsultan       the day before, 16.00 WIB         moment - 30 min    from 08.00 WIB that day

messages/reminders.py queues them; messages/compose.py checks the same rules again when sending.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from ..domain import rules
from . import catalog

if TYPE_CHECKING:
    from ..store.models import SessionRecord

DAY_BEFORE_AT = time(16, 0)  # WIB
LOOKAHEAD = timedelta(minutes=30)  # > the 15-minute schedule: every moment is seen before it comes
DAY_BEFORE_LATE = timedelta(hours=6)
DAY_BEFORE_MIN_LEAD = timedelta(hours=3)
HOUR_BEFORE = timedelta(minutes=60)
HOUR_BEFORE_LAST = timedelta(minutes=15)  # no "in an hour" reminder this close to the start
FEEDBACK_LATE = timedelta(days=2)
SCHEDULE_LAST = time(8, 0)  # WIB, on the day itself


def _start(session: SessionRecord) -> datetime:
    return rules.parse_utc_iso(session.start)


def session_end(session: SessionRecord) -> datetime:
    return _start(session) + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)


def day_before_moment(day: date) -> datetime:
    return rules.wib_datetime(day - timedelta(days=1), DAY_BEFORE_AT)


def moment(kind: str, session: SessionRecord) -> datetime:
    if kind == catalog.PENGINGAT_BESOK:
        return day_before_moment(date.fromisoformat(session.day))
    if kind == catalog.PENGINGAT_SEJAM:
        return _start(session) - HOUR_BEFORE
    raise ValueError(kind)


def reminder_skip_reason(kind: str, session: SessionRecord, now: datetime) -> str | None:
    """Why a reminder should not go out at `now` (None: it may)."""
    at = moment(kind, session)
    if kind == catalog.PENGINGAT_BESOK:
        if rules.parse_utc_iso(session.created_at) > at:
            return "sesi dijadwalkan setelah waktu pengingat (konfirmasinya baru terkirim)"
        if now > at + DAY_BEFORE_LATE or now > _start(session) - DAY_BEFORE_MIN_LEAD:
            return "sudah terlambat untuk pengingat H-1"
        return None
    if now > _start(session) - HOUR_BEFORE_LAST:
        return "sudah terlambat untuk pengingat 1 jam"
    return None


def schedule_skip_reason(day: date, now: datetime) -> str | None:
    if now >= rules.wib_datetime(day, SCHEDULE_LAST):
        return "sudah terlambat untuk jadwal narasumber"
    return None


