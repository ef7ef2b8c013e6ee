"""The monthly report a person reads: last month on one page that prints on A4, with SVG charts,
kept, and e-mailed to the office on the first working day of the month (the scheduled function
`monthly_report`, 07:00 WIB on days 1-7: it acts on the first service day only).

What it says: registrations and reach by kecamatan, waits, sessions and attendance, the IKM and its
grade, the outcomes three months on, campaigns and what they brought, WhatsApp vs web, and what
WhatsApp cost. Built from the records (services/reports.py's loading: the month's registrations,
sessions and feedback) and the running totals (SKM, outcomes, costs). Figures only: no name, number
or e-mail of a visitor is on the page, so its signed link (links.report_link) can travel by e-mail.
The e-mail carries the link, not a PDF: no PDF library fits beside the app in the 12 MB package.
"""
from __future__ import annotations

import logging
import statistics
import time
from collections import Counter
from datetime import date, datetime, timedelta

from .. import clock, links, settings
from ..adapters.senders import email_sender
from ..domain import charts, periods, rules, words
from ..domain.errors import InputError, NotFound
from ..messages.render import Rendered, documents, site
from ..store import report_notes
from . import campaigns, outcomes, reports, roster, skm, spend

logger = logging.getLogger(__name__)
SCHEDULED = "jadwal"


def previous_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return first.strftime("%Y-%m")


def first_service_day(month_first: date) -> date:
    """The month's first working day on which the office is open (holidays, cuti bersama, closures)."""
    closed = roster.closed_days(month_first, month_first + timedelta(days=14))
    day = month_first
    while day.weekday() > 4 or day in closed:
        day += timedelta(days=1)
    return day


def check_month(raw: object, today: date | None = None) -> str:
    today = today or clock.today()
    periods.parse_month(raw)
    if raw >= today.strftime("%Y-%m"):
        raise InputError({"month": "Laporan bulanan dibuat setelah bulannya selesai."})
    return raw


# --- the figures -----------------------------------------------------------------------------------

