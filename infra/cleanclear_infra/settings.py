"""What one deploy of Clean & Clear is configured with, read from the CDK context and checked.

Pure Python (no CDK import), so the rules are tested fast and fail a synth before anything is
packaged. The rules, with the reason for each:

- ``site_url`` is the public origin (``https://host``, nothing after the host). The functions get
  it as ``SITE_URL``: every link in a WhatsApp message or e-mail (status page, feedback link,
  campaign link, poster QR code) is built from it.
- **prod needs its own domain**: ``site_url=https://<own domain>`` together with
  ``certificate_arn`` (an ACM certificate in us-east-1, which CloudFront requires) so the
  distribution answers to that name. A prod stack without it would print a ``*.cloudfront.net``
  address on posters and in messages, which the office cannot keep if the distribution is ever
  replaced.
- **dev** may run on the CloudFront address. That address exists only after CloudFront does, and
  the functions cannot reference it in the same deploy (function -> distribution -> REST API ->
  function is a dependency cycle), so ``make deploy STAGE=dev`` deploys twice the first time and
  passes the address as ``site_url`` from then on (see infra.mk and site_url.py).
- ``zoom_provider``: ``local`` (clearly labelled stand-in links while the Zoom secret is empty)
  is the dev default and is refused for prod: visitors must never get a fake meeting link.
- ``contact_email`` / ``contact_whatsapp``: the office's contacts on the privacy page and in every
  message. prod refuses them missing or left at the placeholders (an ``example`` domain, a number
  of zeros): visitors must be able to reach the office about their data.
- Optional app settings (``feedback_link_days``…) are passed through only when given, and must be
  positive whole numbers; the app has its own defaults.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

STAGES = ("dev", "prod")
DEFAULT_REGION = "ap-southeast-3"
DEFAULT_MAIL_DOMAIN = "diskopukm.bogorkab.go.id"
ZOOM_PROVIDERS = ("zoom", "local")

# Optional settings of the app, passed to every function as environment variables when given:
# context key -> (environment variable, meaning and the app's own default).
APP_OPTIONS: dict[str, tuple[str, str]] = {
    "feedback_link_days": ("FEEDBACK_LINK_DAYS", "days a feedback link stays valid (app default 14)"),
    "retention_months": (
        "RETENTION_MONTHS",
        "months after which finished registrations are anonymised (app default 24)",
    ),
    "broadcast_per_minute": ("BROADCAST_PER_MINUTE", "WhatsApp broadcast messages sent per minute (app default 20)"),
    "broadcast_daily_limit": ("BROADCAST_DAILY_LIMIT", "WhatsApp broadcast messages per day (app default 250)"),
}

CLOUDFRONT_SUFFIX = ".cloudfront.net"
_CERTIFICATE_ARN = re.compile(r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SECTION_DOMAIN = "infra/README.md, step 3"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,63}$", re.I)


def _placeholder_email(address: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    return any(part in ("example", "test", "invalid", "localhost") for part in domain.split("."))


def _placeholder_phone(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return "0000" in digits[-8:] or len(set(digits[-8:])) <= 2


class SettingsError(ValueError):
    """A deploy setting is missing or wrong; the message says what to pass instead."""


@dataclass(frozen=True)
class StageSettings:
    stage: str
    mail_domain: str
    mail_from: str
    alarm_email: str | None = None
    site_url: str | None = None  # https://host, normalised; None only for a dev stage's first deploy
    certificate_arn: str | None = None  # ACM (us-east-1) certificate of the site's own domain
    auth_domain_prefix: str | None = None  # Cognito hosted-UI prefix; default cleanclear-<stage>-<account>
    zoom_provider: str = "zoom"
    contact_email: str | None = None
    contact_whatsapp: str | None = None
    app_options: tuple[tuple[str, str], ...] = ()  # (ENV_NAME, value) of APP_OPTIONS that were given
    whatsapp_flow_id: str | None = None  # the published signup Flow (WhatsApp Manager > Flows)
    waf: bool = False  # AWS WAF in front of CloudFront (edge.py): on in prod
    waf_registration_limit: int = 100  # signups (POST /api/registrations) per client IP per 5 minutes

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def site_host(self) -> str | None:
        return urlsplit(self.site_url).hostname if self.site_url else None

    @property
    def own_domain(self) -> bool:
        """The site has its own name (served by CloudFront with our certificate)."""
        return bool(self.site_host) and not self.site_host.endswith(CLOUDFRONT_SUFFIX)


def normalise_site_url(raw: str) -> str:
    """``https://host`` from what was given (a trailing slash is dropped); else SettingsError."""
    text = raw.strip()
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        raise SettingsError(f"site_url={raw!r}: give the public origin as https://<host>, e.g. https://konsultasi.example.go.id")
    if parts.port is not None or parts.username or parts.password:
        raise SettingsError(f"site_url={raw!r}: no port or user name; CloudFront serves https on 443")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SettingsError(f"site_url={raw!r}: only the origin, nothing after the host name (the app adds the paths)")
    if not _HOST.match(host):
        raise SettingsError(f"site_url={raw!r}: {host!r} is not a valid DNS name")
    return f"https://{host}"


