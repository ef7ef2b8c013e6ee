"""The catalog of every message the system sends: its kinds, channels, audiences and the small
formatting rules their texts share. Pure (no I/O).

The texts themselves are Jinja2 templates in ``templates/messages/`` (messages/render.py);
`WHATSAPP_TEMPLATES.md` in that folder lists every WhatsApp template for registration with Meta
(messages/templates_doc.py writes it and a test checks it is current).

Each kind's ``params`` are the WhatsApp body parameters {{1}}, {{2}}, ... in that order; any other
variable of a ``.wa.j2`` template is an office constant from site.json, written into the
registered text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..domain import outcomes, replies, rules
from ..domain.references import format_reference

WHATSAPP = "whatsapp"
EMAIL = "email"
CHANNELS = (WHATSAPP, EMAIL)
CHANNEL_LABELS = {WHATSAPP: "WhatsApp", EMAIL: "E-mail"}

VISITOR = "visitor"
CONSULTANT = "consultant"
AUDIENCE_LABELS = {VISITOR: "Pengunjung", CONSULTANT: "Konsultan"}

LANGUAGE = "id"

# Office constants a WhatsApp template may contain literally (they are part of the registered
# text, not parameters). Changing one in site.json means registering the template again.
SITE_CONSTANTS = ("program", "office_short", "contact_whatsapp")


# Template names: each written once, here; code names a message by these constants.
BALAS_BANTUAN = "cc_balas_bantuan"
BALAS_BATAL_PILIH = "cc_balas_batal_pilih"
BALAS_BATAL_TANYA = "cc_balas_batal_tanya"
BALAS_BATAL_TIDAK = "cc_balas_batal_tidak"
BALAS_BERHENTI = "cc_balas_berhenti"
BALAS_DAFTAR = "cc_balas_daftar"
BALAS_HADIR = "cc_balas_hadir"
BALAS_KEADAAN = "cc_balas_keadaan"
BALAS_MULAI = "cc_balas_mulai"
BALAS_PILIH_TANGGAL = "cc_balas_pilih_tanggal"
BALAS_TAUTAN = "cc_balas_tautan"
JADWAL_KONSULTAN = "cc_jadwal_konsultan"
PENDAFTARAN_DIBATALKAN = "cc_pendaftaran_dibatalkan"
PENDAFTARAN_DITERIMA = "cc_pendaftaran_diterima"
PENGINGAT_BESOK = "cc_pengingat_besok"
PENGINGAT_SEJAM = "cc_pengingat_sejam"
SESI_DIBATALKAN = "cc_sesi_dibatalkan"
SESI_DIUBAH = "cc_sesi_diubah"
SESI_TERJADWAL = "cc_sesi_terjadwal"
SIARAN_ACARA = "cc_siaran_acara"
SIARAN_LAYANAN = "cc_siaran_layanan"
SIARAN_DAFTAR = "cc_siaran_daftar"
TANGGAL_BARU_DITERIMA = "cc_tanggal_baru_diterima"
TANGGAL_TIDAK_TERSEDIA = "cc_tanggal_tidak_tersedia"
TAUTAN_STATUS = "cc_tautan_status"
UMPAN_BALIK = "cc_umpan_balik"
HASIL_KOPERASI = "cc_hasil_koperasi"
HASIL_UKM = "cc_hasil_ukm"
BALAS_HASIL = "cc_balas_hasil"


@dataclass(frozen=True)
class Kind:
    name: str  # the WhatsApp template name (and the file stem)
    label: str  # for staff
    audience: str
    params: tuple[str, ...]  # WhatsApp body parameters, in order: {{1}}, {{2}}, ...
    essential: bool  # sent even to a number that replied BERHENTI
    when: str  # when it is sent (for staff and the template document)
    calendar: str | None = None  # the e-mail's iCalendar method: REQUEST | CANCEL | None
    session: bool = False  # about one session (session_id set)
    buttons: tuple[str, ...] = ()  # quick-reply buttons of the template (WhatsApp), in order
    reply: str | None = None  # a free-form answer within WhatsApp's 24-hour window: text | buttons | list | flow
    flow_button: str | None = None  # a template's FLOW button (its text): opens the signup Flow


# The quick replies of the messages about a coming session (domain/replies.py gives each its payload).
SESSION_BUTTONS = tuple(title for _, title in replies.TEMPLATE_BUTTONS)

KINDS: tuple[Kind, ...] = (
    Kind(PENDAFTARAN_DITERIMA, "Pendaftaran diterima", VISITOR,
         ("nama", "kode", "layanan", "tanggal_pilihan", "perkiraan", "tautan_status"), True,
         "Segera setelah pengunjung mendaftar."),
    Kind(SESI_TERJADWAL, "Sesi terjadwal", VISITOR,
         ("nama", "kode", "tanggal", "jam", "tempat", "petunjuk", "tautan_status"), True,
         "Saat sesi dijadwalkan (penjadwal otomatis atau petugas). Sesi daring menunggu tautan Zoom "
         "siap (paling lama 6 jam, atau sampai 2 jam sebelum sesi; setelah itu terkirim dengan "
         "keterangan tautan menyusul lewat pengingat).", calendar="REQUEST", session=True, buttons=SESSION_BUTTONS),
    Kind(SESI_DIUBAH, "Jadwal sesi diubah", VISITOR,
         ("nama", "kode", "tanggal", "jam", "tempat", "petunjuk", "tautan_status"), True,
         "Saat petugas memindahkan sesi ke jam atau narasumber lain.", calendar="REQUEST", session=True,
         buttons=SESSION_BUTTONS),
    Kind(SESI_DIBATALKAN, "Sesi dibatalkan", VISITOR,
         ("nama", "kode", "tanggal", "jam", "keterangan", "tautan_status"), True,
         "Saat sesi dibatalkan oleh kantor (termasuk narasumber berhalangan) atau oleh pengunjung. "
         "Tidak dikirim bila jadwal sesi itu belum pernah terkirim, atau bila pemindahan sesi "
         "langsung berhasil (pesan \"Jadwal sesi diubah\" menggantikannya).",
         calendar="CANCEL", session=True),
    Kind(TANGGAL_BARU_DITERIMA, "Tanggal baru diterima", VISITOR,
         ("nama", "kode", "keterangan", "tanggal_pilihan", "tautan_status"), True,
         "Saat pengunjung memilih tanggal lain lewat tautan statusnya.", calendar="CANCEL"),
    Kind(PENDAFTARAN_DIBATALKAN, "Pendaftaran dibatalkan", VISITOR,
         ("nama", "kode", "tautan_status"), True,
         "Saat pengunjung membatalkan pendaftaran yang belum punya jadwal."),
    Kind(TANGGAL_TIDAK_TERSEDIA, "Tanggal tidak tersedia", VISITOR,
         ("nama", "tanggal_pilihan", "kode", "tautan_status"), True,
         "Saat semua tanggal pilihan lewat tanpa jadwal (antrean penuh): pengunjung diajak memilih "
         "tanggal baru."),
    Kind(PENGINGAT_BESOK, "Pengingat H-1", VISITOR,
         ("nama", "tanggal", "jam", "tempat", "petunjuk", "tautan_status"), False,
         "Sehari sebelum sesi, pukul 16.00 WIB (tidak dikirim bila sesi baru dijadwalkan setelah itu)."
         , session=True, buttons=SESSION_BUTTONS),
    Kind(PENGINGAT_SEJAM, "Pengingat 1 jam", VISITOR,
         ("nama", "jam_mulai", "tempat"), False,
         "Sekitar satu jam sebelum sesi (tidak dikirim bila sudah kurang dari 15 menit sebelum mulai).",
         session=True),
    Kind(UMPAN_BALIK, "Permintaan umpan balik", VISITOR,
         ("nama", "tanggal", "tautan"), False,
         "Setelah sesi selesai dan petugas mencatat pengunjung hadir.", session=True),
    Kind(HASIL_KOPERASI, "Hasil tiga bulan (koperasi)", VISITOR, ("nama", "tanggal"), False,
         "Sekitar 90 hari setelah sesi koperasi yang dihadiri, pukul 10.00 WIB; sekali per sesi; tidak ke nomor "
         "yang membalas BERHENTI atau \"Jangan tanya lagi\".", session=True,
         buttons=outcomes.titles(rules.SERVICE_KOPERASI)),
    Kind(HASIL_UKM, "Hasil tiga bulan (UKM)", VISITOR, ("nama", "tanggal"), False,
         "Sekitar 90 hari setelah sesi UKM yang dihadiri, pukul 10.00 WIB; sekali per sesi; tidak ke nomor "
         "yang membalas BERHENTI atau \"Jangan tanya lagi\".", session=True, buttons=outcomes.titles(rules.SERVICE_UKM)),
    Kind(TAUTAN_STATUS, "Tautan status dikirim ulang", VISITOR,
         ("nama", "kode", "tautan_status"), True,
         "Saat pengunjung yang kehilangan tautan statusnya memintanya lagi di halaman status (kode "
         "pendaftaran dan nomor WhatsApp cocok); paling banyak 3 kali sehari per pendaftaran."),
    Kind(JADWAL_KONSULTAN, "Jadwal narasumber besok", CONSULTANT,
         ("nama", "tanggal", "jumlah", "daftar"), False,
         "Pukul 16.00 WIB sehari sebelumnya, ke setiap narasumber yang punya sesi besok."),
)
BY_NAME = {k.name: k for k in KINDS}

# Answers to a visitor's own WhatsApp message (services/whatsapp_inbox.py): free-form, not templates
# (WhatsApp allows them for 24 hours after the visitor wrote), WhatsApp only, never to be registered.
REPLY_WINDOW_HOURS = 24
REPLY_KINDS: tuple[Kind, ...] = (
    Kind(BALAS_HADIR, "Balasan: terima kasih sudah konfirmasi", VISITOR, (), True,
         "Setelah pengunjung menekan \"Saya hadir\".", session=True, reply="text"),
    Kind(BALAS_BATAL_TANYA, "Balasan: yakin membatalkan?", VISITOR, (), True,
         "Setelah pengunjung menekan \"Batalkan\" atau menulis BATAL.", reply="buttons"),
    Kind(BALAS_BATAL_PILIH, "Balasan: pendaftaran mana yang dibatalkan?", VISITOR, (), True,
         "Setelah pengunjung yang punya beberapa pendaftaran menulis BATAL.", reply="buttons"),
    Kind(BALAS_BATAL_TIDAK, "Balasan: sesi tetap", VISITOR, (), True,
         "Setelah pengunjung menekan \"Tidak\" pada pertanyaan pembatalan.", reply="text"),
    Kind(BALAS_PILIH_TANGGAL, "Balasan: daftar tanggal", VISITOR, (), True,
         "Setelah pengunjung menekan \"Minta jadwal lain\".", reply="list"),
    Kind(BALAS_TAUTAN, "Balasan: tautan status", VISITOR, (), True,
         "Setelah pengunjung menulis STATUS atau LINK.", reply="text"),
    Kind(BALAS_BANTUAN, "Balasan: petunjuk", VISITOR, (), True,
         "Setelah pesan lain dari pengunjung; paling banyak sekali sehari per nomor.", reply="text"),
    Kind(BALAS_KEADAAN, "Balasan: keadaan terkini", VISITOR, (), True,
         "Setelah tombol atau pesan tentang sesi/pendaftaran yang sudah berubah.", reply="text"),
    Kind(BALAS_BERHENTI, "Balasan: berhenti menerima pengingat", VISITOR, (), True,
         "Setelah pengunjung menulis BERHENTI (bila nomor itu belum berhenti).", reply="text"),
    Kind(BALAS_MULAI, "Balasan: menerima pengingat lagi", VISITOR, (), True,
         "Setelah pengunjung menulis MULAI (bila nomor itu sebelumnya berhenti).", reply="text"),
    Kind(BALAS_HASIL, "Balasan: terima kasih atas jawaban hasil", VISITOR, (), True,
         "Setelah pengunjung menjawab pertanyaan hasil tiga bulan (jawaban pertama saja).", session=True, reply="text"),
    Kind(BALAS_DAFTAR, "Balasan: formulir pendaftaran WhatsApp", VISITOR, (), True,
         "Setelah pengunjung menulis DAFTAR (atau membuka tautan klik-untuk-chat kantor); paling banyak "
         "3 kali sehari per nomor.", reply="flow"),
)
BY_NAME.update({k.name: k for k in REPLY_KINDS})

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
          "Oktober", "November", "Desember")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


class Skip(Exception):
    """Do not send this message (no longer true, no address, opted out). Reason for staff."""


class Defer(Exception):
    """Not yet (e.g. the Zoom link is still being made): look again in `seconds`; no attempt used."""

    def __init__(self, reason: str, seconds: int = 60):
        super().__init__(reason)
        self.seconds = seconds


class ConfigError(Exception):
    """The system is not set up to send this (e.g. no SITE_URL): fails for staff to see."""


# --- formatting -----------------------------------------------------------------------------

def long_date(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def days_text(days) -> str:
    return "; ".join(long_date(d if isinstance(d, date) else date.fromisoformat(d)) for d in days)


def session_times(start_utc: str) -> tuple[date, str, str]:
    """(WIB date, "09.00–09.30 WIB", "09.00 WIB") of a session start."""
    start = rules.parse_utc_iso(start_utc).astimezone(rules.WIB)
    end = start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes)
    return start.date(), f"{start:%H.%M}–{end:%H.%M} WIB", f"{start:%H.%M} WIB"


def whatsapp_param(value: object) -> str:
    """A body parameter as WhatsApp accepts it: no newlines or tabs, no more than 4 spaces in a row."""
    text = re.sub(r"[\r\n\t]+", " ", str(value))
    text = re.sub(r" {4,}", "   ", text).strip()
    return text or "-"


# --- broadcasts to past clients (services/broadcasts.py) -------------------------------------------
# Not in KINDS: WhatsApp only (no e-mail part), category MARKETING, composed by staff. "nama" and
# "tautan" are filled per recipient; the other parameters are the staff's text.
BROADCAST_PREFIX = "cc_siaran_"  # the broadcast templates' names begin so
BROADCAST_KINDS: tuple[Kind, ...] = (
    Kind(SIARAN_LAYANAN, "Kabar layanan", VISITOR, ("nama", "keterangan", "tautan"), False,
         "Siaran WhatsApp dari petugas ke klien yang pernah hadir (tidak ke nomor yang membalas BERHENTI)."),
    Kind(SIARAN_ACARA, "Undangan acara", VISITOR, ("nama", "acara", "tanggal", "tempat", "tautan"), False,
         "Siaran WhatsApp dari petugas ke klien yang pernah hadir (tidak ke nomor yang membalas BERHENTI)."),
    Kind(SIARAN_DAFTAR, "Ajakan daftar lewat WhatsApp", VISITOR, ("nama", "keterangan"), False,
         "Siaran WhatsApp dari petugas ke klien yang pernah hadir (tidak ke nomor yang membalas BERHENTI); "
         "tombolnya membuka formulir pendaftaran di WhatsApp (berlaku 7 hari).", flow_button="Daftar di WhatsApp"),
)
BY_NAME.update({k.name: k for k in BROADCAST_KINDS})
BROADCAST_FILLED = ("nama", "tautan")
BROADCAST_PARAM_LABELS = {"keterangan": "Isi kabar", "acara": "Nama acara", "tanggal": "Tanggal dan jam",
                          "tempat": "Tempat"}


def broadcast_sample(kind: Kind) -> dict:
    return {"nama": "Nurhayati", "tautan": "https://cleanclear.example.go.id/?src=wa-B20261201090000AB",
            "keterangan": "Bulan Desember kami membuka jadwal tambahan setiap Jumat untuk konsultasi laporan keuangan koperasi.",
            "acara": "Sosialisasi Koperasi Sehat", "tanggal": "Kamis, 10 Desember 2026 pukul 09.00 WIB",
            "tempat": "Aula Diskopukm Kabupaten Bogor, Cibinong"}


__all__ = ["format_reference"]  # callers format references through the catalog
