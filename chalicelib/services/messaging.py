"""The staff's messages and what the providers tell us: the Kotak keluar, retries, the WhatsApp
webhook and SES's events."""
from __future__ import annotations

import logging
from datetime import datetime

from ..messages import kotak, webhook
from . import jobs, whatsapp_inbox

logger = logging.getLogger(__name__)

staff_list = kotak.staff_list
conversation = kotak.conversation
replies_of_day = kotak.replies_of_day
retry = kotak.retry
whatsapp_handshake = webhook.whatsapp_handshake
ses_event = webhook.ses_event


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


def run_now() -> dict:
    """Queue due reminders and send what is due now (the same as the two scheduled functions)."""
    return {"reminders": jobs.queue_reminders(), "sent": jobs.send_messages()}
