"""Staff authentication at the edge: the API's authorizer and `staff_route`.

Roles are declared once, on the route, and checked twice: the authorizer answers with exactly
the routes the principal's roles may call (API Gateway refuses the others), and the view checks
the role again before it runs.
"""
from __future__ import annotations

import functools
import logging
import os
import re

from chalice import AuthResponse, AuthRoute, Blueprint

from ..domain.errors import InputError
from ..services import team
from ..staff_auth.setup import verifier_from_env
from ..staff_auth.tokens import ROLE_ADMIN, ROLE_KONSULTAN, AuthError, Forbidden, Principal, bearer_token, require_role
from .http import JSON_TYPES, error, respond

logger = logging.getLogger(__name__)

bp = Blueprint(__name__)

FORBIDDEN = {"errors": {"_form": "Anda tidak punya akses ke bagian ini."}}
ADMIN_ONLY = (ROLE_ADMIN,)
ALL_STAFF = (ROLE_ADMIN, ROLE_KONSULTAN)

# (path, method) -> roles allowed; filled by @staff_route, read by the authorizer.
ROUTE_ROLES: dict[tuple[str, str], tuple[str, ...]] = {}


@functools.lru_cache(maxsize=1)
def verifier():
    return verifier_from_env(os.environ)


@bp.authorizer(ttl_seconds=60)
def staff_auth(auth_request):
    """Verify the staff token fully and allow exactly the routes the principal's roles may use.

    A missing, malformed, forged, expired or foreign token gets no routes (403 from API
    Gateway; 401 when the header is missing altogether).
    """
    try:
        principal = verifier().verify(bearer_token(auth_request.token))
    except AuthError as exc:
        logger.info("staff token refused: %s", exc.reason)
        return AuthResponse(routes=[], principal_id="anonymous")
    if principal.consultant_id and team.is_deactivated(principal.consultant_id):
        # Deactivated on the team page: the token may still be unexpired; it opens nothing.
        # API Gateway caches this answer for the authorizer's TTL (60 s) at most.
        logger.info("staff token refused: consultant inactive")
        return AuthResponse(routes=[], principal_id="anonymous")
    allowed: dict[str, list[str]] = {}
    for (path, method), roles in ROUTE_ROLES.items():
        if principal.has_role(*roles):
            # The policy matches real request paths: a {param} becomes a wildcard.
            allowed.setdefault(re.sub(r"\{[^}]+\}", "*", path), []).append(method)
    return AuthResponse(
        routes=[AuthRoute(path, methods) for path, methods in sorted(allowed.items())],
        principal_id=principal.subject,
        context=principal.to_context(),
    )


def staff_route(blueprint: Blueprint, path: str, methods=("GET",), roles=ADMIN_ONLY):
    """A route behind the staff authorizer; the view gets the Principal as first argument."""

    def decorate(fn):
        for method in methods:
            ROUTE_ROLES[(path, method)] = tuple(roles)

        @functools.wraps(fn)
        def view(**kwargs):
            try:
                principal = Principal.from_context(blueprint.current_request.context.get("authorizer") or {})
                require_role(principal, *roles)
                return fn(principal, **kwargs)
            except (Forbidden, AuthError):
                return respond(403, FORBIDDEN)
            except InputError as exc:
                return error(exc)

        blueprint.route(path, methods=list(methods), authorizer=staff_auth, content_types=JSON_TYPES)(view)
        return fn

    return decorate


def actor(principal: Principal) -> str:
    """Who did it, as the audit trail records it."""
    return principal.email or principal.subject
