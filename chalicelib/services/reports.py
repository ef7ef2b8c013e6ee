"""The monthly report for the head of office and the regency inspectorate (XLSX and CSV).

One month (WIB) in six tables: a summary, the registrations of the month, the sessions of the
month with attendance, a feedback summary, reach by kecamatan (all 40) and per consultant.
The figures are computed from the records themselves (not the counters), so the report can be
checked line by line: registrations with one Query on GSI by_month, sessions with one Query per
day on GSI by_day, their feedback with BatchGetItem on the session ids.

Personal data: the tables carry the registration code, not the visitor's name, WhatsApp number
or e-mail (the office looks a code up in the system when it must); the organisation or business
name is kept, since the report's purpose is to show which cooperatives and businesses were
served. Anonymised registrations show "(data dihapus)" there.

`tables` is pure over the loaded records; `xlsx`/`csv_text` only format. XlsxWriter (write-only,
pure Python) makes the workbook.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ..domain import counters as stats
from ..domain import rules, words
from ..domain.counters import feedback_summary
from ..domain.errors import InputError
from ..store import feedback as feedback_store
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from . import team

NAME_RE = re.compile(r"^(\d{4})-(\d{2})\.(xlsx|csv)$")
SHEETS = ("ringkasan", "pendaftaran", "sesi", "umpan_balik", "jangkauan", "konsultan")
ANSWERED = ("ya", "sebagian", "tidak")


class Percent(float):
    """A share (0.25) that the workbook shows as "25,0%" (a number cell with a percent format)."""


MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
               "November", "Desember")


def month_words(month: str) -> str:
    """"2026-11" -> "November 2026"."""
    return f"{MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"


@dataclass
class Table:
    key: str
    title: str  # sheet name (at most 31 characters)
    header: list[str]
    rows: list[list] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)


def parse_name(name: str) -> tuple[str, str]:
    """`2026-11.xlsx` -> ("2026-11", "xlsx"), or InputError."""
    m = NAME_RE.match(name or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2020 <= int(m.group(1)) <= 2100:
        raise InputError({"month": "Bulan laporan tidak valid (format TTTT-BB.xlsx atau TTTT-BB.csv)."}, 404)
    return f"{m.group(1)}-{m.group(2)}", m.group(3)


def month_days(month: str) -> list[date]:
    first = date.fromisoformat(month + "-01")
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((nxt - first).days)]


# --- loading ----------------------------------------------------------------------------------------

def load(month: str) -> dict:
    registrations = registrations_store.of_month(month)
    sessions = [s for d in month_days(month) for s in sessions_store.of_day(d.isoformat())]
    known = {r.reference for r in registrations}
    others = {s.reference for s in sessions} - known
    session_regs = {r.reference: r for r in registrations}
    if others:
        session_regs.update(registrations_store.get_many(others))
    feedback = feedback_store.get_many(s.session_id for s in sessions)
    consultants = {c.consultant_id: c.name for c in team.list_consultants()}
    rooms = {r.room_id: r.name for r in team.list_rooms()}
    return {"month": month, "registrations": registrations, "sessions": sessions, "session_regs": session_regs,
            "feedback": feedback, "consultants": consultants, "rooms": rooms}


# --- the tables (pure) -------------------------------------------------------------------------------

def _wib(instant: str) -> datetime:
    """A WIB wall-clock time (naive: spreadsheets have no time zones; the header says WIB)."""
    return rules.parse_utc_iso(instant).astimezone(rules.WIB).replace(tzinfo=None, second=0, microsecond=0)


def _fmt_ref(reference: str) -> str:
    return f"{reference[:3]}-{reference[3:]}"


def _summary(records) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for f in records:
        for k, v in stats.feedback_scores(int(f.satisfaction), int(f.helpfulness), int(f.recommend), f.answered).items():
            counts[k] += v
    return feedback_summary(counts)


def _fb_row(label: str, records) -> list:
    s = _summary(records)
    share = s["answered_share"]["ya"]
    return [label, s["count"], s["avg_satisfaction"], s["avg_helpfulness"], s["avg_recommend"], s["nps"],
            *(s["answered"][a] for a in ANSWERED), None if share is None else Percent(share)]


def tables(data: dict) -> list[Table]:
    """The month's sheets: a summary first, then registrations, sessions, feedback, reach, consultants."""
    regs = sorted(data["registrations"], key=lambda r: r.created_at)
    sessions = sorted(data["sessions"], key=lambda s: (s.start, s.consultant_id))
    feedback, names = data["feedback"], data["consultants"]
    answers = [feedback[s.session_id] for s in sessions if s.session_id in feedback]
    reg_by_kec = Counter(r.kecamatan for r in regs)
    return [_summary_table(data["month"], regs, sessions, answers, reg_by_kec), _registration_table(regs),
            _session_table(sessions, feedback, names, data["rooms"]),
            _feedback_table(answers, {s.session_id for s in sessions if s.walk_in}),
            _reach_table(reg_by_kec, sessions, data["session_regs"]), _consultant_table(sessions, feedback, names)]


