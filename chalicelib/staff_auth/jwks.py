"""The public keys that sign staff tokens: a fixed set (the local issuer, tests) or Cognito's
JWKS fetched over HTTPS and cached for the container's life."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from ..adapters import jwks as jwks_http
from .errors import AuthError
from .lazy import jwt

logger = logging.getLogger(__name__)

DEFAULT_ALGORITHMS = ("RS256",)
JWKS_TIMEOUT_SECONDS = 3.0
JWKS_MIN_REFETCH_SECONDS = 300.0  # refetch on an unknown kid at most once per 5 minutes
# When there are no keys at all yet (cold start and Cognito unreachable), retry sooner
# than the rotation interval, but not on every single request.
JWKS_FAILURE_BACKOFF_SECONDS = 5.0
MIN_RSA_KEY_BITS = 2048


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
        fetch: Callable[[str, float], object] = jwks_http.fetch,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self.failure_backoff = failure_backoff
        self.algorithms = tuple(algorithms)
        self._clock = clock
        self._get = fetch
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._last_attempt: float | None = None  # any fetch attempt
        self._last_refetch: float | None = None  # refetches caused by an unknown kid
        self._lock = threading.Lock()

    def _fetch(self) -> bool:
        """Try to (re)load the key set; True on success. Caller holds the lock."""
        self._last_attempt = self._clock()
        try:
            keys = _usable_keys(self._get(self.url, self.timeout), self.algorithms)
            if not keys:
                raise ValueError("no usable keys")
        except (jwks_http.Unavailable, ValueError) as exc:
            # The URL is public configuration; the exception type/short text is enough.
            logger.warning("JWKS fetch from %s failed: %s", self.url,
                           exc if isinstance(exc, jwks_http.Unavailable) else type(exc).__name__)
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
