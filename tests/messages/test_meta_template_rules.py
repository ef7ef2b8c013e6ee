"""Every template in WHATSAPP_TEMPLATES.md (what the office submits to Meta) passes Meta's
documented rules for message templates, read from the document itself as a reviewer would: the
body's length, its variables numbered in order, never at the start or the end, never two with
nothing but spaces or line breaks between them (Meta refuses the template when it is submitted),
and the quick-reply buttons' text."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "chalicelib" / "templates" / "messages" / "WHATSAPP_TEMPLATES.md"
VARIABLE = re.compile(r"\{\{(\d+)\}\}")
BODY_MAX, BUTTON_TEXT_MAX, BUTTONS_MAX, NAME_MAX = 1024, 25, 10, 512


def meta_problems(name: str, body: str, buttons: list[str]) -> list[str]:
    """What Meta would refuse in this template (empty: nothing)."""
    problems = []
    if not re.fullmatch(r"[a-z0-9_]+", name) or len(name) > NAME_MAX:
        problems.append("name: lowercase letters, digits and underscores only")
    if len(body) > BODY_MAX:
        problems.append(f"body longer than {BODY_MAX} characters")
    if re.search(r"\{\{(?!\d+\}\})|(?<!\{\{\d)(?<!\{\{\d\d)\}\}", body):
        problems.append("a variable not written as {{n}}")
    numbers = [int(n) for n in VARIABLE.findall(body)]
    if sorted(set(numbers)) != list(range(1, len(set(numbers)) + 1)):
        problems.append("variables are not numbered 1, 2, 3, ... without gaps")
    if list(dict.fromkeys(numbers)) != sorted(set(numbers)):
        problems.append("variables do not first appear in order")
    stripped = body.strip()
    if VARIABLE.match(stripped):
        problems.append("the body starts with a variable")
    if re.search(r"\{\{\d+\}\}[.!?]?$", stripped):
        problems.append("the body ends with a variable")
    if re.search(r"\{\{\d+\}\}\s*\{\{\d+\}\}", body):
        problems.append("two variables with nothing but spaces or line breaks between them")
    if len(buttons) > BUTTONS_MAX:
        problems.append(f"more than {BUTTONS_MAX} buttons")
    problems += [f"button text longer than {BUTTON_TEXT_MAX}: {b!r}" for b in buttons if len(b) > BUTTON_TEXT_MAX]
    return problems


def templates() -> list[tuple[str, str, list[str]]]:
    """(name, body, quick-reply button texts) of each template section of the document."""
    out = []
    for section in re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        name = re.match(r"`([^`]+)`", section)
        body = re.search(r"^Body:\s*\n+```\n(.*?)\n```", section, flags=re.M | re.S)
        if not name or not body:
            continue
        buttons = re.findall(r"^\| \d+ \| QUICK_REPLY \| ([^|]+?) \|", section, flags=re.M)
        out.append((name.group(1), body.group(1), buttons))
    return out


def test_the_document_lists_templates_with_bodies():
    found = {name for name, _, _ in templates()}
    assert {"cc_pendaftaran_diterima", "cc_sesi_terjadwal", "cc_pengingat_besok"} <= found


@pytest.mark.parametrize("name,body,buttons", templates(), ids=lambda v: v if isinstance(v, str) and v.startswith("cc_") else "")
def test_every_template_passes_metas_rules(name, body, buttons):
    assert meta_problems(name, body, buttons) == []


@pytest.mark.parametrize("body,problem", [
    ("Halo {{1}}, tanggal: {{2}}\n{{3}}\n\nTerima kasih.", "two variables"),
    ("Halo {{1}} {{2}}, terima kasih.", "two variables"),
    ("{{1}}, pendaftaran diterima.", "starts with"),
    ("Pendaftaran {{1}} diterima: {{2}}.", "ends with"),
    ("Halo {{2}}, kode {{1}}.  Terima kasih.", "in order"),
    ("Halo {{1}}, kode {{3}}. Terima kasih.", "without gaps"),
    ("Halo {{nama}}, terima kasih.", "not written as"),
    ("x" * 1025, "longer than 1024"),
])
def test_the_check_finds_what_meta_refuses(body, problem):
    assert any(problem in p for p in meta_problems("cc_contoh", body, []))


def test_the_check_finds_a_button_meta_refuses():
    assert meta_problems("cc_contoh", "Halo {{1}}, terima kasih.", ["Minta jadwal yang lain saja"])
    assert meta_problems("cc_contoh", "Halo {{1}}, terima kasih.", ["Ya"] * 11)
    assert meta_problems("cc-contoh", "Halo {{1}}, terima kasih.", []) and not meta_problems("cc_contoh", "Halo {{1}}, ya.", ["Ya"])
