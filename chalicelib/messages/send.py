"""The send run: every due record at most once per run, through the channel's sender.

Sending once, even with overlapping runs: a run CLAIMS a record with a conditional update (the
record is still due and its next_attempt_at is exactly what the run read; the update moves
next_attempt_at to now + CLAIM_SECONDS and counts the attempt) before calling the provider.
Only one run's claim can succeed. The claim outlives the invocation, so a live run never loses
it.

Sending once when an answer is lost: neither WhatsApp nor SES takes an idempotency key, so a
send whose answer never came (a read timeout, a connection lost after the request went out) is
not retried as if nothing happened: the record becomes "unknown" and waits for the provider's
own status (messages/webhook.py settles it by the record id each message carries). A run that
died mid-send leaves its claim on the record; the next run finds that claim expired and treats
the record the same way. Only when no status came within UNKNOWN_WAIT_SECONDS is it sent again,
counted in the record's `resends` and shown to staff.

A run works within its invocation's time: it takes due records page by page and sends them with
a bounded pool per channel (WhatsApp takes 80 messages a second, SES starts at 14); it claims no
record it cannot send, and it starts no provider call whose answer could come after the deadline
(each call's timeout is the smaller of the provider's and the time left minus what storing the
result takes). What is left stays due for the next run.

Texts are rendered when sent, from current data (messages/compose.py): a Zoom link made after
the booking is in the confirmation; a confirmation whose session was cancelled meanwhile is
skipped.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, settings
from ..adapters import metrics
from ..adapters import senders as providers
from ..adapters.ports import CONNECT_SHARE, MessageSender
from ..adapters.send_errors import Paused, Retryable, SendError, Unknown
from ..budget import Deadline
from ..domain import rules
from ..domain.message_status import FAILED, SENT, SKIPPED, UNKNOWN
from ..domain.retry import backoff_seconds
from ..store import outbox as store
from .catalog import BROADCAST_KINDS, ConfigError, Defer, Skip
from .compose import Data, build, render
from .records import MAX_ATTEMPTS, UNKNOWN_WAIT_SECONDS, broadcast_counts

if TYPE_CHECKING:
    from ..store.models import OutboxRecord

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120  # longer than any invocation of the sender
PAGE = 100  # due records read at a time
RUN_BUDGET_SECONDS = 50.0  # without a Lambda context (local timer, staff "run now", tests)
STORE_RESERVE_SECONDS = 3.0  # time kept to store a result after the provider answered


def _iso(dt: datetime) -> str:
    return rules.to_utc_iso(dt)



@dataclass
class SendSummary:
    due: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # waiting (Zoom link), throttled channel, or out of time
    paused: int = 0  # the channel's credentials were refused: waiting for staff to renew them
    busy: int = 0  # another run holds it, or it changed since it was read
    unknown: int = 0  # no answer after the request left: waiting for the provider's status
    resent: int = 0  # of the tries, those sent again because no status came for an unknown send
    outcomes: dict = field(default_factory=dict)  # message id -> outcome (tests, logs: ids only)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, message_id: str, outcome: str) -> None:
        with self._lock:
            self.outcomes[message_id] = outcome
            setattr(self, outcome, getattr(self, outcome) + 1)

    def add_resend(self) -> None:
        with self._lock:
            self.resent += 1

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("outcomes", "_lock")}


def due_records(now: datetime, limit: int = PAGE) -> list:
    return store.due(now, limit)


TROUBLE = frozenset({"retry", "unknown", "paused"})  # outcomes that say the provider is in trouble
HEALTHY_MEMORY_SECONDS = 600.0
# channel -> until when (time.monotonic) it counts as healthy: it went through in a recent run of
# this process (a warm Lambda container: the sender runs every minute). Trouble forgets it.
_healthy_until: dict[str, float] = {}
_health_lock = threading.Lock()


def forget_channel_health() -> None:
    """A fresh container's view: every channel starts careful (tests)."""
    with _health_lock:
        _healthy_until.clear()


PROBE_PATIENCE_SECONDS = 2.0  # a first call still out after this is slow, not refused: the others go too
LATENCIES_KEPT = 8
LATENCY_MARGIN_SECONDS = 0.25  # a call is started only when its wait for the answer holds its recent answer time and this


