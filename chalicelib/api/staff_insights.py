"""Campaign posts read from Meta's Graph API (services/insights.py): link a post by its link, see
its daily figures, see or start the import (admins)."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..budget import Deadline
from ..services import campaigns, insights
from . import http
from .guard import actor, staff_route

bp = Blueprint(__name__)
RUN_NOW_SECONDS = 20.0  # a run started by staff answers within API Gateway's 29 s; the rest waits for the next


@staff_route(bp, "/staff/campaigns/{code}/posts/link", methods=("POST",))
def link_post(principal, code) -> Response:
    """{"url": "<the post's link>"}: found in the office's account, added, read once."""
    return http.respond(201, campaigns.view(insights.link_post(actor(principal), code, http.body(bp.current_request))))


@staff_route(bp, "/staff/campaigns/{code}/insights")
def campaign_insights(principal, code) -> Response:
    """Each linked post's daily figures (oldest first), and the last import run."""
    return http.respond(200, insights.campaign_series(code))


@staff_route(bp, "/staff/insights")
def last_import(principal) -> Response:
    return http.respond(200, {"last_run": insights.last_run()})


@staff_route(bp, "/staff/insights/run", methods=("POST",))
def run_import(principal) -> Response:
    return http.respond(200, insights.run_import(Deadline.seconds(RUN_NOW_SECONDS)).as_dict())
