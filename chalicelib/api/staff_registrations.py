"""Registrations as staff see them, the audit trail, and data-protection requests (admins)."""
from __future__ import annotations

from datetime import timedelta

from chalice import Blueprint, Response

from .. import clock
from ..services import audit, data_requests, registrations, sessions
from . import http
from .guard import actor, staff_route

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


@staff_route(bp, "/staff/data-requests")
def staff_data_requests(principal) -> Response:
    """The period's data-rights requests (downloads, deletions), by visitors or by staff for them."""
    request, today = bp.current_request, clock.today()
    end = http.parse_day(http.query(request, "to"), "to", required=False) or today
    start = http.parse_day(http.query(request, "from"), "from", required=False) or end - timedelta(days=30)
    return http.respond(200, data_requests.requests_between(start, end))


@staff_route(bp, "/staff/data-requests/download", methods=("POST",))
def staff_data_download(principal) -> Response:
    """For a visitor who lost their link: their data as a readable document, after the check."""
    document, reference = data_requests.download_for(actor(principal), http.body(bp.current_request))
    return Response(body=document, status_code=200, headers={
        "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8",
        "Content-Disposition": f'attachment; filename="data-saya-{reference}.html"'})


@staff_route(bp, "/staff/data-requests/delete", methods=("POST",))
def staff_data_delete(principal) -> Response:
    return http.respond(200, data_requests.delete_for(actor(principal), http.body(bp.current_request)))
