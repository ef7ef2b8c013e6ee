"""The staff's messages and what the providers tell us: the Kotak keluar, retries, the WhatsApp
webhook and SES's events."""
from __future__ import annotations

from ..messages import kotak, webhook
from . import jobs

staff_list = kotak.staff_list
retry = kotak.retry
whatsapp_webhook = webhook.whatsapp_webhook
whatsapp_handshake = webhook.whatsapp_handshake
ses_event = webhook.ses_event


def run_now() -> dict:
    """Queue due reminders and send what is due now (the same as the two scheduled functions)."""
    return {"reminders": jobs.queue_reminders(), "sent": jobs.send_messages()}
