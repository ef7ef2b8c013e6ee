"""The send run within its invocation: no claim it cannot finish, no provider call that could
outlive the deadline, and a bounded number of sends in flight."""
import threading
import time
from datetime import timedelta

from chalicelib import clock
from chalicelib.budget import Deadline
from chalicelib.domain import rules
from chalicelib.messages import events
from chalicelib.messages import send as outbox
from chalicelib.store import outbox as outbox_store
from chalicelib.store.models import OutboxRecord
from tests.support.messages import make_clinic, make_registration, wib


def _pending(n, now):
    make_clinic()
    for i in range(n):
        reg = make_registration(f"BUD{i:03d}"[:6], name=f"Peserta {i}", phone=f"+62813200002{i:02d}",
                                status=rules.STATUS_WAITING)
        for record in events.on_registration_received(reg, now):
            outbox_store.put_new(record)


class Adjustable:
    """A sender whose call takes the timeout it is given (as WhatsApp's does)."""

    adjustable_timeout = True
    timeout_seconds = 13.05

    def __init__(self, pause=0.0):
        self.timeouts, self.pause = [], pause
        self.in_flight = self.most = 0
        self.lock = threading.Lock()

    def send(self, to, to_name, rendered, message_id, timeout=None):
        with self.lock:
            self.timeouts.append(timeout)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        time.sleep(self.pause)
        with self.lock:
            self.in_flight -= 1
        return f"wamid.{message_id}"


class Fixed(Adjustable):
    """A sender whose client has a fixed timeout (as SES's does)."""

    adjustable_timeout = False


def test_nothing_is_claimed_when_the_deadline_is_too_close(aws, monkeypatch):
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(3, now)
    sender = Adjustable()
    summary = outbox.send_due(now, senders={"whatsapp": sender}, deadline=Deadline(lambda: 3.5))
    assert summary.sent == 0 and summary.deferred == 3
    assert sender.timeouts == []
    stored = OutboxRecord.by_day.query(rules.wib_now(now).date().isoformat())
    assert {(r.status, int(r.attempts)) for r in stored} == {("pending", 0)}
    assert outbox.send_due(now, senders={"whatsapp": sender}).sent == 3  # the next run sends them


def test_a_call_gets_no_more_time_than_the_invocation_has_left(aws):
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(2, now)
    sender = Adjustable()
    summary = outbox.send_due(now, senders={"whatsapp": sender}, deadline=Deadline(lambda: 9.0))
    assert summary.sent == 2
    assert sender.timeouts and all(t <= 9.0 - outbox.STORE_RESERVE_SECONDS for t in sender.timeouts)


def test_a_sender_with_a_fixed_timeout_is_not_started_without_room_for_it(aws):
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(2, now)
    sender = Fixed()
    assert outbox.send_due(now, senders={"whatsapp": sender}, deadline=Deadline(lambda: 12.0)).sent == 0
    assert outbox.send_due(now, senders={"whatsapp": sender}, deadline=Deadline(lambda: 30.0)).sent == 2


def test_sends_run_side_by_side_but_never_more_than_the_channel_allows(aws, monkeypatch):
    monkeypatch.setenv("SEND_WORKERS_WHATSAPP", "4")
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(12, now)
    sender = Adjustable(pause=0.05)
    summary = outbox.send_due(now, senders={"whatsapp": sender})
    assert summary.sent == 12
    assert 2 <= sender.most <= 4


class Gate(Adjustable):
    """A slow provider: the first call answers only once another call has started beside it (or
    after 5 s, when nothing else was let through)."""

    def __init__(self):
        super().__init__()
        self.second_started = threading.Event()
        self.starts = 0
        self.others_went_meanwhile = None

    def send(self, to, to_name, rendered, message_id, timeout=None):
        with self.lock:
            self.starts += 1
            first = self.starts == 1
        if first:
            self.others_went_meanwhile = self.second_started.wait(timeout=5)
        else:
            self.second_started.set()
        return super().send(to, to_name, rendered, message_id, timeout)


def test_a_slow_answer_slows_only_its_own_message(aws, monkeypatch):
    """In a warm container (the channel went through a minute ago), the first call of a run is
    still waiting for its answer while the others go out."""
    monkeypatch.setenv("SEND_WORKERS_WHATSAPP", "4")
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(7, now)
    assert outbox.send_due(now, senders={"whatsapp": Adjustable()}, limit=1).sent == 1  # the run a minute ago
    sender = Gate()
    summary = outbox.send_due(now, senders={"whatsapp": sender})
    assert summary.sent == 6
    assert sender.others_went_meanwhile is True  # another call went out while the first waited for its answer


def test_a_careful_channel_sends_one_call_at_a_time_until_one_goes_through():
    """A fresh container, or trouble: one probe; the others wait for it without holding anything."""
    channel = outbox.Channel(Adjustable(), 4, "whatsapp")
    assert channel.careful  # nothing known yet
    assert channel.enter(Deadline.seconds(5)) is True  # the one probe
    assert channel.enter(Deadline.seconds(1.0 + outbox.STORE_RESERVE_SECONDS)) is None  # waits its turn, then gives up
    channel.leave("sent", True)
    assert not channel.careful and channel.enter(Deadline.seconds(5)) is False  # side by side now
    assert not outbox.Channel(Adjustable(), 4, "whatsapp").careful  # and in the next run of this container
    channel.leave("retry", False)  # a 5xx: careful again, here and in the next run
    assert channel.careful and outbox.Channel(Adjustable(), 4, "whatsapp").careful
    assert channel.enter(Deadline.seconds(5)) is True


def test_a_first_call_that_is_slow_not_refused_lets_the_others_go(aws, monkeypatch):
    """A fresh container with a slow provider: a refusal comes back fast, so a first call still out
    after the patience is slow, and the others go beside it; after trouble it is strictly one."""
    monkeypatch.setattr(outbox, "PROBE_PATIENCE_SECONDS", 0.3)
    monkeypatch.setenv("SEND_WORKERS_WHATSAPP", "4")
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(5, now)
    sender = Gate()
    summary = outbox.send_due(now, senders={"whatsapp": sender})
    assert summary.sent == 5 and sender.others_went_meanwhile is True
    channel = outbox.Channel(Adjustable(), 4, "other")
    assert channel.enter(Deadline.seconds(30)) is True
    channel.leave("retry", True)  # a 5xx
    assert channel.enter(Deadline.seconds(30)) is True  # the next probe
    assert channel.enter(Deadline.seconds(1.0 + outbox.STORE_RESERVE_SECONDS)) is None  # no patience now


def test_no_call_is_started_that_the_time_left_could_not_hold(aws, monkeypatch):
    """The provider answers in 2 s; with about 1.5 s left after the first answer came, a second call
    would only end as "unknown": it waits for the next run, unclaimed."""
    monkeypatch.setenv("SEND_WORKERS_WHATSAPP", "1")
    now = wib(clock.today() + timedelta(days=1), 9)
    _pending(3, now)
    sender = Adjustable(pause=2.0)
    summary = outbox.send_due(now, senders={"whatsapp": sender},
                              deadline=Deadline.seconds(outbox.STORE_RESERVE_SECONDS + 3.5))
    assert summary.sent == 1 and summary.unknown == 0 and len(sender.timeouts) == 1
    assert summary.deferred >= 1
