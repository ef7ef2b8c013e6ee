"""WhatsApp Cloud API: template messages out, webhooks in.

Sending: ``POST https://graph.facebook.com/v21.0/{phone_number_id}/messages`` with a Bearer
token and a template message (the clinic usually writes first, outside the 24-hour window, so
only approved templates may be sent)::

    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281...",
     "type": "template",
     "template": {"name": "cc_sesi_terjadwal", "language": {"code": "id"},
                  "components": [{"type": "body", "parameters": [{"type": "text", "text": "..."}]}]}}

Success: ``{"messaging_product": "whatsapp", "contacts": [{"input": ..., "wa_id": ...}],
"messages": [{"id": "wamid..."}]}``. Errors: ``{"error": {"message", "type", "code",
"error_data", "fbtrace_id"}}``; classified for the outbox's retry policy (see `classify`).

Webhooks: the GET handshake (hub.mode=subscribe, hub.verify_token, hub.challenge) and POSTs
signed with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``,
checked in constant time. `parse_webhook` pulls delivery statuses and inbound texts out of
``entry[].changes[].value``.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import requests
from requests.adapters import HTTPAdapter

from ... import settings
from .errors import Permanent, Retryable

GRAPH_VERSION = "v21.0"
CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
TIMEOUT = (CONNECT_TIMEOUT, READ_TIMEOUT)
POOL = 32  # connections kept per run: the sender works with a few threads
LANGUAGE = "id"

# Meta error codes worth another try later: throttling and Meta-side trouble. Every other 4xx
# (bad number 131026, parameters 131008/131009/132000, unknown template 132001, expired token
# 190, permissions 10/200, recipient not allowed 131030, ...) fails for good at once.
RATE_LIMIT_CODES = {4, 80007, 130429, 131048, 131056}
TRANSIENT_CODES = {1, 2, 131000, 131016, 133004}


def message_body(to_e164: str, template: str, parameters: list[str], language: str = LANGUAGE) -> dict:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to_e164.lstrip("+"),
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}],
        },
    }


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def classify(response: requests.Response) -> Exception:
    """The error a non-success answer means for the outbox: Retryable or Permanent."""
    try:
        error = (response.json() or {}).get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    message = str(error.get("message") or response.reason or "error")[:200]
    status = response.status_code
    if status == 429 or code in RATE_LIMIT_CODES:
        return Retryable(f"WhatsApp: {message}", status=status, code=code,
                         retry_after=_retry_after(response.headers.get("Retry-After")), throttled=True)
    if status >= 500 or code in TRANSIENT_CODES:
        return Retryable(f"WhatsApp: {message}", status=status, code=code,
                         retry_after=_retry_after(response.headers.get("Retry-After")))
    return Permanent(f"WhatsApp: {message}", status=status, code=code)


def _session() -> requests.Session:
    http = requests.Session()
    http.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=POOL))
    http.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=POOL))
    return http


class WhatsAppClient:
    label = "WhatsApp Cloud API"
    timeout_seconds = CONNECT_TIMEOUT + READ_TIMEOUT  # the longest a send can take
    adjustable_timeout = True  # a send may be given less (the invocation's time left)

    def __init__(self, access_token: str, phone_number_id: str, session: requests.Session | None = None):
        self.access_token, self.phone_number_id = access_token, phone_number_id
        self.http = session or _session()

    @property
    def url(self) -> str:
        return f"{settings.whatsapp_api_base()}/{GRAPH_VERSION}/{self.phone_number_id}/messages"

    def send_template(self, to_e164: str, template: str, parameters: list[str], language: str = LANGUAGE,
                      timeout: float | None = None) -> str:
        read = READ_TIMEOUT if timeout is None else max(0.5, min(READ_TIMEOUT, timeout - CONNECT_TIMEOUT))
        try:
            response = self.http.post(
                self.url,
                json=message_body(to_e164, template, parameters, language),
                headers={"Authorization": f"Bearer {self.access_token}"},
                timeout=(CONNECT_TIMEOUT, read),
            )
        except requests.Timeout:
            raise Retryable("WhatsApp: timeout") from None
        except requests.RequestException as exc:
            raise Retryable(f"WhatsApp: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise classify(response)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise Retryable("WhatsApp: answer without a message id", status=response.status_code) from None

    def send(self, to: str, to_name: str, rendered, message_id: str, timeout: float | None = None) -> str:
        return self.send_template(to, rendered.kind, rendered.parameters, timeout=timeout)


# --- webhooks ------------------------------------------------------------------------------------

def webhook_settings() -> tuple[str | None, str | None]:
    """(app_secret, verify_token) from the WHATSAPP secret; None for what is not configured."""
    from ... import secrets_store

    secret = secrets_store.get("WHATSAPP", ("app_secret",))
    token = secrets_store.get("WHATSAPP", ("verify_token",))
    return (secret or {}).get("app_secret"), (token or {}).get("verify_token")


def handshake(mode: str | None, token: str | None, challenge: str | None, verify_token: str | None) -> str | None:
    """The challenge to echo when Meta's verification request is genuine, else None (403)."""
    if not verify_token or mode != "subscribe" or not isinstance(token, str) or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def signature_for(raw_body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes | None, header: str | None, app_secret: str | None) -> bool:
    """X-Hub-Signature-256 against the RAW body, in constant time. Missing anything = refused."""
    if not app_secret or not header or raw_body is None:
        return False
    return hmac.compare_digest(signature_for(raw_body, app_secret).encode(), header.strip().encode())


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str  # sent | delivered | read | failed
    error: str | None = None


@dataclass(frozen=True)
class Inbound:
    phone: str  # E.164
    text: str


def parse_webhook(payload: object) -> tuple[list[StatusUpdate], list[Inbound]]:
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    if not isinstance(payload, dict):
        return statuses, inbound
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for s in _list(value.get("statuses")):
                if isinstance(s, dict) and isinstance(s.get("id"), str) and isinstance(s.get("status"), str):
                    errors = [e for e in _list(s.get("errors")) if isinstance(e, dict)]
                    error = None
                    if errors:
                        e = errors[0]
                        error = f"WhatsApp code {e.get('code')} · {str(e.get('title') or e.get('message') or '')[:150]}"
                    statuses.append(StatusUpdate(s["id"], s["status"], error))
            for m in _list(value.get("messages")):
                if not isinstance(m, dict) or not isinstance(m.get("from"), str):
                    continue
                text = _inbound_text(m)
                if text is not None:
                    inbound.append(Inbound("+" + m["from"].lstrip("+"), text))
    return statuses, inbound


def _inbound_text(m: dict) -> str | None:
    kind = m.get("type")
    if kind == "text" and isinstance(m.get("text"), dict):
        return str(m["text"].get("body") or "")
    if kind == "button" and isinstance(m.get("button"), dict):
        return str(m["button"].get("text") or m["button"].get("payload") or "")
    if kind == "interactive" and isinstance(m.get("interactive"), dict):
        reply = m["interactive"].get("button_reply") or m["interactive"].get("list_reply") or {}
        return str(reply.get("title") or "") if isinstance(reply, dict) else None
    return None


def _list(value) -> list:
    return value if isinstance(value, list) else []
