"""What the providers tell us: WhatsApp's webhook (Meta's handshake; delivery statuses and the
visitors' own messages in one signed POST) and SES's events (through EventBridge)."""
from __future__ import annotations

import logging
from datetime import datetime

from ..messages import webhook
from . import whatsapp_inbox

logger = logging.getLogger(__name__)


def whatsapp_handshake(mode: str | None, token: str | None, challenge: str | None) -> str:
    return webhook.whatsapp_handshake(mode, token, challenge)


def ses_event(detail: object, now: datetime | None = None) -> str:
    return webhook.ses_event(detail, now)


def whatsapp_webhook(raw_body: bytes | None, signature: str | None, now: datetime | None = None) -> dict:
    """A signed WhatsApp webhook POST: delivery statuses, then the visitors' messages, each handled
    at most once. When one message could not be handled (DynamoDB trouble), the others are, and
    the POST fails afterwards: Meta delivers the batch again and what was handled is not redone."""
    parsed = webhook.read_whatsapp(raw_body, signature)
    result = {"statuses": webhook.apply_statuses(parsed, now), "messages": {}, "skipped": parsed.skipped}
    failed = None
    for m in parsed.inbound:
        try:
            outcome = whatsapp_inbox.handle(m, now)
        except Exception as exc:  # noqa: BLE001 - the rest of the batch still counts
            logger.exception("whatsapp reply could not be handled; Meta will deliver it again")
            failed = exc
            continue
        result["messages"][outcome] = result["messages"].get(outcome, 0) + 1
    if failed is not None:
        raise failed
    return {"ok": True, **result}
