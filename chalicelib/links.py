"""Private links the system sends to visitors, signed with the app's key.

The feedback link
    ``<SITE_URL>/umpan-balik.html#s=<session id>&e=<expiry>&t=<signature>``: the expiry is a Unix
    time (seconds), the signature HMAC-SHA256 over ``feedback-link|v1|<session id>|<expiry>`` with
    the server's signing key (``secrets_manager.get("APP", ("signing_key",))``: Secrets Manager via
    ``APP_SECRET_ARN`` in AWS, ``APP_SIGNING_KEY`` locally), base64url without padding. Everything
    rides in the URL fragment, which browsers never send to a server or a log; the page passes it
    to the API. A link is good for that one session and for ``FEEDBACK_LINK_DAYS`` days (14).

Used by the messages that carry links (messages/compose.py) and by the use cases that check them
(services/feedback.py); it sits beside settings.py so both layers can import it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta
from urllib.parse import quote

from . import clock, settings
from .adapters import secrets_manager
from .domain import periods
from .domain.errors import InputError
from .domain.references import format_reference

FEEDBACK_PAGE = "umpan-balik.html"

MSG_INVALID = ("Tautan umpan balik tidak valid. Buka kembali tautan dari pesan WhatsApp atau e-mail "
               "Anda, tanpa mengubahnya.")
MSG_EXPIRED = ("Tautan umpan balik ini sudah kedaluwarsa. Terima kasih atas minat Anda; bila ingin "
               "menyampaikan sesuatu, hubungi kami lewat WhatsApp.")

_SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EXPIRY_RE = re.compile(r"^\d{1,12}$")
_SIG_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class NotConfigured(RuntimeError):
    """No signing key, or no SITE_URL where one is needed: no link can be made."""


def signing_key() -> bytes:
    secret = secrets_manager.get("APP", ("signing_key",))
    if secret is None:
        # Fail closed: without a key no link can be made or checked.
        raise NotConfigured("APP signing_key is not configured (APP_SECRET_ARN / APP_SIGNING_KEY)")
    return secret["signing_key"].encode()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def mac(message: str, length: int | None = None) -> str:
    digest = hmac.new(signing_key(), message.encode(), hashlib.sha256).digest()
    return b64(digest[:length] if length else digest)


def site_base() -> str:
    """The site's address for links in messages: SITE_URL, locally the site server's; in AWS
    without SITE_URL NotConfigured (a message must never carry a link to nowhere)."""
    url = settings.site_url()
    if url:
        return url
    if settings.is_local_stage():
        return settings.LOCAL_SITE_URL
    raise NotConfigured("SITE_URL belum diatur: tautan dalam pesan tidak bisa dibuat")


def absolute(link: str) -> str:
    return link if link.startswith("http") else site_base() + "/" + link.lstrip("/")


# --- the feedback link ---------------------------------------------------------------------------

def feedback_signature(session_id: str, expiry: int) -> str:
    return mac(f"feedback-link|v1|{session_id}|{expiry}")


def feedback_link(session_id: str, now: datetime | None = None) -> str:
    """The private feedback link for one session, valid for FEEDBACK_LINK_DAYS days from `now`.

    Absolute when SITE_URL is set (AWS, make run), else a site-relative path (`absolute`)."""
    now = now or clock.now()
    expiry = int((now + timedelta(days=settings.feedback_link_days())).timestamp())
    base = settings.site_url() or ""
    return f"{base}/{FEEDBACK_PAGE}#s={quote(session_id, safe='')}&e={expiry}&t={feedback_signature(session_id, expiry)}"


def verify_feedback(session_id: object, expiry: object, sig: object, now: datetime | None = None) -> int:
    """Check a link's parts; return its expiry. Raises 403 (forged, altered, another session's)
    or 410 (genuine but expired). The signature is checked first, so an expiry cannot be forged."""
    now = now or clock.now()
    if not (isinstance(session_id, str) and _SESSION_RE.match(session_id)
            and isinstance(expiry, str) and _EXPIRY_RE.match(expiry)
            and isinstance(sig, str) and _SIG_RE.match(sig)):
        raise InputError({"_form": MSG_INVALID}, 403)
    expires = int(expiry)
    if not hmac.compare_digest(feedback_signature(session_id, expires), sig):
        raise InputError({"_form": MSG_INVALID}, 403)
    if now.timestamp() >= expires:
        raise InputError({"_form": MSG_EXPIRED}, 410)
    return expires


def status_token(reference: str) -> str:
    """The private status link's token of a registration: reproducible from the reference with the
    signing key, so every message about the registration can carry the link again. Only its
    SHA-256 is stored, as for every token."""
    return mac(f"status-token|v1|{reference}", 24)


def status_link(reference: str, token: str) -> str:
    """The visitor's private page; the token rides in the fragment (never sent to a server)."""
    return absolute(f"/status.html#ref={quote(format_reference(reference))}&t={quote(token)}")


