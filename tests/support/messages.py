"""Shared set-up for the message tests: a small clinic, registrations and sessions written
directly (so every time in a test is chosen by the test), and the WhatsApp answer shapes."""
from __future__ import annotations

import json
import time as clock
import secrets
from datetime import date, datetime, time

from chalicelib.domain import rules
from chalicelib.services import team
from chalicelib.store.models import Registration, SessionRecord

ADMIN = "admin@demo.local"
GRAPH_URL = "https://graph.facebook.com/v26.0/1098765432/messages"  # the default Graph version
WA_ENV = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG-test-token",
    "WHATSAPP_PHONE_NUMBER_ID": "1098765432",
    "WHATSAPP_APP_SECRET": "app-secret-for-tests",
    "WHATSAPP_VERIFY_TOKEN": "verify-token-for-tests",
}
PAST = datetime(2026, 1, 5, 1, 0, tzinfo=rules.UTC)  # long before every session in these tests


def wib(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=rules.WIB)


def make_clinic() -> None:
    team.create_consultant(ADMIN, {"name": "Siti Rahmawati", "whatsapp": "0812-7000-0001", "email": "siti@example.org",
                                   "services": ["koperasi"], "topics": ["tata_kelola_rat"],
                                   "modes": ["tatap_muka", "daring"]}, consultant_id="K-SITI")
    team.create_room(ADMIN, {"name": "Ruang Klinik 1"}, room_id="R-1")


def make_registration(reference: str = "KPB7QX", *, name: str = "Nurhayati", phone: str = "+6281320000001",
                      email: str | None = None, status: str = rules.STATUS_SCHEDULED, days=("2026-11-09",),
                      mode: str = rules.MODE_TATAP_MUKA) -> Registration:
    stamp = rules.to_utc_iso(PAST)
    reg = Registration(reference, token_hash="x" * 64, status=status, created_at=stamp, created_month="2026-01",
                       queued_at=rules.to_utc_iso_precise(PAST), updated_at=stamp, name=name, name_search=name.casefold(),
                       phone=phone, email=email, kecamatan="Ciawi", service="koperasi", org_name="Koperasi Tani Makmur",
                       coop_status="aktif", topics=["tata_kelola_rat"], description="Persiapan RAT tahun depan.",
                       mode=mode, days=list(days), source="teman", consent_at=stamp, consent_version="v1")
    reg.save()
    return reg


def make_session(reg: Registration, start: datetime, *, mode: str = rules.MODE_TATAP_MUKA,
                 status: str = rules.SESSION_SCHEDULED, created: datetime = PAST, **fields) -> SessionRecord:
    session = SessionRecord(
        "S-" + secrets.token_hex(6).upper(), reference=reg.reference, seat_id=f"K-SITI#{rules.to_utc_iso(start)}",
        start=rules.to_utc_iso(start), day=start.astimezone(rules.WIB).date().isoformat(), service="koperasi",
        mode=mode, consultant_id="K-SITI", room_id="R-1" if mode == rules.MODE_TATAP_MUKA else None, status=status,
        created_at=rules.to_utc_iso(created), updated_at=rules.to_utc_iso(created), created_by="test", **fields)
    session.save()
    reg.update(actions=[Registration.session_id.set(session.session_id)])
    return session


def wa_ok(message_id: str = "wamid.HBgLNjI4MTMyMDAwMDAwMRUCABEYEjQ5", to: str = "6281320000001") -> dict:
    return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": message_id}]}


def wa_error(code: int, message: str, status_type: str = "OAuthException") -> dict:
    return {"error": {"message": message, "type": status_type, "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "AbCdEf123"}}


def webhook_statuses(*items) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "628120000000", "phone_number_id": "1098765432"},
        "statuses": [{"id": wamid, "status": status, "timestamp": "1794000000", "recipient_id": "6281320000001",
                      **({"errors": [{"code": 131026, "title": "Message undeliverable"}]} if status == "failed" else {})}
                     for wamid, status in items]}}]}]}).encode()


def webhook_text(from_number: str, text: str, message_id: str | None = None, timestamp: int | None = None) -> bytes:
    """A visitor's text as Meta's webhook delivers it (each message has its own wamid)."""
    return webhook_messages(from_number, [{"type": "text", "text": {"body": text}}], message_id, timestamp)


def webhook_messages(from_number: str, messages: list[dict], message_id: str | None = None,
                     timestamp: int | None = None) -> bytes:
    """Meta's `messages` webhook for a visitor's messages (each dict: type + its object, and
    `context` for a tap), with wamids and the timestamp filled in."""
    stamp = str(timestamp if timestamp is not None else int(clock.time()))
    items = [{"from": from_number, "id": message_id if message_id and len(messages) == 1 else
              "wamid.IN" + secrets.token_hex(10).upper(), "timestamp": stamp, **m} for m in messages]
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "628120000000", "phone_number_id": "1098765432"},
        "contacts": [{"profile": {"name": "Pengunjung"}, "wa_id": from_number}],
        "messages": items}}]}]}).encode()
