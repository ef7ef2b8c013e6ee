"""Who delivers a rendered message on each channel, and the errors they raise.

`sender(channel)` picks, per run:
  - WhatsApp: the Cloud API (`whatsapp.WhatsAppClient`) when the WHATSAPP secret has an
    access_token and a phone_number_id (Secrets Manager via WHATSAPP_SECRET_ARN in AWS,
    WHATSAPP_ACCESS_TOKEN / WHATSAPP_PHONE_NUMBER_ID locally);
  - e-mail: Amazon SES v2 (`email_ses.SesSender`) when SES_FROM_ADDRESS is set;
  - otherwise, when LOCAL_OUTBOX_DIR is set (the local demo), the clearly labelled LOCAL
    provider (`local_outbox.LocalOutbox`): it writes the message to a file and sends nothing;
  - otherwise `NotConfigured`: every try fails as retryable, so a missing secret in AWS shows up
    as failed messages (and the FailedMessages alarm), never as messages quietly "sent".

Every sender has `send(to, to_name, rendered, message_id) -> provider message id` and raises
`Retryable` (try later; `retry_after` seconds when the provider said so) or `Permanent`.
Error texts carry status codes, provider codes and short provider messages: no personal data.
"""
from __future__ import annotations

import os
import re

from . import messages

LOCAL_PREFIX = "local-"


class SendError(Exception):
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: object = None,
                 retry_after: float | None = None, throttled: bool = False):
        super().__init__(message)
        self.status, self.code, self.retry_after, self.throttled = status, code, retry_after, throttled

    def short(self) -> str:
        parts = [str(self.status) if self.status else None,
                 f"code {self.code}" if self.code not in (None, "") else None,
                 _scrub(str(self))]
        return " · ".join(p for p in parts if p)[:300]


class Retryable(SendError):
    retryable = True


class Permanent(SendError):
    retryable = False


def _scrub(text: str) -> str:
    """Provider messages rarely hold personal data; drop anything that looks like a number or address."""
    text = re.sub(r"\+?\d[\d\s-]{7,}\d", "[nomor]", text)
    return re.sub(r"[\w.+-]+@[\w-]+\.[\w.-]+", "[e-mail]", text)


class NotConfigured:
    """No credentials and no local outbox: nothing can be sent (AWS before the secrets are set)."""

    label = "Belum dikonfigurasi"

    def __init__(self, what: str):
        self.what = what

    def send(self, to, to_name, rendered, message_id):
        raise Retryable(f"{self.what} belum dikonfigurasi")


def whatsapp_sender(env=os.environ):
    from . import secrets_store, whatsapp

    creds = secrets_store.get("WHATSAPP", ("access_token", "phone_number_id"), env)
    if creds:
        return whatsapp.WhatsAppClient(creds["access_token"], creds["phone_number_id"])
    if env.get("LOCAL_OUTBOX_DIR"):
        from .local_outbox import LocalOutbox

        return LocalOutbox(env["LOCAL_OUTBOX_DIR"])
    return NotConfigured("WhatsApp")


def email_sender(env=os.environ):
    if env.get("SES_FROM_ADDRESS"):
        from .email_ses import SesSender

        return SesSender(env["SES_FROM_ADDRESS"])
    if env.get("LOCAL_OUTBOX_DIR"):
        from .local_outbox import LocalOutbox

        return LocalOutbox(env["LOCAL_OUTBOX_DIR"])
    return NotConfigured("E-mail (SES_FROM_ADDRESS)")


def sender(channel: str, env=os.environ):
    return whatsapp_sender(env) if channel == messages.WHATSAPP else email_sender(env)


def provider_label(channel: str, provider_message_id: str | None) -> str | None:
    if not provider_message_id:
        return None
    if provider_message_id.startswith(LOCAL_PREFIX):
        return "Kotak keluar lokal (demo, tidak benar-benar dikirim)"
    return "WhatsApp Cloud API" if channel == messages.WHATSAPP else "Amazon SES"
