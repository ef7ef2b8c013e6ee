"""Opaque pagination cursors for staff lists: a DynamoDB position, base64url-encoded JSON."""
from __future__ import annotations

import base64
import json

from ..domain.errors import InputError


def encode_cursor(data: dict | None) -> str | None:
    if not data:
        return None
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict:
    """The position behind a cursor, or a field error the client can act on (reload the list)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, TypeError):
        raise InputError({"cursor": "Penanda halaman tidak valid; muat ulang daftar."}) from None
