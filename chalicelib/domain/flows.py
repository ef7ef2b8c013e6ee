"""The signup Flow inside WhatsApp (WhatsApp Flows): its Flow JSON, the data its screens are
given, and Meta's documented limits. Pure (no I/O): the endpoint (services/flows.py) passes the
days, seats and estimates it read.

Built from the same facts as the web form (domain/rules.py: services, modes, topics, the 40
kecamatan, the cooperative statuses and business sectors, the sources; the consent sentence of
domain/validation.py), so the two cannot drift. The Flow JSON kept in the repo
(`templates/messages/flow_pendaftaran.json`, uploaded to Meta) is `flow_json()` written out; a test
checks it is current and within Meta's limits (`limit_problems`).

Screens (Flow JSON 7.3, data API 3.0; `routing_model` below):

    LAYANAN      service and mode (static: the Flow opens without a call to the endpoint)
      -> data_exchange: the bookable days with a seat for that choice, and its topics
    HARI         the days (at most 5) and topics (at most 4)
      -> data_exchange: the estimate the web page would show for those days
    DATA_DIRI    name, kecamatan, desa, e-mail (the WhatsApp number is the chat's own)
      -> navigate
    USAHA        the cooperative or business, what it needs, the question
      -> navigate
    PERSETUJUAN  the consent (a required opt-in)
      -> data_exchange: the registration is stored (services/registrations.py, as the web form)
    SELESAI      the reference; "Selesai" completes the Flow (the chat gets an `nfm_reply`)
"""
from __future__ import annotations

from datetime import date

from . import rules

FLOW_JSON_VERSION = "7.3"  # Meta's recommended version for publishing (Flows changelog, 2025-09)
DATA_API_VERSION = "3.0"
MESSAGE_VERSION = "3"  # the `flow` interactive message's flow_message_version
FIRST_SCREEN = "LAYANAN"
SCREENS = ("LAYANAN", "HARI", "DATA_DIRI", "USAHA", "PERSETUJUAN", "SELESAI")
ROUTING = {"LAYANAN": ["HARI"], "HARI": ["DATA_DIRI"], "DATA_DIRI": ["USAHA"], "USAHA": ["PERSETUJUAN"],
           "PERSETUJUAN": ["SELESAI"], "SELESAI": []}
OFFERED_DAYS = 15  # as many days as the signup page offers
CTA = "Daftar konsultasi"  # the button that opens the Flow (at most 20 characters)
DESCRIPTION_MAX = 600  # TextArea's documented default max-length (the web form takes 1000)

# Meta's documented limits (WhatsApp Flows reference, "Components": "Limits and restrictions").
LIMITS = {
    "components_per_screen": 50,
    "TextHeading": 80, "TextSubheading": 80, "TextBody": 4096, "TextCaption": 409,
    "label": 20,  # TextInput / TextArea / Dropdown label
    "helper-text": 80,
    "option_title": 30, "option_description": 300,
    "Dropdown_options": 200, "CheckboxGroup_options": 20, "RadioButtonsGroup_options": 20,
    "OptIn_label": 120, "OptIn_per_screen": 5,
    "Footer_label": 35, "Footer_per_screen": 1,
    "EmbeddedLink_text": 25, "EmbeddedLink_per_screen": 2,
    "flow_cta": 20,
}

CONSENT_LABEL = "Saya setuju data saya diproses untuk menjadwalkan dan menindaklanjuti konsultasi ini."
CONSENT_TEXT = ("Data Anda dipakai untuk menjadwalkan dan menindaklanjuti konsultasi ini, sesuai pemberitahuan "
                "privasi (UU No. 27 Tahun 2022). Nomor WhatsApp yang dipakai adalah nomor chat ini.")
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

# What each screen carries forward to the next (navigate payloads; the endpoint answers with them).
CARRY_HARI = ("service", "mode")
CARRY_DATA_DIRI = CARRY_HARI + ("days", "topics", "org_label", "org_choice_label", "org_options", "is_ukm")
CARRY_USAHA = CARRY_DATA_DIRI + ("name", "kecamatan", "desa", "email")
FORM_FIELDS = ("service", "mode", "days", "topics", "name", "kecamatan", "desa", "email", "org_name",
               "org_choice", "nib", "description", "source")
ARRAYS = ("days", "topics")


def message_parameters(token: str, flow_id: str) -> dict:
    """The `flow` interactive message's action parameters (Cloud API, "Send a Flow"): it opens on
    the first screen without a call to the endpoint."""
    return {"flow_message_version": MESSAGE_VERSION, "flow_token": token, "flow_id": flow_id,
            "flow_cta": CTA[:LIMITS["flow_cta"]], "flow_action": "navigate",
            "flow_action_payload": {"screen": FIRST_SCREEN}}


