"""Every environment variable the app reads: its name, default, type and validation, in one place.

Values are read when asked for (not at import), so a test or the local stack can change the
environment between calls. A malformed number falls back to its default and is logged once by
name (never by value: a value may be a secret pasted into the wrong variable).

Secrets (Zoom, WhatsApp, the app's signing key) are not read here: chalicelib/adapters/secrets_manager.py
reads them from Secrets Manager in AWS and from `<NAME>_<KEY>` variables locally.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping

logger = logging.getLogger(__name__)

PROD_STAGES = frozenset({"prod", "production"})
LOCAL_STAGES = frozenset({"local", "test"})
LOCAL_SITE_URL = "http://localhost:8080"
DEFAULT_REGION = "ap-southeast-3"  # Jakarta

_warned: set[str] = set()


def _text(name: str, default: str = "", env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get(name) or default).strip()


def integer(name: str, default: int, *, lo: int = 1, hi: int = 10**9, env: Mapping[str, str] | None = None) -> int:
    """A whole number between lo and hi; anything else (text, out of range) gives the default."""
    raw = _text(name, env=env)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        if name not in _warned:
            _warned.add(name)
            logger.warning("setting %s is not a whole number in %d..%d: using %d", name, lo, hi, default)
        return default
    return value


# --- where the app runs -------------------------------------------------------------------------

def stage(env: Mapping[str, str] | None = None) -> str:
    return (_text("STAGE", env=env) or _text("APP_STAGE", env=env)).lower()


def is_prod_stage(env: Mapping[str, str] | None = None) -> bool:
    """STAGE or APP_STAGE names prod (either one is enough: never guess in favour of non-prod)."""
    return bool({_text(n, env=env).lower() for n in ("STAGE", "APP_STAGE")} & PROD_STAGES)


def is_local_stage(env: Mapping[str, str] | None = None) -> bool:
    return (stage(env) or "local") in LOCAL_STAGES


def aws_region(env: Mapping[str, str] | None = None) -> str:
    return _text("AWS_REGION", env=env) or _text("AWS_DEFAULT_REGION", env=env) or DEFAULT_REGION


def table_prefix(env: Mapping[str, str] | None = None) -> str:
    return _text("TABLE_PREFIX", "cleanclear-dev", env=env)


def dynamodb_endpoint(env: Mapping[str, str] | None = None) -> str | None:
    """DynamoDB Local under `make run` and its tests; unset in AWS (and for moto)."""
    return _text("DYNAMODB_ENDPOINT", env=env) or None


def auth_mode(env: Mapping[str, str] | None = None) -> str:
    return _text("AUTH_MODE", env=env).lower()


def cognito_region(env: Mapping[str, str] | None = None) -> str:
    return _text("COGNITO_REGION", env=env)


def cognito_user_pool_id(env: Mapping[str, str] | None = None) -> str:
    return _text("COGNITO_USER_POOL_ID", env=env)


def site_url(env: Mapping[str, str] | None = None) -> str | None:
    """The public site's address as configured (no trailing slash), or None."""
    return _text("SITE_URL", env=env).rstrip("/") or None


# --- the service's limits ---------------------------------------------------------------------------

def max_open_per_phone(env: Mapping[str, str] | None = None) -> int:
    """Open registrations (waiting or scheduled) one WhatsApp number may hold."""
    return integer("MAX_OPEN_PER_PHONE", 3, lo=1, hi=50, env=env)


def feedback_link_days(env: Mapping[str, str] | None = None) -> int:
    return integer("FEEDBACK_LINK_DAYS", 14, lo=1, hi=365, env=env)


def retention_months(env: Mapping[str, str] | None = None) -> int:
    """Months a finished registration keeps its personal data (UU PDP), then it is anonymised."""
    return integer("RETENTION_MONTHS", 24, lo=1, hi=120, env=env)


def broadcast_per_minute(env: Mapping[str, str] | None = None) -> int:
    return integer("BROADCAST_PER_MINUTE", 20, lo=1, hi=1000, env=env)


def broadcast_daily_limit(env: Mapping[str, str] | None = None) -> int:
    """WhatsApp's lowest business-initiated tier is 250 conversations a day."""
    return integer("BROADCAST_DAILY_LIMIT", 250, lo=1, hi=100_000, env=env)


# --- outside services ------------------------------------------------------------------------------

def ses_from_address(env: Mapping[str, str] | None = None) -> str | None:
    return _text("SES_FROM_ADDRESS", env=env) or None


def ses_region(env: Mapping[str, str] | None = None) -> str:
    return _text("SES_REGION", env=env) or aws_region(env)


def report_emails(env: Mapping[str, str] | None = None) -> list[str]:
    """Who gets the monthly report: REPORT_EMAILS (comma-separated), else the office's CONTACT_EMAIL."""
    raw = _text("REPORT_EMAILS", env=env) or _text("CONTACT_EMAIL", env=env)
    return [a.strip() for a in raw.split(",") if "@" in a.strip()][:10]


