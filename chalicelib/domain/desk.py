"""The walk-in desk's rules (services/desk.py): what the desk asks, in which order it offers the
free seats, and how its answers read. Pure: no clock, no I/O.

The desk asks less than the web form and asks it faster: the service and the one detail the
service needs come as one choice ("Koperasi aktif", "UKM kuliner"), the kecamatan may be typed
in any case, the problem may be told to the consultant in person, and consent is asked aloud
(the desk records that it was, and by whom). Everything else is checked by the same field rules
as the public form (validation.validate_registration), with the same messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import rules, validation
from .service_calendar import Slot

# The desk's one choice of service: key -> (service, the detail field, its value, label).
CHOICES: dict[str, tuple[str, str, str, str]] = {
    **{f"{rules.SERVICE_KOPERASI}:{k}": (rules.SERVICE_KOPERASI, "coop_status", k, label)
       for k, label in (("aktif", "Koperasi aktif"), ("tidak_aktif", "Koperasi tidak aktif"),
                        ("belum_berdiri", "Calon koperasi"))},
    **{f"{rules.SERVICE_UKM}:{k}": (rules.SERVICE_UKM, "business_sector", k, "UKM " + short)
       for k, short in (("kuliner", "kuliner"), ("fesyen", "fesyen"), ("kriya", "kriya"), ("pertanian", "pertanian"),
                        ("perdagangan", "perdagangan"), ("jasa", "jasa"), ("industri", "industri"),
                        ("digital", "digital"), ("lainnya", "lainnya"))},
}
# Told in person: what the record keeps when the desk leaves "Uraian masalah" empty.
TOLD_IN_PERSON = "Disampaikan langsung kepada konsultan (datang ke kantor)."
CHOICE_MESSAGE = "Pilih layanan: koperasi (dengan statusnya) atau UKM (dengan sektornya)."
CONSENT_MESSAGE = ("Bacakan persetujuan pemrosesan data kepada pengunjung, lalu centang bila ia setuju. "
                   "Tanpa persetujuan kami tidak dapat mendaftarkannya.")
# Fields of the web form whose messages the desk shows on its one choice.
_CHOICE_FIELDS = ("service", "coop_status", "business_sector")
_KEPT = ("name", "whatsapp", "email", "kecamatan", "desa", "org_name", "nib", "topics", "description", "days")


def choice_of(service: str | None, coop_status: str | None, business_sector: str | None) -> str | None:
    """The desk's choice for an earlier registration's fields (to fill the form again)."""
    detail = coop_status if service == rules.SERVICE_KOPERASI else business_sector
    key = f"{service}:{detail}"
    return key if key in CHOICES else None


def kecamatan_named(text: object) -> object:
    """The kecamatan whose name this is, whatever its case and spaces (typed at the desk)."""
    if not isinstance(text, str):
        return text
    wanted = " ".join(text.split()).casefold()
    return next((k for k in rules.kecamatan_list() if k.casefold() == wanted), text)


def form_payload(payload: dict) -> dict:
    """The desk's answers as the web form's fields (always face to face: a walk-in who wants
    Zoom registers online like anyone else)."""
    out = {k: payload.get(k) for k in _KEPT}
    choice = CHOICES.get(payload.get("choice")) if isinstance(payload.get("choice"), str) else None
    if choice:
        service, field, value, _ = choice
        out.update({"service": service, field: value})
    out["kecamatan"] = kecamatan_named(payload.get("kecamatan"))
    description = payload.get("description")
    out["description"] = description if isinstance(description, str) and description.strip() else TOLD_IN_PERSON
    out["mode"] = rules.MODE_TATAP_MUKA
    out["consent"] = payload.get("consent") is True
    return out


def validate(payload: object, *, today: date, closed: set[date], seat_day: date | None):
    """(RegistrationInput or None, errors) for a walk-in. `seat_day`: the day of the seat the
    desk books (the visitor's days are then that day); None: the visitor joins the queue with
    the days they can come (the web form's rules)."""
    if not isinstance(payload, dict):
        errors = validation.Errors()
        errors.add("_form", "Data formulir tidak valid.")
        return None, errors
    data, errors = validation.validate_registration(form_payload(payload), today=today, closed=closed,
                                                    fixed_days=(seat_day,) if seat_day else None)
    if errors:
        desk_errors = validation.Errors()
        for name, message in errors.items():
            if name in _CHOICE_FIELDS:
                desk_errors.add("choice", CHOICE_MESSAGE)
            elif name == "consent":
                desk_errors.add("consent", CONSENT_MESSAGE)
            else:
                desk_errors.add(name, message)
        return None, desk_errors
    return data, errors


@dataclass(frozen=True)
class SeatChoice:
    slot: Slot
    fits: bool  # the consultant knows one of the visitor's topics


def order_seats(slots: list[Slot], service: str | None, topics, consultant_topics: dict[str, set], now: datetime,
                ) -> list[SeatChoice]:
    """The face-to-face seats of `service` (None: any) with a room, starting after `now`;
    consultants whose topics fit first, then each consultant's seats in time order; among
    consultants that fit equally, the one free soonest first. The first is the one the desk offers."""
    wanted = set(topics or ())
    usable = [s for s in slots if service in (None, s.service) and rules.MODE_TATAP_MUKA in s.modes and s.room_id
              and s.start > now]
    fits = {c: bool(wanted & set(t)) for c, t in consultant_topics.items()}
    first_free: dict[str, datetime] = {}
    for s in usable:
        first_free[s.consultant_id] = min(first_free.get(s.consultant_id, s.start), s.start)
    usable.sort(key=lambda s: (not fits.get(s.consultant_id, False), first_free[s.consultant_id], s.consultant_id,
                               s.start, s.room_id))
    return [SeatChoice(s, fits.get(s.consultant_id, False)) for s in usable]


def seat_days(today: date, closed: set[date], rules_: rules.ServiceRules = rules.DEFAULT_RULES) -> tuple[date, date]:
    """(today, the next working day): the days the desk offers seats on."""
    day = today + timedelta(days=1)
    while day.weekday() not in rules_.workdays or day in closed:
        day += timedelta(days=1)
    return today, day


def seat_words(time_wib: str, consultant: str, room: str | None, day_label: str) -> str:
    """"10.30 · Siti Rahmawati · Ruang Klinik 1" (with the day when it is not today)."""
    parts = [time_wib if not day_label else f"{day_label} {time_wib}", consultant]
    if room:
        parts.append(room)
    return " · ".join(parts)


def taken_message(next_seat: str | None, *, passed: bool = False) -> str:
    """The loser of a seat is told, and shown the next one (`passed`: its time had come)."""
    first = "Jam kursi itu sudah lewat" if passed else "Kursi itu sudah terisi"
    if next_seat:
        return f"{first}. Kursi berikutnya: {next_seat}."
    return f"{first}, dan tidak ada kursi lain yang kosong. Masukkan pengunjung ke antrean."
