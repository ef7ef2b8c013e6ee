"""What anyone may call: the signup, the visitor's private status link, feedback, data rights."""
from __future__ import annotations

import logging

from chalice import Blueprint, Response

from ..domain.errors import InputError
from ..services import estimates, feedback, monthly, privacy, registrations, self_service, sessions
from . import http

logger = logging.getLogger(__name__)
bp = Blueprint(__name__)


def _visitor_registration(reference: str):
    return registrations.for_visitor(reference, http.header(bp.current_request, "x-registration-token"))


def _status(registration) -> Response:
    return http.respond(200, {**registrations.visitor_view(registration),
                              "session": sessions.visitor_session(registration)})


@bp.route("/health", methods=["GET"])
def health() -> dict:
    return {"ok": True}


@bp.route("/public/options", methods=["GET"])
def public_options() -> Response:
    """Days a visitor may offer right now (working days, no holidays), and per service, mode and
    day the seats on the roster and those still free, for the signup page's day choices."""
    return Response(body=registrations.signup_options(), headers={"Cache-Control": "public, max-age=300"})


@bp.route("/public/forecast", methods=["GET"])
def public_forecast() -> Response:
    """How long a new visitor may wait, per service and mode (one item, cached at the edge); with
    ?service=&mode=&days=a,b for the days a visitor picked."""
    request = bp.current_request
    return Response(body=estimates.for_query(http.query(request, "service"), http.query(request, "mode"),
                                             http.query(request, "days")),
                    headers={"Cache-Control": "public, max-age=300"})


@http.public_route(bp, "/registrations", methods=["POST"], json_body=True)
def create_registration() -> Response:
    request = bp.current_request
    payload = http.body(request)
    key = http.header(request, "idempotency-key") or payload.get("idempotency_key")
    outcome = registrations.create_registration(payload, key if isinstance(key, str) else None)
    if outcome.status == 201:
        logger.info("registration stored %s", outcome.body["reference"])
    return http.respond(outcome.status, outcome.body)


@http.public_route(bp, "/registration-link", methods=["POST"], json_body=True)
def request_registration_link() -> Response:
    """A lost private link, sent again to the registration's own WhatsApp number (202 whatever the pair)."""
    return http.respond(202, registrations.request_link(http.body(bp.current_request)))


@http.public_route(bp, "/registrations/{reference}")
def get_registration(reference) -> Response:
    return _status(_visitor_registration(reference))


@http.public_route(bp, "/registrations/{reference}/cancel", methods=["POST"], json_body=True)
def visitor_cancel(reference) -> Response:
    self_service.cancel(_visitor_registration(reference))
    return _status(_visitor_registration(reference))


@http.public_route(bp, "/registrations/{reference}/days", methods=["POST"], json_body=True)
def visitor_new_days(reference) -> Response:
    body = http.body(bp.current_request)
    self_service.new_days(_visitor_registration(reference), body.get("days"), confirm=body.get("confirm") is True)
    return _status(_visitor_registration(reference))


# Data rights (UU PDP) from the private link.
@http.public_route(bp, "/registrations/{reference}/data")
def visitor_data(reference) -> Response:
    registration = _visitor_registration(reference)
    logger.info("data export %s", registration.reference)
    if http.query(bp.current_request, "format") == "html":  # a readable document that prints well
        return Response(body=privacy.download(registration, html=True), status_code=200,
                        headers={"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8",
                                 "Content-Disposition": f'attachment; filename="data-saya-{registration.reference}.html"'})
    return Response(body=http.to_json(privacy.download(registration, html=False), indent=2), status_code=200,
                    headers={**http.NO_STORE,
                             "Content-Disposition": f'attachment; filename="data-{registration.reference}.json"'})


@http.public_route(bp, "/registrations/{reference}/delete", methods=["POST"], json_body=True)
def visitor_delete(reference) -> Response:
    registration = _visitor_registration(reference)
    answer = privacy.delete_for_visitor(registration, http.body(bp.current_request))
    logger.info("data deleted on request %s", registration.reference)
    return http.respond(200, answer)


# Feedback: the signed link (?e=<expiry>&t=<signature>, from the page's URL fragment) is the only
# credential. 403 forged/altered link, 410 expired, 409 already answered or session not held.
@http.public_route(bp, "/feedback/{session_id}")
def feedback_view(session_id) -> Response:
    request = bp.current_request
    return http.respond(200, feedback.view_for_visitor(session_id, http.query(request, "e"), http.query(request, "t")))


@http.public_route(bp, "/feedback/{session_id}", methods=["POST"], json_body=True)
def feedback_submit(session_id) -> Response:
    answer = feedback.submit(session_id, http.body(bp.current_request))
    logger.info("feedback stored for session %s", session_id)
    return http.respond(201, answer)



@http.public_route(bp, "/laporan/{month}")
def monthly_report_page(month) -> Response:
    """The monthly report's page behind its signed link (figures only; services/monthly.py)."""
    request = bp.current_request
    try:
        body, status = monthly.page(month, http.query(request, "e"), http.query(request, "t")), 200
    except InputError as exc:
        body, status = f"<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><p>{exc.errors['_form']}</p></html>", exc.status
    return Response(body=body, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"})
