"""Registrations as staff see them, and the audit trail (admins)."""
from __future__ import annotations

from chalice import Blueprint

from ..domain import rules
from ..services import audit, registrations
from . import http
from .guard import staff_route

bp = Blueprint(__name__)


@staff_route(bp, "/staff/registrations")
def staff_registrations(principal):
    request = bp.current_request
    args = {name: http.query(request, name) or None for name in ("status", "service", "kecamatan", "q", "cursor")}
    return http.respond(200, registrations.staff_list(
        **args, start=http.parse_day(http.query(request, "from"), "from", required=False),
        end=http.parse_day(http.query(request, "to"), "to", required=False), limit=http.limit(request)))


@staff_route(bp, "/staff/registrations/{reference}")
def staff_registration(principal, reference):
    return http.respond(200, registrations.staff_detail(reference))


@staff_route(bp, "/staff/audit")
def staff_audit(principal):
    day = http.parse_day(http.query(bp.current_request, "day"), "day", required=False) or rules.wib_now().date()
    return http.respond(200, {"items": audit.list_day(day)})
