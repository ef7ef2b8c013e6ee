"""Demo data for `make run`: a team, rooms, a roster, the last service days (infra/local/demo_history.py)
and a few registrations waiting for a session.

Loaded at every start and safe to load again: team items are created only when missing and
registrations go through the API's own idempotency keys.
"""
from __future__ import annotations

from chalicelib import clock
from chalicelib.domain import rules, validation
from chalicelib.domain.errors import InputError
from chalicelib.services import registrations, roster, team
from infra.local import demo_history

ACTOR = "demo-data"

CONSULTANTS = [
    # id, name, services, topics, modes, staff e-mail, weekly pattern [(weekday, service)]
    ("K-SITI", "Siti Rahmawati, S.E.", ["koperasi"], ["pendirian_koperasi", "tata_kelola_rat", "kesehatan_koperasi", "keuangan"],
     ["tatap_muka", "daring"], "siti@demo.local", [(0, "koperasi"), (2, "koperasi"), (4, "koperasi")]),
    ("K-BUDI", "Budi Prasetyo", ["ukm"], ["pemasaran", "pengembangan_produk", "potensi_peluang"],
     ["tatap_muka", "daring"], "budi@demo.local", [(0, "ukm"), (1, "ukm"), (3, "ukm")]),
    ("K-RINA", "Rina Kusumawardani, S.H.", ["koperasi", "ukm"], ["legalitas", "pendirian_koperasi"],
     ["tatap_muka"], None, [(1, "koperasi"), (3, "koperasi"), (2, "ukm")]),
    ("K-AGUS", "Agus Salim", ["koperasi", "ukm"], ["simpan_pinjam", "keuangan", "operasional"],
     ["daring"], None, [(0, "koperasi"), (1, "koperasi"), (4, "ukm")]),
    ("K-MAYA", "Maya Anggraini", ["ukm"], ["keuangan", "pemasaran", "operasional"],
     ["tatap_muka", "daring"], None, [(2, "ukm"), (3, "ukm"), (4, "ukm")]),
]
ROOMS = [("R-1", "Ruang Klinik 1"), ("R-2", "Ruang Klinik 2")]

VISITORS = [
    ("Ahmad Fauzi", "0812-1000-0001", "Cibinong", "ukm", "Kopi Fauzi", None, "kuliner", ["pemasaran"], "daring"),
    ("Nurhayati", "0813-1000-0002", "Ciawi", "koperasi", "Koperasi Wanita Sejahtera", "tidak_aktif", None, ["tata_kelola_rat"], "tatap_muka"),
    ("Dedi Supriadi", "0857-1000-0003", "Jonggol", "koperasi", "Calon Koperasi Tani Jonggol", "belum_berdiri", None, ["pendirian_koperasi", "legalitas"], "daring"),
    ("Euis Komariah", "0821-1000-0004", "Leuwiliang", "ukm", "Keripik Euis", None, "kuliner", ["legalitas", "pengembangan_produk"], "tatap_muka"),
    ("Rudi Hermawan", "0812-1000-0005", "Parung", "ukm", "Bengkel Rudi", None, "jasa", ["keuangan"], "daring"),
    ("Lina Marlina", "0838-1000-0006", "Cisarua", "koperasi", "KSP Maju Bersama", "aktif", None, ["simpan_pinjam", "kesehatan_koperasi"], "daring"),
]


def _ensure_team() -> None:
    existing = {c.consultant_id for c in team.list_consultants()}
    for cid, name, services, topics, modes, staff_email, pattern in CONSULTANTS:
        if cid in existing:
            continue
        team.create_consultant(ACTOR, {
            "name": name, "whatsapp": None, "email": None, "services": services, "topics": topics,
            "modes": modes, "active": True, "staff_email": staff_email,
        }, consultant_id=cid)
        roster.set_weekly_pattern(ACTOR, cid, [{"weekday": d, "service": s} for d, s in pattern])
    rooms = {r.room_id for r in team.list_rooms()}
    for rid, name in ROOMS:
        if rid not in rooms:
            team.create_room(ACTOR, {"name": name, "active": True}, room_id=rid)


def _ensure_registrations() -> None:
    today = clock.today()
    offered = [d.isoformat() for d in validation.bookable_days(today, registrations.closed_days(today))]
    for n, (name, phone, kec, service, org, coop, sector, topics, mode) in enumerate(VISITORS):
        payload = {
            "name": name, "whatsapp": phone, "kecamatan": kec, "service": service, "org_name": org,
            "coop_status": coop, "business_sector": sector, "topics": topics, "mode": mode,
            "description": "Contoh pendaftaran untuk demo lokal: ingin berkonsultasi tentang " + ", ".join(rules.TOPICS[t].lower() for t in topics) + ".",
            "days": offered[n % 3: n % 3 + 3], "source": ["instagram", "whatsapp", "teman"][n % 3],
            "campaign": "demo" if n % 2 else None, "consent": True,
        }
        outcome = registrations.create_registration(payload, f"demo-data-registration-{n:04d}")
        if outcome.status not in (201, 429):
            raise InputError(outcome.body.get("errors", {}))


def load() -> None:
    _ensure_team()
    made = demo_history.load()  # before today's registrations: the past's allocator books only the past's
    _ensure_registrations()
    print("demo data: team, rooms, roster and registrations are in place"
          + ("; the last service days were played through (sessions, replies, feedback, a broadcast)" if made else ""),
          flush=True)
