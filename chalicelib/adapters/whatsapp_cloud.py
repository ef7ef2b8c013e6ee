"""WhatsApp Cloud API: template messages and free-form answers out (webhooks in: whatsapp_inbound.py).

Sending: ``POST https://graph.facebook.com/<WHATSAPP_GRAPH_VERSION>/{phone_number_id}/messages`` with a Bearer
token and a template message (the clinic usually writes first, outside the 24-hour window, so
only approved templates may be sent)::

    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281...",
     "type": "template",
     "template": {"name": "cc_sesi_terjadwal", "language": {"code": "id"},
                  "components": [{"type": "body", "parameters": [{"type": "text", "text": "..."}]}]}}

Success: ``{"messaging_product": "whatsapp", "contacts": [{"input": ..., "wa_id": ...}],
"messages": [{"id": "wamid..."}]}``. Errors: ``{"error": {"message", "type", "code",
"error_data", "fbtrace_id"}}``; classified for the outbox's retry policy (see `classify`).
"""
from __future__ import annotations

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from .. import settings
from .http import pooled_session, retry_after_seconds
from .ports import CONNECT_SHARE, OutgoingMessage
from .send_errors import Paused, Permanent, Retryable, Unknown

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0  # a slow answer (10 s seen under load) still counts; an unknown costs a resend check
TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)
POOL = 32  # connections kept per run: the sender works with a few threads
LANGUAGE = "id"

# Meta error codes worth another try later: throttling and Meta-side trouble. The token's own
# trouble (expired or invalid 190, permission 10 and 200-299, HTTP 401) pauses the channel: every
# message would fail the same way, and none is the message's fault. Every other 4xx (bad number
# 131026, parameters 131008/131009/132000, unknown template 132001, recipient not allowed 131030,
# ...) fails for good at once.
RATE_LIMIT_CODES = {4, 80007, 130429, 131048, 131056}
TRANSIENT_CODES = {1, 2, 131000, 131016, 133004}
TOKEN_CODES = {190, 10, *range(200, 300)}


def message_body(to_e164: str, template: str, parameters: list[str], language: str = LANGUAGE,
                 callback_data: str | None = None, button_payloads: list[str] | None = None,
                 flow_token: str | None = None) -> dict:
    """A template message; `button_payloads` fill its quick-reply buttons (index 0, 1, 2...);
    `flow_token` its FLOW button (index 0: the signup Flow, Cloud API "Send a Flow template")."""
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]
    components += [{"type": "button", "sub_type": "quick_reply", "index": str(i),
                    "parameters": [{"type": "payload", "payload": payload}]}
                   for i, payload in enumerate(button_payloads or [])]
    if flow_token:
        components.append({"type": "button", "sub_type": "flow", "index": "0",
                           "parameters": [{"type": "action", "action": {"flow_token": flow_token}}]})
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to_e164.lstrip("+"),
        "type": "template",
        "template": {"name": template, "language": {"code": language}, "components": components},
    }
    if callback_data:
        body["biz_opaque_callback_data"] = callback_data  # echoed in every status webhook of the message
    return body


def answer_body(to_e164: str, text: str, interactive: dict | None = None, callback_data: str | None = None) -> dict:
    """A free-form answer (allowed for 24 hours after the visitor wrote): text, or interactive
    reply buttons / a list."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to_e164.lstrip("+")}
    if interactive:
        body.update({"type": "interactive", "interactive": interactive})
    else:
        body.update({"type": "text", "text": {"preview_url": False, "body": text[:4096]}})
    if callback_data:
        body["biz_opaque_callback_data"] = callback_data
    return body


def _not_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly never reached Meta (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (NewConnectionError, NameResolutionError)):
            return True
        cause = cause.__context__ or getattr(cause, "reason", None) or (cause.args[0] if cause.args and
                                                                          isinstance(cause.args[0], BaseException) else None)
    return False


def classify(response: requests.Response) -> Exception:
    """The error a non-success answer means for the outbox: Retryable or Permanent."""
    try:
        error = (response.json() or {}).get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    message = str(error.get("message") or response.reason or "error")[:200]
    status = response.status_code
    if code in TOKEN_CODES or status == 401:
        return Paused(f"WhatsApp: {message}", status=status, code=code)
    if status == 429 or code in RATE_LIMIT_CODES:
        return Retryable(f"WhatsApp: {message}", status=status, code=code,
                         retry_after=retry_after_seconds(response.headers.get("Retry-After")), throttled=True)
    if status >= 500 or code in TRANSIENT_CODES:
        return Retryable(f"WhatsApp: {message}", status=status, code=code,
                         retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    return Permanent(f"WhatsApp: {message}", status=status, code=code)


class WhatsAppClient:
    label = "WhatsApp Cloud API"
    timeout_seconds = CONNECT_TIMEOUT + READ_TIMEOUT  # the longest a send can take
    adjustable_timeout = True  # a send may be given less (the invocation's time left)

    def __init__(self, access_token: str, phone_number_id: str, session: requests.Session | None = None):
        self.access_token, self.phone_number_id = access_token, phone_number_id
        self.http = session or pooled_session(POOL)

    @property
    def url(self) -> str:
        return f"{settings.whatsapp_api_base()}/{settings.whatsapp_graph_version()}/{self.phone_number_id}/messages"

    def send_template(self, to_e164: str, template: str, parameters: list[str], language: str = LANGUAGE,
                      timeout: float | None = None, callback_data: str | None = None,
                      button_payloads: list[str] | None = None, flow_token: str | None = None) -> str:
        return self.post(message_body(to_e164, template, parameters, language, callback_data, button_payloads,
                                      flow_token),
                         timeout)

    def post(self, body: dict, timeout: float | None = None) -> str:
        """POST one message; its wamid, or the error the outbox's retry policy understands."""
        connect = CONNECT_TIMEOUT if timeout is None else max(0.5, min(CONNECT_TIMEOUT, timeout * CONNECT_SHARE))
        read = READ_TIMEOUT if timeout is None else max(0.5, min(READ_TIMEOUT, timeout - connect))
        try:
            response = self.http.post(
                self.url,
                json=body,
                headers={"Authorization": f"Bearer {self.access_token}"},
                timeout=(connect, read),
            )
        except requests.RequestException as exc:
            if _not_sent(exc):
                raise Retryable(f"WhatsApp: {type(exc).__name__} (tidak terhubung)") from None
            # The request went out; Meta may have accepted it: the status webhook will tell.
            raise Unknown(f"WhatsApp: {type(exc).__name__} setelah permintaan terkirim") from None
        if not 200 <= response.status_code < 300:
            raise classify(response)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise Unknown("WhatsApp: jawaban berhasil tanpa id pesan", status=response.status_code) from None

    def send(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str,
             timeout: float | None = None) -> str:
        if rendered.reply:
            return self.post(answer_body(to, rendered.text, rendered.interactive, message_id), timeout)
        return self.send_template(to, rendered.kind, rendered.parameters, timeout=timeout, callback_data=message_id,
                                  button_payloads=[payload for _, payload in rendered.buttons],
                                  flow_token=getattr(rendered, "flow_token", None))
