"""Shared set-up for the evaluation and outreach tests: a small clinic and visitors."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from chalicelib.domain import rules
from chalicelib.services import roster, team
from chalicelib.store.models import Registration

ADMIN = "admin@demo.local"


def make_clinic() -> None:
    """Siti (koperasi, face to face or online) and Budi (UKM, online) on duty every weekday; one room."""
    team.create_consultant(ADMIN, {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["tata_kelola_rat"],
                                   "modes": ["tatap_muka", "daring"], "staff_email": "siti@demo.local"}, consultant_id="K-SITI")
    team.create_consultant(ADMIN, {"name": "Budi Prasetyo", "services": ["ukm"], "topics": ["pemasaran"],
                                   "modes": ["daring"], "staff_email": "budi@demo.local"}, consultant_id="K-BUDI")
    team.create_room(ADMIN, {"name": "Ruang Klinik 1"}, room_id="R-1")
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])
    roster.set_weekly_pattern(ADMIN, "K-BUDI", [{"weekday": d, "service": "ukm"} for d in range(5)])


def bookable_days(client) -> list[str]:
    return client.http.get("/public/options").json_body["days"]


def register(client, *, name="Nurhayati", phone="0813-2000-0001", service="koperasi", mode="tatap_muka", days=None,
             kecamatan="Ciawi", topics=None, source="teman", campaign=None, email=None) -> dict:
    days = days or [bookable_days(client)[0]]
    body = {"name": name, "whatsapp": phone, "kecamatan": kecamatan, "service": service, "org_name": "Usaha " + name,
            "coop_status": "aktif" if service == "koperasi" else None,
            "business_sector": "kuliner" if service == "ukm" else None,
            "topics": topics or ["tata_kelola_rat" if service == "koperasi" else "pemasaran"],
            "description": "Kami ingin memperbaiki tata kelola dan persiapan RAT tahun depan.", "mode": mode,
            "days": days, "source": source, "consent": True, "another": True}
    if campaign:
        body["campaign"] = campaign
    if email:
        body["email"] = email
    answer = client.http.post("/registrations", headers={"Content-Type": "application/json",
                                                         "Idempotency-Key": uuid.uuid4().hex}, body=json.dumps(body))
    assert answer.status_code == 201, answer.json_body
    out = dict(answer.json_body)
    out["ref"] = out["reference"].replace("-", "")
    return out


def session_of(reg: dict):
    from chalicelib.store.models import SessionRecord

    return SessionRecord.get(Registration.get(reg["ref"]).session_id)


def after_start(travel, session, minutes=10) -> None:
    """Let attendance be recorded: the clock moves to just after the session started."""
    travel.move_to(rules.parse_utc_iso(session.start) + timedelta(minutes=minutes))


def after_its_days(reference: str):
    """09.00 WIB the day after the registration's last offered day: its days have all passed
    (a fixed number of days later may not be, around a long holiday)."""
    from datetime import date, time

    last = max(date.fromisoformat(d) for d in Registration.get(reference.replace("-", "")).days)
    return rules.wib_datetime(last + timedelta(days=1), time(9, 0)).astimezone(rules.UTC)


def visitor_headers(reg: dict) -> dict:
    return {"X-Registration-Token": reg["token"], "Content-Type": "application/json"}
