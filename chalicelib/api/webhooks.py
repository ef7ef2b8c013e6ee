"""What outside systems call: the WhatsApp Cloud API webhook (verification and events)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import messaging
from . import http

bp = Blueprint(__name__)


@http.public_route(bp, "/webhooks/whatsapp")
def whatsapp_verify():
    request = bp.current_request
    challenge = messaging.whatsapp_handshake(http.query(request, "hub.mode"), http.query(request, "hub.verify_token"),
                                             http.query(request, "hub.challenge"))
    return Response(body=challenge, status_code=200,
                    headers={"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"})


@http.public_route(bp, "/webhooks/whatsapp", methods=["POST"], json_body=True)
def whatsapp_webhook():
    request = bp.current_request
    return http.respond(200, messaging.whatsapp_webhook(request.raw_body, http.header(request, "x-hub-signature-256")))
