"""A stand-in for Cognito for local development and tests ONLY.

Signs tokens shaped like Cognito ID tokens for a few demo accounts, with an RSA key kept
in a local PEM file, so the API's verifier (``chalicelib.auth.TokenVerifier``) checks
local tokens exactly as it checks Cognito's. ``chalicelib.auth.verifier_from_env``
refuses ``AUTH_MODE=local`` in the prod stage, and this module refuses to build an issuer
from an environment whose STAGE/APP_STAGE is prod as well.

Environment:
    LOCAL_ISSUER_KEY_FILE  PEM private key path; created (2048-bit RSA, mode 0600) if
                           absent. Default: <project>/.local/local_issuer_key.pem
                           (.local/ is git-ignored; never commit the key).
    LOCAL_ISSUER_URL       the ``iss`` claim (default http://localhost/local-issuer).
    LOCAL_DEMO_ACCOUNTS    JSON object {email: {"roles": [...] or "role": "...",
                           "consultant_id": "..."}}; replaces the default accounts.
    LOCAL_DEMO_PASSWORD    the one password shared by all demo accounts.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .. import clock
from .tokens import (
    COGNITO_GROUPS_CLAIM,
    LOCAL_CONSULTANT_ID_CLAIM,
    ROLE_ADMIN,
    ROLE_KONSULTAN,
    ROLES,
    TOKEN_USE_ID,
    is_prod_stage,
)

DEFAULT_ISSUER = "http://localhost/local-issuer"
LOCAL_CLIENT_ID = "clean-and-clear-local"
# A demo password for a local demo with made-up accounts, not a secret: it is here so
# the demo works out of the box. Real staff sign in through Cognito.
DEFAULT_DEMO_PASSWORD = "demo12345"
DEFAULT_KEY_FILE = Path(__file__).resolve().parents[2] / ".local" / "local_issuer_key.pem"
ALGORITHM = "RS256"
MAX_TTL_SECONDS = 24 * 3600

# Stable, made-up subject ids per e-mail (Cognito's sub is a UUID too).
_SUB_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "clean-and-clear/local-issuer")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    roles: tuple[str, ...]
    consultant_id: str | None = None

    @property
    def sub(self) -> str:
        return str(uuid.uuid5(_SUB_NAMESPACE, self.email))


DEFAULT_ACCOUNTS: dict[str, DemoAccount] = {
    a.email: a
    for a in (
        DemoAccount("admin@demo.local", (ROLE_ADMIN,)),
        DemoAccount("siti@demo.local", (ROLE_KONSULTAN,), "K-SITI"),
        DemoAccount("budi@demo.local", (ROLE_KONSULTAN,), "K-BUDI"),
    )
}


def _normalize_email(email: Any) -> str:
    return email.strip().lower() if isinstance(email, str) else ""


def parse_accounts(raw: str) -> dict[str, DemoAccount]:
    """Parse LOCAL_DEMO_ACCOUNTS; ``RuntimeError`` on anything malformed."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise RuntimeError("LOCAL_DEMO_ACCOUNTS is not valid JSON") from None
    if not isinstance(data, dict) or not data:
        raise RuntimeError("LOCAL_DEMO_ACCOUNTS must be a non-empty JSON object")
    accounts: dict[str, DemoAccount] = {}
    for raw_email, spec in data.items():
        email = _normalize_email(raw_email)
        if "@" not in email or not isinstance(spec, dict):
            raise RuntimeError("LOCAL_DEMO_ACCOUNTS: each entry is email -> object")
        roles = spec.get("roles", [spec["role"]] if "role" in spec else [])
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not set(roles) <= ROLES:
            raise RuntimeError(f"LOCAL_DEMO_ACCOUNTS: roles must be among {sorted(ROLES)}")
        consultant_id = spec.get("consultant_id")
        if consultant_id is not None and (not isinstance(consultant_id, str) or not consultant_id):
            raise RuntimeError("LOCAL_DEMO_ACCOUNTS: consultant_id must be a string")
        accounts[email] = DemoAccount(email, tuple(roles), consultant_id)
    return accounts


