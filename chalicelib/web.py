"""HTTP edge helpers that need no Chalice: body and query parsing."""
from __future__ import annotations

import json
from datetime import date

from .errors import InputError
from .validation import MAX_BODY_BYTES


def parse_json_object(raw: bytes | None) -> dict:
    """The request body as a JSON object, or InputError with a message in Indonesian."""
    if raw is None or raw == b"":
        raise InputError({"_form": "Data formulir kosong."})
    if len(raw) > MAX_BODY_BYTES:
        raise InputError({"_form": "Data yang dikirim terlalu besar."}, 413)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError({"_form": "Data formulir tidak dapat dibaca (harus JSON)."}) from None
    if not isinstance(payload, dict):
        raise InputError({"_form": "Data formulir harus berupa objek JSON."})
    return payload


def parse_day(value: object, field: str, *, required: bool = True) -> date | None:
    """A `YYYY-MM-DD` query or body value, or InputError for that field."""
    if value in (None, ""):
        if required:
            raise InputError({field: "Wajib diisi (format TTTT-BB-HH)."})
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _bad(field)
    except ValueError:
        return _bad(field)


def _bad(field: str):
    raise InputError({field: "Tanggal tidak valid (format TTTT-BB-HH)."})