def follow_up_token(session_id: str) -> str:
    """A follow-up registration's private status token: reproducible for a retried request,
    unguessable without the signing key. Only its SHA-256 is stored, as for every registration."""
    return mac(f"feedback-follow-up-token|v1|{session_id}", 24)


def reply_signature(text: str) -> str:
    """The signature of a WhatsApp button's payload or list row id (domain/replies.py): 128 bits of
    HMAC-SHA256 with the signing key."""
    return mac(text, 16)


# --- the signup Flow's token ------------------------------------------------------------------

FLOW_TOKEN_RE = re.compile(r"^cf1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{1,40}|-)\.([A-Za-z0-9_-]{22})$")


def flow_token(token_id: str, phone: str, campaign: str | None) -> str:
    """``cf1.<token id>.<campaign or ->.<signature>``: the Flow sent to `phone`. The signature
    (HMAC-SHA256 with the signing key, 128 bits) covers the id, the number it was sent to and the
    campaign, so a token cannot be forged, nor moved to another number or campaign."""
    code = campaign or "-"
    return f"cf1.{token_id}.{code}.{mac(f'flow-token|v1|{token_id}|{phone}|{code}', 16)}"


def flow_token_parts(token: object) -> tuple[str, str | None] | None:
    """(token id, campaign) of a well-formed token, else None (its signature is checked against
    the number of its record: `flow_token_matches`)."""
    found = FLOW_TOKEN_RE.match(token) if isinstance(token, str) else None
    if not found:
        return None
    return found.group(1), None if found.group(2) == "-" else found.group(2)


def flow_token_matches(token: str, token_id: str, phone: str, campaign: str | None) -> bool:
    return hmac.compare_digest(token.encode(), flow_token(token_id, phone, campaign).encode())


# --- the monthly report's page ---------------------------------------------------------------------

REPORT_LINK_DAYS = 45
MSG_REPORT = "Tautan laporan tidak valid atau sudah kedaluwarsa. Buka laporan dari menu Evaluasi."


def report_signature(month: str, expiry: int) -> str:
    return mac(f"monthly-report|v1|{month}|{expiry}")


def report_link(month: str, now: datetime | None = None) -> str:
    """The monthly report's page for the office's e-mail and for staff: `<site>/api/laporan/<month>?e=&t=`
    (the page holds figures only, no personal data), good for REPORT_LINK_DAYS days."""
    now = now or clock.now()
    expiry = int((now + timedelta(days=REPORT_LINK_DAYS)).timestamp())
    return absolute(f"/api/laporan/{month}?e={expiry}&t={report_signature(month, expiry)}")


def verify_report(month: object, expiry: object, sig: object, now: datetime | None = None) -> str:
    """The month of a genuine, unexpired report link; else 403 (one answer for forged and expired)."""
    now = now or clock.now()
    ok = (isinstance(month, str) and periods.MONTH_RE.match(month) and isinstance(expiry, str) and _EXPIRY_RE.match(expiry)
          and isinstance(sig, str) and _SIG_RE.match(sig))
    if not ok or not hmac.compare_digest(report_signature(month, int(expiry)), sig) or now.timestamp() >= int(expiry):
        raise InputError({"_form": MSG_REPORT}, 403)
    return month