def options(mapping: dict[str, str]) -> list[dict]:
    return [{"id": key, "title": title[:LIMITS["option_title"]]} for key, title in mapping.items()]


def day_title(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {SHORT_MONTHS[day.month - 1]} {day.year}"


def day_options(offer: list[tuple[date, int, int]]) -> list[dict]:
    """The HARI screen's days: (day, seats on the roster, free seats) for the visitor's choice; a
    day with no consultant for it is not offered (the web page greys it out)."""
    out = []
    for day, seats, free in offer[:OFFERED_DAYS]:
        if seats <= 0:
            continue
        note = f"{free} kursi kosong" if free > 0 else "Penuh: Anda masuk antrean hari itu"
        out.append({"id": day.isoformat(), "title": day_title(day), "description": note})
    return out[:LIMITS["CheckboxGroup_options"]]


def organisation(service: str) -> dict:
    """The USAHA screen's words and choices for the service."""
    if service == rules.SERVICE_KOPERASI:
        return {"org_label": "Nama koperasi", "org_choice_label": "Status koperasi",
                "org_options": options(rules.COOPERATIVE_STATUSES), "is_ukm": False}
    return {"org_label": "Nama usaha", "org_choice_label": "Sektor usaha",
            "org_options": options(rules.BUSINESS_SECTORS), "is_ukm": True}


def hari_data(service: str, mode: str, offer: list[tuple[date, int, int]]) -> dict:
    return {"service": service, "mode": mode, "days": day_options(offer),
            "topics": options(rules.topics_for(service)),
            "choice": f"{rules.SERVICES[service]} · {rules.MODES[mode]}"[:LIMITS["TextBody"]]}


def registration_payload(form: dict, phone: str, campaign: str | None) -> dict:
    """The web form's payload from the Flow's answers: one set of rules validates both
    (validation.validate_registration). The number is the chat's; consent is the opt-in."""
    service = form.get("service")
    choice = form.get("org_choice")
    return {
        "name": form.get("name"), "whatsapp": phone, "email": form.get("email") or None,
        "kecamatan": form.get("kecamatan"), "desa": form.get("desa") or None, "service": service,
        "org_name": form.get("org_name"),
        "coop_status": choice if service == rules.SERVICE_KOPERASI else None,
        "business_sector": choice if service == rules.SERVICE_UKM else None,
        "nib": form.get("nib") or None, "topics": form.get("topics"), "description": form.get("description"),
        "mode": form.get("mode"), "days": form.get("days"), "source": form.get("source") or None,
        "campaign": campaign, "consent": form.get("consent") is True or form.get("consent") == "true",
    }


# Where each web-form field is asked in the Flow, and its label there (for an error sent back).
FIELD_SCREENS = {
    "service": ("LAYANAN", "Layanan"), "mode": ("LAYANAN", "Cara konsultasi"),
    "days": ("HARI", "Tanggal"), "topics": ("HARI", "Topik"),
    "name": ("DATA_DIRI", "Nama"), "kecamatan": ("DATA_DIRI", "Kecamatan"), "desa": ("DATA_DIRI", "Desa"),
    "email": ("DATA_DIRI", "E-mail"), "whatsapp": ("DATA_DIRI", "Nomor WhatsApp"),
    "org_name": ("USAHA", "Nama"), "coop_status": ("USAHA", "Status koperasi"),
    "business_sector": ("USAHA", "Sektor usaha"), "nib": ("USAHA", "NIB"), "description": ("USAHA", "Uraian"),
    "source": ("USAHA", "Sumber info"), "consent": ("PERSETUJUAN", "Persetujuan"),
}
BACK_HINT = {"LAYANAN": "halaman pertama", "HARI": "halaman tanggal", "DATA_DIRI": "halaman data diri",
             "USAHA": "halaman usaha", "PERSETUJUAN": "halaman ini"}


def error_text(errors: dict) -> str:
    """One short message for the screen from the use case's field errors: the first field in the
    Flow's order, its message, and where to go back to correct it."""
    ordered = sorted(errors, key=lambda f: list(FIELD_SCREENS).index(f) if f in FIELD_SCREENS else 99)
    field = ordered[0]
    screen, label = FIELD_SCREENS.get(field, ("PERSETUJUAN", ""))
    where = "" if screen == "PERSETUJUAN" else f" Tekan kembali ke {BACK_HINT[screen]} untuk memperbaikinya."
    prefix = f"{label}: " if label else ""
    return (prefix + str(errors[field]) + where)[:LIMITS["TextCaption"]]