def load_or_create_key(path: str | os.PathLike) -> rsa.RSAPrivateKey:
    """Load the PEM private key at ``path``, creating a fresh 2048-bit key if absent.

    A new file is created with O_EXCL and mode 0600 (never world-readable, not even
    briefly); if another process wins the race, its key is loaded instead.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise RuntimeError("LOCAL_ISSUER_KEY_FILE must hold an RSA key of >= 2048 bits")
    return key


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class LocalIssuer:
    def __init__(
        self,
        private_key: rsa.RSAPrivateKey,
        accounts: Mapping[str, DemoAccount] | None = None,
        password: str = DEFAULT_DEMO_PASSWORD,
        issuer: str = DEFAULT_ISSUER,
        client_id: str = LOCAL_CLIENT_ID,
    ) -> None:
        if not password:
            raise ValueError("demo password must not be empty")
        self._key = private_key
        self._accounts = dict(DEFAULT_ACCOUNTS if accounts is None else accounts)
        self._password = password.encode("utf-8")
        self.issuer = issuer
        self.client_id = client_id
        public = private_key.public_key().public_numbers()
        self._public_jwk = {"kty": "RSA", "n": _b64url_uint(public.n), "e": _b64url_uint(public.e)}
        # kid = RFC 7638 thumbprint: replacing the key file changes the kid by itself.
        canonical = json.dumps(
            {"e": self._public_jwk["e"], "kty": "RSA", "n": self._public_jwk["n"]},
            separators=(",", ":"),
            sort_keys=True,
        ).encode("ascii")
        self.kid = (
            base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
        )

    @property
    def accounts(self) -> dict[str, DemoAccount]:
        return dict(self._accounts)

    def authenticate(self, email: str, password: str) -> DemoAccount | None:
        account = self._accounts.get(_normalize_email(email))
        given = password.encode("utf-8") if isinstance(password, str) else b""
        # Compare even for unknown accounts so both paths do the same work.
        password_ok = hmac.compare_digest(given, self._password)
        return account if account is not None and password_ok else None

    def issue_token(
        self,
        email: str,
        password: str,
        now: float | datetime | None = None,
        ttl: int = 3600,
    ) -> str | None:
        """A signed ID-token-shaped JWT, or None for bad credentials."""
        if not 0 < ttl <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl must be between 1 and {MAX_TTL_SECONDS} seconds")
        account = self.authenticate(email, password)
        if account is None:
            return None
        if now is None:
            issued_at = int(clock.epoch_seconds())
        elif isinstance(now, datetime):
            if now.tzinfo is None:
                raise ValueError("now must be timezone-aware")
            issued_at = int(now.timestamp())
        else:
            issued_at = int(now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": TOKEN_USE_ID,
            "sub": account.sub,
            "email": account.email,
            "email_verified": True,
            "cognito:username": account.email,
            COGNITO_GROUPS_CLAIM: list(account.roles),
            "auth_time": issued_at,
            "iat": issued_at,
            "exp": issued_at + int(ttl),
        }
        if account.consultant_id is not None:
            claims[LOCAL_CONSULTANT_ID_CLAIM] = account.consultant_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict:
        """The public key set, in the same shape as Cognito's jwks.json."""
        return {"keys": [dict(self._public_jwk, kid=self.kid, alg=ALGORITHM, use="sig")]}


def issuer_from_env(env: Mapping[str, str] | None = None) -> LocalIssuer:
    env = os.environ if env is None else env
    if is_prod_stage(env):
        raise RuntimeError("the local issuer is not available in the prod stage")
    accounts_raw = env.get("LOCAL_DEMO_ACCOUNTS")
    return LocalIssuer(
        load_or_create_key(env.get("LOCAL_ISSUER_KEY_FILE") or DEFAULT_KEY_FILE),
        accounts=parse_accounts(accounts_raw) if accounts_raw else None,
        password=env.get("LOCAL_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
        issuer=env.get("LOCAL_ISSUER_URL") or DEFAULT_ISSUER,
    )


_default: LocalIssuer | None = None
_default_lock = threading.Lock()


def default_issuer() -> LocalIssuer:
    """The process-wide issuer built from ``os.environ`` (once)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = issuer_from_env(os.environ)
        return _default


def reset_default_issuer() -> None:
    """Forget the process-wide issuer (tests, or after changing the environment)."""
    global _default
    with _default_lock:
        _default = None


def issue_token(
    email: str, password: str, now: float | datetime | None = None, ttl: int = 3600
) -> str | None:
    return default_issuer().issue_token(email, password, now=now, ttl=ttl)


def jwks() -> dict:
    return default_issuer().jwks()
