"""Every WhatsApp message the system sends, rendered through the real flows with long real names,
stays within Meta's documented limits (WhatsApp Cloud API reference: template and interactive
objects): template body 1024; interactive body 1024, header and footer 60, at most 3 reply buttons
of 20, a list button of 20, section titles of 24, at most 10 rows of 24 + 72; text 4096. Nothing is
cut to fit either ("…" would show it)."""
from __future__ import annotations

import json
import re

from chalicelib.services import allocation, team
from chalicelib.store.models import Registration
from tests.services.test_whatsapp_replies import (PHONE, answers, booked_and_confirmed, clinic, graph, post,  # noqa: F401
                                                  tap_button, tap_reply)
from tests.support.clinic import ADMIN, register
from tests.support.messages import webhook_text

# A long real name that ends in a title: no sentence may end it with a second full stop ("S.Pd..").
LONG_NAME = "Raden Ajeng Siti Nurhaliza Kusumawardhani Prawirodirdjo Hadiningrat Soerjosoemarno, S.Pd."  # 91
DOUBLE_STOP = re.compile(r"[^.]\.\.(?!\.)")
LONG_ORG = "Koperasi Simpan Pinjam Syariah Karya Mandiri Sejahtera Bersama Desa Sukamakmur Kecamatan Sukamakmur"


def check(message: dict) -> list[str]:
    """What in one message to Meta breaks a documented limit (or was cut to fit)."""
    bad = []

    def at_most(what: str, value: str | None, limit: int) -> None:
        if value is not None and (len(value) > limit or "\u2026" in value):
            bad.append(f"{what} ({len(value)} > {limit}): {value[:40]}")
        if value is not None and DOUBLE_STOP.search(value):
            bad.append(f"{what} ends a sentence twice: {DOUBLE_STOP.search(value).group()}")

    if message["type"] == "template":
        for c in message["template"]["components"]:
            for p in c.get("parameters", []):
                at_most("template parameter", p.get("text"), 1024)
                at_most("button payload", p.get("payload"), 1000)
    elif message["type"] == "text":
        at_most("text", message["text"]["body"], 4096)
    else:
        i = message["interactive"]
        at_most("body", i["body"]["text"], 1024)
        at_most("header", (i.get("header") or {}).get("text"), 60)
        at_most("footer", (i.get("footer") or {}).get("text"), 60)
        action = i["action"]
        if "buttons" in action:
            if len(action["buttons"]) > 3:
                bad.append("more than 3 buttons")
            for b in action["buttons"]:
                at_most("button title", b["reply"]["title"], 20)
                at_most("button id", b["reply"]["id"], 256)
        else:
            at_most("list button", action["button"], 20)
            if sum(len(s["rows"]) for s in action["sections"]) > 10:
                bad.append("more than 10 rows")
            for s in action["sections"]:
                at_most("section title", s.get("title"), 24)
                for r in s["rows"]:
                    at_most("row title", r["title"], 24)
                    at_most("row description", r.get("description"), 72)
                    at_most("row id", r["id"], 200)
    return bad


def test_every_message_of_every_flow_fits_metas_limits(client, clinic, graph):
    team.update_consultant(ADMIN, "K-SITI", {"name": "Dr. Hj. Siti Rahmawati Kusumaningrum, S.E., M.Si., Ak., CA",
                                             "services": ["koperasi"], "topics": ["tata_kelola_rat"],
                                             "modes": ["tatap_muka", "daring"], "staff_email": "siti@demo.local"})
    team.update_room(ADMIN, "R-1", {"name": "Ruang Klinik Konsultasi Koperasi dan UKM Lantai 2 Gedung B"})
    reg, session, confirmation = booked_and_confirmed(client, graph, name=LONG_NAME)
    Registration.get(reg["ref"]).update(actions=[Registration.org_name.set(LONG_ORG)])
    tap_button(client, confirmation, "Saya hadir")
    tap_button(client, confirmation, "Batalkan")
    tap_reply(client, answers(graph, "interactive")[-1], "Tidak")
    tap_button(client, confirmation, "Minta jadwal lain")
    listing = answers(graph, "interactive")[-1]
    tap_reply(client, listing, listing["interactive"]["action"]["sections"][0]["rows"][0]["title"])
    post(client, webhook_text(PHONE, "STATUS"))
    register(client, name=LONG_NAME, topics=["simpan_pinjam"])
    register(client, name=LONG_NAME, topics=["keuangan"])
    post(client, webhook_text(PHONE, "BATAL"))  # three registrations: which one?
    post(client, webhook_text(PHONE, "apakah buka hari sabtu?"))
    post(client, webhook_text(PHONE, "BERHENTI"))
    post(client, webhook_text(PHONE, "MULAI"))
    tap_button(client, confirmation, "Saya hadir")  # the session was given up: what is true now
    allocation.run()
    kinds = {m["type"] for m in graph} | {m["interactive"]["type"] for m in graph if m["type"] == "interactive"}
    assert {"template", "text", "button", "list"} <= kinds, kinds
    problems = {json.dumps(m)[:120]: check(m) for m in graph if check(m)}
    assert problems == {}


def test_the_check_finds_what_meta_would_refuse():
    too_long = {"type": "interactive", "interactive": {"type": "list", "body": {"text": "x"}, "action": {
        "button": "Pilih tanggal", "sections": [{"title": "Tanggal yang bisa dipilih", "rows": [
            {"id": "r", "title": "Senin, 14 Des", "description": "ok"}] * 11}]}}}
    assert check(too_long) == ["more than 10 rows", "section title (25 > 24): Tanggal yang bisa dipilih"]
    assert check({"type": "text", "text": {"body": "dipotong\u2026"}}) != []