def _registration_table(regs: list) -> Table:
    table = Table("pendaftaran", "Pendaftaran", [
        "Kode", "Tanggal daftar (WIB)", "Layanan", "Cara", "Kecamatan", "Koperasi / usaha", "Topik", "Saluran",
        "Sumber", "Kampanye", "Status", "Lanjutan dari"], widths=[10, 18, 20, 12, 20, 30, 40, 16, 16, 16, 18, 12])
    for r in regs:
        table.rows.append([
            _fmt_ref(r.reference), _wib(r.created_at), rules.SERVICES.get(r.service, r.service),
            "Tatap muka" if r.mode == rules.MODE_TATAP_MUKA else "Daring", r.kecamatan, r.org_name,
            "; ".join(rules.TOPICS.get(t, t) for t in r.topics or []), rules.CHANNELS[rules.channel_of(r.channel)],
            rules.SOURCE_LABELS.get(r.source, r.source), r.campaign or "", rules.REGISTRATION_STATUSES.get(r.status, r.status),
            _fmt_ref(r.follow_up_of) if r.follow_up_of else ""])
    return table


def _session_table(sessions: list, feedback: dict, names: dict, rooms: dict) -> Table:
    table = Table("sesi", "Sesi dan kehadiran", [
        "Tanggal", "Jam (WIB)", "Kode pendaftaran", "Layanan", "Cara", "Konsultan", "Ruang", "Status",
        "Umpan balik", "Dijadwalkan"], widths=[12, 10, 16, 20, 12, 24, 18, 22, 12, 16])
    for s in sessions:
        start = rules.parse_utc_iso(s.start).astimezone(rules.WIB)
        table.rows.append([
            date.fromisoformat(s.day), time(start.hour, start.minute), _fmt_ref(s.reference),
            rules.SERVICES.get(s.service, s.service), "Tatap muka" if s.mode == rules.MODE_TATAP_MUKA else "Daring",
            names.get(s.consultant_id, s.consultant_id), rooms.get(s.room_id, s.room_id or "") if s.room_id else "",
            rules.SESSION_STATUSES.get(s.status, s.status), "ya" if s.session_id in feedback else "",
            rules.CHANNELS[rules.CHANNEL_DESK] if s.walk_in else ""])
    return table


