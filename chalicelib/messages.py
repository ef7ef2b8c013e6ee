"""Every message the system sends: the catalog, and rendering from Jinja2 templates.

The texts are Jinja2 templates in Bahasa Indonesia in ONE folder, ``templates/messages/``,
rendered with StrictUndefined (a missing value is an error, never an empty gap):

  ``<name>.wa.j2``     the WhatsApp template body. Only plain ``{{ variable }}`` substitutions:
                       the variables listed in the kind's ``params`` become the template's
                       body parameters {{1}}, {{2}}, ... in that order; any other variable is an
                       office constant from site.json, written into the registered text.
  ``<name>.email.j2``  the e-mail: ``{% block subject %}`` and ``{% block text %}``; the HTML
                       part is the text laid out by ``_email.html.j2`` (paragraphs, links).
  ``_frasa.j2``        phrases used as parameter values (where, how to get there, why...).

`WHATSAPP_TEMPLATES.md` in that folder lists every WhatsApp template for registration with
Meta; `whatsapp_templates_doc()` writes it and a test checks it is current.

Pure: no I/O beyond reading the template files and site.json (a copy of static_site/site.json
inside the Lambda package, kept identical by a test).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, select_autoescape
from markupsafe import Markup, escape

from . import rules

TEMPLATE_DIR = Path(__file__).parent / "templates" / "messages"
SITE_JSON = Path(__file__).parent / "data" / "site.json"

WHATSAPP = "whatsapp"
EMAIL = "email"
CHANNELS = (WHATSAPP, EMAIL)
CHANNEL_LABELS = {WHATSAPP: "WhatsApp", EMAIL: "E-mail"}

VISITOR = "visitor"
CONSULTANT = "consultant"
AUDIENCE_LABELS = {VISITOR: "Pengunjung", CONSULTANT: "Konsultan"}

LANGUAGE = "id"

# Office constants a WhatsApp template may contain literally (they are part of the registered
# text, not parameters). Changing one in site.json means registering the template again.
SITE_CONSTANTS = ("program", "office_short", "contact_whatsapp")


@dataclass(frozen=True)
class Kind:
    name: str  # the WhatsApp template name (and the file stem)
    label: str  # for staff
    audience: str
    params: tuple[str, ...]  # WhatsApp body parameters, in order: {{1}}, {{2}}, ...
    essential: bool  # sent even to a number that replied BERHENTI
    when: str  # when it is sent (for staff and the template document)
    calendar: str | None = None  # the e-mail's iCalendar method: REQUEST | CANCEL | None
    session: bool = False  # about one session (session_id set)


KINDS: tuple[Kind, ...] = (
    Kind("cc_pendaftaran_diterima", "Pendaftaran diterima", VISITOR,
         ("nama", "kode", "layanan", "tanggal_pilihan"), True,
         "Segera setelah pengunjung mendaftar."),
    Kind("cc_sesi_terjadwal", "Sesi terjadwal", VISITOR,
         ("nama", "kode", "tanggal", "jam", "tempat", "petunjuk"), True,
         "Saat sesi dijadwalkan (penjadwal otomatis atau petugas). Sesi daring menunggu tautan Zoom "
         "siap (paling lama 6 jam, atau sampai 2 jam sebelum sesi; setelah itu terkirim dengan "
         "keterangan tautan menyusul lewat pengingat).", calendar="REQUEST", session=True),
    Kind("cc_sesi_diubah", "Jadwal sesi diubah", VISITOR,
         ("nama", "kode", "tanggal", "jam", "tempat", "petunjuk"), True,
         "Saat petugas memindahkan sesi ke jam atau narasumber lain.", calendar="REQUEST", session=True),
    Kind("cc_sesi_dibatalkan", "Sesi dibatalkan", VISITOR,
         ("nama", "kode", "tanggal", "jam", "keterangan"), True,
         "Saat sesi dibatalkan oleh kantor (termasuk narasumber berhalangan) atau oleh pengunjung. "
         "Tidak dikirim bila jadwal sesi itu belum pernah terkirim, atau bila pemindahan sesi "
         "langsung berhasil (pesan \"Jadwal sesi diubah\" menggantikannya).",
         calendar="CANCEL", session=True),
    Kind("cc_tanggal_baru_diterima", "Tanggal baru diterima", VISITOR,
         ("nama", "kode", "keterangan", "tanggal_pilihan"), True,
         "Saat pengunjung memilih tanggal lain lewat tautan statusnya.", calendar="CANCEL"),
    Kind("cc_pendaftaran_dibatalkan", "Pendaftaran dibatalkan", VISITOR,
         ("nama", "kode"), True,
         "Saat pengunjung membatalkan pendaftaran yang belum punya jadwal."),
    Kind("cc_tanggal_tidak_tersedia", "Tanggal tidak tersedia", VISITOR,
         ("nama", "tanggal_pilihan", "kode"), True,
         "Saat semua tanggal pilihan lewat tanpa jadwal (antrean penuh): pengunjung diajak memilih "
         "tanggal baru."),
    Kind("cc_pengingat_besok", "Pengingat H-1", VISITOR,
         ("nama", "tanggal", "jam", "tempat", "petunjuk"), False,
         "Sehari sebelum sesi, pukul 16.00 WIB (tidak dikirim bila sesi baru dijadwalkan setelah itu)."
         , session=True),
    Kind("cc_pengingat_sejam", "Pengingat 1 jam", VISITOR,
         ("nama", "jam_mulai", "tempat"), False,
         "Sekitar satu jam sebelum sesi (tidak dikirim bila sudah kurang dari 15 menit sebelum mulai).",
         session=True),
    Kind("cc_umpan_balik", "Permintaan umpan balik", VISITOR,
         ("nama", "tanggal", "tautan"), False,
         "Setelah sesi selesai dan petugas mencatat pengunjung hadir.", session=True),
    Kind("cc_jadwal_konsultan", "Jadwal narasumber besok", CONSULTANT,
         ("nama", "tanggal", "jumlah", "daftar"), False,
         "Pukul 16.00 WIB sehari sebelumnya, ke setiap narasumber yang punya sesi besok."),
)
BY_NAME = {k.name: k for k in KINDS}

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


class Skip(Exception):
    """Do not send this message (no longer true, no address, opted out). Reason for staff."""


class Defer(Exception):
    """Not yet (e.g. the Zoom link is still being made): look again in `seconds`; no attempt used."""

    def __init__(self, reason: str, seconds: int = 60):
        super().__init__(reason)
        self.seconds = seconds


class ConfigError(Exception):
    """The system is not set up to send this (e.g. no SITE_URL): fails for staff to see."""


# --- formatting -----------------------------------------------------------------------------

def long_date(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def days_text(days) -> str:
    return "; ".join(long_date(d if isinstance(d, date) else date.fromisoformat(d)) for d in days)


def session_times(start_utc: str) -> tuple[date, str, str]:
    """(WIB date, "09.00–09.30 WIB", "09.00 WIB") of a session start."""
    start = rules.parse_utc_iso(start_utc).astimezone(rules.WIB)
    end = start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)
    return start.date(), f"{start:%H.%M}–{end:%H.%M} WIB", f"{start:%H.%M} WIB"


def format_reference(reference: str) -> str:
    return f"{reference[:3]}-{reference[3:]}"


def whatsapp_param(value: object) -> str:
    """A body parameter as WhatsApp accepts it: no newlines or tabs, no more than 4 spaces in a row."""
    text = re.sub(r"[\r\n\t]+", " ", str(value))
    text = re.sub(r" {4,}", "   ", text).strip()
    return text or "-"


# --- templates ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@lru_cache(maxsize=1)
def site() -> dict:
    return json.loads(SITE_JSON.read_text(encoding="utf-8"))


def site_context() -> dict:
    s = site()
    return {"program": s["program"], "program_long": s["program_long"], "office": s["office"],
            "office_short": s["office_short"], "address": s["address"], "address_hint": s["address_hint"],
            "contact_whatsapp": s["contact_whatsapp"], "contact_email": s["contact_email"]}


def phrase(name: str, **values) -> str:
    """A phrase macro of _frasa.j2, as one trimmed line of text."""
    module = env().get_template("_frasa.j2").make_module(site_context())
    return " ".join(str(getattr(module, name)(**values)).split())


def _block(template, block: str, ctx: dict) -> str:
    return "".join(template.blocks[block](template.new_context(ctx))).strip()


@dataclass
class Rendered:
    kind: str
    channel: str
    text: str  # the WhatsApp text as the recipient sees it, or the e-mail's text part
    parameters: list[str] = field(default_factory=list)  # WhatsApp body parameters, in order
    subject: str | None = None
    html: str | None = None
    calendar: str | None = None  # iCalendar text (e-mail)
    calendar_method: str | None = None

    def preview(self) -> dict:
        return {"subject": self.subject, "text": self.text, "parameters": self.parameters or None,
                "calendar": self.calendar_method}


def render_whatsapp(kind: Kind, ctx: dict) -> Rendered:
    params = [whatsapp_param(ctx[name]) for name in kind.params]
    values = {**site_context(), **dict(zip(kind.params, params))}
    text = env().get_template(f"{kind.name}.wa.j2").render(values).strip()
    return Rendered(kind.name, WHATSAPP, text, params)


def render_email(kind: Kind, ctx: dict, calendar: str | None = None) -> Rendered:
    template = env().get_template(f"{kind.name}.email.j2")
    values = {**site_context(), **ctx}
    subject = " ".join(_block(template, "subject", values).split())
    text = _block(template, "text", values)
    html = env().get_template("_email.html.j2").render(
        subject=subject, body=text_to_html(text), **site_context())
    return Rendered(kind.name, EMAIL, text + "\n", subject=subject, html=html, calendar=calendar,
                    calendar_method=kind.calendar if calendar else None)


_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def text_to_html(text: str) -> Markup:
    """The e-mail's text part as HTML paragraphs: escaped, blank lines split paragraphs, line
    breaks kept, links clickable, *bold* as in WhatsApp."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.split("\n"):
            html = ""
            last = 0
            for m in _URL.finditer(line):
                html += _inline(line[last:m.start()])
                url = escape(m.group(0))
                html += f'<a href="{url}">{url}</a>'
                last = m.end()
            html += _inline(line[last:])
            lines.append(html)
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    return Markup("\n".join(paragraphs))


