"""What a visitor's WhatsApp reply means: the buttons' signed payloads, the keywords a number
understands, day names in free text, and the words for "what is true now". Pure (no I/O).

Buttons. The confirmation and the day-before reminder carry three quick-reply buttons ("Saya
hadir", "Batalkan", "Minta jadwal lain"); the system's own replies carry interactive buttons
("Ya, batalkan" / "Tidak") and a list of days. Each button's payload (a list row's id) is::

    cc1|<action>|<subject>|<message id>|<extra>|<signature>

`subject` is the session (``S-…``) or the registration it is about, `message id` the outbox
record that carried the button, `extra` a day for a list row; the signature is an HMAC over
all of them with the server's key (`sign` is given by the caller: links.reply_signature), so a
payload can be neither forged nor moved onto another session or message. The webhook also
checks that the number that tapped is the registration's own number.
"""
from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Callable

from . import rules

VERSION = "cc1"

# What a reply asks for (stored on the inbound record; labels for staff).
HADIR = "hadir"
BATAL = "batal"  # asks for the confirmation first
BATAL_YA = "batal_ya"
BATAL_TIDAK = "batal_tidak"
LAIN = "lain"  # "Minta jadwal lain": the list of days
HARI = "hari"  # a day picked from that list
HASIL = "hasil"  # an answer to the three-months question (domain/outcomes.py; extra: its position)
HARI_TEKS = "hari_teks"  # day names written as text after the list
STATUS = "status"
BERHENTI = "berhenti"
MULAI = "mulai"
BANTUAN = "bantuan"
DAFTAR = "daftar"  # DAFTAR [campaign code]: the signup Flow (services/flows.py)
FLOW_DONE = "formulir_selesai"  # a completed signup Flow (nfm_reply)
ACTIONS = {
    HADIR: "Saya hadir", BATAL: "Batalkan", BATAL_YA: "Ya, batalkan", BATAL_TIDAK: "Tidak jadi batal",
    LAIN: "Minta jadwal lain", HARI: "Memilih tanggal", HARI_TEKS: "Menulis tanggal", STATUS: "STATUS / LINK",
    BERHENTI: "BERHENTI", MULAI: "MULAI", BANTUAN: "Pesan lain", DAFTAR: "DAFTAR",
    FLOW_DONE: "Formulir pendaftaran WhatsApp", HASIL: "Jawaban hasil tiga bulan",
}
BUTTON_ACTIONS = (HADIR, BATAL, BATAL_YA, BATAL_TIDAK, LAIN, HARI, HASIL)

# What the system did with it.
OUTCOMES = {
    "dikonfirmasi": "Kehadiran dikonfirmasi",
    "sudah_dikonfirmasi": "Sudah dikonfirmasi sebelumnya: tidak ada perubahan",
    "ditanya": "Ditanya konfirmasi pembatalan",
    "dibatalkan": "Dibatalkan",
    "tetap": "Tidak jadi dibatalkan",
    "daftar_tanggal": "Dikirimi daftar tanggal",
    "tanggal_baru": "Kembali ke antrean dengan tanggal baru",
    "tautan": "Tautan status dikirim",
    "bantuan": "Dikirimi petunjuk",
    "bantuan_sudah": "Petunjuk sudah dikirim hari ini: tidak dibalas",
    "keadaan": "Dijawab keadaan terkini",
    "berhenti": "Berhenti menerima pesan tidak penting",
    "mulai": "Menerima semua pesan lagi",
    "nomor_lain": "Ditolak: bukan nomor pendaftar",
    "tanda_tidak_sah": "Ditolak: tombol tidak sah",
    "formulir": "Dikirimi formulir pendaftaran",
    "formulir_sudah": "Formulir sudah dikirim 3 kali hari ini: tidak dibalas",
    "terdaftar": "Pendaftaran dari formulir WhatsApp",
    "formulir_ulang": "Formulir belum tersimpan: dikirimi formulir baru",
    "hasil": "Jawaban hasil dicatat",
    "hasil_sudah": "Sudah menjawab sebelumnya: tidak ada perubahan",
}

STOP_WORDS = {"berhenti", "stop", "unsubscribe", "berhentikan", "stoppromotions", "berhentipromosi"}
START_WORDS = {"mulai", "start"}
STATUS_WORDS = {"status", "link", "tautan", "cekstatus"}
CANCEL_WORDS = {"batal", "batalkan", "cancel"}