def _feedback_table(answers: list, walk_ins: set) -> Table:
    header = ["Kelompok", "Jumlah jawaban", "Rata-rata kepuasan (1-5)", "Rata-rata kebermanfaatan (1-5)",
              "Rata-rata rekomendasi (0-10)", "NPS", "Terjawab: ya", "Terjawab: sebagian", "Terjawab: tidak",
              "Porsi terjawab (ya)"]
    table = Table("umpan_balik", "Umpan balik", header, widths=[36, 10, 12, 12, 12, 8, 10, 10, 10, 10])
    table.rows.append(_fb_row("Semua sesi", answers))
    table.rows.append(_fb_row("Pengunjung datang langsung", [f for f in answers if f.session_id in walk_ins]))
    for svc, label in rules.SERVICES.items():
        table.rows.append(_fb_row(label, [f for f in answers if f.service == svc]))
    for topic, label in rules.TOPICS.items():
        group = [f for f in answers if topic in (f.topics or [])]
        if group:
            table.rows.append(_fb_row(f"Topik: {label}", group))
    return table


def _reach_table(reg_by_kec: Counter, sessions: list, session_regs: dict) -> Table:
    attended = [s for s in sessions if s.status == rules.SESSION_ATTENDED]
    att_by_kec = Counter(session_regs[s.reference].kecamatan for s in attended if s.reference in session_regs)
    table = Table("jangkauan", "Jangkauan kecamatan", ["Kecamatan", "Pendaftar", "Sesi hadir"], widths=[24, 10, 10])
    for k in rules.kecamatan_list():
        table.rows.append([k, reg_by_kec.get(k, 0), att_by_kec.get(k, 0)])
    return table


def _consultant_table(sessions: list, feedback: dict, names: dict) -> Table:
    table = Table("konsultan", "Per konsultan", [
        "Konsultan", "Sesi terjadwal", "Hadir", "Tidak hadir", "Dibatalkan", "Umpan balik", "Rata-rata kepuasan",
        "Rata-rata kebermanfaatan", "NPS"], widths=[24, 10, 8, 10, 10, 10, 12, 12, 8])
    for cid in sorted({s.consultant_id for s in sessions}, key=lambda c: names.get(c, c).casefold()):
        mine = [s for s in sessions if s.consultant_id == cid]
        s_fb = _summary([feedback[s.session_id] for s in mine if s.session_id in feedback])
        table.rows.append([
            names.get(cid, cid), sum(s.status in rules.SEAT_HOLDING_STATUSES for s in mine),
            sum(s.status == rules.SESSION_ATTENDED for s in mine), sum(s.status == rules.SESSION_NO_SHOW for s in mine),
            sum(s.status in rules.SESSION_CANCELLED_STATUSES for s in mine),
            s_fb["count"], s_fb["avg_satisfaction"], s_fb["avg_helpfulness"], s_fb["nps"]])
    return table


def _summary_table(month: str, regs: list, sessions: list, answers: list, reg_by_kec: Counter) -> Table:
    def count(*statuses) -> int:
        return sum(s.status in statuses for s in sessions)

    attended, no_show = count(rules.SESSION_ATTENDED), count(rules.SESSION_NO_SHOW)
    overall = _summary(answers)
    table = Table("ringkasan", "Ringkasan", ["Ukuran", "Nilai"], widths=[44, 20])
    table.rows = [
        ["Bulan", month_words(month)],
        ["Pendaftar", len(regs)],
        *[[f"Pendaftar {words.mid_sentence(label)}", sum(r.service == s for r in regs)] for s, label in rules.SERVICES.items()],
        ["Pendaftaran lanjutan", sum(bool(r.follow_up_of) for r in regs)],
        *[[f"Pendaftar lewat {words.mid_sentence(label)}", sum(rules.channel_of(r.channel) == c for r in regs)]
          for c, label in rules.CHANNELS.items()],
        ["Sesi pengunjung datang langsung", sum(bool(s.walk_in) and s.status in rules.SEAT_HOLDING_STATUSES
                                               for s in sessions)],
        ["Sesi terjadwal (memakai slot)", count(*rules.SEAT_HOLDING_STATUSES)],
        ["Sesi hadir", attended],
        ["Sesi tidak hadir", no_show],
        ["Tingkat ketidakhadiran", Percent(no_show / (attended + no_show)) if attended or no_show else None],
        # A move frees one seat and takes another: it is not a cancellation (as on the dashboard).
        ["Sesi dibatalkan", count(*rules.SESSION_CANCELLED_STATUSES)],
        ["Sesi dipindah ke jadwal lain (bukan pembatalan)", count(rules.SESSION_MOVED)],
        ["Minta tanggal lain (bukan pembatalan)", count(rules.SESSION_OTHER_DATES)],
        ["Jawaban umpan balik", overall["count"]],
        ["Rata-rata kepuasan (1-5)", overall["avg_satisfaction"]],
        ["NPS", overall["nps"]],
        ["Kecamatan terjangkau (pendaftar)",
         f"{sum(1 for k in rules.kecamatan_list() if reg_by_kec.get(k))} dari {len(rules.kecamatan_list())}"],
    ]
    return table


