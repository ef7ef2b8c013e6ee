"""The team (the proposal's first stage): its consultants, their fields and modes, and the rooms.
Every write carries its audit entry. Who is on duty when is services/roster.py's.
"""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from .. import clock
from ..adapters import cognito
from ..domain import rules, validation
from ..domain.errors import InputError, NotFound
from ..domain.service_calendar import Consultant
from ..store import team as store
from ..store.unit_of_work import Cancelled, UnitOfWork

if TYPE_CHECKING:
    from ..store.models import ConsultantRecord, RoomRecord

ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _now_iso() -> str:
    return rules.to_utc_iso(clock.now())


def _new_id(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(6))


def _choices(payload: dict, field: str, allowed: dict | set, errors: validation.Errors, message: str) -> list[str]:
    raw = payload.get(field)
    if not isinstance(raw, list) or not raw:
        errors.add(field, message)
        return []
    out: list[str] = []
    for value in raw:
        if not isinstance(value, str) or value not in allowed:
            errors.add(field, "Ada pilihan yang tidak dikenal.")
            return []
        if value not in out:
            out.append(value)
    return out


# --- consultants -------------------------------------------------------------------------

def consultant_view(c: ConsultantRecord) -> dict:
    return {
        "id": c.consultant_id,
        "name": c.name,
        "whatsapp": c.phone,
        "email": c.email,
        "services": list(c.services),
        "topics": list(c.topics),
        "modes": list(c.modes),
        "active": bool(c.active),
        "staff_email": c.staff_email,
        "zoom_user": c.zoom_user,
    }


def _clean_consultant(payload: dict) -> dict:
    errors = validation.Errors()
    name = validation.text_field(payload, errors, "name", 3, 100, required=True, what="Nama")
    phone = None
    if payload.get("whatsapp"):
        phone, msg = validation.normalize_phone(payload.get("whatsapp"))
        if msg:
            errors.add("whatsapp", msg)
    email, msg = validation.normalize_email(payload.get("email"))
    if msg:
        errors.add("email", msg)
    staff_email, msg = validation.normalize_email(payload.get("staff_email"), account=True)
    if msg:
        errors.add("staff_email", msg)
    # Their user in the office's Zoom account: they host (start, admit) their online sessions.
    zoom_user, msg = validation.normalize_email(payload.get("zoom_user"), account=True)
    if msg:
        errors.add("zoom_user", msg)
    services = _choices(payload, "services", rules.SERVICES, errors, "Pilih minimal satu layanan.")
    topics = _choices(payload, "topics", rules.TOPICS, errors, "Pilih minimal satu topik keahlian.")
    modes = _choices(payload, "modes", rules.MODES, errors, "Pilih tatap muka, daring, atau keduanya.")
    active = payload.get("active", True)
    if not isinstance(active, bool):
        errors.add("active", "Harus ya atau tidak.")
    if errors:
        raise InputError(errors)
    return {
        "name": name, "phone": phone, "email": email, "staff_email": staff_email and staff_email.lower(),
        "zoom_user": zoom_user and zoom_user.lower(),
        "services": services, "topics": topics, "modes": modes, "active": active,
    }


def list_consultants() -> list:
    return sorted(store.consultants(), key=lambda c: (not c.active, c.name.casefold()))


def get_consultant(consultant_id: str):
    record = store.consultant(consultant_id)
    if record is None:
        raise NotFound({"_form": "Konsultan tidak ditemukan."})
    return record


def create_consultant(actor: str, payload: dict, consultant_id: str | None = None):
    data = _clean_consultant(payload)
    record = store.build_consultant(consultant_id or _new_id("K"), updated_at=_now_iso(), **data)
    uow = UnitOfWork(actor, "konsultan.tambah", record.consultant_id, {"name": data["name"]})
    store.put_consultant(uow, record, new=True)
    uow.commit()
    return record


def update_consultant(actor: str, consultant_id: str, payload: dict):
    before = get_consultant(consultant_id)
    data = _clean_consultant(payload)
    record = store.build_consultant(consultant_id, updated_at=_now_iso(), **data)
    changed = sorted(k for k, v in data.items() if getattr(before, k) != v)
    uow = UnitOfWork(actor, "konsultan.ubah", consultant_id, {"fields": changed})
    store.put_consultant(uow, record, new=False)
    uow.commit()
    if bool(before.active) != bool(record.active) or (not record.active and before.staff_email != record.staff_email):
        # Deactivated: their staff account is disabled and signed out everywhere (reactivated: enabled).
        cognito.set_enabled(record.staff_email or before.staff_email, bool(record.active))
    return record


def is_deactivated(consultant_id: str) -> bool:
    """For the authorizer: a token of a consultant deactivated on the team page opens nothing."""
    record = store.consultant(consultant_id)
    return record is not None and not record.active


def consultant_for_staff(email: str):
    """The consultant linked to a staff account (by the account's e-mail)."""
    email = (email or "").lower()
    return next((c for c in store.consultants() if c.staff_email == email), None)


# --- rooms -------------------------------------------------------------------------------

def room_view(r: RoomRecord) -> dict:
    return {"id": r.room_id, "name": r.name, "active": bool(r.active)}


def _clean_room(payload: dict) -> dict:
    errors = validation.Errors()
    name = validation.text_field(payload, errors, "name", 2, 60, required=True, what="Nama ruang")
    active = payload.get("active", True)
    if not isinstance(active, bool):
        errors.add("active", "Harus ya atau tidak.")
    if errors:
        raise InputError(errors)
    return {"name": name, "active": active}


def list_rooms() -> list:
    return sorted(store.rooms(), key=lambda r: r.room_id)


def create_room(actor: str, payload: dict, room_id: str | None = None):
    data = _clean_room(payload)
    record = store.build_room(room_id or _new_id("R"), updated_at=_now_iso(), **data)
    uow = UnitOfWork(actor, "ruang.tambah", record.room_id, data)
    store.put_room(uow, record, new=True)
    uow.commit()
    return record


def update_room(actor: str, room_id: str, payload: dict):
    data = _clean_room(payload)
    record = store.build_room(room_id, updated_at=_now_iso(), **data)
    uow = UnitOfWork(actor, "ruang.ubah", room_id, data)
    store.put_room(uow, record, new=False)
    try:
        uow.commit()
    except Cancelled:
        raise NotFound({"_form": "Ruang tidak ditemukan."}) from None
    return record


def to_calendar_consultant(c: ConsultantRecord) -> Consultant:
    return Consultant(c.consultant_id, c.name, frozenset(c.services), frozenset(c.topics), frozenset(c.modes), bool(c.active))