# Button titles (WhatsApp: at most 20 characters each).
TEMPLATE_BUTTONS = ((HADIR, "Saya hadir"), (BATAL, "Batalkan"), (LAIN, "Minta jadwal lain"))
CONFIRM_BUTTONS = ((BATAL_YA, "Ya, batalkan"), (BATAL_TIDAK, "Tidak"))

_PART = re.compile(r"^[A-Za-z0-9_-]{0,64}$")
_EXTRA = re.compile(r"^[0-9-]{0,10}$")
_SIG = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
MAX_PAYLOAD = 200  # a list row's id takes 200 characters, a button's 256


@dataclass(frozen=True)
class Payload:
    action: str
    subject: str  # a session id (S-...) or a registration reference
    message_id: str  # the outbox record that carried the button
    extra: str = ""  # a list row's day (ISO date)

    @property
    def is_session(self) -> bool:
        return self.subject.startswith("S-")

    def signed_text(self) -> str:
        return f"wa-reply|v1|{self.action}|{self.subject}|{self.message_id}|{self.extra}"


def encode(payload: Payload, sign: Callable[[str], str]) -> str:
    if payload.action not in BUTTON_ACTIONS:
        raise ValueError(f"not a button action: {payload.action}")
    for part in (payload.subject, payload.message_id):
        if not part or not _PART.match(part):
            raise ValueError("payload parts must be ids")
    if not _EXTRA.match(payload.extra):
        raise ValueError("extra must be a date")
    text = "|".join((VERSION, payload.action, payload.subject, payload.message_id, payload.extra,
                     sign(payload.signed_text())))
    if len(text) > MAX_PAYLOAD:
        raise ValueError("payload too long")
    return text


def is_ours(text: object) -> bool:
    """A payload in our format (then it must verify); anything else is another button's words."""
    return isinstance(text, str) and text.startswith(VERSION + "|")


