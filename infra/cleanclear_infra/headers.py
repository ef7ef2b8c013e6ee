"""The site's security headers: ONE definition for CloudFront's response-headers policy
(website.py) and for the local site server (infra/local/site_server.py), so that what the browser
tests check is what visitors get. Plain Python: the local stack needs no CDK to read it."""
from __future__ import annotations

# Same-origin pages only. connect-src also allows the stack's own Cognito hosted-UI domain: the
# staff admin page exchanges its sign-in code for tokens there (POST /oauth2/token).
CSP_TEMPLATE = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' {auth}; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
HSTS_SECONDS = 365 * 24 * 3600
FRAME_OPTIONS = "DENY"
# Private links carry a token in the URL fragment: never leak the URL onward.
REFERRER_POLICY = "no-referrer"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


def csp(auth_origin: str = "") -> str:
    return CSP_TEMPLATE.format(auth=auth_origin).replace("'self' ;", "'self';")


def security_headers(auth_origin: str = "") -> dict[str, str]:
    """The headers as an HTTP response carries them (CloudFront writes exactly these)."""
    return {
        "Content-Security-Policy": csp(auth_origin),
        "Strict-Transport-Security": f"max-age={HSTS_SECONDS}",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
