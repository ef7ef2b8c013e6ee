"""WhatsApp Cloud API: template messages out, webhooks in.

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

Webhooks: the GET handshake (hub.mode=subscribe, hub.verify_token, hub.challenge) and POSTs
signed with ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``,
checked in constant time. `parse_webhook` pulls delivery statuses and inbound texts out of
``entry[].changes[].value``.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NameResolutionError, NewConnectionError

from ... import clock, settings
from .errors import Paused, Permanent, Retryable, Unknown

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0
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
                 callback_data: str | None = None, button_payloads: list[str] | None = None) -> dict:
    """A template message; `button_payloads` fill its quick-reply buttons (index 0, 1, 2...)."""
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]
    components += [{"type": "button", "sub_type": "quick_reply", "index": str(i),
                    "parameters": [{"type": "payload", "payload": payload}]}
                   for i, payload in enumerate(button_payloads or [])]
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


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - clock.now()).total_seconds())
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
    if code in TOKEN_CODES or status == 401:
        return Paused(f"WhatsApp: {message}", status=status, code=code)
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
        return f"{settings.whatsapp_api_base()}/{settings.whatsapp_graph_version()}/{self.phone_number_id}/messages"

    def send_template(self, to_e164: str, template: str, parameters: list[str], language: str = LANGUAGE,
                      timeout: float | None = None, callback_data: str | None = None,
                      button_payloads: list[str] | None = None) -> str:
        return self.post(message_body(to_e164, template, parameters, language, callback_data, button_payloads),
                         timeout)

    def post(self, body: dict, timeout: float | None = None) -> str:
        """POST one message; its wamid, or the error the outbox's retry policy understands."""
        connect = CONNECT_TIMEOUT if timeout is None else max(0.5, min(CONNECT_TIMEOUT, timeout / 3))
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

    def send(self, to: str, to_name: str, rendered, message_id: str, timeout: float | None = None) -> str:
        if rendered.reply:
            return self.post(answer_body(to, rendered.text, rendered.interactive, message_id), timeout)
        return self.send_template(to, rendered.kind, rendered.parameters, timeout=timeout, callback_data=message_id,
                                  button_payloads=[payload for _, payload in rendered.buttons])


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
    record_id: str | None = None  # biz_opaque_callback_data: the outbox record it was sent for


@dataclass(frozen=True)
class Inbound:
    phone: str  # E.164
    text: str  # what the visitor wrote, or the title of what they tapped
    message_id: str | None = None  # the inbound message's wamid
    kind: str = "text"  # text | button | interactive
    payload: str | None = None  # a button's payload or a reply button's / list row's id
    context_id: str | None = None  # the wamid of our message the tap was on
    received_at: datetime | None = None  # Meta's timestamp

@dataclass
class Parsed:
    statuses: list[StatusUpdate] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)
    skipped: int = 0  # items that are not what Meta documents (logged by the caller, never fatal)


PROVIDER_ID_RE = re.compile(r"^[A-Za-z0-9._=:+/-]{1,256}$")
RECORD_ID_RE = re.compile(r"^M-[0-9A-F]{24}$")
WA_NUMBER_RE = re.compile(r"^\+?[0-9]{8,16}$")


def parse_webhook(payload: object) -> Parsed:
    """Delivery statuses and inbound texts of a webhook POST; a malformed item is counted in
    `skipped` and left out, so one bad item never costs the batch's other items."""
    out = Parsed()
    if not isinstance(payload, dict):
        out.skipped += 1
        return out
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for s in _list(value.get("statuses")):
                update = _status(s)
                if update is None:
                    out.skipped += 1
                else:
                    out.statuses.append(update)
            for m in _list(value.get("messages")):
                if not isinstance(m, dict) or not isinstance(m.get("from"), str) or not WA_NUMBER_RE.match(m["from"]):
                    out.skipped += 1
                    continue
                inbound = _inbound(m)
                if inbound is None:
                    out.skipped += 1
                else:
                    out.inbound.append(inbound)
    return out


def _status(s: object) -> StatusUpdate | None:
    if not isinstance(s, dict):
        return None
    wamid, status = s.get("id"), s.get("status")
    if not isinstance(wamid, str) or not PROVIDER_ID_RE.match(wamid) or not isinstance(status, str):
        return None
    callback = s.get("biz_opaque_callback_data")
    record_id = callback if isinstance(callback, str) and RECORD_ID_RE.match(callback) else None
    errors = [e for e in _list(s.get("errors")) if isinstance(e, dict)]
    error = None
    if errors:
        e = errors[0]
        error = f"WhatsApp code {e.get('code')} · {str(e.get('title') or e.get('message') or '')[:150]}"
    return StatusUpdate(wamid, status[:20], error, record_id)


def _inbound(m: dict) -> Inbound | None:
    """A visitor's message: a text, a template's quick-reply button (`button`: payload + text)
    or a reply button / list row of an interactive answer (`interactive`: id + title). Other kinds
    (images, voice notes, locations...) are read as an empty text: the number gets the help answer."""
    wamid = m.get("id")
    if not isinstance(wamid, str) or not PROVIDER_ID_RE.match(wamid):
        return None
    phone = "+" + m["from"].lstrip("+")
    context = m.get("context") if isinstance(m.get("context"), dict) else {}
    context_id = context.get("id") if isinstance(context.get("id"), str) else None
    received = _timestamp(m.get("timestamp"))
    kind = m.get("type")
    if kind == "button" and isinstance(m.get("button"), dict):
        b = m["button"]
        return Inbound(phone, _text(b.get("text")), wamid, "button", _text(b.get("payload")) or None, context_id, received)
    if kind == "interactive" and isinstance(m.get("interactive"), dict):
        reply = m["interactive"].get("button_reply") or m["interactive"].get("list_reply")
        if not isinstance(reply, dict):
            return None
        return Inbound(phone, _text(reply.get("title")), wamid, "interactive", _text(reply.get("id")) or None,
                       context_id, received)
    text = m["text"].get("body") if kind == "text" and isinstance(m.get("text"), dict) else ""
    return Inbound(phone, _text(text), wamid, "text", None, context_id, received)


def _text(value: object, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _timestamp(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _list(value) -> list:
    return value if isinstance(value, list) else []
