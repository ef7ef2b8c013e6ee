"""Which adapter delivers a rendered message on each channel, in this environment.

`for_channel(channel)` picks, per run:
  - WhatsApp: the Cloud API (`whatsapp_cloud.WhatsAppClient`) when the WHATSAPP secret has an
    access_token and a phone_number_id (Secrets Manager via WHATSAPP_SECRET_ARN in AWS,
    WHATSAPP_ACCESS_TOKEN / WHATSAPP_PHONE_NUMBER_ID locally);
  - e-mail: Amazon SES v2 (`ses.SesSender`) when SES_FROM_ADDRESS is set;
  - otherwise, when LOCAL_OUTBOX_DIR is set (the local demo), the clearly labelled LOCAL
    provider (`local_outbox.LocalOutbox`): it writes the message to a file and sends nothing;
  - otherwise `NotConfigured`: every try fails as retryable, so a missing secret in AWS shows up
    as failed messages (and the FailedMessages alarm), never as messages quietly "sent".

Each is a `ports.MessageSender`; `message_id` (the outbox record's id) travels with the message
so that the provider's statuses name the record.
"""
from __future__ import annotations


from .. import settings
from . import secrets_manager
from .ports import MessageSender, OutgoingMessage
from .send_errors import LOCAL_PREFIX, Retryable

WHATSAPP, EMAIL = "whatsapp", "email"


class NotConfigured:
    """No credentials and no local outbox: nothing can be sent (AWS before the secrets are set)."""

    label = "Belum dikonfigurasi"
    timeout_seconds = 0.0
    adjustable_timeout = False

    def __init__(self, what: str):
        self.what = what

    def send(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str,
             timeout: float | None = None) -> str:
        raise Retryable(f"{self.what} belum dikonfigurasi")


def _local(env) -> MessageSender | None:
    if settings.local_outbox_dir(env):
        from .local_outbox import LocalOutbox

        return LocalOutbox(settings.local_outbox_dir(env))
    return None


def whatsapp_sender(env=None) -> MessageSender:
    creds = secrets_manager.get("WHATSAPP", ("access_token", "phone_number_id"), env)
    if creds:
        from .whatsapp_cloud import WhatsAppClient

        return WhatsAppClient(creds["access_token"], creds["phone_number_id"])
    return _local(env) or NotConfigured("WhatsApp")


def email_sender(env=None) -> MessageSender:
    if settings.ses_from_address(env):
        from .ses import SesSender

        return SesSender(settings.ses_from_address(env))
    return _local(env) or NotConfigured("E-mail (SES_FROM_ADDRESS)")


def for_channel(channel: str, env=None) -> MessageSender:
    return whatsapp_sender(env) if channel == WHATSAPP else email_sender(env)


def provider_label(channel: str, provider_message_id: str | None) -> str | None:
    if not provider_message_id:
        return None
    if provider_message_id.startswith(LOCAL_PREFIX):
        return "Kotak keluar lokal (demo, tidak benar-benar dikirim)"
    return "WhatsApp Cloud API" if channel == WHATSAPP else "Amazon SES"
