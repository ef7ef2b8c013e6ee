"""The team, its duty roster, rooms, closures, and the bookable slots they give (admins)."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import clock
from ..domain.errors import InputError
from ..services import capacity, leave, roster, team
from . import http
from .guard import actor, staff_route

bp = Blueprint(__name__)


def _body():
    return http.body(bp.current_request)


def _query(name: str):
    return http.query(bp.current_request, name)


def _range() -> tuple:
    return http.day_range(bp.current_request)


@staff_route(bp, "/staff/consultants")
def list_consultants(principal) -> Response:
    return http.respond(200, {"items": [team.consultant_view(c) for c in team.list_consultants()]})


@staff_route(bp, "/staff/consultants", methods=("POST",))
def create_consultant(principal) -> Response:
    return http.respond(201, team.consultant_view(team.create_consultant(actor(principal), _body())))


@staff_route(bp, "/staff/consultants/{consultant_id}", methods=("PUT",))
def update_consultant(principal, consultant_id) -> Response:
    return http.respond(200, team.consultant_view(team.update_consultant(actor(principal), consultant_id, _body())))


@staff_route(bp, "/staff/rooms")
def list_rooms(principal) -> Response:
    return http.respond(200, {"items": [team.room_view(r) for r in team.list_rooms()]})


@staff_route(bp, "/staff/rooms", methods=("POST",))
def create_room(principal) -> Response:
    return http.respond(201, team.room_view(team.create_room(actor(principal), _body())))


@staff_route(bp, "/staff/rooms/{room_id}", methods=("PUT",))
def update_room(principal, room_id) -> Response:
    return http.respond(200, team.room_view(team.update_room(actor(principal), room_id, _body())))


@staff_route(bp, "/staff/roster")
def roster_week(principal) -> Response:
    day = http.parse_day(_query("week"), "week", required=False) or clock.today()
    return http.respond(200, roster.roster_week(day))


@staff_route(bp, "/staff/roster/rules/{consultant_id}", methods=("PUT",))
def set_roster_rules(principal, consultant_id) -> Response:
    saved = roster.set_weekly_pattern(actor(principal), consultant_id, _body().get("entries"))
    return http.respond(200, {"rules": [{"consultant_id": r.consultant_id, "weekday": r.weekday, "service": r.service}
                                        for r in saved]})


@staff_route(bp, "/staff/roster/exceptions", methods=("POST",))
def add_roster_exception(principal) -> Response:
    """Extra duty, or leave: leave over booked sessions says first what it will do with them
    (409 `needs_confirm`), then moves or requeues them (services/leave.py)."""
    body = _body()
    if body.get("kind") == "cuti":
        return http.respond(201, leave.take(actor(principal), body))
    e = roster.add_exception(actor(principal), body)
    return http.respond(201, {"consultant_id": e.consultant_id, "day": e.day.isoformat(), "service": e.service,
                              "kind": e.kind})


@staff_route(bp, "/staff/roster/exceptions/{consultant_id}/{day}/{service}", methods=("DELETE",))
def remove_roster_exception(principal, consultant_id, day, service) -> Response:
    roster.remove_exception(actor(principal), consultant_id, day, service)
    return http.respond(200, {"ok": True})


@staff_route(bp, "/staff/roster/copy-week", methods=("POST",))
def copy_roster_week(principal) -> Response:
    data = _body()
    changed = roster.copy_week(actor(principal), http.parse_day(data.get("from_week"), "from_week"),
                             http.parse_day(data.get("to_week"), "to_week"))
    return http.respond(200, {"changed": changed})


@staff_route(bp, "/staff/closures")
def list_closures(principal) -> Response:
    raw = _query("year") or str(clock.wib_now().year)
    if not raw.isdigit() or not 2020 <= int(raw) <= 2100:
        raise InputError({"year": "Tahun tidak valid."})
    return http.respond(200, roster.closures_for_year(int(raw)))


@staff_route(bp, "/staff/closures", methods=("POST",))
def add_closure(principal) -> Response:
    c = roster.add_closure(actor(principal), _body())
    return http.respond(201, {"day": c.day.isoformat(), "service": c.service, "reason": c.reason})


@staff_route(bp, "/staff/closures/{day}/{service}", methods=("DELETE",))
def remove_closure(principal, day, service) -> Response:
    roster.remove_closure(actor(principal), day, service)
    return http.respond(200, {"ok": True})


@staff_route(bp, "/staff/slots")
def list_slots(principal) -> Response:
    return http.respond(200, {"slots": capacity.slots_view(*_range())})


@staff_route(bp, "/staff/capacity")
def capacity_view(principal) -> Response:
    return http.respond(200, {"days": capacity.capacity_view(*_range())})
