"""The document of WhatsApp templates to register with Meta (`WHATSAPP_TEMPLATES.md`).

`python -m chalicelib.messages.templates_doc > chalicelib/templates/messages/WHATSAPP_TEMPLATES.md`;
a test fails when the file is out of date.
"""
from __future__ import annotations

from datetime import date, timedelta

from ..domain import rules
from . import catalog
from .catalog import (
    AUDIENCE_LABELS,
    BROADCAST_KINDS,
    KINDS,
    LANGUAGE,
    REPLY_KINDS,
    SESSION_BUTTONS,
    VISITOR,
    Kind,
    broadcast_sample,
    days_text,
    long_date,
)
from .render import phrase, render_whatsapp, whatsapp_body_for_meta


def whatsapp_templates_doc() -> str:
    out = [
        "# WhatsApp templates of Clean & Clear",
        "",
        "Generated from `chalicelib/templates/messages/*.wa.j2` and the catalog in",
        "`chalicelib/messages/catalog.py` (`python -m chalicelib.messages.templates_doc > chalicelib/templates/messages/WHATSAPP_TEMPLATES.md`);",
        "a test fails when this file is out of date. Register each template in WhatsApp Manager",
        "(Message templates → Create) exactly as below: the system sends the name, language `id`",
        "and the body parameters in this order. The office's name and contact number are written",
        "into the text; when they change in `static_site/site.json`, register the templates again.",
        "",
        "All are category **UTILITY** (about the visitor's own registration or the consultant's own",
        "schedule), language **Indonesian (`id`)**, a body and no header or footer. Three of them",
        "(`cc_sesi_terjadwal`, `cc_sesi_diubah`, `cc_pengingat_besok`) carry three **quick-reply",
        "buttons**: add them in WhatsApp Manager under *Buttons → Quick reply → Custom*, with exactly",
        "these texts and in this order; the system fills each button's payload when it sends (a",
        "signed id of the session and the message), so the payload is not part of the registration.",
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
        if kind.buttons:
            out += ["Buttons (quick reply, in this order):", "", "| # | type | text | what a tap does |",
                    "| --- | --- | --- | --- |"]
            effects = BUTTON_EFFECTS if kind.buttons == SESSION_BUTTONS else [OUTCOME_EFFECT] * len(kind.buttons)
            out += [f"| {i} | QUICK_REPLY | {title} | {effects[i]} |" for i, title in enumerate(kind.buttons)]
            out.append("")
    return "\n".join(out) + broadcast_templates_doc() + answers_doc()


OUTCOME_EFFECT = ("the answer is counted for the session's cohort (the first tap only) and thanked; "
                  "\"Jangan tanya lagi\": no outcome question to that number again")
BUTTON_EFFECTS = (
    "the session is confirmed by the visitor; a short thank-you",
    "asks once (\"Ya, batalkan\" / \"Tidak\"), then cancels as the status page does; the seat goes to the queue at once",
    "a list of the coming bookable days; a pick puts the registration back in the queue with its place kept",
)


def answers_doc() -> str:
    """The free-form answers: sent only within 24 hours of the visitor's own message, so they are
    not templates and are not registered; listed so the office knows every word the number says."""
    out = ["", "# Answers to a visitor's message (not registered)", "",
           "Free-form WhatsApp messages, sent only within 24 hours after the visitor's own message (a tap",
           "or a text), so Meta needs no template for them. Interactive ones carry reply buttons or a list;",
           "their ids are signed like the template buttons' payloads. The number also understands the",
           "words STATUS / LINK (the private status link, to that number only), BATAL (the same",
           "cancellation as the button), BERHENTI / MULAI; any other message gets the help answer at most",
           "once a day.", ""]
    for kind in REPLY_KINDS:
        out += [f"## `{kind.name}`", "", f"- {kind.label}", f"- Sent: {kind.when}",
                f"- Form: {ANSWER_FORMS[kind.reply]}", ""]
    return "\n".join(out)


ANSWER_FORMS = {"text": "text", "buttons": "interactive reply buttons (at most 3)",
                "list": "interactive list (one section, at most 10 days)",
                "flow": "interactive `flow` message opening the signup Flow (`flow_pendaftaran.json`) on its first screen"}


def sample_context(kind: Kind, *, online: bool = False) -> dict:
    """Everything a template of `kind` may use, with realistic sample values."""
    day = date(2026, 11, 9)
    ctx = {
        "nama": "Nurhayati" if kind.audience == VISITOR else "Siti Rahmawati",
        "kode": "KPB-7QX",
        "layanan": rules.SERVICES[rules.SERVICE_KOPERASI],
        "cara": rules.MODES[rules.MODE_DARING if online else rules.MODE_TATAP_MUKA],
        "tanggal_pilihan": days_text([day, day + timedelta(days=1)]),
        "perkiraan": "sesi dalam 2–4 hari kerja.",
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
        if kind.name == catalog.SESI_DIBATALKAN else phrase("keterangan_tanggal_baru", sesi_lama=None),
        "oleh": "kantor",
        "antre": True,
        "sesi_lama": None,
        "tautan": "https://cleanclear.example.go.id/umpan-balik.html#s=S-1A2B3C&e=1794000000&t=abc",
        "tautan_status": "https://cleanclear.example.go.id/status.html#ref=KPB-7QX&t=Qm9rYXlhbmdtYW5pc2thbg",
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
        if kind.flow_button:
            out += ["", f"Button: **FLOW**, text `{kind.flow_button}`, the published signup Flow's id "
                    "(`WHATSAPP_FLOW_ID`), `flow_action` navigate, `navigate_screen` `LAYANAN`. Meta approves",
                    "a FLOW button only with a published Flow: publish `flow_pendaftaran.json` first (README,",
                    "\"Registering inside WhatsApp\"). Each message carries its own `flow_token` (bound to the",
                    "recipient and the broadcast's campaign, 7 days)."]
        out.append("")
    return "\n".join(out)




if __name__ == "__main__":
    print(whatsapp_templates_doc())
