"""What the providers tell us: WhatsApp's webhook (Meta's handshake; delivery statuses and the
visitors' own messages in one signed POST) and SES's events (through EventBridge)."""
from __future__ import annotations

import logging
from datetime import datetime

from ..adapters import metrics
from ..messages import webhook
from ..store import connection
from . import whatsapp_inbox

logger = logging.getLogger(__name__)


def whatsapp_handshake(mode: str | None, token: str | None, challenge: str | None) -> str:
    return webhook.whatsapp_handshake(mode, token, challenge)


def ses_event(detail: object, now: datetime | None = None) -> str:
    return webhook.ses_event(detail, now)


def whatsapp_webhook(raw_body: bytes | None, signature: str | None, now: datetime | None = None) -> dict:
    """A signed WhatsApp webhook POST: delivery statuses, then the visitors' messages, each handled
    at most once. A batch never fails for one message: a message that cannot be handled for good
    (a bug, data no rule expects) is logged by its wamid, counted and left; when DynamoDB was not
    available for one, the others are still handled and the POST fails afterwards: Meta delivers
    the batch again and what was handled is not redone."""
    parsed = webhook.read_whatsapp(raw_body, signature)
    result = {"statuses": webhook.apply_statuses(parsed, now), "messages": {}, "skipped": parsed.skipped}
    unavailable = None
    for m in parsed.inbound:
        try:
            outcome = whatsapp_inbox.handle(m, now)
        except connection.UNAVAILABLE as exc:
            logger.exception("whatsapp message %s: the store is unavailable; Meta will deliver it again", m.message_id)
            unavailable = exc
            continue
        except Exception:  # noqa: BLE001 - one message never holds the batch hostage
            logger.exception("whatsapp message %s could not be handled; left", m.message_id)
            metrics.emit("WhatsAppRepliesFailed")
            outcome = "gagal"
        result["messages"][outcome] = result["messages"].get(outcome, 0) + 1
    if unavailable is not None:
        raise unavailable
    return {"ok": True, **result}