def _inline(text: str) -> str:
    return re.sub(r"\*([^*\n]+)\*", r"<strong>\1</strong>", str(escape(text)))


# --- the WhatsApp template document ---------------------------------------------------------------

def whatsapp_body_for_meta(kind: Kind) -> str:
    """The body as registered with Meta: parameters as {{1}}, {{2}}, ...; constants written in."""
    values = {**site_context(), **{name: "{{%d}}" % (i + 1) for i, name in enumerate(kind.params)}}
    return env().get_template(f"{kind.name}.wa.j2").render(values).strip()


def template_variables(name: str) -> set[str]:
    source = env().loader.get_source(env(), name)[0]
    return meta.find_undeclared_variables(env().parse(source))


def whatsapp_templates_doc() -> str:
    out = [
        "# WhatsApp templates of Clean & Clear",
        "",
        "Generated from `chalicelib/templates/messages/*.wa.j2` and the catalog in",
        "`chalicelib/messages.py` (`python -m chalicelib.messages > chalicelib/templates/messages/WHATSAPP_TEMPLATES.md`);",
        "a test fails when this file is out of date. Register each template in WhatsApp Manager",
        "(Message templates → Create) exactly as below: the system sends the name, language `id`",
        "and the body parameters in this order. The office's name and contact number are written",
        "into the text; when they change in `static_site/site.json`, register the templates again.",
        "",
        "All are category **UTILITY** (about the visitor's own registration or the consultant's own",
        "schedule), language **Indonesian (`id`)**, body only (no header, footer or buttons).",
        "\"Penting\" messages also go to numbers that replied BERHENTI; the others do not.",
        "",
    ]
    for kind in KINDS:
        out += [
            f"## `{kind.name}`",
            "",
            f"- Name: `{kind.name}`",
            f"- Language: `{LANGUAGE}`",
            "- Category: UTILITY",
            f"- For: {AUDIENCE_LABELS[kind.audience]} ({'penting' if kind.essential else 'tidak penting: tidak dikirim ke nomor yang membalas BERHENTI'})",
            f"- Sent: {kind.when}",
            "",
            "Body:",
            "",
            "```",
            whatsapp_body_for_meta(kind),
            "```",
            "",
            "Parameters:",
            "",
            "| # | parameter | sample |",
            "| --- | --- | --- |",
        ]
        sample = render_whatsapp(kind, sample_context(kind))
        for i, (name, value) in enumerate(zip(kind.params, sample.parameters), start=1):
            out.append(f"| {{{{{i}}}}} | `{name}` | {value} |")
        out.append("")
    return "\n".join(out) + broadcast_templates_doc()


