"""The rules of the service, from the program proposal (see ../shared/DOMAIN.md).

Plain constants and small pure helpers shared by validation, the service calendar and
allocation. No I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

# WIB (Asia/Jakarta) is UTC+7 all year: Indonesia has no daylight saving time, so a fixed
# offset is exact and needs no tz database inside the Lambda package.
WIB = timezone(timedelta(hours=7), "WIB")
UTC = timezone.utc

SERVICE_KOPERASI = "koperasi"
SERVICE_UKM = "ukm"
SERVICES = {
    SERVICE_KOPERASI: "Konsultasi koperasi",
    SERVICE_UKM: "Konsultasi UKM",
}

MODE_TATAP_MUKA = "tatap_muka"
MODE_DARING = "daring"
MODES = {
    MODE_TATAP_MUKA: "Tatap muka di kantor Diskopukm",
    MODE_DARING: "Daring lewat Zoom",
}

# Topics from the proposal; the last four apply to cooperatives only.
TOPICS = {
    "potensi_peluang": "Potensi dan peluang usaha",
    "keuangan": "Manajemen keuangan",
    "pemasaran": "Pemasaran",
    "operasional": "Operasional",
    "legalitas": "Legalitas (perizinan, badan hukum)",
    "pengembangan_produk": "Pengembangan produk atau layanan",
    "pendirian_koperasi": "Pendirian koperasi",
    "tata_kelola_rat": "Tata kelola dan RAT",
    "kesehatan_koperasi": "Penilaian kesehatan koperasi",
    "simpan_pinjam": "Usaha simpan pinjam",
}
COOPERATIVE_ONLY_TOPICS = frozenset(
    {"pendirian_koperasi", "tata_kelola_rat", "kesehatan_koperasi", "simpan_pinjam"}
)


def topics_for(service: str) -> dict[str, str]:
    """Topics a visitor may pick for a service."""
    if service == SERVICE_KOPERASI:
        return dict(TOPICS)
    return {k: v for k, v in TOPICS.items() if k not in COOPERATIVE_ONLY_TOPICS}


COOPERATIVE_STATUSES = {
    "aktif": "Aktif (RAT 3 tahun berturut-turut)",
    "tidak_aktif": "Tidak aktif",
    "belum_berdiri": "Belum berdiri (ingin mendirikan koperasi)",
}

BUSINESS_SECTORS = {
    "kuliner": "Kuliner / makanan dan minuman",
    "fesyen": "Fesyen dan tekstil",
    "kriya": "Kriya / kerajinan",
    "pertanian": "Pertanian, perkebunan, peternakan, perikanan",
    "perdagangan": "Perdagangan / toko",
    "jasa": "Jasa",
    "industri": "Industri pengolahan",
    "digital": "Digital dan kreatif",
    "lainnya": "Lainnya",
}

SOURCES = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "whatsapp": "Broadcast WhatsApp",
    "teman": "Teman atau kerabat",
    "acara": "Acara / sosialisasi",
    "lainnya": "Lainnya",
}
# "Dari mana Anda tahu" is optional on the form: an unanswered one is counted as such.
SOURCE_UNSAID = "tidak_disebut"
SOURCE_LABELS = {**SOURCES, SOURCE_UNSAID: "Tidak disebut"}

# How a registration came in. A registration stored before channels were recorded (no value) came
# through the web form; "datang_langsung": registered at the office's walk-in desk
# (services/desk.py), its consent asked aloud and recorded with the staff member who asked.
CHANNEL_WEB = "web"
CHANNEL_DESK = "datang_langsung"
CHANNEL_WHATSAPP = "whatsapp"  # the signup Flow inside WhatsApp (services/flows.py)
CHANNELS = {CHANNEL_WEB: "Formulir web", CHANNEL_WHATSAPP: "WhatsApp", CHANNEL_DESK: "Datang langsung"}


def channel_of(stored: str | None) -> str:
    return stored if stored in CHANNELS else CHANNEL_WEB


# Registration statuses.
STATUS_WAITING = "menunggu"
STATUS_SCHEDULED = "terjadwal"
STATUS_DONE = "selesai"
STATUS_EXPIRED = "kedaluwarsa"
STATUS_CANCELLED = "dibatalkan"
REGISTRATION_STATUSES = {
    STATUS_WAITING: "Menunggu jadwal",
    STATUS_SCHEDULED: "Terjadwal",
    STATUS_DONE: "Selesai",
    STATUS_EXPIRED: "Tanggal tidak tersedia",
    STATUS_CANCELLED: "Dibatalkan",
}
OPEN_STATUSES = frozenset({STATUS_WAITING, STATUS_SCHEDULED})

# Session statuses.
SESSION_SCHEDULED = "terjadwal"
SESSION_ATTENDED = "hadir"
SESSION_NO_SHOW = "tidak_hadir"
SESSION_CANCELLED_VISITOR = "batal_pengunjung"
SESSION_CANCELLED_OFFICE = "batal_kantor"
SESSION_MOVED = "dipindah"  # staff moved it: the seat is free, the visitor has (or gets) another one
SESSION_OTHER_DATES = "minta_tanggal_lain"  # the visitor gave it up for other dates: back in the queue, not a cancellation
SESSION_STATUSES = {
    SESSION_SCHEDULED: "Terjadwal",
    SESSION_ATTENDED: "Hadir",
    SESSION_NO_SHOW: "Tidak hadir",
    SESSION_CANCELLED_VISITOR: "Dibatalkan pengunjung",
    SESSION_CANCELLED_OFFICE: "Dibatalkan kantor",
    SESSION_MOVED: "Dipindah ke jadwal lain",
    SESSION_OTHER_DATES: "Minta tanggal lain",
}
# Cancellations as the office counts them: a move is not one.
SESSION_CANCELLED_STATUSES = frozenset({SESSION_CANCELLED_VISITOR, SESSION_CANCELLED_OFFICE})
# A session in one of these holds its seat (and room).
SEAT_HOLDING_STATUSES = frozenset({SESSION_SCHEDULED, SESSION_ATTENDED, SESSION_NO_SHOW})


@dataclass(frozen=True)
class ServiceRules:
    """When the clinic runs. Times are WIB wall-clock times."""

    blocks: dict = field(
        default_factory=lambda: {
            SERVICE_KOPERASI: (time(9, 0), time(12, 0)),
            SERVICE_UKM: (time(13, 0), time(16, 0)),
        }
    )
    session_minutes: int = 30
    workdays: frozenset = frozenset({0, 1, 2, 3, 4})  # Monday..Friday
    # How far ahead a visitor may offer dates, in calendar days.
    booking_horizon_days: int = 28
    max_offered_dates: int = 5


DEFAULT_RULES = ServiceRules()


# What a registration keeps of a person once their data is deleted (on request or after the
# retention period): the name is this, the number and e-mail are gone.
REMOVED_NAME = "(data dihapus)"


def anonymised(name: str | None, phone: str | None) -> bool:
    return name == REMOVED_NAME and phone is None


def wib_now(now: datetime) -> datetime:
    """`now` on the clinic's wall clock (WIB). The domain never reads the clock: `now` is given."""
    return now.astimezone(WIB)


