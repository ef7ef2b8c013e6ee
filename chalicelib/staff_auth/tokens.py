"""Staff authentication: verify a bearer JWT and turn it into a ``Principal``.

Pure verification logic behind the API's authorizer (chalicelib/api/guard.py); which verifier
the environment asks for is chalicelib/staff_auth/setup.py.

Two token issuers, one verifier:

* AWS (``AUTH_MODE=cognito``): staff sign in to a Cognito user pool. Their Cognito groups
  ("admin" for coordinators, "konsultan" for consultants) arrive in ``cognito:groups``;
  a consultant's id is the custom attribute ``custom:consultant_id``.
* Local development and tests (``AUTH_MODE=local``): ``chalicelib.staff_auth.local_issuer`` signs
  tokens shaped like Cognito ID tokens with its own RSA key; the verifier checks them the
  same way, against the local issuer's public JWKS. It can never be switched on in the
  prod stage (``verifier_from_env`` refuses, and so does the local issuer itself).

Status codes: ``AuthError`` (401) means "no valid token"; a valid token whose roles do
not allow an action is the caller's business: ``require_role`` raises ``Forbidden`` (403).

Nothing here logs a token, a claim value or an e-mail address; log lines carry short
reason strings only.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import settings
from .errors import AuthError, Forbidden
from .jwks import (
    DEFAULT_ALGORITHMS,
    JwksSource,
    RemoteJwks,
    StaticJwks,
    clear_jwks_cache,
    cognito_issuer,
    cognito_jwks_url,
    shared_remote_jwks,
)
from .lazy import jwt

__all__ = ["AuthError", "Forbidden", "Principal", "TokenVerifier", "RemoteJwks", "StaticJwks", "JwksSource",
           "bearer_token", "require_role", "clear_jwks_cache", "cognito_issuer", "cognito_jwks_url",
           "shared_remote_jwks", "is_prod_stage"]

logger = logging.getLogger(__name__)

ROLE_ADMIN = "admin"
ROLE_KONSULTAN = "konsultan"
ROLES = frozenset({ROLE_ADMIN, ROLE_KONSULTAN})

COGNITO_GROUPS_CLAIM = "cognito:groups"
COGNITO_CONSULTANT_ID_CLAIM = "custom:consultant_id"
LOCAL_CONSULTANT_ID_CLAIM = "consultant_id"

TOKEN_USE_ID = "id"
TOKEN_USE_ACCESS = "access"

# Only asymmetric algorithms may ever be configured: with an HS* algorithm the verifier
# would treat a *public* key as an HMAC secret that anyone can sign with.
_ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
DEFAULT_LEEWAY_SECONDS = 30.0
# Cognito ID tokens are a few KB; API Gateway caps headers at 10 KB. Anything bigger is
# not ours and is rejected before any parsing.
MAX_TOKEN_LENGTH = 10_000

PROD_STAGES = settings.PROD_STAGES


# --------------------------------------------------------------------------- principal


@dataclass(frozen=True)
class Principal:
    subject: str
    email: str
    roles: frozenset
    consultant_id: str | None

    def has_role(self, *roles: str) -> bool:
        """True when the principal holds at least one of ``roles``."""
        return any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return ROLE_ADMIN in self.roles

    @property
    def is_konsultan(self) -> bool:
        return ROLE_KONSULTAN in self.roles

    def to_context(self) -> dict[str, str]:
        """Flat string map for an API Gateway authorizer context.

        API Gateway only passes strings, numbers and booleans through the authorizer
        context (no lists, no null), so roles are comma-joined and a missing
        consultant id is "".
        """
        return {
            "subject": self.subject,
            "email": self.email,
            "roles": ",".join(sorted(self.roles)),
            "consultant_id": self.consultant_id or "",
        }

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> Principal:
        """Inverse of ``to_context``; raises ``AuthError`` when the context is unusable."""
        subject = context.get("subject")
        if not isinstance(subject, str) or not subject:
            raise AuthError("authorizer context has no subject")
        roles_raw = context.get("roles") or ""
        roles = frozenset(r for r in str(roles_raw).split(",") if r in ROLES)
        return cls(
            subject=subject,
            email=str(context.get("email") or ""),
            roles=roles,
            consultant_id=str(context.get("consultant_id") or "") or None,
        )


def require_role(principal: Principal, *roles: str) -> Principal:
    """Return ``principal`` if it holds one of ``roles``; otherwise raise ``Forbidden``."""
    if not roles:
        # Requiring "no role in particular" would silently allow everyone: a bug.
        raise ValueError("require_role needs at least one role")
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    if not isinstance(principal, Principal) or not principal.has_role(*roles):
        raise Forbidden("role not allowed")
    return principal


def bearer_token(header_value: str | None) -> str:
    """The token from an ``Authorization`` header value ("Bearer <jwt>" or a bare JWT).

    Chalice hands the authorizer the raw header value; this strips the scheme.
    """
    if not header_value or not isinstance(header_value, str):
        raise AuthError("missing token")
    value = header_value.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    elif rest:
        raise AuthError("unsupported authorization scheme")
    if not value or value.lower() == "bearer":
        raise AuthError("missing token")
    return value


# --------------------------------------------------------------------------- verifier


class TokenVerifier:
    """Checks a JWT completely and returns the ``Principal`` it describes.

    ``expected_token_use``:

    * "id" (default): Cognito ID tokens. They carry ``aud`` = the app client id, plus the
      user's ``email`` and custom attributes such as ``custom:consultant_id``, which the
      API needs.
    * "access": Cognito access tokens have no ``aud`` claim at all; the app client id is
      in ``client_id`` instead, so that is what gets compared with ``audience``. Note that
      access tokens carry no e-mail or custom attributes unless a pre-token-generation
      trigger adds them (email is then "" and consultant_id None).
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: JwksSource,
        expected_token_use: str = TOKEN_USE_ID,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway: float = DEFAULT_LEEWAY_SECONDS,
        consultant_id_claim: str = COGNITO_CONSULTANT_ID_CLAIM,
    ) -> None:
        if not issuer or not isinstance(issuer, str):
            raise ValueError("issuer is required")
        if not audience or not isinstance(audience, str):
            raise ValueError("audience (app client id) is required")
        if expected_token_use not in (TOKEN_USE_ID, TOKEN_USE_ACCESS):
            raise ValueError("expected_token_use must be 'id' or 'access'")
        algorithms = tuple(algorithms)
        if not algorithms or not set(algorithms) <= _ASYMMETRIC_ALGORITHMS:
            raise ValueError("algorithms must be a non-empty list of asymmetric algorithms")
        if leeway < 0 or leeway > 300:
            raise ValueError("leeway must be between 0 and 300 seconds")
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.expected_token_use = expected_token_use
        self.algorithms = algorithms
        self.leeway = float(leeway)
        self.consultant_id_claim = consultant_id_claim

    def verify(self, token: str) -> Principal:
        try:
            return self._verify(token)
        except AuthError as exc:
            logger.info("token rejected: %s", exc.reason)
            raise

    def _verify(self, token: str) -> Principal:
        key = self._key_for(token)
        claims = self._decode(token, key)
        return self._principal(claims)

    def _key_for(self, token: str):
        """The public key the token names, after its shape and algorithm were checked."""
        if not isinstance(token, str) or not token.strip():
            raise AuthError("missing token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthError("token too long")
        if token.count(".") != 2:
            raise AuthError("malformed token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("malformed token") from None
        alg = header.get("alg")
        # Decided from our configuration, never from the token: "none" and HS256 (with
        # the public key as the HMAC secret) are refused here and again by PyJWT below.
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise AuthError("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("token has no key id")
        key = self.jwks.get_key(kid)
        if key is None:
            raise AuthError("unknown key id")
        return key

    def _decode(self, token: str, key) -> dict:
        """The claims, with signature, expiry, issuer and audience checked by PyJWT."""
        verify_aud = self.expected_token_use == TOKEN_USE_ID
        try:
            return jwt.decode(
                token,
                key=key,  # a PyJWK: PyJWT also checks alg against the key's algorithm
                algorithms=list(self.algorithms),
                audience=self.audience if verify_aud else None,
                issuer=self.issuer,
                leeway=self.leeway,
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_signature": True, "verify_exp": True, "verify_iat": True, "verify_nbf": True,
                    "verify_iss": True, "verify_aud": verify_aud, "strict_aud": True,
                },
            )
        except jwt.MissingRequiredClaimError as exc:
            # exc.claim is a claim *name* from our own list, safe to include.
            raise AuthError(f"missing claim {exc.claim}") from None
        except jwt.PyJWTError as exc:
            reason = next((r for kind, r in _decode_errors() if isinstance(exc, kind)), "invalid token")
            raise AuthError(reason) from None

    def _principal(self, claims: dict) -> Principal:
        """Who the claims say the caller is; belt and braces on top of PyJWT's own checks."""
        if claims.get("iss") != self.issuer:
            raise AuthError("wrong issuer")
        if claims.get("token_use") != self.expected_token_use:
            raise AuthError("wrong token_use")
        if self.expected_token_use == TOKEN_USE_ACCESS:
            if claims.get("client_id") != self.audience:
                raise AuthError("wrong client_id")
        elif claims.get("aud") != self.audience:
            raise AuthError("wrong audience")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthError("bad subject")
        email = claims.get("email", "")
        if email is None:
            email = ""
        if not isinstance(email, str):
            raise AuthError("bad email claim")
        consultant_id = claims.get(self.consultant_id_claim)
        if consultant_id is not None and not isinstance(consultant_id, str):
            raise AuthError("bad consultant_id claim")
        return Principal(subject=subject, email=email, roles=_roles_from_groups(claims.get(COGNITO_GROUPS_CLAIM)),
                         consultant_id=consultant_id or None)


def _roles_from_groups(groups: Any) -> frozenset:
    """Known roles among the Cognito groups; other groups are ignored.

    No groups claim at all means no roles (an authenticated user with no staff role;
    callers answer 403). A claim of the wrong shape is rejected: iterating a plain string
    "admin" would otherwise yield characters, not a group.
    """
    if groups is None:
        return frozenset()
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise AuthError("bad groups claim")
    return frozenset(g for g in groups if g in ROLES)


# --------------------------------------------------------------------------- stage


def stage_of(env: Mapping[str, str]) -> str:
    return settings.stage(env)


def is_prod_stage(env: Mapping[str, str]) -> bool:
    """True if either STAGE or APP_STAGE names the prod stage (fail closed on conflict)."""
    return settings.is_prod_stage(env)


def _decode_errors():
    return ((jwt.ExpiredSignatureError, "token expired"), (jwt.ImmatureSignatureError, "token not yet valid"),
            (jwt.InvalidSignatureError, "bad signature"), (jwt.InvalidIssuerError, "wrong issuer"),
            (jwt.InvalidAudienceError, "wrong audience"), (jwt.InvalidAlgorithmError, "algorithm not allowed"))
