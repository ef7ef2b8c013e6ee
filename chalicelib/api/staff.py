"""Who the signed-in staff member is, the labels the admin page needs, and the local sign-in."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import settings
from ..domain import desk, rules
from ..domain.errors import InputError
from ..services import roster, team
from ..staff_auth import setup as auth_setup
from . import http
from .guard import ALL_STAFF, staff_route, verifier

bp = Blueprint(__name__)


@bp.route("/auth/local/login", methods=["POST"], content_types=http.JSON_TYPES)
def local_login():
    """Sign-in for the local issuer (make run, tests). Absent unless AUTH_MODE=local, never in prod."""
    if settings.auth_mode() != "local" or settings.is_prod_stage():
        return http.respond(404, {"errors": {"_form": "Tidak tersedia."}})
    try:
        data = http.body(bp.current_request)
    except InputError as exc:
        return http.error(exc)
    email, password = data.get("email"), data.get("password")
    token = auth_setup.issue_local_token(email, password) if isinstance(email, str) and isinstance(password, str) else None
    if token is None:
        return http.respond(401, {"errors": {"_form": "E-mail atau kata sandi salah."}})
    principal = verifier().verify(token)
    return http.respond(200, {"token": token, "expires_in": 3600, "email": principal.email,
                              "roles": sorted(principal.roles), "consultant_id": principal.consultant_id})


@staff_route(bp, "/staff/me", roles=ALL_STAFF)
def staff_me(principal) -> Response:
    name = None
    if principal.consultant_id:
        try:
            name = team.get_consultant(principal.consultant_id).name
        except InputError:
            name = None
    return http.respond(200, {"email": principal.email, "roles": sorted(principal.roles),
                              "consultant_id": principal.consultant_id, "consultant_name": name})


@staff_route(bp, "/staff/meta", roles=ALL_STAFF)
def staff_meta(principal) -> Response:
    blocks = {s: f"{a:%H.%M}–{b:%H.%M}" for s, (a, b) in rules.DEFAULT_RULES.blocks.items()}
    return http.respond(200, {
        "services": rules.SERVICES, "modes": rules.MODES, "topics": rules.TOPICS,
        "coop_only_topics": sorted(rules.COOPERATIVE_ONLY_TOPICS), "kecamatan": list(rules.kecamatan_list()),
        "statuses": rules.REGISTRATION_STATUSES, "session_statuses": rules.SESSION_STATUSES,
        "coop_statuses": rules.COOPERATIVE_STATUSES, "sectors": rules.BUSINESS_SECTORS,
        "sources": rules.SOURCES, "weekdays": roster.WEEKDAYS, "blocks": blocks,
        "calendar": roster.staff_calendar(),
        "desk_choices": [[key, label] for key, (_, _, _, label) in desk.CHOICES.items()], "channels": rules.CHANNELS,
    })
