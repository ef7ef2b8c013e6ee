"""The audit trail read as sentences ("admin@… memindahkan sesi Ani Suryani ke Rabu 3 Des 13.30").
Pure: the caller hands in the names it looked up (visitors, consultants, rooms)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import rules
from .references import format_reference, normalize_reference

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
ACTORS = {"pengunjung": "Pengunjung", "penjadwal": "Penjadwal otomatis", "sistem": "Sistem"}


@dataclass
class Names:
    visitors: dict[str, str] = field(default_factory=dict)  # reference -> name
    consultants: dict[str, str] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # message template -> its label ("Sesi terjadwal")

    def visitor(self, reference: str | None) -> str:
        if not reference:
            return "pendaftaran"
        shown = format_reference(reference) if normalize_reference(reference) else reference
        name = self.visitors.get(reference)
        return f"{name} ({shown})" if name else shown

    def consultant(self, consultant_id: str | None) -> str:
        return self.consultants.get(consultant_id or "", consultant_id or "konsultan")

    def room(self, room_id: str | None) -> str:
        return self.rooms.get(room_id or "", room_id or "ruang")

    def template(self, name: str | None) -> str:
        return self.templates.get(name or "", "pesan")


def when(iso_utc: str | None) -> str:
    """"Rabu 3 Des 13.30" (WIB)."""
    if not iso_utc:
        return ""
    moment = rules.parse_utc_iso(iso_utc).astimezone(rules.WIB)
    return f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment:%H.%M}"


def day(iso_day: str | None) -> str:
    if not iso_day:
        return ""
    d = date.fromisoformat(iso_day)
    return f"{DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def _service(code: str | None) -> str:
    return rules.SERVICES.get(code, code) if code else "semua layanan"


def _days(values) -> str:
    return ", ".join(day(v) for v in values or []) or "-"


def sentence(actor: str, action: str, target: str, details: dict, names: Names) -> str:
    """One entry as a sentence in Indonesian; an unknown action still reads (its code is shown)."""
    who = ACTORS.get(actor, actor)
    d = details or {}
    visitor = names.visitor(target)
    phrases = {
        "sesi.jadwalkan": lambda: f"menjadwalkan sesi {visitor} pada {when(d.get('start'))} dengan {names.consultant(d.get('consultant'))}",
        "sesi.tetapkan": lambda: f"menetapkan sesi {visitor} pada {when(d.get('start'))} dengan {names.consultant(d.get('consultant'))}",
        "sesi.pindah": lambda: f"memindahkan sesi {visitor} ke {when(d.get('start'))} dengan {names.consultant(d.get('consultant'))}",
        "sesi.pindah_lepas": lambda: f"melepas jam lama sesi {visitor} untuk dipindah ke {when(d.get('to'))}",
        "sesi.batal_kantor": lambda: f"membatalkan sesi {visitor}" + ("; pendaftaran kembali ke antrean" if d.get("requeue") else ""),
        "sesi.batal_pengunjung": lambda: f"membatalkan sesinya sendiri ({visitor})",
        "sesi.minta_tanggal_lain": lambda: f"melepas sesinya dan meminta tanggal lain ({visitor}): {_days(d.get('days'))}",
        "sesi.hadir": lambda: f"mencatat {visitor} hadir",
        "sesi.tidak_hadir": lambda: f"mencatat {visitor} tidak hadir",
        "sesi.datang_langsung": lambda: f"menjadwalkan {visitor} yang datang langsung pada {when(d.get('start'))} dengan {names.consultant(d.get('consultant'))}",
        "pendaftaran.datang_langsung": lambda: f"mendaftarkan {visitor} yang datang langsung ke kantor (persetujuan data diminta secara lisan)",
        "pendaftaran.tanggal_loket": lambda: f"memasukkan {visitor} yang datang langsung ke antrean: {_days(d.get('days'))}",
        "pendaftaran.batal": lambda: f"membatalkan pendaftaran {visitor}",
        "pendaftaran.tanggal_baru": lambda: f"memilih tanggal baru untuk {visitor}: {_days(d.get('days'))}",
        "umpan_balik.kirim": lambda: f"mengirim umpan balik sesi {visitor}" + (" dan meminta sesi lanjutan" if d.get("follow_up") else ""),
        "catatan.simpan": lambda: f"menyimpan catatan sesi {visitor}",
        "konsultan.tambah": lambda: f"menambah konsultan {d.get('name') or names.consultant(target)}",
        "konsultan.ubah": lambda: f"mengubah data konsultan {names.consultant(target)}",
        "ruang.tambah": lambda: f"menambah ruang {d.get('name') or names.room(target)}",
        "ruang.ubah": lambda: f"mengubah ruang {names.room(target)}",
        "piket.pola": lambda: f"mengatur jadwal piket mingguan {names.consultant(target)}",
        "piket.salin_minggu": lambda: f"menyalin jadwal piket {names.consultant(target)}",
        "piket.tambahan": lambda: f"menambah piket {names.consultant(target)} pada {day(d.get('day'))} ({_service(d.get('service'))})",
        "piket.cuti": lambda: f"mencatat {names.consultant(target)} berhalangan pada {day(d.get('day'))} ({_service(d.get('service'))})",
        "piket.hapus_pengecualian": lambda: f"menghapus pengecualian piket {names.consultant(target)} pada {day(d.get('day'))}",
        "tutup.tambah": lambda: f"menutup layanan pada {day(target)} ({_service(d.get('service'))})"
                               + (f": {d['reason']}" if d.get("reason") else ""),
        "tutup.hapus": lambda: f"membuka kembali layanan pada {day(target)} ({_service(d.get('service'))})",
        "skm.tindak_lanjut": lambda: f"menyimpan tindak lanjut SKM periode {d.get('period') or target}",
        "kampanye.buat": lambda: f"membuat kampanye {target}",
        "kampanye.ubah": lambda: f"mengubah kampanye {target}",
        "kampanye.unggahan": lambda: f"mencatat unggahan kampanye {target}",
        "kampanye.tautkan_unggahan": lambda: f"menautkan unggahan {d.get('platform') or ''} ke kampanye {target} (dibaca otomatis)",
        "kampanye.hapus_unggahan": lambda: f"menghapus unggahan kampanye {target}",
        "siaran.buat": lambda: "membuat siaran WhatsApp",
        "siaran.batal": lambda: "membatalkan siaran WhatsApp",
        "zoom.ulangi": lambda: f"meminta rapat Zoom sesi {visitor} dibuat ulang",
        "sesi.konfirmasi_hadir": lambda: f"mengonfirmasi akan hadir lewat WhatsApp ({visitor})",
        "sesi.hasil": lambda: f"menjawab pertanyaan hasil tiga bulan lewat WhatsApp ({visitor}): {d.get('hasil') or '-'}",
        "pesan.kirim_ulang": lambda: f"mengirim ulang pesan \"{names.template(d.get('template'))}\" untuk {visitor}",
        "data.unduh": lambda: f"mengunduh data pribadi {visitor}" + ("" if actor == "pengunjung" else " atas permintaan pengunjung"),
        "data.hapus": lambda: f"menghapus data pribadi {visitor}" + ("" if actor == "pengunjung" else " atas permintaan pengunjung"),
    }
    make = phrases.get(action)
    what = make() if make else f"{action} ({target})"
    return f"{who} {what}".strip()