def contact_email(env: Mapping[str, str] | None = None) -> str | None:
    """The office's contact address in messages (the site's privacy page shows the same)."""
    return _text("CONTACT_EMAIL", env=env) or None


def contact_whatsapp(env: Mapping[str, str] | None = None) -> str | None:
    return _text("CONTACT_WHATSAPP", env=env) or None


def ses_configuration_set(env: Mapping[str, str] | None = None) -> str | None:
    """The SES configuration set whose event destination publishes send and delivery events
    (EventBridge): the events that settle an e-mail whose answer was lost."""
    return _text("SES_CONFIGURATION_SET", env=env) or None


def local_outbox_dir(env: Mapping[str, str] | None = None) -> str | None:
    """The local demo's outbox folder: messages are written there instead of being sent."""
    return _text("LOCAL_OUTBOX_DIR", env=env) or None


def zoom_provider(env: Mapping[str, str] | None = None) -> str:
    return _text("ZOOM_PROVIDER", env=env).lower()


WHATSAPP_GRAPH_VERSION = "v26.0"  # Graph API of July 2026; Meta keeps a version about two years


def whatsapp_graph_version(env: Mapping[str, str] | None = None) -> str:
    """The Graph API version (`WHATSAPP_GRAPH_VERSION`, e.g. "v26.0"); a malformed value gives the default."""
    raw = _text("WHATSAPP_GRAPH_VERSION", env=env)
    return raw if re.fullmatch(r"v\d{2}\.0", raw) else WHATSAPP_GRAPH_VERSION


def whatsapp_api_base(env: Mapping[str, str] | None = None) -> str:
    """The Graph API's address (a local stand-in in the benchmarks)."""
    return (_text("WHATSAPP_API_BASE", env=env) or "https://graph.facebook.com").rstrip("/")


def whatsapp_rates(env: Mapping[str, str] | None = None) -> dict[str, float]:
    """The office's US$ per charged WhatsApp message, for the categories it set
    (WHATSAPP_RATE_MARKETING, _UTILITY, _AUTHENTICATION, _SERVICE: e.g. "0.0411"); the others, and
    a malformed value, fall back to domain/costs.py's DEFAULT_RATES."""
    out = {}
    for category in ("marketing", "utility", "authentication", "service"):
        raw = _text(f"WHATSAPP_RATE_{category.upper()}", "", env)
        try:
            value = float(raw)
        except ValueError:
            continue
        if 0 <= value < 10:
            out[category] = value
    return out


def whatsapp_flow_id(env: Mapping[str, str] | None = None) -> str:
    """The published signup Flow's id (WhatsApp Manager > Flows); locally a stand-in."""
    return _text("WHATSAPP_FLOW_ID", "local-flow-pendaftaran", env)


def meta_graph_version(env: Mapping[str, str] | None = None) -> str:
    """The Graph API version for social-media insights (`META_GRAPH_VERSION`; default: WhatsApp's)."""
    raw = _text("META_GRAPH_VERSION", env=env)
    return raw if re.fullmatch(r"v\d{2}\.0", raw) else whatsapp_graph_version(env)


def meta_graph_base(env: Mapping[str, str] | None = None) -> str:
    """The Graph API's address for insights (a local stand-in in the benchmarks)."""
    return (_text("META_GRAPH_BASE", env=env) or "https://graph.facebook.com").rstrip("/")


def zoom_api_base(env: Mapping[str, str] | None = None) -> str:
    return (_text("ZOOM_API_BASE", env=env) or "https://api.zoom.us/v2").rstrip("/")


def zoom_oauth_url(env: Mapping[str, str] | None = None) -> str:
    return _text("ZOOM_OAUTH_URL", env=env) or "https://zoom.us/oauth/token"


# --- the unattended work ----------------------------------------------------------------------------

def job_function(kind: str, env: Mapping[str, str] | None = None) -> str | None:
    """The Lambda function that runs a job started by staff (e.g. ALLOCATE_FUNCTION), in AWS."""
    return _text(f"{kind.upper()}_FUNCTION", env=env) or None


def background_mode(env: Mapping[str, str] | None = None) -> str:
    """How a job started by staff runs outside AWS: "thread" (make run: beside the API) or
    "inline" (tests: before the answer, so nothing outlives the request)."""
    return "inline" if _text("BACKGROUND_JOBS", env=env).lower() == "inline" else "thread"


def send_workers(channel: str, env: Mapping[str, str] | None = None) -> int:
    """Sends in flight at once per channel. WhatsApp Cloud API takes 80 messages a second per
    number; SES's sending rate starts at 14 a second."""
    defaults = {"whatsapp": 16, "email": 4}
    return integer(f"SEND_WORKERS_{channel.upper()}", defaults.get(channel, 4), lo=1, hi=64, env=env)


def meeting_workers(env: Mapping[str, str] | None = None) -> int:
    """Zoom calls in flight at once (Zoom's Medium-rate APIs allow about 10-20 a second per account)."""
    return integer("MEETING_WORKERS", 4, lo=1, hi=16, env=env)