class Channel:
    """One channel of a run: its sender and the sends in flight (at most `workers`, side by side:
    a slow answer slows only its own message; no lock is held across a provider call).

    A channel is careful when this container has not seen it go through lately: its first call
    goes alone, so a refused token or a provider that is down gets one call, not a burst; as a
    refusal comes back fast, a first call still out after PROBE_PATIENCE_SECONDS is merely slow
    and the others go too. After trouble (a retryable error, a lost answer, a pause) it is
    strictly one call at a time until one goes through. The others wait for their turn without
    holding anything. A channel that went well in a recent run starts at full width.

    It also remembers how long its last answers took: a call is not started when the time left
    could not hold one (it would only end as "unknown"); the next run sends it."""

    def __init__(self, sender: MessageSender, workers: int, name: str = ""):
        self.sender, self.name = sender, name
        self.slots = threading.BoundedSemaphore(workers)
        self._turns = threading.Condition()
        with _health_lock:
            self.careful = _healthy_until.get(name, 0.0) <= time.monotonic()
        self._probe_since: float | None = None  # time.monotonic() of the careful channel's call in flight
        self._troubled = False
        self._latencies: deque = deque(maxlen=LATENCIES_KEPT)
        self.throttled = False

    def _must_wait(self) -> bool:
        if not self.careful or self._probe_since is None:
            return False
        return self._troubled or time.monotonic() - self._probe_since < PROBE_PATIENCE_SECONDS

    def enter(self, deadline: Deadline) -> bool | None:
        """Wait for a turn: True when this call is the careful channel's probe, False otherwise,
        None when the deadline came first."""
        with self._turns:
            while self._must_wait():
                if not deadline.allows(STORE_RESERVE_SECONDS):
                    return None
                self._turns.wait(timeout=0.25)  # releases the condition while waiting
            if self.careful and self._probe_since is None:
                self._probe_since = time.monotonic()
                return True
            return False

    def leave(self, outcome: str, probe: bool, took: float | None = None) -> None:
        with self._turns:
            if outcome == "sent":
                self.careful = False
                self._remember(True)
                if took is not None:
                    self._latencies.append(took)
            elif outcome in TROUBLE:
                self.careful = self._troubled = True
                self._remember(False)
            if probe:
                self._probe_since = None
            self._turns.notify_all()

    def expected_seconds(self) -> float:
        """How long a call may take, from the last answers (0 before any)."""
        with self._turns:
            return max(self._latencies, default=0.0)

    def _remember(self, healthy: bool) -> None:
        with _health_lock:
            if healthy:
                _healthy_until[self.name] = time.monotonic() + HEALTHY_MEMORY_SECONDS
            else:
                _healthy_until.pop(self.name, None)


class Run:
    """What the records of one run share: the channels, the reads, the clock."""

    def __init__(self, now: datetime, deadline: Deadline, senders: dict | None, summary: SendSummary):
        self.now, self.deadline, self.summary = now, deadline, summary
        self.given = dict(senders or {})
        self.data = Data()
        self.lock = threading.Lock()
        self.channels: dict[str, Channel] = {}

    def channel(self, name: str) -> Channel:
        with self.lock:
            if name not in self.channels:
                self.channels[name] = Channel(self.given.get(name) or providers.for_channel(name), settings.send_workers(name),
                                              name)
            return self.channels[name]


def send_due(now: datetime | None = None, *, senders: dict | None = None, deadline: Deadline | None = None,
             limit: int | None = None, budget_seconds: float | None = None) -> SendSummary:
    """One run of the sender: due records, each at most once, until none is due or time runs out.

    `limit` caps the records this run looks at (tests); `budget_seconds` stands in for a deadline."""
    now = now or clock.now()
    if deadline is None:
        deadline = Deadline.seconds(RUN_BUDGET_SECONDS if budget_seconds is None else budget_seconds)
    summary = SendSummary()
    run = Run(now, deadline, senders, summary)
    workers = sum(settings.send_workers(c) for c in ("whatsapp", "email"))
    start_key = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="send") as pool:
        while deadline.allows(STORE_RESERVE_SECONDS):
            want = PAGE if limit is None else min(PAGE, limit - summary.due)
            if want <= 0:
                break
            records, start_key = store.due_page(now, want, start_key)
            summary.due += len(records)
            for record, outcome in zip(records, pool.map(lambda r: send_one(r, run), records)):
                summary.add(record.message_id, outcome)
            if start_key is None:
                break
    return summary


