"""The evaluation (dashboard, monthly report) and outreach campaigns with their QR posters (admins).

Binary answers (poster PNG, XLSX) need their types in the app's binary_types (app.py); API
Gateway returns them as binary only when the request's Accept header names the type."""
from __future__ import annotations

from chalice import Blueprint, Response

from .. import clock
from ..services import campaigns, evaluation, forecast, posters, reports
from . import http
from .guard import actor, staff_route

bp = Blueprint(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY_TYPES = ("image/png", XLSX_TYPE)


def _file(content, content_type: str, disposition: str) -> Response:
    return Response(body=content, status_code=200, headers={"Content-Type": content_type, "Cache-Control": "no-store",
                                                            "Content-Disposition": disposition})


@staff_route(bp, "/staff/dashboard")
def staff_dashboard(principal) -> Response:
    request = bp.current_request
    start, end = evaluation.parse_range(http.parse_day(http.query(request, "from"), "from", required=False),
                                        http.parse_day(http.query(request, "to"), "to", required=False),
                                        clock.today())
    return http.respond(200, evaluation.build(start, end))


@staff_route(bp, "/staff/forecast")
def staff_forecast(principal) -> Response:
    """The published forecast with what the coming weeks need (computed by the scheduled function)."""
    return http.respond(200, forecast.staff_view())


@staff_route(bp, "/staff/forecast/what-if", methods=("POST",))
def staff_forecast_what_if(principal) -> Response:
    """One more duty block (consultant, day, service): the estimate before and after."""
    return http.respond(200, forecast.what_if(http.body(bp.current_request)))


@staff_route(bp, "/staff/campaigns")
def staff_campaigns(principal) -> Response:
    return http.respond(200, {"items": [campaigns.view(c) for c in campaigns.list_campaigns()]})


@staff_route(bp, "/staff/campaigns", methods=("POST",))
def staff_campaign_create(principal) -> Response:
    return http.respond(201, campaigns.view(campaigns.create(actor(principal), http.body(bp.current_request))))


@staff_route(bp, "/staff/campaigns/{code}", methods=("GET",))
def staff_campaign(principal, code) -> Response:
    return http.respond(200, campaigns.view(campaigns.get(code)))


@staff_route(bp, "/staff/campaigns/{code}", methods=("PUT",))
def staff_campaign_update(principal, code) -> Response:
    return http.respond(200, campaigns.view(campaigns.update(actor(principal), code, http.body(bp.current_request))))


@staff_route(bp, "/staff/campaigns/{code}/posts", methods=("POST",))
def staff_campaign_post_add(principal, code) -> Response:
    saved = campaigns.save_post(actor(principal), code, None, http.body(bp.current_request))
    return http.respond(201, campaigns.view(saved))


@staff_route(bp, "/staff/campaigns/{code}/posts/{post_id}", methods=("PUT",))
def staff_campaign_post_save(principal, code, post_id) -> Response:
    saved = campaigns.save_post(actor(principal), code, post_id, http.body(bp.current_request))
    return http.respond(200, campaigns.view(saved))


@staff_route(bp, "/staff/campaigns/{code}/posts/{post_id}", methods=("DELETE",))
def staff_campaign_post_delete(principal, code, post_id) -> Response:
    return http.respond(200, campaigns.view(campaigns.delete_post(actor(principal), code, post_id)))


@staff_route(bp, "/staff/campaigns/{code}/poster.svg")
def staff_campaign_poster_svg(principal, code) -> Response:
    campaign = campaigns.get(code)
    return _file(posters.svg(campaign.code), "image/svg+xml; charset=utf-8",
                 f'inline; filename="poster-{campaign.code}.svg"')


@staff_route(bp, "/staff/campaigns/{code}/poster.png")
def staff_campaign_poster_png(principal, code) -> Response:
    campaign = campaigns.get(code)
    return _file(posters.png(campaign.code), "image/png", f'inline; filename="poster-{campaign.code}.png"')


@staff_route(bp, "/staff/reports/{name}")
def staff_report(principal, name) -> Response:
    """`/staff/reports/2026-11.xlsx` or `.csv` (`?sheet=` one table of the CSV)."""
    content, content_type, filename = reports.build(name, http.query(bp.current_request, "sheet") or None)
    return _file(content, content_type, f'attachment; filename="{filename}"')
