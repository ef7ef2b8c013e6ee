"""What WhatsApp and SES tell us about sent messages: delivery statuses (the visitors' own
messages are services/whatsapp_inbox.py's).

A signed webhook POST (X-Hub-Signature-256 over the raw body with the app secret) is checked
before anything is read; a missing or wrong signature, or no app secret configured, is refused
with 403. Statuses move a record forward only (sent < delivered < read; failed only from
sent/delivered), each by one conditional write, so a repeated or late webhook changes nothing.
A status also settles a record whose send had an unknown outcome (messages/records.py), found by
the record id the message carried (`biz_opaque_callback_data`; for e-mail the SES tag
`outbox_id`, from the configuration set's events: `ses_event`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from .. import clock, settings
from ..adapters import metrics, whatsapp_inbound
from ..adapters.send_errors import OUTBOX_TAG
from ..domain import costs, json_input, rules
from ..domain.errors import InputError
from ..domain.message_status import DELIVERED, DELIVERY_RANK, FAILED, PENDING, READ, SENT, UNKNOWN
from ..store import outbox as store
from .records import broadcast_counts

logger = logging.getLogger(__name__)

WEBHOOK_STATUSES = {SENT, DELIVERED, READ, FAILED}



def apply_status(provider_message_id: str, status: str, error: str | None = None, now: datetime | None = None,
                 record_id: str | None = None, pricing: dict | None = None) -> str:
    """Move the matching record forward. Returns what happened: updated | unchanged | unknown.

    The record is found by the provider's message id or, when the send's answer was lost (so the
    record never learnt that id), by `record_id`, which every message carries to the provider."""
    if status not in WEBHOOK_STATUSES:
        return "unchanged"
    record = store.by_provider_id(provider_message_id) if provider_message_id else None
    if record is None and record_id:
        record = store.get(record_id, consistent=True)
    if record is None:
        return "unknown"
    stamp = rules.to_utc_iso(now or clock.now())
    _price(record, pricing, now or clock.now())
    # A status is how we learn the outcome of a send whose answer was lost (unknown), that is in
    # flight, or that looked failed although the provider took it: an accepted message is never "Gagal".
    settles = record.status in (PENDING, UNKNOWN) or (record.status == FAILED and status != FAILED)
    if status == FAILED:
        allowed = (SENT, DELIVERED, UNKNOWN)
        fields = {"status": FAILED, "error": (error or "WhatsApp: gagal terkirim")[:300]}
    else:
        allowed = tuple(s for s, rank in DELIVERY_RANK.items() if rank < DELIVERY_RANK[status] and s != PENDING)
        allowed += (UNKNOWN,)
        fields = {"status": status}
    if settles:
        fields.update({"due": None, "next_attempt_at": None, "claim": None, "?sent_at": stamp,
                       "provider_message_id": provider_message_id or None})
        if status != FAILED:
            fields["error"] = None
    before = record.status
    if not store.advance(record, {**fields, "updated_at": stamp}, allowed, broadcast_counts(record, status, before),
                         in_flight=settles):
        return "unchanged"
    if status == FAILED:
        metrics.emit("FailedMessages")
    return "updated"


def _price(record, pricing: dict | None, now: datetime) -> None:
    """Count a charged message's price once, in the WIB month it was priced (domain/costs.py)."""
    category = costs.charged(pricing)
    if category is None or record.price_category:
        return
    micro = costs.price_micro(category, settings.whatsapp_rates())  # the office's rate, else Meta's planned one
    month = rules.wib_now(now).strftime("%Y-%m")
    store.price(record, category, micro, {costs.period(month): costs.counters(category, micro)})


def read_whatsapp(raw_body: bytes | None, signature: str | None) -> whatsapp_inbound.Parsed:
    """A signed WhatsApp webhook POST, checked and parsed: its statuses and the visitors' messages
    (services/whatsapp_inbox.py handles those). A malformed item is skipped and counted, so Meta
    never resends a whole batch for one odd item."""
    app_secret, _ = whatsapp_inbound.webhook_settings()
    if not whatsapp_inbound.verify_signature(raw_body, signature, app_secret):
        raise InputError({"_form": "Tanda tangan webhook tidak valid."}, 403)
    payload = json_input.loads(raw_body, json_input.WEBHOOK)  # not JSON, or absurdly deep or wide: 400
    parsed = whatsapp_inbound.parse_webhook(payload)
    if parsed.skipped:
        logger.warning("whatsapp webhook: %d malformed item(s) skipped", parsed.skipped)
    return parsed


def apply_statuses(parsed: whatsapp_inbound.Parsed, now: datetime | None = None) -> int:
    """Apply every delivery status; how many moved a record forward."""
    return sum(1 for s in parsed.statuses
               if apply_status(s.provider_message_id, s.status, s.error, now, record_id=s.record_id,
                               pricing=s.pricing) == "updated")


# SES events (configuration set -> EventBridge): eventType -> the record's status.
SES_STATUSES = {"Send": SENT, "Delivery": DELIVERED, "Bounce": FAILED, "Reject": FAILED, "RenderingFailure": FAILED}


def ses_event(detail: object, now: datetime | None = None) -> str:
    """One SES event (the EventBridge `detail`): settles or advances the e-mail it is about.
    Returns updated | unchanged | unknown | ignored."""
    if not isinstance(detail, dict):
        return "ignored"
    kind = detail.get("eventType") or detail.get("notificationType")
    mail = detail.get("mail") if isinstance(detail.get("mail"), dict) else {}
    status = SES_STATUSES.get(kind) if isinstance(kind, str) else None
    if status is None:
        return "ignored"  # opens, clicks, delays, complaints: nothing to settle
    tags = mail.get("tags") if isinstance(mail.get("tags"), dict) else {}
    ids = tags.get(OUTBOX_TAG)
    record_id = ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else None
    provider_id = mail.get("messageId") if isinstance(mail.get("messageId"), str) else ""
    error = None
    if status == FAILED:
        info = detail.get(kind[0].lower() + kind[1:]) if isinstance(kind, str) else None
        sub = " ".join(str(info.get(k)) for k in ("bounceType", "bounceSubType", "reason", "errorMessage")
                       if isinstance(info, dict) and info.get(k))
        error = f"SES: {kind}" + (f" · {sub[:150]}" if sub else "")
    return apply_status(provider_id, status, error, now, record_id=record_id)


def whatsapp_handshake(mode: str | None, token: str | None, challenge: str | None) -> str:
    _, verify_token = whatsapp_inbound.webhook_settings()
    answer = whatsapp_inbound.handshake(mode, token, challenge, verify_token)
    if answer is None:
        raise InputError({"_form": "Verifikasi webhook ditolak."}, 403)
    return answer
