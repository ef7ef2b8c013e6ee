"""Staff authentication: verify a bearer JWT and turn it into a ``Principal``.

Pure verification logic behind the API's ``@app.authorizer()``; the Chalice wiring lives
elsewhere, so this module has no Chalice imports.

Two token issuers, one verifier:

* AWS (``AUTH_MODE=cognito``): staff sign in to a Cognito user pool. Their Cognito groups
  ("admin" for coordinators, "konsultan" for consultants) arrive in ``cognito:groups``;
  a consultant's id is the custom attribute ``custom:consultant_id``.
* Local development and tests (``AUTH_MODE=local``): ``chalicelib.local_issuer`` signs
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
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
import requests

logger = logging.getLogger(__name__)

ROLE_ADMIN = "admin"
ROLE_KONSULTAN = "konsultan"
ROLES = frozenset({ROLE_ADMIN, ROLE_KONSULTAN})

COGNITO_GROUPS_CLAIM = "cognito:groups"
COGNITO_CONSULTANT_ID_CLAIM = "custom:consultant_id"
LOCAL_CONSULTANT_ID_CLAIM = "consultant_id"

TOKEN_USE_ID = "id"
TOKEN_USE_ACCESS = "access"

DEFAULT_ALGORITHMS = ("RS256",)
# Only asymmetric algorithms may ever be configured: with an HS* algorithm the verifier
# would treat a *public* key as an HMAC secret that anyone can sign with.
_ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
DEFAULT_LEEWAY_SECONDS = 30.0
JWKS_TIMEOUT_SECONDS = 3.0
JWKS_MIN_REFETCH_SECONDS = 300.0  # refetch on an unknown kid at most once per 5 minutes
# When there are no keys at all yet (cold start and Cognito unreachable), retry sooner
# than the rotation interval, but not on every single request.
JWKS_FAILURE_BACKOFF_SECONDS = 5.0
MIN_RSA_KEY_BITS = 2048
# Cognito ID tokens are a few KB; API Gateway caps headers at 10 KB. Anything bigger is
# not ours and is rejected before any parsing.
MAX_TOKEN_LENGTH = 10_000

PROD_STAGES = frozenset({"prod", "production"})


# --------------------------------------------------------------------------- errors


class AuthError(Exception):
    """The request carries no valid token: answer 401.

    ``reason`` is a short, fixed description that is safe to log; it never contains the
    token or any claim value.
    """

    status = 401

    def __init__(self, reason: str = "invalid token") -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """Authenticated, but the principal's roles do not allow this: answer 403."""

    status = 403

    def __init__(self, reason: str = "forbidden") -> None:
        super().__init__(reason)
        self.reason = reason


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


# --------------------------------------------------------------------------- JWKS


class JwksSource(Protocol):
    def get_key(self, kid: str) -> jwt.PyJWK | None:
        """The public key for ``kid``, None when unknown; ``AuthError`` if unavailable."""
        ...


def _usable_keys(jwks: Any, algorithms: Iterable[str]) -> dict[str, jwt.PyJWK]:
    """Parse a JWKS document into {kid: PyJWK}, keeping only keys we would accept.

    Skips (rather than fails on) keys that are not signature keys for an allowed
    algorithm, lack a kid, or are RSA keys shorter than 2048 bits.
    """
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise ValueError("not a JWKS document")
    allowed = set(algorithms)
    keys: dict[str, jwt.PyJWK] = {}
    for data in jwks["keys"]:
        if not isinstance(data, Mapping):
            continue
        kid = data.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if data.get("use", "sig") != "sig":
            continue
        if data.get("kty") not in ("RSA", "EC"):
            continue
        declared_alg = data.get("alg")
        if declared_alg is not None and declared_alg not in allowed:
            continue
        try:
            key = jwt.PyJWK(dict(data))
        except jwt.PyJWTError:
            continue
        if key.algorithm_name not in allowed:
            continue
        key_size = getattr(key.key, "key_size", None)
        if data.get("kty") == "RSA" and (key_size is None or key_size < MIN_RSA_KEY_BITS):
            continue
        keys[kid] = key
    return keys