# --- sample data (documentation and tests) -------------------------------------------------------

def sample_context(kind: Kind, *, online: bool = False) -> dict:
    """Everything a template of `kind` may use, with realistic sample values."""
    day = date(2026, 11, 9)
    ctx = {
        "nama": "Nurhayati" if kind.audience == VISITOR else "Siti Rahmawati",
        "kode": "KPB-7QX",
        "layanan": rules.SERVICES[rules.SERVICE_KOPERASI],
        "cara": rules.MODES[rules.MODE_DARING if online else rules.MODE_TATAP_MUKA],
        "tanggal_pilihan": days_text([day, day + timedelta(days=1)]),
        "tanggal": long_date(day),
        "jam": "09.00–09.30 WIB",
        "jam_mulai": "09.00 WIB",
        "daring": online,
        "ruang": None if online else "Ruang Klinik 1",
        "narasumber": "Siti Rahmawati",
        "tautan_zoom": "https://us06web.zoom.us/j/81234567890?pwd=abc" if online else None,
        "tempat": phrase("tempat", daring=online, ruang=None if online else "Ruang Klinik 1",
                         tautan_zoom="https://us06web.zoom.us/j/81234567890?pwd=abc" if online else None),
        "petunjuk": phrase("petunjuk", daring=online),
        "keterangan": phrase("keterangan_batal", oleh="kantor", antre=True)
        if kind.name == "cc_sesi_dibatalkan" else phrase("keterangan_tanggal_baru", sesi_lama=None),
        "oleh": "kantor",
        "antre": True,
        "sesi_lama": None,
        "tautan": "https://cleanclear.example.go.id/umpan-balik.html#s=S-1A2B3C&e=1794000000&t=abc",
        "jumlah": "2",
        "daftar": "09.00 Nurhayati (Koperasi Tani Makmur), tatap muka, Ruang Klinik 1; 09.30 Ahmad (Koperasi Sejahtera), daring",
        "sesi": [
            {"jam": "09.00–09.30 WIB", "peserta": "Nurhayati", "organisasi": "Koperasi Tani Makmur",
             "layanan": "Konsultasi koperasi", "cara": "Tatap muka", "tempat": "Ruang Klinik 1",
             "topik": "Tata kelola dan RAT", "kode": "KPB-7QX"},
            {"jam": "09.30–10.00 WIB", "peserta": "Ahmad", "organisasi": "Koperasi Sejahtera",
             "layanan": "Konsultasi koperasi", "cara": "Daring", "tempat": "Zoom",
             "topik": "Usaha simpan pinjam", "kode": "MNP-4RT"},
        ],
    }
    return ctx


