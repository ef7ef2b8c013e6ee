"""Registration references and private-link tokens: what a visitor reads aloud and keeps.

A reference is six characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown with
a dash after the third ("6F2-5AF"). The private link's token is random; only its SHA-256 is
stored.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def format_reference(reference: str) -> str:
    """"6F25AF" -> "6F2-5AF", as people read and type it."""
    return f"{reference[:3]}-{reference[3:]}"


def normalize_reference(raw: object) -> str | None:
    """What a person typed ("6f2-5af", "6F2 5AF") -> the stored form, or None."""
    if not isinstance(raw, str):
        return None
    ref = "".join(ch for ch in raw.upper() if ch.isalnum())
    if len(ref) != REFERENCE_LENGTH or any(ch not in REFERENCE_ALPHABET for ch in ref):
        return None
    return ref


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token_hash: str, token: str) -> bool:
    return hmac.compare_digest(token_hash, hash_token(token))
