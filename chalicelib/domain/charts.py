"""Small SVG charts for documents that print (the monthly report): drawn here as text, no chart
image service and no script. Pure. Every label is escaped; colours are presentation attributes
(allowed by a CSP without inline styles)."""
from __future__ import annotations

from html import escape

INK, BAR, BAR2, GRID = "#1b1f1d", "#0b5d3b", "#b35c00", "#c9d0cc"


def _num(value: float) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\u2009").replace(".", ",")


def bars(rows: list[tuple[str, float]], *, width: int = 560, label_width: int = 200, title: str = "",
         colour: str = BAR) -> str:
    """Horizontal bars, one row per (label, value), the value written after its bar."""
    rows = rows or [("(tidak ada)", 0)]
    step, top = 22, 8
    height = top + step * len(rows) + 6
    most = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 60
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="13">']
    for n, (label, value) in enumerate(rows):
        y = top + n * step
        w = max(0.0, room * value / most)
        out.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">{escape(label[:34])}</text>')
        out.append(f'<rect x="{label_width}" y="{y + 2}" width="{w:.1f}" height="14" fill="{colour}"/>')
        out.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 13}" fill="{INK}">{_num(value)}</text>')
    out.append("</svg>")
    return "".join(out)


def columns(rows: list[tuple[str, float, float]], *, width: int = 640, height: int = 180, title: str = "",
            legend: tuple[str, str] = ("", "")) -> str:
    """Paired columns per label (e.g. attended and no-show per week), with a baseline and a legend."""
    rows = rows or [("-", 0, 0)]
    most = max((max(a, b) for _, a, b in rows), default=0) or 1
    base, top, left = height - 34, 18, 8
    slot = (width - left * 2) / len(rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">',
           f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="{GRID}"/>']
    for n, (label, a, b) in enumerate(rows):
        x = left + n * slot
        bar = min(24.0, slot / 3)
        for k, (value, colour) in enumerate(((a, BAR), (b, BAR2))):
            h = (base - top) * value / most
            bx = x + slot / 2 - bar + k * bar
            out.append(f'<rect x="{bx:.1f}" y="{base - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" fill="{colour}"/>')
            out.append(f'<text x="{bx + bar / 2:.1f}" y="{base - h - 3:.1f}" text-anchor="middle" fill="{INK}">{_num(value)}</text>')
        out.append(f'<text x="{x + slot / 2:.1f}" y="{base + 14}" text-anchor="middle" fill="{INK}">{escape(label)}</text>')
    out.append(f'<rect x="{left}" y="{height - 12}" width="10" height="10" fill="{BAR}"/>'
               f'<text x="{left + 14}" y="{height - 3}" fill="{INK}">{escape(legend[0])}</text>'
               f'<rect x="{left + 150}" y="{height - 12}" width="10" height="10" fill="{BAR2}"/>'
               f'<text x="{left + 164}" y="{height - 3}" fill="{INK}">{escape(legend[1])}</text>')
    out.append("</svg>")
    return "".join(out)