class StaticJwks:
    """A fixed key set (the local issuer's public keys, or tests)."""

    def __init__(self, jwks: Mapping[str, Any], algorithms: Sequence[str] = DEFAULT_ALGORITHMS):
        self._keys = _usable_keys(jwks, algorithms)
        if not self._keys:
            raise ValueError("JWKS has no usable signing keys")

    def get_key(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class RemoteJwks:
    """A JWKS fetched over HTTPS (Cognito), cached in memory for the container's life.

    * First use fetches the key set (timeout 3 s).
    * A ``kid`` not in the cache triggers one refetch (Cognito key rotation), but such
      refetches happen at most once per ``min_refetch_interval`` (5 minutes), so a flood
      of tokens with made-up kids cannot turn into a flood of requests to Cognito.
    * A failed refetch keeps the old keys. With no keys at all (cold start, Cognito
      unreachable) verification fails with ``AuthError`` and is retried after a short
      backoff.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = JWKS_TIMEOUT_SECONDS,
        min_refetch_interval: float = JWKS_MIN_REFETCH_SECONDS,
        failure_backoff: float = JWKS_FAILURE_BACKOFF_SECONDS,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self.failure_backoff = failure_backoff
        self.algorithms = tuple(algorithms)
        self._clock = clock
        self._http = session if session is not None else requests
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._last_attempt: float | None = None  # any fetch attempt
        self._last_refetch: float | None = None  # refetches caused by an unknown kid
        self._lock = threading.Lock()

    def _fetch(self) -> bool:
        """Try to (re)load the key set; True on success. Caller holds the lock."""
        self._last_attempt = self._clock()
        try:
            response = self._http.get(self.url, timeout=self.timeout, allow_redirects=False)
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            keys = _usable_keys(response.json(), self.algorithms)
            if not keys:
                raise ValueError("no usable keys")
        except (requests.RequestException, ValueError) as exc:
            # The URL is public configuration; the exception type/short text is enough.
            logger.warning("JWKS fetch from %s failed: %s", self.url, type(exc).__name__)
            return False
        self._keys = keys
        return True

    def _elapsed(self, since: float | None, interval: float) -> bool:
        return since is None or self._clock() - since >= interval

    def get_key(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            if self._keys is None:
                if not self._elapsed(self._last_attempt, self.failure_backoff):
                    raise AuthError("signing keys unavailable")
                if not self._fetch():
                    raise AuthError("signing keys unavailable")
                return self._keys.get(kid)
            key = self._keys.get(kid)
            # The first unknown kid refetches at once (a rotation is picked up
            # immediately); later ones only after min_refetch_interval.
            if key is None and self._elapsed(self._last_refetch, self.min_refetch_interval):
                self._last_refetch = self._clock()
                self._fetch()  # on failure the old keys stay in place
                key = self._keys.get(kid)
            return key


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def cognito_jwks_url(region: str, user_pool_id: str) -> str:
    return f"{cognito_issuer(region, user_pool_id)}/.well-known/jwks.json"


# One RemoteJwks per URL for the life of the process (a Lambda container), so the key set
# is fetched once however often a verifier is built.
_REMOTE_JWKS: dict[str, RemoteJwks] = {}
_REMOTE_JWKS_LOCK = threading.Lock()


def shared_remote_jwks(url: str) -> RemoteJwks:
    with _REMOTE_JWKS_LOCK:
        source = _REMOTE_JWKS.get(url)
        if source is None:
            source = _REMOTE_JWKS[url] = RemoteJwks(url)
        return source


def clear_jwks_cache() -> None:
    """Forget every cached key set (tests)."""
    with _REMOTE_JWKS_LOCK:
        _REMOTE_JWKS.clear()


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

        verify_aud = self.expected_token_use == TOKEN_USE_ID
        try:
            claims = jwt.decode(
                token,
                key=key,  # a PyJWK: PyJWT also checks alg against the key's algorithm
                algorithms=list(self.algorithms),
                audience=self.audience if verify_aud else None,
                issuer=self.issuer,
                leeway=self.leeway,
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_nbf": True,
                    "verify_iss": True,
                    "verify_aud": verify_aud,
                    "strict_aud": True,
                },
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("token not yet valid") from None
        except jwt.InvalidSignatureError:
            raise AuthError("bad signature") from None
        except jwt.InvalidIssuerError:
            raise AuthError("wrong issuer") from None
        except jwt.InvalidAudienceError:
            raise AuthError("wrong audience") from None
        except jwt.MissingRequiredClaimError as exc:
            # exc.claim is a claim *name* from our own list, safe to include.
            raise AuthError(f"missing claim {exc.claim}") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError("algorithm not allowed") from None
        except jwt.PyJWTError:
            raise AuthError("invalid token") from None

        # Belt and braces on top of PyJWT's own checks.
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

        return Principal(
            subject=subject,
            email=email,
            roles=_roles_from_groups(claims.get(COGNITO_GROUPS_CLAIM)),
            consultant_id=consultant_id or None,
        )


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


# --------------------------------------------------------------------------- from env

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def stage_of(env: Mapping[str, str]) -> str:
    return (env.get("STAGE") or env.get("APP_STAGE") or "").strip().lower()


def is_prod_stage(env: Mapping[str, str]) -> bool:
    """True if either STAGE or APP_STAGE names the prod stage (fail closed on conflict)."""
    stages = {(env.get(name) or "").strip().lower() for name in ("STAGE", "APP_STAGE")}
    return bool(stages & PROD_STAGES)


def verifier_from_env(env: Mapping[str, str] = os.environ) -> TokenVerifier:
    """Build the verifier the environment asks for; ``RuntimeError`` on any doubt.

    AUTH_MODE=cognito: COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_APP_CLIENT_ID
        (required); COGNITO_TOKEN_USE "id" (default) or "access".
    AUTH_MODE=local:   the local issuer (see chalicelib.local_issuer); refused in prod.
    """
    mode = (env.get("AUTH_MODE") or "").strip().lower()
    if is_prod_stage(env) and mode != "cognito":
        # Hard rule: the local issuer (known demo password, key on disk) never guards prod.
        raise RuntimeError(
            "AUTH_MODE must be 'cognito' in the prod stage; refusing to start"
        )

    if mode == "cognito":
        region = (env.get("COGNITO_REGION") or "").strip()
        pool_id = (env.get("COGNITO_USER_POOL_ID") or "").strip()
        client_id = (env.get("COGNITO_APP_CLIENT_ID") or "").strip()
        missing = [
            name
            for name, value in (
                ("COGNITO_REGION", region),
                ("COGNITO_USER_POOL_ID", pool_id),
                ("COGNITO_APP_CLIENT_ID", client_id),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(f"AUTH_MODE=cognito needs {', '.join(missing)}")
        if not _REGION_RE.match(region):
            raise RuntimeError("COGNITO_REGION does not look like an AWS region")
        # Cognito user pool ids are "<region>_<id>"; a mismatch is a config mistake.
        if not pool_id.startswith(region + "_") or "/" in pool_id:
            raise RuntimeError("COGNITO_USER_POOL_ID does not belong to COGNITO_REGION")
        token_use = (env.get("COGNITO_TOKEN_USE") or TOKEN_USE_ID).strip().lower()
        if token_use not in (TOKEN_USE_ID, TOKEN_USE_ACCESS):
            raise RuntimeError("COGNITO_TOKEN_USE must be 'id' or 'access'")
        return TokenVerifier(
            issuer=cognito_issuer(region, pool_id),
            audience=client_id,
            jwks=shared_remote_jwks(cognito_jwks_url(region, pool_id)),
            expected_token_use=token_use,
            consultant_id_claim=COGNITO_CONSULTANT_ID_CLAIM,
        )

    if mode == "local":
        from chalicelib import local_issuer  # local/dev only; imported on demand

        issuer = (
            local_issuer.default_issuer()
            if env is os.environ
            else local_issuer.issuer_from_env(env)
        )
        return TokenVerifier(
            issuer=issuer.issuer,
            audience=issuer.client_id,
            jwks=StaticJwks(issuer.jwks()),
            expected_token_use=TOKEN_USE_ID,
            consultant_id_claim=LOCAL_CONSULTANT_ID_CLAIM,
        )

    raise RuntimeError("AUTH_MODE must be 'cognito' or 'local'")
