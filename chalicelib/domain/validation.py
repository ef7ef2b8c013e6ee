"""Validation of what visitors send, with field-level messages in Bahasa Indonesia.

Pure functions: the caller passes today's date and the closed days. Every check returns a
message a visitor can act on; nothing here raises on bad input.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from . import rules
from .errors import InputError

CONSENT_VERSION = "2024-11-privasi-v1"

NAME_MIN, NAME_MAX = 3, 100
ORG_MIN, ORG_MAX = 2, 120
DESA_MAX = 80
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 1000
EMAIL_MAX = 254
NIB_RE = re.compile(r"^\d{13}$")
CAMPAIGN_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MSG_REQUIRED = "Wajib diisi."
MSG_TEXT = "Harus berupa teks."


class Errors(dict):
    """field -> first message for that field."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


# Stripped from every text: bidi overrides and isolates (they reorder what staff read), and the
# zero-width characters that only hide text (ZWJ and ZWNJ stay: emoji and scripts need them).
_HIDDEN = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing although their category says otherwise (Hangul fillers, the blank
# Braille pattern).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
MSG_UNUSABLE = "Berisi karakter yang tidak dapat dipakai. Ketik ulang isian ini."


def one_of(value: object, choices) -> bool:
    """`value` is one of `choices` (a dict's keys, a set, a tuple). A word from a JSON body may be
    a list or an object, which a dict cannot even look up: never one of them."""
    return isinstance(value, str) and value in choices


def unusable_character(text: str) -> bool:
    """An unpaired surrogate or a Unicode noncharacter: nothing a person types, and something
    that cannot be written as UTF-8 (a lone surrogate breaks every answer that contains it)."""
    for ch in text:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
            return True
    return False


def visible(text: str) -> bool:
    return any(unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LOOKING for ch in text)


def clean_text(value: object, *, multiline: bool = False) -> str | None:
    """Normalise a text field: NFC, no control or hiding characters, trimmed, inner spaces collapsed.

    Returns None when the value is not a string, or holds a character no text may hold
    (`unusable_character`; the caller reports either); "" when nothing visible is left.
    """
    if not isinstance(value, str) or unusable_character(value):
        return None
    text = unicodedata.normalize("NFC", value)
    text = _HIDDEN.sub("", _CONTROL.sub("", text))
    if multiline:
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    else:
        text = re.sub(r"\s+", " ", text)
    text = text.strip()
    return text if visible(text) else ""


def normalize_phone(raw: object) -> tuple[str | None, str | None]:
    """Indonesian WhatsApp number -> (E.164, None) or (None, message).

    Accepts 0812…, +62 812…, 62812… and 812…, with spaces, dashes, dots or brackets.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None, "Nomor WhatsApp wajib diisi."
    compact = re.sub(r"[\s\-.()/]", "", raw)
    if not re.fullmatch(r"\+?\d+", compact):
        return None, "Nomor WhatsApp hanya boleh berisi angka, misalnya 0812-3456-7890."
    if not 8 <= len(compact.lstrip("+")) <= 16:
        return None, "Jumlah angka nomor WhatsApp tidak sesuai. Contoh: 0812-3456-7890."
    if compact.startswith("+"):
        candidate = compact
    elif compact.startswith("62"):
        candidate = "+" + compact
    elif compact.startswith("0"):
        candidate = "+62" + compact[1:]
    elif compact.startswith("8"):
        candidate = "+62" + compact
    else:
        candidate = compact
    import phonenumbers  # ~55 ms to import: loaded by the routes that need it, not at cold start

    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        return None, "Nomor WhatsApp tidak dikenali. Contoh: 0812-3456-7890."
    if number.country_code != 62:
        return None, "Gunakan nomor WhatsApp Indonesia (+62), misalnya 0812-3456-7890."
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None, "Nomor ini bukan nomor ponsel Indonesia yang valid. Contoh: 0812-3456-7890."
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def display_phone(e164: str | None) -> str:
    """"+6281211112222" -> "0812-1111-2222", as people here write a number; others unchanged."""
    digits = "".join(ch for ch in e164 or "" if ch.isdigit())
    if not digits.startswith("62") or len(digits) < 10:
        return e164 or ""
    local = "0" + digits[2:]
    return "-".join(part for part in (local[:4], local[4:8], local[8:]) if part)


def normalize_email(raw: object, *, account: bool = False) -> tuple[str | None, str | None]:
    """Optional e-mail -> (normalised or None, message or None). Syntax only: no DNS.

    `account=True` is for staff sign-in identities, which may live on internal domains
    (e.g. the local demo's `@demo.local`); addresses we send mail to must be deliverable.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if not isinstance(raw, str):
        return None, MSG_TEXT
    if unusable_character(raw):
        return None, MSG_UNUSABLE
    if len(raw) > EMAIL_MAX:
        return None, "Alamat e-mail terlalu panjang."
    if account:
        # A sign-in identity as the identity provider spells it; never a mail target.
        value = raw.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            return None, "Alamat e-mail tidak valid, contoh: nama@contoh.com."
        return value, None
    from email_validator import EmailNotValidError, validate_email  # ~40 ms: loaded on first use

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None, "Alamat e-mail tidak valid, contoh: nama@contoh.com."
    return result.normalized, None


def first_bookable_day(today: date, closed: set[date], rules_: rules.ServiceRules = rules.DEFAULT_RULES) -> date:
    """The earliest day a visitor may ask for: the next working day after today (WIB)."""
    day = today + timedelta(days=1)
    while day.weekday() not in rules_.workdays or day in closed:
        day += timedelta(days=1)
    return day


def bookable_days(today: date, closed: set[date], rules_: rules.ServiceRules = rules.DEFAULT_RULES) -> list[date]:
    """Every day a visitor may offer: working days from the next one up to the horizon."""
    first = first_bookable_day(today, closed, rules_)
    last = today + timedelta(days=rules_.booking_horizon_days)
    days, day = [], first
    while day <= last:
        if day.weekday() in rules_.workdays and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


def _parse_day(value: object) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def validate_days(raw: object, today: date, closed: set[date], rules_: rules.ServiceRules = rules.DEFAULT_RULES) -> tuple[list[date], str | None]:
    if not isinstance(raw, list) or not raw:
        return [], "Pilih minimal satu tanggal yang Anda bisa datang."
    if len(raw) > rules_.max_offered_dates:
        return [], f"Pilih paling banyak {rules_.max_offered_dates} tanggal."
    days: list[date] = []
    first = first_bookable_day(today, closed, rules_)
    last = today + timedelta(days=rules_.booking_horizon_days)
    for value in raw:
        day = _parse_day(value)
        if day is None:
            return [], "Format tanggal tidak valid (harus TTTT-BB-HH)."
        if day < first:
            return [], f"Tanggal {day:%d-%m-%Y} sudah lewat atau terlalu dekat; pilih mulai {first:%d-%m-%Y}."
        if day > last:
            return [], f"Tanggal {day:%d-%m-%Y} terlalu jauh; pilih sampai {last:%d-%m-%Y}."
        if day.weekday() not in rules_.workdays:
            return [], f"Tanggal {day:%d-%m-%Y} jatuh pada akhir pekan; layanan hanya Senin–Jumat."
        if day in closed:
            return [], f"Tanggal {day:%d-%m-%Y} adalah hari libur atau kantor tutup."
        if day in days:
            return [], "Ada tanggal yang dipilih dua kali."
        days.append(day)
    return days, None


@dataclass(frozen=True)
class RegistrationInput:
    name: str
    phone: str
    email: str | None
    kecamatan: str
    desa: str | None
    service: str
    org_name: str
    coop_status: str | None
    business_sector: str | None
    nib: str | None
    topics: tuple[str, ...]
    description: str
    mode: str
    days: tuple[date, ...]
    source: str
    campaign: str | None


def text_field(payload: dict, errors: Errors, field: str, lo: int, hi: int, *, required: bool, what: str, multiline: bool = False) -> str | None:
    raw = payload.get(field)
    if isinstance(raw, str) and unusable_character(raw):
        errors.add(field, MSG_UNUSABLE)
        return None
    text = clean_text(raw, multiline=multiline) if raw is not None else ""
    if text is None:
        errors.add(field, MSG_TEXT)
        return None
    if not text:  # absent, blank, or only invisible characters
        if required:
            errors.add(field, MSG_REQUIRED)
        return None
    if len(text) < lo:
        errors.add(field, f"{what} terlalu pendek (minimal {lo} karakter).")
    elif len(text) > hi:
        errors.add(field, f"{what} terlalu panjang (maksimal {hi} karakter).")
    return text


def _choice(payload: dict, errors: Errors, field: str, choices: dict, message: str) -> str | None:
    value = payload.get(field)
    if value is None or value == "":
        errors.add(field, message)
        return None
    if not one_of(value, choices):
        errors.add(field, "Pilihan tidak dikenal. " + message)
        return None
    return value


def validate_registration(payload: object, *, today: date, closed: set[date], rules_: rules.ServiceRules = rules.DEFAULT_RULES,
                          fixed_days: tuple[date, ...] | None = None) -> tuple[RegistrationInput | None, Errors]:
    """Check a signup form. Returns (input, {}) or (None, {field: message}). `fixed_days`: the
    days are not the visitor's to choose (the walk-in desk seats them on that day)."""
    errors = Errors()
    if not isinstance(payload, dict):
        errors.add("_form", "Data formulir tidak valid.")
        return None, errors
    name = text_field(payload, errors, "name", NAME_MIN, NAME_MAX, required=True, what="Nama")
    phone, msg = normalize_phone(payload.get("whatsapp"))
    if msg:
        errors.add("whatsapp", msg)
    email, msg = normalize_email(payload.get("email"))
    if msg:
        errors.add("email", msg)
    kecamatan = _kecamatan(payload, errors)
    desa = text_field(payload, errors, "desa", 2, DESA_MAX, required=False, what="Desa/kelurahan")
    service = _choice(payload, errors, "service", rules.SERVICES, "Pilih layanan: koperasi atau UKM.")
    org = _organisation(payload, errors, service)
    topics = _topics(payload, errors, service)
    description = text_field(payload, errors, "description", DESCRIPTION_MIN, DESCRIPTION_MAX,
                             required=True, what="Uraian masalah", multiline=True)
    mode = _choice(payload, errors, "mode", rules.MODES, "Pilih cara konsultasi: tatap muka atau daring (Zoom).")
    days, msg = (list(fixed_days), None) if fixed_days else validate_days(payload.get("days"), today, closed, rules_)
    if msg:
        errors.add("days", msg)
    source = rules.SOURCE_UNSAID  # optional: most visitors skip it
    if payload.get("source") not in (None, ""):
        source = _choice(payload, errors, "source", rules.SOURCES, "Pilih salah satu, atau kosongkan.")
    campaign_raw = payload.get("campaign")
    campaign = campaign_raw if isinstance(campaign_raw, str) and CAMPAIGN_RE.match(campaign_raw) else None
    if payload.get("consent") is not True:
        errors.add("consent", "Anda perlu menyetujui pemrosesan data pribadi agar kami dapat menjadwalkan konsultasi.")
    if errors:
        return None, errors
    return RegistrationInput(name=name, phone=phone, email=email, kecamatan=kecamatan, desa=desa, service=service,
                             **org, topics=tuple(topics), description=description, mode=mode, days=tuple(days),
                             source=source, campaign=campaign), errors


def _kecamatan(payload: dict, errors: Errors) -> str | None:
    kecamatan = payload.get("kecamatan")
    if not kecamatan:
        errors.add("kecamatan", "Pilih kecamatan tempat Anda/usaha Anda berada.")
    elif not isinstance(kecamatan, str) or kecamatan not in rules.kecamatan_list():
        errors.add("kecamatan", "Kecamatan tidak dikenal; pilih dari daftar 40 kecamatan Kabupaten Bogor.")
    return kecamatan


def _organisation(payload: dict, errors: Errors, service: str | None) -> dict:
    """The cooperative's or the business's name and the fields its service asks for."""
    out = {"coop_status": None, "business_sector": None, "nib": None}
    org_what = "Nama koperasi" if service == rules.SERVICE_KOPERASI else "Nama usaha"
    out["org_name"] = text_field(payload, errors, "org_name", ORG_MIN, ORG_MAX, required=True, what=org_what)
    if service == rules.SERVICE_KOPERASI:
        out["coop_status"] = _choice(payload, errors, "coop_status", rules.COOPERATIVE_STATUSES, "Pilih status koperasi.")
    elif service == rules.SERVICE_UKM:
        out["business_sector"] = _choice(payload, errors, "business_sector", rules.BUSINESS_SECTORS, "Pilih sektor usaha.")
        raw_nib = payload.get("nib")
        if raw_nib not in (None, ""):
            nib_text = re.sub(r"[\s-]", "", raw_nib) if isinstance(raw_nib, str) else None
            if nib_text is None or not NIB_RE.match(nib_text):
                errors.add("nib", "NIB terdiri dari 13 angka; kosongkan jika belum punya.")
            else:
                out["nib"] = nib_text
    return out


def _topics(payload: dict, errors: Errors, service: str | None) -> list[str]:
    topics_raw = payload.get("topics")
    topics: list[str] = []
    if not isinstance(topics_raw, list) or not topics_raw:
        errors.add("topics", "Pilih minimal satu topik konsultasi.")
    elif service:
        allowed = rules.topics_for(service)
        for t in topics_raw:
            if not isinstance(t, str) or t not in allowed:
                errors.add("topics", "Ada topik yang tidak tersedia untuk layanan ini.")
                break
            if t not in topics:
                topics.append(t)
        if len(topics) > 4:
            errors.add("topics", "Pilih paling banyak 4 topik.")
    return topics


def parse_day(value: object, field: str, *, required: bool = True) -> date | None:
    """A `YYYY-MM-DD` query or body value, or InputError for that field."""
    if value in (None, ""):
        if required:
            raise InputError({field: "Wajib diisi (format TTTT-BB-HH)."})
        return None
    day = _parse_day(value) if isinstance(value, str) else None
    if day is None:
        raise InputError({field: "Tanggal tidak valid (format TTTT-BB-HH)."})
    return day
