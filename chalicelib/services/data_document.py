"""The visitor's "Unduh data saya" as a readable document (HTML that prints well), made from the
same export as the JSON file (services/privacy.export). Times in WIB, codes as words."""
from __future__ import annotations

from datetime import date

from ..domain import rules, skm, validation
from ..domain.message_status import STATUS_LABELS as MESSAGE_STATUSES
from ..domain.references import format_reference
from ..messages.catalog import BY_NAME, CHANNEL_LABELS, long_date
from ..messages.render import documents, site

FIELD_LABELS = (("reference", "Kode pendaftaran"), ("status_label", "Status"), ("created_at", "Didaftarkan"),
                ("name", "Nama"), ("phone", "Nomor WhatsApp"), ("email", "E-mail"), ("kecamatan", "Kecamatan"),
                ("desa", "Desa/kelurahan"), ("service", "Layanan"), ("org_name", "Koperasi/usaha"),
                ("coop_status", "Status koperasi"), ("business_sector", "Sektor usaha"), ("nib", "NIB"),
                ("topics", "Topik"), ("description", "Uraian masalah"), ("mode", "Cara konsultasi"),
                ("days", "Tanggal yang ditawarkan"), ("source", "Tahu dari"), ("campaign", "Kampanye"),
                ("consent_at", "Persetujuan diberikan"), ("consent_version", "Versi pemberitahuan privasi"),
                ("follow_up_of", "Lanjutan dari pendaftaran"))
LOOKUPS = {"service": rules.SERVICES, "mode": rules.MODES, "coop_status": rules.COOPERATIVE_STATUSES,
           "business_sector": rules.BUSINESS_SECTORS, "source": rules.SOURCE_LABELS}


_env = documents


def _when(iso: str | None) -> str:
    if not iso:
        return "-"
    moment = rules.parse_utc_iso(iso).astimezone(rules.WIB)
    return f"{long_date(moment.date())}, {moment:%H.%M} WIB"


def _value(name: str, value) -> str | None:
    if value in (None, "", []):
        return None
    if name in ("created_at", "consent_at"):
        return _when(value)
    if name in ("reference", "follow_up_of"):
        return format_reference(value)
    if name == "phone":
        return validation.display_phone(value)
    if name == "topics":
        return ", ".join(rules.TOPICS.get(t, t) for t in value)
    if name == "days":
        return "; ".join(long_date(date.fromisoformat(d)) for d in value)
    return str(LOOKUPS.get(name, {}).get(value, value))


def render(export: dict) -> str:
    parts = []
    for part in export["registrations"]:
        reg = part["registration"]
        fields = [(label, _value(name, reg.get(name))) for name, label in FIELD_LABELS]
        sessions = [{"waktu": _when(s["start"]), "narasumber": s["consultant"] or "-",
                     "tempat": s["room"] or rules.MODES.get(s["mode"], s["mode"]), "status": s["status_label"]}
                    for s in part["sessions"]]
        feedback = [[("Diisi", _when(f["created_at"])), ("Kepuasan (1–5)", f["satisfaction"]),
                     ("Manfaat (1–5)", f["helpfulness"]), ("Merekomendasikan (0–10)", f["recommend"]),
                     ("Saran", f["improve"] or "-"), ("Survei SKM", _skm(f.get("skm"))),
                     ("Tentang Anda (SKM)", _profile(f.get("profile")))] for f in part["feedback"]]
        notes = [[("Narasumber", n["consultant"]), ("Masalah", n["problem"] or "-"), ("Saran", n["advice"] or "-"),
                  ("Rujukan", n["referral"] or "-"), ("Diperbarui", _when(n["updated_at"]))] for n in part["notes"]]
        messages = [{"kapan": _when(m["sent_at"] or m["created_at"]), "saluran": CHANNEL_LABELS.get(m["channel"], m["channel"]),
                     "status": MESSAGE_STATUSES.get(m["status"], m["status"]), "kepada": m["to"],
                     "isi": ((m["content"] or {}).get("text") or BY_NAME[m["template"]].label
                             if m["template"] in BY_NAME else (m["content"] or {}).get("text") or m["template"])}
                    for m in part["messages"]]
        answers = [{"kapan": _when(x["received_at"]), "isi": x["text"] or "(dihapus)", "dipahami": x["understood_as"],
                    "hasil": x["outcome"]} for x in part.get("whatsapp_replies", [])]
        parts.append({"kode": format_reference(reg["reference"]), "isian": [f for f in fields if f[1] is not None],
                      "sesi": sessions, "umpan_balik": feedback, "catatan": notes, "pesan": messages,
                      "balasan": answers})
    return _env().get_template("data_saya.html.j2").render(
        program=site()["program"], kode=parts[0]["kode"] if parts else "", dibuat=_when(export["generated_at"]),
        pengendali=export["controller"], penjelasan=export["explanation"].replace("Waktu dalam UTC. ", ""), bagian=parts)


def _skm(answers: dict | None) -> str:
    """The SKM answers in the questionnaire's words (domain/skm.py)."""
    if not answers:
        return "-"
    return "; ".join(f"{name}: {choices[int(answers[key]) - 1]}" for key, name, _, choices in skm.UNSUR if key in answers)


def _profile(profile: dict | None) -> str:
    if not profile:
        return "-"
    return "; ".join(f"{label}: {choices.get(profile[key], profile[key])}" for key, (label, choices) in skm.PROFILE.items()
                     if key in profile)
