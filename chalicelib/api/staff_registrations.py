"""Registrations as staff see them, and the audit trail (admins)."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import clock
from ..services import audit, registrations, sessions
from . import http
from .guard import staff_route

bp = Blueprint(__name__)


FILTERS = ("status", "service", "kecamatan", "q", "cursor", "from", "to", "limit")


@staff_route(bp, "/staff/registrations")
def staff_registrations(principal) -> Response:
    """Lists by filters only: a name or number to search for never travels in a URL (access logs)."""
    params = dict(bp.current_request.query_params or {})
    if params.get("q"):
        return http.respond(400, {"errors": {"q": "Pencarian nama atau nomor dikirim lewat "
                                                  "POST /staff/registration-search, bukan di alamat."}})
    return http.respond(200, registrations.staff_search(params))


@staff_route(bp, "/staff/registration-search", methods=["POST"])
def staff_registration_search(principal) -> Response:
    """The same list, with the search text (and the cursor, which may hold a number) in the body."""
    return http.respond(200, registrations.staff_search(http.body(bp.current_request)))


@staff_route(bp, "/staff/registrations/{reference}")
def staff_registration(principal, reference) -> Response:
    return http.respond(200, sessions.registration_detail(reference))


@staff_route(bp, "/staff/audit")
def staff_audit(principal) -> Response:
    day = http.parse_day(http.query(bp.current_request, "day"), "day", required=False) or clock.today()
    return http.respond(200, {"items": audit.list_day(day)})