def decode(text: object, sign: Callable[[str], str]) -> Payload | None:
    """The payload when it is one of ours and its signature holds, else None (forged, altered,
    another system's payload, or not a payload at all)."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD:
        return None
    parts = text.split("|")
    if len(parts) != 6 or parts[0] != VERSION:
        return None
    _, action, subject, message_id, extra, signature = parts
    if (action not in BUTTON_ACTIONS or not subject or not message_id or not _PART.match(subject)
            or not _PART.match(message_id) or not _EXTRA.match(extra) or not _SIG.match(signature)):
        return None
    payload = Payload(action, subject, message_id, extra)
    if not hmac.compare_digest(sign(payload.signed_text()).encode(), signature.encode()):
        return None
    return payload


# --- free text -----------------------------------------------------------------------------------

def fold(text: object) -> str:
    """Lower case, accents and punctuation gone, words kept apart by single spaces."""
    raw = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9/-]+", " ", raw).split())


SIGNUP_WORDS = {"daftar", "register", "mendaftar"}
_CAMPAIGN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def signup_request(text: object) -> tuple[bool, str | None]:
    """("DAFTAR", campaign code or None) for "DAFTAR" alone or followed by one code (the office's
    click-to-chat links prefill "DAFTAR <code>"), else (False, None). The code keeps its case."""
    words = str(text or "").split()
    if not words or fold(words[0]) not in SIGNUP_WORDS or len(words) > 2:
        return False, None
    code = words[1].strip(".,!") if len(words) == 2 else None
    return True, code if code and _CAMPAIGN.match(code) else None


def keyword(text: object) -> str | None:
    """BERHENTI / MULAI / STATUS / BATAL when the whole message is that word (any case,
    punctuation or spacing), else None."""
    word = fold(text).replace(" ", "").replace("-", "").replace("/", "")
    if word in STOP_WORDS:
        return BERHENTI
    if word in START_WORDS:
        return MULAI
    if word in STATUS_WORDS:
        return STATUS
    if word in CANCEL_WORDS:
        return BATAL
    return None


WEEKDAYS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum": 4, "sabtu": 5, "minggu": 6,
            "ahad": 6}
MONTHS = {"jan": 1, "januari": 1, "feb": 2, "februari": 2, "pebruari": 2, "mar": 3, "maret": 3, "apr": 4,
          "april": 4, "mei": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "agus": 8,
          "agustus": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "nov": 11, "nop": 11,
          "november": 11, "nopember": 11, "des": 12, "desember": 12}
# Words around day names that change nothing ("Rabu saja, terima kasih", "bisa hari Senin, Pak").
FILLER = {"hari", "tanggal", "tgl", "dan", "atau", "saja", "aja", "ya", "bisa", "saya", "pada", "tahun", "depan",
          "minggu", "besok", "lusa", "terima", "kasih", "makasih", "trims", "tks", "tolong", "mohon", "pak", "bu",
          "kak", "mas", "mbak", "ok", "oke", "boleh", "ganti", "ke", "jadi", "di", "yang", "sama", "juga"} - set(WEEKDAYS)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class DayWords:
    days: tuple[date, ...]  # the offered days the text names, in the order written
    unmatched: int  # days the text names that are not offered (past, full, closed, a weekend)


def day_words(text: object, offered: list[date]) -> DayWords | None:
    """The days a text such as "Senin dan Rabu", "14 Des, 16 des" or "14/12" names among the
    `offered` days (sorted). None when the text is not just day names (then it is a message
    for the help answer). A weekday name means the first offered day on that weekday."""
    words = fold(text).split()
    if not words:
        return None
    found: list[date] = []
    unmatched = 0
    i = 0
    named = False
    while i < len(words):
        w = words[i]
        if w in WEEKDAYS:
            named = True
            i += 1
            if i < len(words) and _date_at(words, i) is not None:
                continue  # "Senin 14 Desember": the date says which Monday
            hit = next((d for d in offered if d.weekday() == WEEKDAYS[w] and d not in found), None)
            if hit is None:
                unmatched += 1
            else:
                found.append(hit)
            continue
        day = _date_at(words, i)
        if day is not None:
            named = True
            value, used = day
            hit = next((d for d in offered if (d.month, d.day) == value[1:] and (value[0] in (None, d.year))), None)
            if hit is None:
                unmatched += 1
            elif hit not in found:
                found.append(hit)
            i += used
            continue
        if w in FILLER:
            i += 1
            continue
        return None
    if not named:
        return None
    return DayWords(tuple(found), unmatched)


def _date_at(words: list[str], i: int) -> tuple[tuple[int | None, int, int], int] | None:
    """((year or None, month, day), words used) of a date starting at words[i]."""
    w = words[i]
    m = _ISO_DATE.match(w)
    if m:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3))), 1
    m = _NUMERIC_DATE.match(w)
    if m:
        year = m.group(3)
        full_year = (2000 + int(year) if year and len(year) == 2 else int(year)) if year else None
        return (full_year, int(m.group(2)), int(m.group(1))), 1
    if w.isdigit() and 1 <= int(w) <= 31 and i + 1 < len(words) and words[i + 1] in MONTHS:
        used, year = 2, None
        if i + 2 < len(words) and re.fullmatch(r"\d{4}", words[i + 2]):
            used, year = 3, int(words[i + 2])
        return (year, MONTHS[words[i + 1]], int(w)), used
    return None


# --- what is true now -------------------------------------------------------------------------------

# A reply about a session or registration that has changed since the button was sent: the code of
# the polite answer (templates/messages/cc_balas_keadaan.wa.j2 words each one).
NOW_MOVED = "dipindah"
NOW_CANCELLED = "dibatalkan"
NOW_OVER = "selesai"
NOW_STARTED = "sudah_mulai"
NOW_WAITING = "menunggu"
NOW_CLOSED = "ditutup"  # the registration is done or cancelled
NOW_NO_REGISTRATION = "tidak_ada"
NOW_DAY_GONE = "tanggal_penuh"
NOW_DAYS_UNKNOWN = "tanggal_tidak_dikenal"
NOW_TOO_MANY_DAYS = "terlalu_banyak"
NOW_SAME_DAYS = "tanggal_sama"  # the days named are the ones already offered: nothing changes
NOW_NO_CONSULTANT = "tanpa_konsultan"  # nobody on the roster serves the choice on those days
NOW_CODES = (NOW_MOVED, NOW_CANCELLED, NOW_OVER, NOW_STARTED, NOW_WAITING, NOW_CLOSED, NOW_NO_REGISTRATION,
             NOW_DAY_GONE, NOW_DAYS_UNKNOWN, NOW_TOO_MANY_DAYS, NOW_SAME_DAYS, NOW_NO_CONSULTANT)


def session_now(status: str, *, started: bool, rebooked: bool) -> str | None:
    """None when the session is still what the button was about (scheduled, not started), else
    the code of what is true now. `rebooked`: the registration has another scheduled session."""
    if status == rules.SESSION_SCHEDULED:
        return NOW_STARTED if started else None
    if status in (rules.SESSION_MOVED, rules.SESSION_OTHER_DATES) or (status in rules.SESSION_CANCELLED_STATUSES and rebooked):
        return NOW_MOVED if rebooked else NOW_WAITING
    if status in rules.SESSION_CANCELLED_STATUSES:
        return NOW_CANCELLED
    return NOW_OVER
