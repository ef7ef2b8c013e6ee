"""The office's evaluation in the forms it reports (admins): the SKM (services/skm.py: the index of
a period as JSON, its A4 page and its workbook, the tindak lanjut) and the outcomes three months on."""
from __future__ import annotations

from chalice import Blueprint, Response

from ..services import monthly, outcomes, skm, spend
from . import http
from .guard import actor, staff_route
from .staff_evaluation import XLSX_TYPE, _file

bp = Blueprint(__name__)


@staff_route(bp, "/staff/skm")
def staff_skm(principal) -> Response:
    """`?period=2026-11` (a month), `2026-S2` (a semester) or `2026` (a year); none: this month."""
    return http.respond(200, skm.report(http.query(bp.current_request, "period") or skm.this_month()))


@staff_route(bp, "/staff/skm/{period}/laporan.html")
def staff_skm_page(principal, period) -> Response:
    return _file(skm.html(period), "text/html; charset=utf-8",
                 f'attachment; filename="laporan-skm-clean-and-clear-{skm.period(period).key}.html"')


@staff_route(bp, "/staff/skm/{period}/laporan.xlsx")
def staff_skm_workbook(principal, period) -> Response:
    content, filename = skm.xlsx(period)
    return _file(content, XLSX_TYPE, f'attachment; filename="{filename}"')


@staff_route(bp, "/staff/skm/{period}/tindak-lanjut", methods=("PUT",))
def staff_skm_follow_up(principal, period) -> Response:
    payload = http.parse_json_object(bp.current_request.raw_body)
    return http.respond(200, skm.save_follow_up(actor(principal), period, payload))


@staff_route(bp, "/staff/outcomes")
def staff_outcomes(principal) -> Response:
    """What came of the consultations three months on, per cohort (month of the sessions)."""
    return http.respond(200, {"cohorts": outcomes.cohorts()})


@staff_route(bp, "/staff/costs")
def staff_costs(principal) -> Response:
    """`?month=2026-11` (default: this month): the WhatsApp spend by category and per session."""
    return http.respond(200, spend.month(http.query(bp.current_request, "month")))


@staff_route(bp, "/staff/monthly/{month}")
def staff_monthly(principal, month) -> Response:
    """A past month's report: the kept page (built now when it never was), by a signed link."""
    rebuild = http.query(bp.current_request, "rebuild") == "1"
    return http.respond(200, monthly.open_link(actor(principal), month, rebuild=rebuild))
