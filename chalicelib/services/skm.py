"""The SKM report (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): the IKM of a month, a
semester or a year, for the whole clinic and per service, with the standard tables, the
respondents' profile and the office's "tindak lanjut" (domain/skm.py has the questionnaire and the
formula).

One read per period: the answers' running totals are counters ADDed with each feedback answer
(item ``SKM#<month>`` of the stats table, services/feedback.py), so a year is one BatchGetItem of
twelve items, never a Scan over the answers. As JSON (Evaluasi), XLSX and an A4 page.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from .. import clock
from ..domain import counters, rules, skm, validation
from ..domain.errors import InputError
from ..messages.render import documents, site
from ..store import report_notes
from ..store import stats as stats_store
from ..store.unit_of_work import UnitOfWork
from .reports import MONTH_NAMES

PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-S([12]))?$")
NOTE_MAX = 2000
MSG_PERIOD = "Periode: bulan (2026-11), semester (2026-S2) atau tahun (2026)."


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11" | "2026-S2" | "2026"
    label: str
    months: tuple[str, ...]


def period(raw: object, today: date | None = None) -> Period:
    """A month, semester or year that has begun (WIB); else InputError on `period`."""
    found = PERIOD_RE.match(raw) if isinstance(raw, str) else None
    if not found:
        raise InputError({"period": MSG_PERIOD})
    year = int(found.group(1))
    if found.group(2):
        months = (int(found.group(2)),)
        label = f"{MONTH_NAMES[months[0] - 1]} {year}"
    elif found.group(3):
        half = int(found.group(3))
        months = tuple(range(1, 7)) if half == 1 else tuple(range(7, 13))
        label = f"Semester {'I' if half == 1 else 'II'} {year}"
    else:
        months = tuple(range(1, 13))
        label = f"Tahun {year}"
    today = today or clock.today()
    if (year, months[0]) > (today.year, today.month) or year < 2020:
        raise InputError({"period": "Periode itu belum dimulai (atau sebelum layanan ada)."})
    return Period(raw, label, tuple(f"{year}-{m:02d}" for m in months))


def this_month() -> str:
    return clock.today().strftime("%Y-%m")


def report(raw_period: object) -> dict:
    """The period's SKM: the clinic's index and each service's, the profile, the tindak lanjut."""
    p = period(raw_period)
    items = stats_store.read_periods([counters.skm_period(m) for m in p.months])
    summed: dict[str, int] = {}
    for item in items.values():
        for name, value in item.items():
            if name.startswith("skm|"):
                summed[name] = summed.get(name, 0) + int(value)
    clinic = skm.totals(summed, "all")
    note = report_notes.get("skm#" + p.key)
    return {
        "period": p.key, "label": p.label, "months": list(p.months),
        "index": skm.index(clinic).as_dict(),
        "services": [{"service": s, "label": label, "index": skm.index(skm.totals(summed, s)).as_dict()}
                     for s, label in rules.SERVICES.items()],
        "profile": [{"key": k, "label": label, "counts": [{"key": c, "label": text, "n": clinic.profile[k][c]}
                                                          for c, text in choices.items()],
                     "unanswered": clinic.respondents - sum(clinic.profile[k].values())}
                    for k, (label, choices) in skm.PROFILE.items()],
        "questions": [{"key": k, "unsur": u, "question": q} for k, u, q, _ in skm.UNSUR],
        "grades": [{"grade": g, "label": words, "from": str(lowest)} for lowest, g, words in skm.GRADES],
        "follow_up": {"text": note.text, "by": note.updated_by, "at": note.updated_at} if note else None,
    }


def save_follow_up(actor: str, raw_period: object, payload: object) -> dict:
    """The office's tindak lanjut for a period (what it will improve), kept and audited."""
    p = period(raw_period)
    errors = validation.Errors()
    text = validation.text_field(payload if isinstance(payload, dict) else {}, errors, "text", 0, NOTE_MAX,
                                 required=True, what="Tindak lanjut", multiline=True)
    if errors:
        raise InputError(errors)
    now = rules.to_utc_iso(clock.now())
    uow = UnitOfWork(actor, "skm.tindak_lanjut", "skm#" + p.key, {"period": p.key, "characters": len(text)})
    report_notes.put(uow, "skm#" + p.key, text, actor, now)
    uow.commit()
    return {"period": p.key, "follow_up": {"text": text, "by": actor, "at": now}}


# --- documents -------------------------------------------------------------------------------------

def html(raw_period: object) -> str:
    """The report as a page that prints on A4 (templates/documents/skm.html.j2)."""
    data = report(raw_period)
    made = clock.now().astimezone(rules.WIB)
    return documents().get_template("skm.html.j2").render(r=data, office=site(), made=f"{made:%d-%m-%Y %H.%M} WIB")


def xlsx(raw_period: object) -> tuple[bytes, str]:
    """The standard tables as a workbook: IKM per unsur (clinic and services), profile, tindak lanjut."""
    import xlsxwriter

    r = report(raw_period)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "bg_color": "#D1E7DD", "border": 1, "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 13})
    sheet = book.add_worksheet("IKM")
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 4, 14)
    sheet.write(0, 0, f"Survei Kepuasan Masyarakat \u2014 Clean & Clear, {r['label']}", title)
    row = 2
    for name, idx in [("Seluruh layanan", r["index"])] + [(s["label"], s["index"]) for s in r["services"]]:
        row = _index_block(sheet, row, name, idx, bold)
    prof = book.add_worksheet("Profil responden")
    prof.set_column(0, 1, 24)
    prof.write(0, 0, f"Profil responden, {r['label']}", title)
    row = 2
    for part in r["profile"]:
        prof.write(row, 0, part["label"], bold)
        prof.write(row, 1, "Responden", bold)
        for c in part["counts"] + [{"label": "Tidak diisi", "n": part["unanswered"]}]:
            row += 1
            prof.write(row, 0, c["label"])
            prof.write_number(row, 1, c["n"])
        row += 2
    note = book.add_worksheet("Tindak lanjut")
    note.set_column(0, 0, 100)
    note.write(0, 0, f"Tindak lanjut, {r['label']}", title)
    note.write(2, 0, (r["follow_up"] or {}).get("text") or "(belum diisi)")
    book.close()
    return out.getvalue(), f"skm-clean-and-clear-{r['period']}.xlsx"


def _index_block(sheet, row: int, name: str, idx: dict, bold) -> int:
    sheet.write(row, 0, f"{name}: {idx['respondents']} responden", bold)
    for col, head in enumerate(("NRR per unsur", "NRR tertimbang"), start=1):
        sheet.write(row, col, head, bold)
    for u in idx["unsur"]:
        row += 1
        sheet.write(row, 0, u["unsur"])
        for col, value in ((1, u["nrr"]), (2, u["weighted"])):
            if value is not None:
                sheet.write_number(row, col, float(value))
            else:
                sheet.write(row, col, "-")
    for label, value in (("IKM unit pelayanan", idx["ikm"]), ("IKM konversi (x 25)", idx["conversion"])):
        row += 1
        sheet.write(row, 0, label, bold)
        if value is not None:
            sheet.write_number(row, 2, float(value))
    row += 1
    sheet.write(row, 0, "Mutu pelayanan", bold)
    sheet.write(row, 2, f"{idx['grade']} ({idx['grade_label']})" if idx["grade"] else "-")
    if idx["weakest"]:
        row += 1
        sheet.write(row, 0, "Unsur terendah", bold)
        sheet.write(row, 2, f"{idx['weakest']['unsur']} ({idx['weakest']['nrr']})")
    return row + 3
