"""The walk-in desk (services/desk.py): staff on duty register a visitor who came to the office
and seat them at once. Numbers travel in request bodies, never in URLs."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import desk
from . import http
from .guard import actor, staff_route

bp = Blueprint(__name__)


@staff_route(bp, "/staff/desk/lookup", methods=("POST",))
def desk_lookup(principal) -> Response:
    return http.respond(200, desk.lookup(http.body(bp.current_request)))


@staff_route(bp, "/staff/desk/seats")
def desk_seats(principal) -> Response:
    request = bp.current_request
    topics = [t for t in (http.query(request, "topics") or "").split(",") if t]
    return http.respond(200, desk.seats(http.query(request, "service"), topics))


@staff_route(bp, "/staff/desk/walk-ins", methods=("POST",))
def desk_seat(principal) -> Response:
    """Register (once per Idempotency-Key) and book the chosen seat: 201, or 409 with `next`."""
    request = bp.current_request
    return http.respond(201, desk.seat(actor(principal), http.body(request), http.header(request, "idempotency-key")))


@staff_route(bp, "/staff/desk/queue", methods=("POST",))
def desk_queue(principal) -> Response:
    request = bp.current_request
    return http.respond(201, desk.queue(actor(principal), http.body(request), http.header(request, "idempotency-key")))
