"""Who delivers a rendered message on each channel.

`sender(channel)` picks, per run:
  - WhatsApp: the Cloud API (`whatsapp.WhatsAppClient`) when the WHATSAPP secret has an
    access_token and a phone_number_id (Secrets Manager via WHATSAPP_SECRET_ARN in AWS,
    WHATSAPP_ACCESS_TOKEN / WHATSAPP_PHONE_NUMBER_ID locally);
  - e-mail: Amazon SES v2 (`ses.SesSender`) when SES_FROM_ADDRESS is set;
  - otherwise, when LOCAL_OUTBOX_DIR is set (the local demo), the clearly labelled LOCAL
    provider (`local.LocalOutbox`): it writes the message to a file and sends nothing;
  - otherwise `NotConfigured`: every try fails as retryable, so a missing secret in AWS shows up
    as failed messages (and the FailedMessages alarm), never as messages quietly "sent".

Every sender has `send(to, to_name, rendered, message_id) -> provider message id` and raises
`errors.Retryable`, `errors.Unknown` or `errors.Permanent`; `message_id` (the outbox record's id)
travels with the message so that the provider's statuses name the record.
"""
from __future__ import annotations

import os

from ... import secrets_store, settings
from ..catalog import WHATSAPP
from .errors import LOCAL_PREFIX, Paused, Permanent, Retryable, SendError, Unknown

__all__ = ["Paused", "Permanent", "Retryable", "SendError", "Unknown", "sender", "provider_label", "NotConfigured"]


class NotConfigured:
    """No credentials and no local outbox: nothing can be sent (AWS before the secrets are set)."""

    label = "Belum dikonfigurasi"
    timeout_seconds = 0.0
    adjustable_timeout = False

    def __init__(self, what: str):
        self.what = what

    def send(self, to, to_name, rendered, message_id, timeout=None):
        raise Retryable(f"{self.what} belum dikonfigurasi")


def whatsapp_sender(env=os.environ):
    creds = secrets_store.get("WHATSAPP", ("access_token", "phone_number_id"), env)
    if creds:
        from .whatsapp import WhatsAppClient

        return WhatsAppClient(creds["access_token"], creds["phone_number_id"])
    if settings.local_outbox_dir(env):
        from .local import LocalOutbox

        return LocalOutbox(settings.local_outbox_dir(env))
    return NotConfigured("WhatsApp")


def email_sender(env=os.environ):
    if settings.ses_from_address(env):
        from .ses import SesSender

        return SesSender(settings.ses_from_address(env))
    if settings.local_outbox_dir(env):
        from .local import LocalOutbox

        return LocalOutbox(settings.local_outbox_dir(env))
    return NotConfigured("E-mail (SES_FROM_ADDRESS)")


def sender(channel: str, env=os.environ):
    return whatsapp_sender(env) if channel == WHATSAPP else email_sender(env)


def provider_label(channel: str, provider_message_id: str | None) -> str | None:
    if not provider_message_id:
        return None
    if provider_message_id.startswith(LOCAL_PREFIX):
        return "Kotak keluar lokal (demo, tidak benar-benar dikirim)"
    return "WhatsApp Cloud API" if channel == WHATSAPP else "Amazon SES"