def send_now(message_ids, now: datetime | None = None, *, budget_seconds: float = 8.0) -> SendSummary:
    """Send these records at once (the answers to a visitor's WhatsApp message) instead of at the
    next run. The same claim as a run's, so a run that gets to one first (or later) never sends
    it twice; one that cannot go now stays due for the next run."""
    now = now or clock.now()
    summary = SendSummary()
    run = Run(now, Deadline.seconds(budget_seconds), None, summary)
    for message_id in message_ids:
        record = store.get(message_id, consistent=True)
        if record is None or not record.due or record.claim:
            continue
        summary.due += 1
        summary.add(record.message_id, send_one(record, run))
    return summary


def _settle(record: OutboxRecord, token: str, fields: dict, status: str | None = None) -> bool:
    counts = broadcast_counts(record, status) if status else None
    return store.settle(record, token, fields, counts)


def claim(record: OutboxRecord, now: datetime) -> str | None:
    """Take the record for this run (see the module docstring); its token, or None when another
    run holds it or it changed since it was read."""
    token = secrets.token_hex(8)
    return token if store.claim(record, now, now + timedelta(seconds=CLAIM_SECONDS), token) else None


def send_one(record: OutboxRecord, run: Run) -> str:
    channel = run.channel(record.channel)
    with channel.slots:
        probe = channel.enter(run.deadline)
        if probe is None:
            return "deferred"
        outcome, started = "deferred", time.monotonic()
        try:
            outcome = _send_in_time(record, run, channel)
        finally:
            channel.leave(outcome, probe, time.monotonic() - started)
        return outcome


def _send_in_time(record: OutboxRecord, run: Run, channel: Channel) -> str:
    if channel.throttled:
        return "deferred"
    sender = channel.sender
    own = sender.timeout_seconds
    timeout = run.deadline.call_timeout(own, STORE_RESERVE_SECONDS)
    if timeout is None or (not sender.adjustable_timeout and timeout < own) \
            or timeout < min(own, (channel.expected_seconds() + LATENCY_MARGIN_SECONDS) / (1 - CONNECT_SHARE)):
        return "deferred"  # not enough time left to be sure of the answer: the next run sends it
    if record.claim:  # a run claimed it and died (a first send, or a send again after an unknown one)
        return _abandoned(record, run.now)
    resend = record.status == UNKNOWN
    token = claim(record, run.now)
    if token is None:
        return "busy"
    if resend:
        run.summary.add_resend()
        metrics.emit("UnknownResends")
        logger.info("outbox %s: no status for an unknown send: sending again", record.message_id)
    return _prepare_and_send(record, token, run, channel, timeout)


def _abandoned(record: OutboxRecord, now: datetime) -> str:
    """A run died (or hit its deadline) between claiming the record and storing the result: the
    provider may have the message. Wait for its status like after a lost answer."""
    if not _settle(record, record.claim, _unknown_fields(record, "Putaran pengiriman sebelumnya terhenti di tengah "
                                                                 "pengiriman; status belum diketahui.", now)):
        return "busy"
    logger.warning("outbox %s: claim of a run that died; waiting for the provider's status", record.message_id)
    return "unknown"


def _unknown_fields(record: OutboxRecord, reason: str, now: datetime) -> dict:
    final = int(record.attempts or 0) >= MAX_ATTEMPTS
    fields = {"status": UNKNOWN, "error": reason[:300], "updated_at": _iso(now)}
    if final:  # no more tries: it stays "unknown" (it may well have arrived), never "failed"
        fields.update({"due": None, "next_attempt_at": None})
    else:
        fields["next_attempt_at"] = _iso(now + timedelta(seconds=UNKNOWN_WAIT_SECONDS))
    return fields


def _unknown(record: OutboxRecord, token: str, exc: SendError, now: datetime) -> str:
    minutes = UNKNOWN_WAIT_SECONDS // 60
    reason = f"{exc.short()} · status belum diketahui; dikirim lagi bila dalam {minutes} menit tidak ada kabar"
    fields = _unknown_fields(record, reason, now)
    _settle(record, token, fields)
    metrics.emit("UnknownMessages")
    logger.warning("outbox %s: outcome unknown (%s)", record.message_id, exc.short())
    return "unknown"


