"""Request bodies as JSON, within limits: size, nesting depth, array length, keys per object.

`json.loads` alone takes anything up to Python's recursion limit and then raises
RecursionError (a 500 on every route that reads a body). Here a body that is too big, too deep
or too wide is refused as bad input with a message in Indonesian, before any rule looks at it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import InputError

MAX_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BODY_BYTES
    max_depth: int = 8  # forms are two levels deep (an object of lists); 8 leaves room
    max_items: int = 500  # elements of one array
    max_keys: int = 100  # members of one object


FORM = Limits()
# What Meta sends: batches of entries/changes/statuses, a few levels deeper than a form.
WEBHOOK = Limits(max_bytes=1024 * 1024, max_depth=16, max_items=5000, max_keys=200)

MSG_EMPTY = "Data formulir kosong."
MSG_TOO_BIG = "Data yang dikirim terlalu besar."
MSG_NOT_JSON = "Data formulir tidak dapat dibaca (harus JSON)."
MSG_SHAPE = "Susunan data formulir tidak wajar (terlalu dalam atau terlalu banyak isian)."


def loads(raw: bytes | str | None, limits: Limits = FORM) -> object:
    """The parsed body, or InputError (400; 413 for size) with a message in Indonesian."""
    if raw is None or raw in (b"", ""):
        raise InputError({"_form": MSG_EMPTY})
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > limits.max_bytes:
        raise InputError({"_form": MSG_TOO_BIG}, 413)
    if _nesting(data) > limits.max_depth:
        raise InputError({"_form": MSG_SHAPE})
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError({"_form": MSG_NOT_JSON}) from None
    if not _within(value, limits):
        raise InputError({"_form": MSG_SHAPE})
    return value


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _nesting(data: bytes) -> int:
    """The deepest bracket nesting outside strings, found without parsing (so without recursion)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _within(value: object, limits: Limits) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(item) > limits.max_items:
                return False
            stack.extend(item)
        elif isinstance(item, dict):
            if len(item) > limits.max_keys:
                return False
            stack.extend(item.values())
    return True
