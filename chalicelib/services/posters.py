"""A campaign's QR poster, A4 portrait, as SVG and PNG.

The SVG comes from one Jinja2 template (`data/poster.svg.j2`) with the QR code drawn as a single
path (segno computes the modules, pure Python). The PNG is the SAME SVG rasterised by resvg
(`resvg_py`, a 1.4 MB self-contained wheel) with the DejaVu Sans subsets in `data/fonts` (the
Lambda runtime has no fonts), so both files always show the same thing. Pillow would have been
the other choice: an 8 MB wheel and a second layout to keep in step with the SVG.

No I/O besides reading the template, fonts and `data/site.json` (the program name, the office,
its address: a copy of static_site/site.json, which a test keeps equal).
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..domain import rules
from . import campaigns

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(PACKAGE, "data")
FONTS = os.path.join(DATA, "fonts")
A4_MM = (210, 297)
PNG_DPI = 150  # 1240 x 1754 pixels: sharp on a phone, good enough to print on A4
QR_BORDER = 4  # modules of quiet zone, as the standard asks
QR_SIZE = 760  # tenths of a millimetre: 7.6 cm including the quiet zone
QR_X, QR_Y = 1050 - QR_SIZE // 2, 1620


@lru_cache(maxsize=1)
def site() -> dict:
    with open(os.path.join(DATA, "site.json"), encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def _template():
    env = Environment(loader=FileSystemLoader(DATA), autoescape=select_autoescape(["svg", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("poster.svg.j2")


def qr_path(text: str) -> tuple[str, int]:
    """The QR code of `text` as one SVG path in module units (quiet zone included), and its
    width in modules. Error correction M: survives a crease or a smudge on a printed poster."""
    import segno

    qr = segno.make(text, error="m", boost_error=False)
    parts = []
    for y, row in enumerate(qr.matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start + QR_BORDER} {y + QR_BORDER}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts), len(qr.matrix) + 2 * QR_BORDER


def hours_lines() -> list[str]:
    return [f"{rules.SERVICES[s]}: {a:%H.%M}\u2013{b:%H.%M} WIB" for s, (a, b) in rules.DEFAULT_RULES.blocks.items()]


def _address_lines(address: str) -> list[str]:
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) <= 2:
        return parts
    half = (len(parts) + 1) // 2
    return [", ".join(parts[:half]) + ",", ", ".join(parts[half:])]


def svg(code: str) -> str:
    """The poster of a campaign code (the code must be a valid one: the caller checked it)."""
    s = site()
    path, modules = qr_path(campaigns.link(code))
    weekdays = "Senin\u2013Jumat"
    return _template().render(
        program=s["program"], program_long="Klinik Konsultasi Koperasi & UKM", office_short=s["office_short"],
        office=s["office"], address=_address_lines(s["address"]) + [f"WhatsApp {s['contact_whatsapp']}"],
        pitch=["Konsultasi bersama para ahli untuk koperasi, UKM,", "dan Anda yang ingin memulai usaha."],
        days=weekdays, hours=hours_lines(), modes="Tatap muka di kantor atau daring lewat Zoom",
        short_link=campaigns.short_link(code), qr_path=path, qr_size=QR_SIZE, qr_scale=f"{QR_SIZE / modules:.4f}",
        qr_x=QR_X, qr_y=QR_Y,
    )


def png(code: str, dpi: int = PNG_DPI) -> bytes:
    import resvg_py

    # The SVG's size is in millimetres: the dpi turns it into pixels (A4 at 150 dpi = 1240 x 1754).
    return bytes(resvg_py.svg_to_bytes(
        svg_string=svg(code), dpi=dpi, skip_system_fonts=True, font_dirs=[FONTS],
        font_family="DejaVu Sans", sans_serif_family="DejaVu Sans", background="#ffffff",
        shape_rendering="crisp_edges", text_rendering="optimize_legibility"))