def _prepare_and_send(record: OutboxRecord, token: str, run: Run, channel: Channel, timeout: float) -> str:
    sender = channel.sender
    now = run.now
    stamp = _iso(now)
    try:
        built = build(record, run.data, now)
        rendered = render(record, built, now)
    except Skip as reason:
        _settle(record, token, {"status": SKIPPED, "due": None, "error": str(reason)[:300], "updated_at": stamp},
                SKIPPED)
        logger.info("outbox %s skipped", record.message_id)
        return "skipped"
    except Defer as wait:
        _settle(record, token, {"next_attempt_at": _iso(now + timedelta(seconds=wait.seconds)), "+attempts": -1,
                                "waiting": str(wait), "updated_at": stamp})
        return "deferred"
    except ConfigError as exc:
        return _failed(record, token, str(exc), now)
    except Exception as exc:  # noqa: BLE001 - a read error or a bug: retried, then failed for staff
        logger.exception("outbox %s: could not prepare the message", record.message_id)
        return _retry_or_fail(record, token, Retryable(f"pesan tidak dapat disiapkan: {type(exc).__name__}"), now)

    try:
        provider_id = sender.send(built.to, built.to_name, rendered, record.message_id, timeout=timeout)
    except Unknown as exc:
        return _unknown(record, token, exc, now)
    except Paused as exc:
        channel.throttled = True  # nothing more on this channel in this run
        return _paused(record, token, exc, now)
    except SendError as exc:
        if exc.throttled:
            channel.throttled = True
        return _retry_or_fail(record, token, exc, now)
    except Exception as exc:  # noqa: BLE001 - unknown provider trouble: treated as retryable
        logger.exception("outbox %s: provider raised", record.message_id)
        return _retry_or_fail(record, token, Retryable(f"{type(exc).__name__}"), now)

    snapshot = {"to": built.to, **rendered.preview()}
    _settle(record, token, {"status": SENT, "due": None, "provider_message_id": provider_id, "sent_at": stamp,
                            "recipient": built.to, "rendered": json.dumps(snapshot, ensure_ascii=False),
                            "error": None, "updated_at": stamp}, SENT)
    logger.info("outbox %s sent (%s)", record.message_id, record.template)
    return "sent"


def _retry_or_fail(record: OutboxRecord, token: str, exc: SendError, now: datetime) -> str:
    attempts = int(record.attempts or 0)  # already counts this try (the claim added it)
    if not exc.retryable or attempts >= MAX_ATTEMPTS:
        return _failed(record, token, exc.short(), now)
    delay = max(backoff_seconds(attempts), exc.retry_after or 0)
    _settle(record, token, {"next_attempt_at": _iso(now + timedelta(seconds=delay)), "error": exc.short(),
                            "updated_at": _iso(now)})
    logger.info("outbox %s: retry in %ss (%s)", record.message_id, int(delay), exc.short())
    return "retry"


PAUSE_SECONDS = 15 * 60
BROADCAST_TEMPLATES = frozenset(k.name for k in BROADCAST_KINDS)


def _paused(record: OutboxRecord, token: str, exc: SendError, now: datetime) -> str:
    """The token was refused: the message waits (its try does not count), staff are alarmed and the
    channel sends nothing more in this run; the next run tries again, so sending resumes by itself
    once the token is renewed."""
    _settle(record, token, {"next_attempt_at": _iso(now + timedelta(seconds=PAUSE_SECONDS)), "+attempts": -1,
                            "error": exc.short(), "updated_at": _iso(now)})
    metrics.emit("WhatsAppPaused")
    logger.error("outbox %s: channel paused (%s)", record.message_id, exc.short())
    return "paused"


def _failed(record: OutboxRecord, token: str, reason: str, now: datetime) -> str:
    _settle(record, token, {"status": FAILED, "due": None, "error": reason[:300], "updated_at": _iso(now)}, FAILED)
    # Meta refusing a marketing broadcast (a number that blocks them, a quality limit) is counted
    # apart: it is not a visitor missing a confirmation.
    if record.template in BROADCAST_TEMPLATES:
        metrics.emit("BroadcastRefusals")
    else:
        metrics.emit("FailedMessages")
    logger.warning("outbox %s failed: %s", record.message_id, reason[:300])
    return "failed"
