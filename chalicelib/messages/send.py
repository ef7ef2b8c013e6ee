"""The send run: every due record at most once per run, through the channel's sender.

Sending once, even with overlapping runs: a run CLAIMS a record with a conditional update (the
record is still due and its next_attempt_at is exactly what the run read; the update moves
next_attempt_at to now + CLAIM_SECONDS and counts the attempt) before calling the provider.
Only one run's claim can succeed. The claim outlives the Lambda (120 s > 30 s), so a live run
never loses it; if a run dies after the provider accepted but before the result was stored,
the record is due again after the claim expires and may be sent a second time (at-least-once:
neither WhatsApp nor SES takes an idempotency key). Every other path sends at most once.

Texts are rendered when sent, from current data (messages/compose.py): a Zoom link made after
the booking is in the confirmation; a confirmation whose session was cancelled meanwhile is
skipped.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import metrics
from ..domain import rules
from ..store import outbox as store
from .senders import Retryable, SendError, sender as sender_for
from .catalog import ConfigError, Defer, Skip
from .compose import Data, build, render
from .records import FAILED, MAX_ATTEMPTS, SENT, SKIPPED, backoff_seconds, broadcast_counts

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120  # > the Lambda timeout (30 s)
BATCH = 50
RUN_BUDGET_SECONDS = 20.0

_monotonic = time.monotonic


def _iso(dt: datetime) -> str:
    return rules.to_utc_iso(dt)


def _now() -> datetime:
    return datetime.now(rules.UTC)


@dataclass
class SendSummary:
    due: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # waiting (Zoom link), throttled channel, or out of time
    busy: int = 0  # another run holds it, or it changed since it was read
    outcomes: dict = field(default_factory=dict)  # message id -> outcome (tests, logs: ids only)

    def add(self, message_id: str, outcome: str) -> None:
        self.outcomes[message_id] = outcome
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "outcomes"}


def due_records(now: datetime, limit: int = BATCH) -> list:
    return store.due(now, limit)


def send_due(now: datetime | None = None, *, senders: dict | None = None, limit: int = BATCH,
             budget_seconds: float = RUN_BUDGET_SECONDS) -> SendSummary:
    """One run of the sender: every due record at most once, within the time budget."""
    now = now or _now()
    summary = SendSummary()
    records = due_records(now, limit)
    summary.due = len(records)
    chosen = dict(senders or {})
    data = Data()
    throttled: set[str] = set()
    started = _monotonic()
    for record in records:
        if record.channel in throttled or _monotonic() - started > budget_seconds:
            summary.add(record.message_id, "deferred")
            continue
        if record.channel not in chosen:
            chosen[record.channel] = sender_for(record.channel)
        summary.add(record.message_id, send_one(record, data, now, chosen[record.channel], throttled))
    return summary


def _settle(record, token: str, fields: dict, status: str | None = None) -> bool:
    counts = broadcast_counts(record, status) if status else None
    return store.settle(record, token, fields, counts)


def claim(record, now: datetime) -> str | None:
    """Take the record for this run (see the module docstring); its token, or None when another
    run holds it or it changed since it was read."""
    token = secrets.token_hex(8)
    return token if store.claim(record, now, now + timedelta(seconds=CLAIM_SECONDS), token) else None


def send_one(record, data: Data, now: datetime, sender, throttled: set) -> str:
    token = claim(record, now)
    if token is None:
        return "busy"
    stamp = _iso(now)
    try:
        built = build(record, data, now)
        rendered = render(record, built, now)
    except Skip as reason:
        _settle(record, token, {"status": SKIPPED, "due": None, "error": str(reason)[:300], "updated_at": stamp},
                SKIPPED)
        logger.info("outbox %s skipped", record.message_id)
        return "skipped"
    except Defer as wait:
        _settle(record, token, {"next_attempt_at": _iso(now + timedelta(seconds=wait.seconds)), "+attempts": -1,
                                "error": str(wait), "updated_at": stamp})
        return "deferred"
    except ConfigError as exc:
        return _failed(record, token, str(exc), now)
    except Exception as exc:  # noqa: BLE001 - a read error or a bug: retried, then failed for staff
        logger.exception("outbox %s: could not prepare the message", record.message_id)
        return _retry_or_fail(record, token, Retryable(f"pesan tidak dapat disiapkan: {type(exc).__name__}"), now)

    try:
        provider_id = sender.send(built.to, built.to_name, rendered, record.message_id)
    except SendError as exc:
        if exc.throttled:
            throttled.add(record.channel)
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


def _retry_or_fail(record, token: str, exc: SendError, now: datetime) -> str:
    attempts = int(record.attempts or 0)  # already counts this try (the claim added it)
    if not exc.retryable or attempts >= MAX_ATTEMPTS:
        return _failed(record, token, exc.short(), now)
    delay = max(backoff_seconds(attempts), exc.retry_after or 0)
    _settle(record, token, {"next_attempt_at": _iso(now + timedelta(seconds=delay)), "error": exc.short(),
                            "updated_at": _iso(now)})
    logger.info("outbox %s: retry in %ss (%s)", record.message_id, int(delay), exc.short())
    return "retry"


def _failed(record, token: str, reason: str, now: datetime) -> str:
    _settle(record, token, {"status": FAILED, "due": None, "error": reason[:300], "updated_at": _iso(now)}, FAILED)
    metrics.emit("FailedMessages")
    logger.warning("outbox %s failed: %s", record.message_id, reason[:300])
    return "failed"
