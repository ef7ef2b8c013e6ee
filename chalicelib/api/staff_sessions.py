"""Sessions for staff and consultants: the allocation run, day and week views, booking by hand,
moves, attendance, cancellations, notes, "Jadwal saya" and the Zoom meetings."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..domain.errors import InputError
from ..services import allocation, booking, jobs, leave, meetings, office, sessions
from . import http
from .guard import ALL_STAFF, actor, staff_route

bp = Blueprint(__name__)


def _body():
    return http.body(bp.current_request)


@staff_route(bp, "/staff/allocation/run", methods=("POST",))
def run_allocation_now(principal) -> Response:
    """Starts a run in the background: 202 with the run to watch (or the one already running)."""
    return http.respond(202, jobs.start_allocation(actor(principal)))


@staff_route(bp, "/staff/allocation/runs/{run_id}")
def allocation_run(principal, run_id) -> Response:
    return http.respond(200, allocation.get_run(run_id))


@staff_route(bp, "/staff/sessions")
def staff_sessions(principal) -> Response:
    request = bp.current_request
    return http.respond(200, {"items": sessions.sessions_view(*http.day_range(request),
                                                              http.query(request, "consultant_id") or None,
                                                              http.query(request, "room_id") or None)})


@staff_route(bp, "/staff/sessions", methods=("POST",))
def staff_assign(principal) -> Response:
    data = _body()
    reference = str(data.get("reference") or "").replace("-", "").upper()
    session = booking.assign_by_hand(actor(principal), reference, data.get("start"), data.get("consultant_id"),
                                     data.get("mode"))
    return http.respond(201, sessions.staff_view(session))


@staff_route(bp, "/staff/sessions/{session_id}", methods=("PUT",))
def staff_move(principal, session_id) -> Response:
    data = _body()
    moved = office.move_session(actor(principal), session_id, data.get("start"), data.get("consultant_id"))
    return http.respond(200, sessions.staff_view(moved))


@staff_route(bp, "/staff/sessions/{session_id}/attendance", methods=("POST",), roles=ALL_STAFF)
def staff_attendance(principal, session_id) -> Response:
    sessions.session_for(principal.consultant_id, principal.is_admin, session_id)
    marked = booking.mark_attendance(actor(principal), session_id, _body().get("status"))
    return http.respond(200, sessions.staff_view(marked))


@staff_route(bp, "/staff/sessions/{session_id}/cancel", methods=("POST",))
def staff_cancel(principal, session_id) -> Response:
    requeue = _body().get("requeue", True)
    if not isinstance(requeue, bool):
        raise InputError({"requeue": "Harus ya atau tidak."})
    refilled = office.cancel_session(actor(principal), session_id, requeue=requeue)
    return http.respond(200, {"ok": True, "seat_refilled": refilled is not None})


@staff_route(bp, "/staff/consultants/{consultant_id}/leave-plan")
def staff_leave_plan(principal, consultant_id) -> Response:
    """What leave on a day would do with the consultant's booked sessions (nothing is saved)."""
    query = lambda name: http.query(bp.current_request, name)  # noqa: E731
    return http.respond(200, leave.preview({"consultant_id": consultant_id, "day": query("day"),
                                            "service": query("service") or None}))


@staff_route(bp, "/staff/consultants/{consultant_id}/cancel-day", methods=("POST",))
def staff_cancel_day(principal, consultant_id) -> Response:
    """The consultant cannot come today: leave, and every session it empties moved or requeued."""
    data = _body()
    return http.respond(200, leave.take(actor(principal), {"consultant_id": consultant_id, "day": data.get("day"),
                                                           "service": data.get("service") or None, "confirm": True}))


@staff_route(bp, "/staff/my-sessions", roles=ALL_STAFF)
def my_sessions(principal) -> Response:
    if not principal.consultant_id:
        return http.respond(200, {"items": []})
    return http.respond(200, {"items": sessions.my_sessions(principal.consultant_id,
                                                            *http.day_range(bp.current_request))})


@staff_route(bp, "/staff/sessions/{session_id}/zoom-start", methods=("POST",), roles=ALL_STAFF)
def staff_zoom_start(principal, session_id) -> Response:
    """A fresh start link for the host (POST: it is made for this click, never cached or logged)."""
    link = sessions.zoom_start_link(principal.consultant_id, principal.is_admin, session_id)
    return Response(body=link, status_code=200, headers={"Cache-Control": "no-store"})


@staff_route(bp, "/staff/sessions/{session_id}/notes", roles=ALL_STAFF)
def get_notes(principal, session_id) -> Response:
    return http.respond(200, sessions.get_notes(principal.consultant_id, principal.is_admin, session_id))


@staff_route(bp, "/staff/sessions/{session_id}/notes", methods=("PUT",), roles=ALL_STAFF)
def put_notes(principal, session_id) -> Response:
    return http.respond(200, sessions.save_notes(actor(principal), principal.consultant_id, principal.is_admin,
                                                 session_id, _body()))


@staff_route(bp, "/staff/meetings/sync", methods=("POST",))
def sync_meetings_now(principal) -> Response:
    return http.respond(200, jobs.sync_meetings())


@staff_route(bp, "/staff/meetings/failed")
def failed_meetings(principal) -> Response:
    return http.respond(200, {"items": meetings.failures()})


@staff_route(bp, "/staff/sessions/{session_id}/meeting/retry", methods=("POST",))
def retry_meeting(principal, session_id) -> Response:
    return http.respond(200, meetings.retry(actor(principal), session_id))
