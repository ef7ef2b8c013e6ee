"""What WhatsApp tells us: delivery statuses of sent messages, and BERHENTI/MULAI replies.

A signed webhook POST (X-Hub-Signature-256 over the raw body with the app secret) is checked
before anything is read; a missing or wrong signature, or no app secret configured, is refused
with 403. Statuses move a record forward only (sent < delivered < read; failed only from
sent/delivered), each by one conditional write, so a repeated or late webhook changes nothing.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from .. import metrics
from ..domain import rules
from ..domain.errors import InputError
from ..store import outbox as store
from .records import DELIVERED, DELIVERY_RANK, FAILED, PENDING, READ, SENT, broadcast_counts
from .senders import whatsapp

logger = logging.getLogger(__name__)

WEBHOOK_STATUSES = {SENT, DELIVERED, READ, FAILED}
STOP_WORDS = {"berhenti", "stop", "unsubscribe", "berhentikan"}
START_WORDS = {"mulai", "start"}


def _now() -> datetime:
    return datetime.now(rules.UTC)


def apply_status(provider_message_id: str, status: str, error: str | None = None, now: datetime | None = None) -> str:
    """Move the matching record forward. Returns what happened: updated | unchanged | unknown."""
    if status not in WEBHOOK_STATUSES:
        return "unchanged"
    record = store.by_provider_id(provider_message_id)
    if record is None:
        return "unknown"
    stamp = rules.to_utc_iso(now or _now())
    if status == FAILED:
        allowed = (SENT, DELIVERED)
        fields = {"status": FAILED, "error": (error or "WhatsApp: gagal terkirim")[:300]}
    else:
        allowed = tuple(s for s, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status] and s != PENDING)
        fields = {"status": status}
    if not allowed:
        return "unchanged"
    before = record.status
    if not store.advance(record, {**fields, "updated_at": stamp}, allowed, broadcast_counts(record, status, before)):
        return "unchanged"
    if status == FAILED:
        metrics.emit("FailedMessages")
    return "updated"


def keyword(text: str) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


def apply_inbound(phone: str, text: str, now: datetime | None = None) -> str:
    """BERHENTI / STOP opts the number out of non-essential messages; MULAI / START opts it back in."""
    word = keyword(text)
    if word in STOP_WORDS:
        store.opt_out(phone, word, now or _now())
        return "opted_out"
    if word in START_WORDS:
        store.opt_in(phone)
        return "opted_in"
    return "ignored"


def whatsapp_webhook(raw_body: bytes | None, signature: str | None, now: datetime | None = None) -> dict:
    """A signed WhatsApp webhook POST: delivery statuses and BERHENTI/MULAI."""
    app_secret, _ = whatsapp.webhook_settings()
    if not whatsapp.verify_signature(raw_body, signature, app_secret):
        raise InputError({"_form": "Tanda tangan webhook tidak valid."}, 403)
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise InputError({"_form": "Isi webhook bukan JSON."}) from None
    statuses, inbound = whatsapp.parse_webhook(payload)
    result = {"statuses": 0, "opted_out": 0, "opted_in": 0}
    for s in statuses:
        if apply_status(s.provider_message_id, s.status, s.error, now) == "updated":
            result["statuses"] += 1
    for m in inbound:
        outcome = apply_inbound(m.phone, m.text, now)
        if outcome in ("opted_out", "opted_in"):
            result[outcome] += 1
            logger.info("whatsapp %s", outcome)
    return {"ok": True, **result}


def whatsapp_handshake(mode: str | None, token: str | None, challenge: str | None) -> str:
    _, verify_token = whatsapp.webhook_settings()
    answer = whatsapp.handshake(mode, token, challenge, verify_token)
    if answer is None:
        raise InputError({"_form": "Verifikasi webhook ditolak."}, 403)
    return answer