# --- formats -------------------------------------------------------------------------------------------

def xlsx(month: str, tabs: list[Table]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": f"Laporan Clean & Clear {month}", "company": "Diskopukm Kabupaten Bogor"})
    bold = book.add_format({"bold": True, "bg_color": "#D1E7DD", "border": 1, "text_wrap": True, "valign": "top"})
    title = book.add_format({"bold": True, "font_size": 13})
    # Real date, time and percent cells: they sort, filter and sum as such in any spreadsheet.
    formats = {date: book.add_format({"num_format": "dd/mm/yyyy"}),
               datetime: book.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
               time: book.add_format({"num_format": "hh:mm"}),
               Percent: book.add_format({"num_format": "0.0%"})}
    for t in tabs:
        sheet = book.add_worksheet(t.title[:31])
        sheet.write(0, 0, f"Clean & Clear \u2014 {t.title}, {month}", title)
        for col, name in enumerate(t.header):
            sheet.write(2, col, name, bold)
            if col < len(t.widths):
                sheet.set_column(col, col, t.widths[col])
        for row_no, row in enumerate(t.rows, start=3):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, Percent):
                    sheet.write_number(row_no, col, float(value), formats[Percent])
                elif isinstance(value, (date, time)):  # datetime is a date
                    sheet.write_datetime(row_no, col, value, formats[type(value)])
                else:
                    sheet.write(row_no, col, value)
        sheet.freeze_panes(3, 0)
        if t.rows and t.key != "ringkasan":
            sheet.autofilter(2, 0, 2 + len(t.rows), len(t.header) - 1)
    book.close()
    return out.getvalue()


def csv_text(month: str, tabs: list[Table], sheet: str | None = None) -> str:
    """One table (`sheet`) or all of them one after another, each under a title line.
    Starts with a byte order mark so spreadsheet programs read the UTF-8 correctly."""
    if sheet is not None and sheet not in SHEETS:
        raise InputError({"sheet": "Tabel tidak dikenal: " + ", ".join(SHEETS) + "."})
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    chosen = [t for t in tabs if sheet is None or t.key == sheet]
    for n, t in enumerate(chosen):
        if sheet is None:
            if n:
                writer.writerow([])
            writer.writerow([f"{t.title} ({month})"])
        writer.writerow(t.header)
        for row in t.rows:
            writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, Percent):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (date, time)):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    return _csv_safe(value)


def _csv_safe(value):
    """Text starting with = + - @ is read as a formula by spreadsheet programs: quote it off."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def build(name: str, sheet: str | None = None) -> tuple[bytes | str, str, str]:
    """(content, content type, file name) for `YYYY-MM.xlsx` (bytes) or `YYYY-MM.csv` (text)."""
    month, kind = parse_name(name)
    tabs = tables(load(month))
    filename = f"laporan-clean-and-clear-{month}.{kind}"
    if kind == "xlsx":
        return xlsx(month, tabs), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename
    return csv_text(month, tabs, sheet), "text/csv; charset=utf-8", filename
