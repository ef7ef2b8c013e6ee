"""The HTTP edge: answers, request bodies and query values, and the route decorator for the
public blueprints. Every 4xx is ``{"errors": {field: message}}`` in Bahasa Indonesia."""
from __future__ import annotations

import functools
import json
from datetime import date, timedelta

from chalice import Response

from ..domain import rules
from ..domain.errors import InputError
from ..domain import json_input
from ..domain.validation import parse_day

__all__ = ["JSON_TYPES", "NO_STORE", "respond", "error", "body", "query", "limit", "parse_json_object", "parse_day",
           "public_route", "indonesian_server_errors"]

JSON_TYPES = ["application/json", "text/plain"]
NO_STORE = {"Cache-Control": "no-store", "Content-Type": "application/json; charset=utf-8"}
SERVER_ERROR = {"errors": {"_form": "Terjadi gangguan di server. Silakan coba lagi sebentar lagi."}}


def to_json(payload: object, indent: int | None = None) -> str:
    """JSON that always encodes as UTF-8: a stored value with a lone surrogate (from before text
    fields refused them) is written as its \\u escape instead of breaking the whole answer."""
    text = json.dumps(payload, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(payload, ensure_ascii=True, indent=indent)
    return text


def respond(status: int, payload: dict, headers: dict | None = None) -> Response:
    return Response(body=to_json(payload), status_code=status, headers={**NO_STORE, **(headers or {})})


def error(exc: InputError) -> Response:
    return respond(exc.status, {"errors": exc.errors, **getattr(exc, "extra", {})})


def parse_json_object(raw: bytes | None) -> dict:
    """The request body as a JSON object (within domain/json_input's limits), or InputError."""
    payload = json_input.loads(raw)
    if not isinstance(payload, dict):
        raise InputError({"_form": "Data formulir harus berupa objek JSON."})
    return payload


def body(request) -> dict:
    return parse_json_object(request.raw_body)


def query(request, name: str) -> str | None:
    return (request.query_params or {}).get(name)


def limit(request, default: int = 25) -> int:
    raw = query(request, "limit") or str(default)
    if not raw.isdigit():
        raise InputError({"limit": "Harus angka."})
    return int(raw)


def day_range(request, default_days: int = 13) -> tuple[date, date]:
    """`?from=&to=` (WIB dates): from today and two weeks long unless given."""
    start = parse_day(query(request, "from"), "from", required=False) or rules.wib_now().date()
    end = parse_day(query(request, "to"), "to", required=False) or start + timedelta(days=default_days)
    return start, end


def header(request, name: str) -> str | None:
    value = request.headers.get(name)
    return value if isinstance(value, str) else None


def public_route(bp, path: str, methods=("GET",), *, json_body: bool = False, **kwargs):
    """A route of a public blueprint whose view may raise InputError (answered as its 4xx)."""

    def decorate(fn):
        @functools.wraps(fn)
        def view(**params):
            try:
                return fn(**params)
            except InputError as exc:
                return error(exc)

        options = {"content_types": JSON_TYPES} if json_body else {}
        bp.route(path, methods=list(methods), **options, **kwargs)(view)
        return fn

    return decorate


def indonesian_server_errors(event, get_response):
    """Chalice turns an unhandled exception into a 500 in English; say it in Indonesian.

    Chalice has already logged the stack trace (our exceptions carry no personal data)."""
    response = get_response(event)
    if response.status_code >= 500 and "errors" not in str(response.body):
        return respond(response.status_code, SERVER_ERROR)
    return response