def to_utc_iso(dt: datetime) -> str:
    """UTC ISO 8601 with a Z, second precision: the stored form of every instant."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc_iso_precise(dt: datetime) -> str:
    """UTC ISO 8601 with microseconds: for queue order, where one second is too coarse."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc_iso(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def wib_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WIB)


# The 40 kecamatan of Kabupaten Bogor (UU No. 102/2024 tentang Kabupaten Bogor, Pasal 3); the same
# list as chalicelib/data/kecamatan-kabupaten-bogor.json, which a test keeps equal.
KECAMATAN = (
    "Babakan Madang", "Bojonggede", "Caringin", "Cariu", "Ciampea",
    "Ciawi", "Cibinong", "Cibungbulang", "Cigombong", "Cigudeg",
    "Cijeruk", "Cileungsi", "Ciomas", "Cisarua", "Ciseeng",
    "Citeureup", "Dramaga", "Gunung Putri", "Gunung Sindur", "Jasinga",
    "Jonggol", "Kemang", "Klapanunggal", "Leuwiliang", "Leuwisadeng",
    "Megamendung", "Nanggung", "Pamijahan", "Parung", "Parung Panjang",
    "Rancabungur", "Rumpin", "Sukajaya", "Sukamakmur", "Sukaraja",
    "Tajurhalang", "Tamansari", "Tanjungsari", "Tenjo", "Tenjolaya",
)


def kecamatan_list() -> tuple[str, ...]:
    return KECAMATAN
