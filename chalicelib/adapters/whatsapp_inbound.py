"""WhatsApp webhooks in: Meta's GET handshake, the signature of every POST, and what a POST
holds (delivery statuses of our messages, the visitors' own messages).

The GET handshake (hub.mode=subscribe, hub.verify_token, hub.challenge) and POSTs signed with
``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``, checked in
constant time. `parse_webhook` pulls delivery statuses and inbound messages out of
``entry[].changes[].value``; a malformed item is skipped and counted, never fatal.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import secrets_manager


def webhook_settings() -> tuple[str | None, str | None]:
    """(app_secret, verify_token) from the WHATSAPP secret; None for what is not configured."""
    secret = secrets_manager.get("WHATSAPP", ("app_secret",))
    token = secrets_manager.get("WHATSAPP", ("verify_token",))
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
    pricing: dict | None = None  # Meta's pricing object (billable, pricing_model, category, type)


@dataclass(frozen=True)
class Inbound:
    phone: str  # E.164
    text: str  # what the visitor wrote, or the title of what they tapped
    message_id: str | None = None  # the inbound message's wamid
    kind: str = "text"  # text | button | interactive | flow (a completed Flow: `payload` is its response_json)
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
    pricing = s.get("pricing") if isinstance(s.get("pricing"), dict) else None
    if pricing is not None:
        pricing = {k: v for k, v in pricing.items() if k in ("billable", "pricing_model", "category", "type")
                   and isinstance(v, (str, bool)) and (not isinstance(v, str) or len(v) <= 40)}
    return StatusUpdate(wamid, status[:20], error, record_id, pricing)


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
        flow = m["interactive"].get("nfm_reply")
        if m["interactive"].get("type") == "nfm_reply" and isinstance(flow, dict):
            # A completed Flow: its response_json (the flow_token and the last screen's payload).
            return Inbound(phone, _text(flow.get("body")) or "Formulir terkirim", wamid, "flow",
                           _text(flow.get("response_json"), 4000) or None, context_id, received)
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
