"""What outside systems call: the WhatsApp Cloud API webhook (verification and events), and the
SES events of the configuration set (through EventBridge) that settle e-mails."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import flows, webhooks
from . import http

bp = Blueprint(__name__)


@http.public_route(bp, "/webhooks/whatsapp")
def whatsapp_verify() -> Response:
    request = bp.current_request
    challenge = webhooks.whatsapp_handshake(http.query(request, "hub.mode"), http.query(request, "hub.verify_token"),
                                             http.query(request, "hub.challenge"))
    return Response(body=challenge, status_code=200,
                    headers={"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})


@http.public_route(bp, "/webhooks/whatsapp", methods=["POST"], json_body=True)
def whatsapp_webhook() -> Response:
    request = bp.current_request
    return http.respond(200, webhooks.whatsapp_webhook(request.raw_body, http.header(request, "x-hub-signature-256")))


@http.public_route(bp, "/webhooks/whatsapp-flow", methods=["POST"], json_body=True)
def whatsapp_flow() -> Response:
    """The signup Flow's data-exchange endpoint (services/flows.py): an encrypted answer as text."""
    request = bp.current_request
    status, body = flows.endpoint(request.raw_body, http.header(request, "x-hub-signature-256"))
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})


# SES publishes these through the configuration set's EventBridge destination (infra/).
SES_EVENTS = {"source": ["aws.ses"], "detail-type": ["Email Sent", "Email Delivered", "Email Bounced", "Email Rejected",
                                                     "Email Rendering Failed"]}


@bp.on_cw_event(SES_EVENTS, name="ses_events")
def ses_events(event) -> dict:
    return {"outcome": webhooks.ses_event(event.detail)}
