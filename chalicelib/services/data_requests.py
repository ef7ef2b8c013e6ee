"""Data-protection requests seen from the office (UU PDP): the requests of a period (downloads and
deletions, by visitors from their private link or by staff for them), and acting for a visitor
who lost their link. Staff first check the registration's code and WhatsApp number with the
visitor; then the same rules apply as to the visitor's own request (the same download, the same
deletion), and the audit trail says who acted."""
from __future__ import annotations

from datetime import date, timedelta

from ..domain import audit_text, rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.references import format_reference, normalize_reference
from ..store import audit as audit_store
from ..store import registrations as registrations_store
from . import privacy

LABELS = {privacy.DOWNLOAD: "Unduh data", privacy.DELETE: "Hapus data"}
MAX_DAYS = 31
NO_MATCH = "Kode pendaftaran dan nomor WhatsApp itu tidak cocok dengan satu pendaftaran pun. Periksa lagi bersama pengunjung."


def requests_between(start: date, end: date) -> dict:
    """Every data-rights request from `start` to `end` (WIB days, at most MAX_DAYS), newest first."""
    if end < start:
        raise InputError({"to": "Tanggal akhir sebelum tanggal awal."})
    if (end - start).days >= MAX_DAYS:
        raise InputError({"to": f"Rentang paling lama {MAX_DAYS} hari."})
    items = []
    day = end
    while day >= start:
        for entry in audit_store.list_day(day.isoformat()):
            if entry["action"] in LABELS:
                by_visitor = entry["actor"] == privacy.BY_VISITOR
                items.append({"at": entry["at"], "when": audit_text.when(entry["at"]), "action": entry["action"],
                              "label": LABELS[entry["action"]], "reference": format_reference(entry["target"]),
                              "by": "Pengunjung (tautan pribadi)" if by_visitor else f"Petugas {entry['actor']}",
                              "format": (entry["details"] or {}).get("format")})
        day -= timedelta(days=1)
    return {"from": start.isoformat(), "to": end.isoformat(), "items": items,
            "counts": {label: sum(1 for i in items if i["label"] == label) for label in LABELS.values()}}


def _checked(payload: object):
    """The registration whose code and WhatsApp number the visitor gave, or a 404 that says
    only that they do not match (never which one is wrong)."""
    data = payload if isinstance(payload, dict) else {}
    errors = validation.Errors()
    reference = normalize_reference(data.get("reference")) if isinstance(data.get("reference"), str) else None
    if reference is None:
        errors.add("reference", "Isi kode pendaftaran, mis. KPB-7QX.")
    phone, problem = validation.normalize_phone(data.get("whatsapp"))
    if problem:
        errors.add("whatsapp", problem)
    if errors:
        raise InputError(errors)
    registration = registrations_store.get(reference, consistent=True)
    if registration is None or registration.phone != phone:
        raise NotFound({"_form": NO_MATCH})
    if rules.anonymised(registration.name, registration.phone):
        raise Conflict({"_form": "Data pribadi pendaftaran ini sudah dihapus."})
    return registration


def download_for(actor: str, payload: object) -> tuple[str, str]:
    """(the readable document, the reference) for a visitor who asked the office."""
    registration = _checked(payload)
    return privacy.download(registration, html=True, actor=actor), registration.reference


def delete_for(actor: str, payload: object) -> dict:
    """The visitor's deletion, done by staff at their request (the same confirmation asked)."""
    registration = _checked(payload)
    data = payload if isinstance(payload, dict) else {}
    return privacy.delete_for_visitor(registration, {"confirm": data.get("confirm")}, actor=actor)