def _waits(sessions: list, regs: dict) -> dict:
    """Days from registering to the session, for the month's attended sessions."""
    days = []
    for s in sessions:
        reg = regs.get(s.reference)
        if s.status == rules.SESSION_ATTENDED and reg is not None:
            days.append((date.fromisoformat(s.day) - rules.parse_utc_iso(reg.created_at).astimezone(rules.WIB).date()).days)
    days.sort()
    return {"n": len(days), "median": statistics.median(days) if days else None,
            "p90": days[max(0, -(-len(days) * 9 // 10) - 1)] if days else None}


def figures(month: str) -> dict:
    """Everything the page shows for `month` (reads: the month's records, then running totals)."""
    data = reports.load(month)
    regs, sessions = data["registrations"], data["sessions"]
    by_kec = Counter(r.kecamatan for r in regs)
    held = [s for s in sessions if s.status in (rules.SESSION_ATTENDED, rules.SESSION_NO_SHOW)]
    weeks: dict[str, list[int]] = {}
    for s in held:
        monday = date.fromisoformat(s.day) - timedelta(days=date.fromisoformat(s.day).weekday())
        pair = weeks.setdefault(f"{monday.day}/{monday.month}", [0, 0])
        pair[0 if s.status == rules.SESSION_ATTENDED else 1] += 1
    names = {c.code: c.name for c in campaigns.list_campaigns()}
    by_campaign = Counter(r.campaign for r in regs if r.campaign)
    three_months = (date.fromisoformat(month + "-01") - timedelta(days=80)).strftime("%Y-%m")
    cohort = next((c for c in outcomes.cohorts(date.fromisoformat(month + "-28") + timedelta(days=10), 6)
                   if c["month"] == three_months), None)
    attended = sum(s.status == rules.SESSION_ATTENDED for s in sessions)
    no_show = sum(s.status == rules.SESSION_NO_SHOW for s in sessions)
    return {
        "month": month, "label": reports.month_words(month),
        "registrations": len(regs),
        "by_service": [(label, sum(r.service == s for r in regs)) for s, label in rules.SERVICES.items()],
        "by_channel": [(label, sum(rules.channel_of(r.channel) == c for r in regs)) for c, label in rules.CHANNELS.items()],
        "by_source": sorted(((rules.SOURCE_LABELS.get(k, k), v) for k, v in Counter(r.source for r in regs).items()),
                            key=lambda x: -x[1]),
        "reached": sum(1 for k in rules.kecamatan_list() if by_kec.get(k)), "kecamatan": len(rules.kecamatan_list()),
        "top_kecamatan": by_kec.most_common(10),
        "unreached": [k for k in rules.kecamatan_list() if not by_kec.get(k)],
        "waits": _waits(sessions, data["session_regs"]),
        "attended": attended, "no_show": no_show,
        "no_show_rate": round(no_show / (attended + no_show), 3) if attended + no_show else None,
        "cancelled": sum(s.status in rules.SESSION_CANCELLED_STATUSES for s in sessions),
        "walk_ins": sum(bool(s.walk_in) and s.status in rules.SEAT_HOLDING_STATUSES for s in sessions),
        "weeks": [(k, v[0], v[1]) for k, v in weeks.items()],
        "skm": skm.report(month),
        "outcomes": cohort,
        "campaigns": [(names.get(code, code), n) for code, n in by_campaign.most_common(8)],
        "costs": spend.month(month, attended=attended),  # the sessions are read once, above
    }


def charts_for(f: dict) -> dict:
    return {
        "kecamatan": charts.bars([(k, n) for k, n in f["top_kecamatan"]], title="Pendaftar per kecamatan"),
        "channel": charts.bars(f["by_channel"], title="Pendaftar per saluran", label_width=160),
        "weeks": charts.columns(f["weeks"], title="Sesi per minggu", legend=("hadir", "tidak hadir")),
        "skm": charts.bars([(u["unsur"], float(u["nrr"]) if u["nrr"] else 0) for u in f["skm"]["index"]["unsur"]],
                           title="NRR per unsur SKM", label_width=250),
        "campaigns": charts.bars(f["campaigns"], title="Pendaftar per kampanye", colour=charts.BAR2),
    }


def render(month: str, made: datetime) -> str:
    f = figures(month)
    return documents().get_template("bulanan.html.j2").render(
        f=f, c=charts_for(f), office=site(), made=f"{made.astimezone(rules.WIB):%d-%m-%Y %H.%M} WIB",
        pct=lambda x: "-" if x is None else f"{x * 100:.1f}%".replace(".", ","), words=words)


# --- keeping, sending, opening ---------------------------------------------------------------------

def build(month: str, by: str, *, replace: bool = False, now: datetime | None = None):
    """Build and keep a month's report (once; `replace`: staff build it again on purpose)."""
    now = now or clock.now()
    started = time.perf_counter()
    html = render(month, now)
    record = report_notes.build_monthly(month, html=html, built_at=rules.to_utc_iso(now), built_by=by,
                                        build_ms=round((time.perf_counter() - started) * 1000))
    if not report_notes.keep_monthly(record, replace=replace):
        return report_notes.monthly(month)
    return record


def run(now: datetime | None = None) -> dict:
    """The scheduled function: on the month's first service day, last month's report, kept and
    e-mailed to the office once (a rerun finds it kept and sent, and does nothing)."""
    now = now or clock.now()
    today = rules.wib_now(now).date()
    if today != first_service_day(today.replace(day=1)):
        return {"done": "bukan hari kerja pertama bulan ini"}
    month = previous_month(today)
    record = report_notes.monthly(month) or build(month, SCHEDULED, now=now)
    if record.emailed_at:
        return {"month": month, "done": "sudah dikirim", "build_ms": record.build_ms}
    sent = _email(record, now)
    return {"month": month, "done": "dikirim" if sent else "belum dikirim", "to": sent, "build_ms": record.build_ms}


def _email(record, now: datetime) -> int:
    addresses = settings.report_emails()
    if not addresses:
        logger.warning("monthly report %s: no REPORT_EMAILS / CONTACT_EMAIL: not e-mailed", record.month)
        return 0
    link = links.report_link(record.month, now)
    label = reports.month_words(record.month)
    text = (f"Laporan bulanan Clean & Clear untuk {label} sudah siap.\n\nBuka dan cetak (A4): {link}\n\n"
            f"Tautan berlaku {links.REPORT_LINK_DAYS} hari. Laporan bulan mana pun juga bisa dibuka dari menu "
            "Evaluasi di halaman staf.")
    html = documents().get_template("bulanan_email.html.j2").render(label=label, link=link, days=links.REPORT_LINK_DAYS,
                                                                      office=site())
    sender = email_sender()
    for n, address in enumerate(addresses):
        message = Rendered("cc_laporan_bulanan", "email", text, subject=f"Laporan bulanan Clean & Clear: {label}",
                           html=html)
        sender.send(address, None, message, f"R-{record.month}-{n}")
    report_notes.mark_emailed(record, rules.to_utc_iso(now))
    return len(addresses)


def page(month: object, expiry: object, sig: object) -> str:
    """The kept page behind a signed link (the office's e-mail, a staff member's "Buka")."""
    checked = links.verify_report(month, expiry, sig)
    record = report_notes.monthly(checked)
    if record is None:
        raise NotFound({"_form": "Laporan bulan itu belum dibuat."})
    return record.html


def open_link(actor: str, raw_month: object, *, rebuild: bool = False) -> dict:
    """Staff open any past month: the kept page (built now when it was never made), by a signed link."""
    month = check_month(raw_month)
    record = report_notes.monthly(month)
    if record is None or rebuild:
        record = build(month, actor, replace=rebuild)
    return {"month": month, "link": links.report_link(month), "built_at": record.built_at,
            "built_by": record.built_by, "emailed_at": record.emailed_at}
