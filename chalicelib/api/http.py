"""The HTTP edge: answers, request bodies and query values, and the route decorator for the
public blueprints. Every 4xx is ``{"errors": {field: message}}`` in Bahasa Indonesia."""
from __future__ import annotations

import functools
import json
from datetime import date, timedelta

from chalice import Response

from .. import clock
from ..domain import json_input
from ..domain.errors import InputError
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
    start = parse_day(query(request, "from"), "from", required=False) or clock.today()
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


# What the edge itself answers (Chalice before a view runs; API Gateway before the Lambda), in
# the API's own shape. infra/ gives API Gateway's responses the same texts (GATEWAY_RESPONSES).
EDGE_ERRORS = {
    "UnsupportedMediaType": "Jenis isi permintaan tidak didukung: kirim data sebagai JSON "
                            "(Content-Type: application/json).",
    "MethodNotAllowedError": "Cara permintaan ini tidak didukung untuk alamat ini.",
    "BadRequest": "Permintaan tidak lengkap: sebutkan jenis berkas yang diterima (Accept).",
}
GENERIC_4XX = "Permintaan tidak dapat diproses."
# API Gateway response type -> (status, message): answers that never reach the Lambda.
GATEWAY_RESPONSES = {
    "UNAUTHORIZED": ("401", "Silakan masuk terlebih dahulu (sesi Anda habis atau belum masuk)."),
    "ACCESS_DENIED": ("403", "Akun Anda tidak berhak membuka bagian ini."),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "Alamat ini tidak ada."),
    "THROTTLED": ("429", "Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."),
    "REQUEST_TOO_LARGE": ("413", "Data yang dikirim terlalu besar."),
    "DEFAULT_4XX": (None, GENERIC_4XX),
    "DEFAULT_5XX": (None, SERVER_ERROR["errors"]["_form"]),
}


def indonesian_server_errors(event, get_response):
    """Chalice answers a few cases itself, in English (an unhandled exception: 500; a wrong
    Content-Type: 415; a wrong method: 405); say them in Indonesian, in the API's shape.

    Chalice has already logged the stack trace of a 500 (our exceptions carry no personal data)."""
    response = get_response(event)
    if response.status_code < 400 or "errors" in str(response.body):
        return response
    if str((response.headers or {}).get("Content-Type", "")).startswith(("text/plain", "text/html")):
        return response  # our own answers (the Flow endpoint's 421/427/432, a report link's page)
    if response.status_code >= 500:
        return respond(response.status_code, SERVER_ERROR)
    code = response.body.get("Code") if isinstance(response.body, dict) else None
    if code is None:
        try:
            code = json.loads(response.body).get("Code")
        except (TypeError, ValueError, AttributeError):
            code = None
    extra = {k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"}
    return respond(response.status_code, {"errors": {"_form": EDGE_ERRORS.get(code, GENERIC_4XX)}}, extra)
