"""The Kotak keluar and WhatsApp broadcasts (admins)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import broadcasts, jobs, kotak
from . import http
from .guard import actor, staff_route

bp = Blueprint(__name__)


@staff_route(bp, "/staff/outbox")
def staff_outbox(principal) -> Response:
    request = bp.current_request
    return http.respond(200, kotak.staff_list(
        day=http.parse_day(http.query(request, "day"), "day", required=False),
        status=http.query(request, "status") or None, cursor=http.query(request, "cursor"), limit=http.limit(request)))


@staff_route(bp, "/staff/outbox/conversations/{reference}")
def staff_conversation(principal, reference) -> Response:
    """One registration's messages with the visitor's WhatsApp replies, in order."""
    return http.respond(200, kotak.conversation(reference))


@staff_route(bp, "/staff/outbox/replies")
def staff_replies(principal) -> Response:
    """The visitors' WhatsApp replies of one day."""
    day = http.parse_day(http.query(bp.current_request, "day"), "day", required=False)
    return http.respond(200, kotak.replies_of_day(day))


@staff_route(bp, "/staff/outbox/{message_id}/retry", methods=("POST",))
def staff_outbox_retry(principal, message_id) -> Response:
    return http.respond(200, kotak.retry(actor(principal), message_id))


@staff_route(bp, "/staff/outbox/run", methods=("POST",))
def staff_outbox_run(principal) -> Response:
    """Queue due reminders and send what is due now (the same as the two scheduled functions)."""
    return http.respond(200, jobs.run_messages_now())


@staff_route(bp, "/staff/broadcasts/templates")
def staff_broadcast_templates(principal) -> Response:
    return http.respond(200, {"items": broadcasts.templates(), "per_minute": broadcasts.per_minute(),
                              "daily_limit": broadcasts.daily_limit()})


@staff_route(bp, "/staff/broadcasts/preview", methods=("POST",))
def staff_broadcast_preview(principal) -> Response:
    return http.respond(200, broadcasts.preview(http.body(bp.current_request)))


@staff_route(bp, "/staff/broadcasts")
def staff_broadcasts(principal) -> Response:
    return http.respond(200, {"items": broadcasts.list_view()})


@staff_route(bp, "/staff/broadcasts", methods=("POST",))
def staff_broadcast_create(principal) -> Response:
    request = bp.current_request
    record, created = broadcasts.create(actor(principal), http.body(request), http.header(request, "idempotency-key"))
    return http.respond(201 if created else 200, broadcasts.view(record))


@staff_route(bp, "/staff/broadcasts/{broadcast_id}")
def staff_broadcast(principal, broadcast_id) -> Response:
    return http.respond(200, broadcasts.view(broadcasts.get(broadcast_id)))


@staff_route(bp, "/staff/broadcasts/{broadcast_id}/cancel", methods=("POST",))
def staff_broadcast_cancel(principal, broadcast_id) -> Response:
    return http.respond(200, broadcasts.view(broadcasts.cancel(actor(principal), broadcast_id)))
