"""E-mail through Amazon SES v2: one raw MIME message per send.

``sesv2.send_email(FromEmailAddress=SES_FROM_ADDRESS, Destination={"ToAddresses": [to]},
Content={"Raw": {"Data": <MIME bytes>}})`` answers ``{"MessageId": ...}``. The IAM policy allows
sending only from SES_FROM_ADDRESS (infra/).

The MIME message (`build_mime`)::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8        quoted-printable (7bit when ASCII)
        text/html; charset=utf-8         quoted-printable (7bit when ASCII)
        text/calendar; method=REQUEST|CANCEL; charset=utf-8   base64 (session messages)
      application/ics; name=undangan.ics (attachment, base64)   (same calendar, for clients
                                                                 that only read attachments)

No part is raw 8-bit: the whole message is ASCII on the wire.

Every message carries the tag ``outbox_id=<record id>`` and, when SES_CONFIGURATION_SET is set
(in AWS), goes through that configuration set, whose event destination publishes Send, Delivery,
Bounce and Reject events to EventBridge; they settle the record (messages/webhook.py).

Errors are classified for the outbox: throttling, SES-side failures and connections never made are
`Retryable`; a read timeout or a connection lost after the request left is `Unknown` (SES may have
accepted it); everything else (rejected message, unverified sender, bad request) is
`Permanent`. botocore's own retries are off: the outbox's backoff is the one retry policy.
"""
from __future__ import annotations

import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from .. import clock, settings
from .ports import OutgoingMessage
from .send_errors import OUTBOX_TAG, Permanent, Retryable, Unknown

SENDER_NAME = "Clean & Clear Diskopukm Kab. Bogor"
# SMTP line ends; headers are folded only past 998 octets (Python's folding at 78 leaves a doubled
# space before an encoded word when a client unfolds the subject).
POLICY = email.policy.SMTP.clone(max_line_length=998)

RETRYABLE_CODES = {
    "TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException",
    "InternalFailure", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException",
    "RequestTimeout", "RequestTimeoutException",
}
THROTTLE_CODES = {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}


def _address(email_address: str, name: str | None = None) -> Address:
    user, _, domain = email_address.rpartition("@")
    return Address(display_name=name or "", username=user, domain=domain)


def _text_cte(body: str) -> str:
    """Indonesian text is not always ASCII (a dash, a name): quoted-printable then, as SES's raw
    message reference asks, never raw 8-bit parts."""
    return "7bit" if body.isascii() else "quoted-printable"


def build_mime(*, from_address: str, to_address: str, to_name: str | None, subject: str, text: str,
               html: str | None, calendar: str | None = None, calendar_method: str | None = None,
               reply_to: str | None = None, message_id: str | None = None, now: datetime | None = None) -> bytes:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(from_address, SENDER_NAME)
    msg["To"] = _address(to_address, to_name)
    if reply_to:
        msg["Reply-To"] = _address(reply_to, SENDER_NAME)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now or clock.now())
    msg["Message-ID"] = make_msgid(idstring=message_id, domain=from_address.rpartition("@")[2] or None)
    msg["Content-Language"] = "id"
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_text_cte(text))
    if html:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte=_text_cte(html))
    if calendar:
        method = calendar_method or "REQUEST"
        # base64: the invitation decodes to exactly its bytes (CRLF line ends included).
        msg.add_alternative(calendar.encode("utf-8"), maintype="text", subtype="calendar", cte="base64",
                            params={"method": method, "charset": "utf-8"})
        msg.add_attachment(calendar.encode("utf-8"), maintype="application", subtype="ics",
                           filename="undangan.ics")
    return msg.as_bytes(policy=POLICY)


class SesSender:
    label = "Amazon SES"
    timeout_seconds = 13.0  # connect 3 + read 10, fixed in the client's configuration
    adjustable_timeout = False

    def __init__(self, from_address: str, client=None):
        self.from_address = from_address
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "sesv2",
                region_name=settings.ses_region(),
                config=Config(connect_timeout=3, read_timeout=10, retries={"total_max_attempts": 1}),
            )
        return self._client

    def mime(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str) -> bytes:
        return build_mime(from_address=self.from_address, to_address=to, to_name=to_name,
                          subject=rendered.subject, text=rendered.text, html=rendered.html,
                          calendar=rendered.calendar, calendar_method=rendered.calendar_method,
                          reply_to=rendered.reply_to, message_id=message_id)

    def send(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str,
             timeout: float | None = None) -> str:
        """`timeout` is not used: the client's own timeouts are fixed (adjustable_timeout False)."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        raw = self.mime(to, to_name, rendered, message_id)
        request = {"FromEmailAddress": self.from_address, "Destination": {"ToAddresses": [to]},
                   "Content": {"Raw": {"Data": raw}},
                   # Comes back in the configuration set's events (messages/webhook.py: ses_event).
                   "EmailTags": [{"Name": OUTBOX_TAG, "Value": message_id}]}
        configuration_set = settings.ses_configuration_set()
        if configuration_set:
            request["ConfigurationSetName"] = configuration_set
        try:
            answer = self.client.send_email(**request)
        except (ConnectTimeoutError, EndpointConnectionError):
            raise Retryable("SES: tidak terhubung") from None  # the request never left
        except (ReadTimeoutError, ConnectionClosedError):
            # The request went out; SES may have accepted it: its Send event will tell.
            raise Unknown("SES: tidak ada jawaban setelah permintaan terkirim") from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            message = f"SES: {str(error.get('Message') or code)[:200]}"
            if code in RETRYABLE_CODES or (status or 0) >= 500:
                raise Retryable(message, status=status, code=code, throttled=code in THROTTLE_CODES) from None
            raise Permanent(message, status=status, code=code) from None
        except BotoCoreError as exc:
            raise Retryable(f"SES: {type(exc).__name__}") from None
        return str(answer["MessageId"])
