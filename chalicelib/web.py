"""HTTP edge helpers that need no Chalice: body parsing and error shapes."""
from __future__ import annotations

import json

from .validation import MAX_BODY_BYTES


class BadRequest(Exception):
    """A request the client must fix; carries the status and the field-level errors."""

    def __init__(self, status: int, errors: dict):
        super().__init__(status)
        self.status = status
        self.errors = errors


def parse_json_object(raw: bytes | None) -> dict:
    """The request body as a JSON object, or BadRequest with a message in Indonesian."""
    if raw is None or raw == b"":
        raise BadRequest(400, {"_form": "Data formulir kosong."})
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(413, {"_form": "Data yang dikirim terlalu besar."})
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, {"_form": "Data formulir tidak dapat dibaca (harus JSON)."}) from None
    if not isinstance(payload, dict):
        raise BadRequest(400, {"_form": "Data formulir harus berupa objek JSON."})
    return payload