# --- broadcasts to past clients (issue 6; chalicelib/broadcasts.py) -------------------------------
# Not in KINDS: WhatsApp only (no e-mail part), category MARKETING, composed by staff. "nama" and
# "tautan" are filled per recipient; the other parameters are the staff's text.
BROADCAST_PREFIX = "cc_siaran_"
BROADCAST_KINDS: tuple[Kind, ...] = (
    Kind("cc_siaran_layanan", "Kabar layanan", VISITOR, ("nama", "keterangan", "tautan"), False,
         "Siaran WhatsApp dari petugas ke klien yang pernah hadir (tidak ke nomor yang membalas BERHENTI)."),
    Kind("cc_siaran_acara", "Undangan acara", VISITOR, ("nama", "acara", "tanggal", "tempat", "tautan"), False,
         "Siaran WhatsApp dari petugas ke klien yang pernah hadir (tidak ke nomor yang membalas BERHENTI)."),
)
BY_NAME.update({k.name: k for k in BROADCAST_KINDS})
BROADCAST_FILLED = ("nama", "tautan")
BROADCAST_PARAM_LABELS = {"keterangan": "Isi kabar", "acara": "Nama acara", "tanggal": "Tanggal dan jam",
                          "tempat": "Tempat"}


def broadcast_sample(kind: Kind) -> dict:
    return {"nama": "Nurhayati", "tautan": "https://cleanclear.example.go.id/?src=wa-B20261201090000AB",
            "keterangan": "Bulan Desember kami membuka jadwal tambahan setiap Jumat untuk konsultasi laporan keuangan koperasi.",
            "acara": "Sosialisasi Koperasi Sehat", "tanggal": "Kamis, 10 Desember 2026 pukul 09.00 WIB",
            "tempat": "Aula Diskopukm Kabupaten Bogor, Cibinong"}


def broadcast_templates_doc() -> str:
    out = ["", "# Broadcast templates (category MARKETING)", "",
           "Staff send these from the admin page (Siaran WhatsApp) to past clients who came to a session;",
           "never to numbers that replied BERHENTI. Category **MARKETING**, language **Indonesian (`id`)**,",
           "body only. `nama` and `tautan` are filled per recipient (`tautan` is the signup link with",
           "`?src=wa-<broadcast id>`); the other parameters are written by staff (at most 300 characters).", ""]
    for kind in BROADCAST_KINDS:
        sample = render_whatsapp(kind, broadcast_sample(kind))
        out += [f"## `{kind.name}`", "", f"- Name: `{kind.name}`", f"- Language: `{LANGUAGE}`", "- Category: MARKETING",
                f"- Sent: {kind.when}", "", "Body:", "", "```", whatsapp_body_for_meta(kind), "```", "",
                "Parameters:", "", "| # | parameter | sample |", "| --- | --- | --- |"]
        out += [f"| {{{{{i}}}}} | `{name}` | {value} |"
                for i, (name, value) in enumerate(zip(kind.params, sample.parameters), start=1)]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m chalicelib.messages > .../WHATSAPP_TEMPLATES.md
    print(whatsapp_templates_doc())