def _positive_int(key: str, raw: str) -> str:
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise SettingsError(f"{key}={raw!r}: give a whole number of at least 1 ({APP_OPTIONS[key][1]})")
    return str(int(raw))


def settings_from_context(ctx: Callable[[str], str | None]) -> tuple[StageSettings, str]:
    """(settings, region) from ``ctx(key)`` (the CDK context; None or "" when not given)."""

    def get(key: str, default: str | None = None) -> str | None:
        value = ctx(key)
        value = str(value).strip() if value is not None else ""
        return value or default

    stage = get("stage", "dev")
    if stage not in STAGES:
        raise SettingsError(f"stage={stage!r}: use one of {', '.join(STAGES)}")
    prod = stage == "prod"
    site_url, certificate_arn = _site(get("site_url"), get("certificate_arn"), prod)
    zoom_provider = _zoom_provider(get("zoom_provider", "zoom" if prod else "local"), prod)
    contact_email, contact_whatsapp = _contacts(get("contact_email"), get("contact_whatsapp"), prod)
    app_options = tuple(
        (env_name, _positive_int(key, value))
        for key, (env_name, _) in APP_OPTIONS.items()
        if (value := get(key)) is not None
    )
    waf, waf_limit = _waf(get("waf", "on" if prod else "off"), get("waf_registration_limit", "100"))
    mail_domain = get("mail_domain", DEFAULT_MAIL_DOMAIN)
    settings = StageSettings(
        stage=stage,
        mail_domain=mail_domain,
        mail_from=get("mail_from", f"cleanandclear@{mail_domain}"),
        alarm_email=get("alarm_email"),
        site_url=site_url,
        certificate_arn=certificate_arn,
        auth_domain_prefix=get("auth_domain_prefix"),
        zoom_provider=zoom_provider,
        contact_email=contact_email,
        contact_whatsapp=contact_whatsapp,
        app_options=app_options,
        whatsapp_flow_id=_flow_id(get("whatsapp_flow_id")),
        waf=waf,
        waf_registration_limit=waf_limit,
    )
    return settings, get("region", DEFAULT_REGION)


