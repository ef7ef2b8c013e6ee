"""Clean & Clear API: thin Chalice routes over the domain code in chalicelib/."""
from __future__ import annotations

import json
import logging
from chalice import Chalice, Response

from chalicelib import registrations, rules, validation
from chalicelib.web import BadRequest, parse_json_object

app = Chalice(app_name="clean-and-clear")
app.log.setLevel(logging.INFO)

JSON_TYPES = ["application/json", "text/plain"]
NO_STORE = {"Cache-Control": "no-store", "Content-Type": "application/json; charset=utf-8"}


def respond(status: int, body: dict) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=NO_STORE)


SERVER_ERROR = {"errors": {"_form": "Terjadi gangguan di server. Silakan coba lagi sebentar lagi."}}


@app.middleware("http")
def indonesian_server_errors(event, get_response):
    """Chalice turns an unhandled exception into a 500 in English; say it in Indonesian.

    Chalice has already logged the stack trace (our exceptions carry no personal data).
    """
    response = get_response(event)
    if response.status_code >= 500 and "errors" not in str(response.body):
        return respond(response.status_code, SERVER_ERROR)
    return response


@app.route("/health", methods=["GET"])
def health():
    return {"ok": True}


@app.route("/public/options", methods=["GET"])
def public_options():
    """Days a visitor may offer right now (working days, no holidays), for the signup page."""
    today = rules.wib_now().date()
    days = validation.bookable_days(today, registrations.closed_days(today))
    return Response(
        body={"days": [d.isoformat() for d in days]},
        headers={"Cache-Control": "public, max-age=600"},
    )


@app.route("/registrations", methods=["POST"], content_types=JSON_TYPES)
def create_registration():
    request = app.current_request
    try:
        payload = parse_json_object(request.raw_body)
    except BadRequest as exc:
        return respond(exc.status, {"errors": exc.errors})
    key = request.headers.get("idempotency-key") or payload.get("idempotency_key")
    outcome = registrations.create_registration(payload, key if isinstance(key, str) else None)
    if outcome.status == 201:
        app.log.info("registration stored %s", outcome.body["reference"])
    return respond(outcome.status, outcome.body)


@app.route("/registrations/{reference}", methods=["GET"])
def get_registration(reference):
    token = app.current_request.headers.get("x-registration-token")
    registration = registrations.find_for_visitor(reference, token)
    if registration is None:
        return respond(404, {"errors": {"_form": "Pendaftaran tidak ditemukan. Periksa kembali tautan Anda."}})
    return respond(200, registrations.visitor_view(registration))
