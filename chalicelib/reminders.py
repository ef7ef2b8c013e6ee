"""Messages that come from the clock, not from a change: reminders, feedback requests and the
consultants' schedule for the next day.

`queue(now)` (the scheduled function `queue_reminders`, every 15 minutes) reads the sessions of
yesterday, today and tomorrow (GSI by_day: three Queries) and puts each message that is due
soon with a deterministic id and `attribute_not_exists`: a second run, or a run that overlaps
another, finds the record and adds nothing. Records carry the exact moment as next_attempt_at,
so `send_messages` (every minute) sends them on time even though this run is coarser. A run that
comes late still queues what is late but useful, and skips what is too late:

  message                   moment                            queued from        skipped when
  cc_pengingat_besok        the day before, 16.00 WIB         moment - 30 min    > 6 h late, < 3 h before
                                                                                 the session, or booked
                                                                                 after the moment
  cc_pengingat_sejam        start - 60 min                    moment - 30 min    < 15 min before start
  cc_umpan_balik            end of a session marked hadir     end                > 2 days after the end
  cc_jadwal_konsultan       the day before, 16.00 WIB         moment - 30 min    from 08.00 WIB that day

The same "too late" rules are checked again when the message is sent (outbox.build).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import messages, outbox, rules
from .models import Registration, SessionRecord

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


def _end(session: SessionRecord) -> datetime:
    return _start(session) + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)


def day_before_moment(day: date) -> datetime:
    return rules.wib_datetime(day - timedelta(days=1), DAY_BEFORE_AT)


def moment(kind: str, session: SessionRecord) -> datetime:
    if kind == "cc_pengingat_besok":
        return day_before_moment(date.fromisoformat(session.day))
    if kind == "cc_pengingat_sejam":
        return _start(session) - HOUR_BEFORE
    raise ValueError(kind)


def reminder_skip_reason(kind: str, session: SessionRecord, now: datetime) -> str | None:
    """Why a reminder should not go out at `now` (None: it may)."""
    at = moment(kind, session)
    if kind == "cc_pengingat_besok":
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


@dataclass
class QueueSummary:
    sessions: int = 0
    queued: int = 0
    already: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _visitor_channels(reg: Registration | None) -> list[str]:
    if reg is None:
        return []
    return [messages.WHATSAPP] + ([messages.EMAIL] if reg.email else [])


def _feedback_available() -> bool:
    try:
        from . import feedback  # noqa: F401
    except ImportError:
        return False
    return True


def queue(now: datetime | None = None) -> QueueSummary:
    now = now or datetime.now(rules.UTC)
    summary = QueueSummary()
    today = rules.wib_now(now).date()
    data = outbox.Data()
    candidates: list[tuple[str, SessionRecord, datetime]] = []
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        for s in data.sessions_of_day(day.isoformat()):
            summary.sessions += 1
            if s.status == rules.SESSION_SCHEDULED:
                for kind in ("cc_pengingat_besok", "cc_pengingat_sejam"):
                    at = moment(kind, s)
                    if now >= at - LOOKAHEAD and reminder_skip_reason(kind, s, max(now, at)) is None:
                        candidates.append((kind, s, at))
            elif s.status == rules.SESSION_ATTENDED and _feedback_available():
                end = _end(s)
                if end <= now <= end + FEEDBACK_LATE:
                    candidates.append(("cc_umpan_balik", s, now))

    for kind, s, at in candidates:
        reg = data.registration(s.reference)
        for channel in _visitor_channels(reg):
            record = outbox.new_record(kind, channel, s.session_id, recipient_kind=messages.VISITOR, now=now,
                                       reference=s.reference, session_id=s.session_id, not_before=at)
            _put(record, summary)

    tomorrow = today + timedelta(days=1)
    at = day_before_moment(tomorrow)
    if now >= at - LOOKAHEAD and schedule_skip_reason(tomorrow, now) is None:
        busy = sorted({s.consultant_id for s in data.sessions_of_day(tomorrow.isoformat())
                       if s.status == rules.SESSION_SCHEDULED})
        for consultant_id in busy:
            c = data.consultant(consultant_id)
            if c is None or not c.active:
                continue
            channels = ([messages.WHATSAPP] if c.phone else []) + ([messages.EMAIL] if c.email else [])
            for channel in channels:
                record = outbox.new_record("cc_jadwal_konsultan", channel, f"{consultant_id}#{tomorrow.isoformat()}",
                                           recipient_kind=messages.CONSULTANT, now=now, consultant_id=consultant_id,
                                           params={"day": tomorrow.isoformat()}, not_before=at)
                _put(record, summary)
    return summary


def _put(record, summary: QueueSummary) -> None:
    if outbox.put_new(record):
        summary.queued += 1
    else:
        summary.already += 1