def _flow_id(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise SettingsError(f"whatsapp_flow_id={raw!r}: the Flow's numeric id from WhatsApp Manager")
    return raw


def _site(raw_url: str | None, certificate_arn: str | None, prod: bool) -> tuple[str | None, str | None]:
    site_url = normalise_site_url(raw_url) if raw_url else None
    if prod and not site_url:
        raise SettingsError(
            "prod needs the site's own domain name: SITE_URL=https://<domain> (e.g. "
            "https://konsultasi.diskopukm.bogorkab.go.id) and CERTIFICATE_ARN=<its ACM certificate in "
            f"us-east-1>. Every link in messages and on posters is built from it; see {_SECTION_DOMAIN}."
        )
    host = urlsplit(site_url).hostname if site_url else ""
    if prod and host.endswith(CLOUDFRONT_SUFFIX):
        raise SettingsError(
            f"prod: site_url={site_url} is a CloudFront address; prod uses the office's own domain "
            f"(SITE_URL=https://<domain> CERTIFICATE_ARN=...; see {_SECTION_DOMAIN})"
        )
    if site_url and not host.endswith(CLOUDFRONT_SUFFIX):
        if not certificate_arn:
            raise SettingsError(
                f"site_url={site_url} needs CERTIFICATE_ARN=arn:aws:acm:us-east-1:<account>:certificate/<id>: "
                f"an issued ACM certificate for {host} in us-east-1 (CloudFront only uses certificates "
                f"from there); see {_SECTION_DOMAIN}"
            )
        if not _CERTIFICATE_ARN.match(certificate_arn):
            raise SettingsError(
                f"certificate_arn={certificate_arn!r}: use the ARN of an ACM certificate in us-east-1 "
                "(arn:aws:acm:us-east-1:<12-digit account>:certificate/<uuid>)"
            )
    elif certificate_arn:
        raise SettingsError("certificate_arn is only for a site with its own domain: give SITE_URL=https://<domain> too")
    return site_url, certificate_arn


def _zoom_provider(zoom_provider: str, prod: bool) -> str:
    if zoom_provider not in ZOOM_PROVIDERS:
        raise SettingsError(f"zoom_provider={zoom_provider!r}: use one of {', '.join(ZOOM_PROVIDERS)}")
    if prod and zoom_provider == "local":
        raise SettingsError(
            "zoom_provider=local is refused for prod: visitors would get stand-in meeting links. "
            "Fill in the Zoom secret instead (infra/README.md, step 6)."
        )
    return zoom_provider


def office_number(raw: str) -> str | None:
    """The office's WhatsApp number as people read it ("+62 812-3456-7890"), from any way of
    writing it ("0812 3456 7890", "+62 812-3456-7890", "6281234567890", "(0812) 3456-7890");
    None when it is not an Indonesian mobile number."""
    from chalicelib.domain.validation import normalize_phone

    e164, problem = normalize_phone(raw)
    if problem or not e164:
        return None
    rest = e164[3:]  # after +62
    return f"+62 {rest[:3]}-{rest[3:7]}-{rest[7:]}"


def _contacts(contact_email: str | None, raw_whatsapp: str | None, prod: bool) -> tuple[str | None, str | None]:
    if contact_email and not _EMAIL.match(contact_email):
        raise SettingsError(f"contact_email={contact_email!r}: give the office's e-mail address")
    contact_whatsapp = office_number(raw_whatsapp) if raw_whatsapp else None
    if raw_whatsapp and contact_whatsapp is None:
        raise SettingsError(f"contact_whatsapp={raw_whatsapp!r}: give the office's WhatsApp number, e.g. "
                            "0812-3456-7890 or +62 812-3456-7890")
    if prod and (not contact_email or _placeholder_email(contact_email)):
        raise SettingsError("prod needs the office's real contact address: CONTACT_EMAIL=<address> (not an example.* "
                            "placeholder); it is on the privacy page and in every message")
    if prod and (not contact_whatsapp or _placeholder_phone(contact_whatsapp)):
        raise SettingsError("prod needs the office's WhatsApp number: CONTACT_WHATSAPP=0812-3456-7890 (not the "
                            "placeholder of site.json)")
    return contact_email, contact_whatsapp


def _waf(waf: str, raw_limit: str) -> tuple[bool, int]:
    if waf not in ("on", "off"):
        raise SettingsError(f"waf={waf!r}: on or off")
    if not re.fullmatch(r"[0-9]{2,6}", raw_limit) or int(raw_limit) < 10:  # AWS WAF's smallest rate limit is 10
        raise SettingsError(f"waf_registration_limit={raw_limit!r}: a whole number of at least 10 "
                            "(signups per client IP per 5 minutes)")
    return waf == "on", int(raw_limit)
