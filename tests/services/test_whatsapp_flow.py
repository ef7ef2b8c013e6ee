"""Registering inside WhatsApp, end to end with real cryptography: a visitor writes DAFTAR, gets the
Flow message (through the Graph API, answered by `responses` in Meta's shapes), WhatsApp's side
(infra/local/whatsapp_flow.FlowVisitor) encrypts every data-exchange request with the endpoint's
public key and signs it with the app secret, and the completion arrives as Meta's `nfm_reply`
webhook. Each test checks what the visitor or the office would notice."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest

from chalicelib.adapters import flow_crypto, whatsapp_inbound
from chalicelib.domain import flow_json, rules
from chalicelib.domain import flows as domain_flows
from chalicelib.services import capacity, flows, registrations
from chalicelib.store.models import InboundRecord, Registration, SessionRecord
from infra.local.whatsapp_flow import FlowVisitor, completion, walk
from tests.services.test_whatsapp_replies import graph  # noqa: F401 (fixture)
from tests.support.clinic import make_clinic
from tests.support.messages import WA_ENV

PHONE = "6281320000091"
OTHER = "6281320000092"
KEY = flow_crypto.new_private_key_pem()
PUBLIC = flow_crypto.public_key_pem(flow_crypto._load(KEY.encode(), None))


@pytest.fixture
def flow_env(graph, monkeypatch):  # noqa: F811 (the fixture above)
    monkeypatch.setenv("WHATSAPP_FLOW_PRIVATE_KEY", KEY)
    monkeypatch.setenv("WHATSAPP_FLOW_ID", "1234567890")
    return graph


@pytest.fixture
def clinic(aws):
    make_clinic()


def transport(client):
    def post(path, raw, headers):
        answer = client.http.post(path, headers=headers, body=raw)
        return answer.status_code, answer.body.decode() if isinstance(answer.body, bytes) else (answer.body or "")
    return post


def write(client, number: str, text: str, message_id: str | None = None):
    item = {"type": "text", "text": {"body": text}}
    from infra.local.whatsapp_reply import webhook

    raw = json.loads(webhook(number, item))
    if message_id:
        raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = message_id
    return post_webhook(client, json.dumps(raw).encode())


def post_webhook(client, raw: bytes):
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, WA_ENV["WHATSAPP_APP_SECRET"])}
    answer = client.http.post("/webhooks/whatsapp", headers=headers, body=raw)
    assert answer.status_code == 200, answer.body
    return answer


def flow_messages(sent: list, number: str = PHONE) -> list:
    return [m for m in sent if m["to"] == number and (m.get("interactive") or {}).get("type") == "flow"]


def open_flow(client, sent, text: str = "DAFTAR", number: str = PHONE) -> FlowVisitor:
    write(client, number, text)
    message = flow_messages(sent, number)[-1]
    token = message["interactive"]["action"]["parameters"]["flow_token"]
    return FlowVisitor(transport(client), PUBLIC, WA_ENV["WHATSAPP_APP_SECRET"], token)


def registrations_of(phone: str) -> list:
    return list(Registration.by_phone.query("+" + phone))


def test_daftar_to_confirmation_in_the_chat(client, clinic, flow_env, admin):
    sent = flow_env
    visitor = open_flow(client, sent, "daftar IG-POSTER")
    message = flow_messages(sent)[-1]["interactive"]
    assert message["action"]["parameters"]["flow_id"] == "1234567890"
    assert message["action"]["parameters"]["flow_cta"] == "Daftar konsultasi"
    assert ".IG-POSTER." in visitor.token  # the token names the campaign
    done = walk(visitor, service="koperasi", mode="daring", days=2)
    assert done["screen"] == "SELESAI"
    reference = done["data"]["reference"]
    [reg] = registrations_of(PHONE)
    assert (reg.channel, reg.campaign, reg.phone, reg.mode) == ("whatsapp", "IG-POSTER", "+" + PHONE, "daring")
    assert len(reg.days) == 2 and reg.consent_at
    # The visitor taps "Selesai": the completion arrives; the confirmation goes out in the chat.
    before = len(sent)
    post_webhook(client, completion(PHONE, visitor.token, reference))
    confirmation = [m for m in sent[before:] if m.get("type") == "template"]
    assert [m["template"]["name"] for m in confirmation] == ["cc_pendaftaran_diterima"]
    assert reference in json.dumps(confirmation[0], ensure_ascii=False)
    detail = admin.get(f"/staff/registrations/{reference}")
    assert detail.json_body["channel_label"] == "WhatsApp"


def test_health_check_and_error_notifications(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    assert visitor.raw({"version": "3.0", "action": "ping"}) == (200, {"data": {"status": "active"}})
    status, answer = visitor.request("data_exchange", "HARI", {"error": "INVALID_SCREEN", "error_message": "x"})
    assert (status, answer) == (200, {"data": {"acknowledged": True}})


def test_bad_signature_undecryptable_and_broken_requests(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    payload = {"version": "3.0", "action": "ping"}
    assert visitor.raw(payload, sign_with="not-the-app-secret")[0] == 432
    other_key = flow_crypto.public_key_pem(flow_crypto._load(flow_crypto.new_private_key_pem().encode(), None))
    assert visitor.raw(payload, public_pem=other_key)[0] == 421  # WhatsApp refetches our public key
    for raw in (b"not json", b'{"encrypted_aes_key": "AAAA"}', b"[]"):
        headers = {"X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, WA_ENV["WHATSAPP_APP_SECRET"]),
                   "Content-Type": "application/json"}
        assert client.http.post("/webhooks/whatsapp-flow", headers=headers, body=raw).status_code == 421


def test_forged_moved_expired_and_reused_tokens_are_refused(client, clinic, flow_env, travel):
    visitor = open_flow(client, flow_env, "DAFTAR POSTER-A")
    _, token_id, campaign, signature = visitor.token.split(".")
    forged = [f"cf1.{secrets.token_urlsafe(16)}.{campaign}.{signature}",  # an id we never issued
              f"cf1.{token_id}.POSTER-B.{signature}",  # moved to another campaign
              f"cf1.{token_id}.{campaign}.{'A' * 22}",  # a made-up signature
              "anything"]
    for token in forged:
        status, answer = visitor.request("data_exchange", "LAYANAN", {"service": "koperasi", "mode": "daring"}, token)
        assert status == 427 and "tidak dikenali" in answer["error_msg"]
    done = walk(visitor, service="koperasi", mode="daring")
    assert done["screen"] == "SELESAI"
    status, answer = visitor.request("data_exchange", "LAYANAN", {"service": "koperasi", "mode": "daring"})
    assert status == 427 and "sudah terkirim" in answer["error_msg"]  # a finished Flow cannot register again
    later = open_flow(client, flow_env, "DAFTAR")
    travel.shift(flows.VALID + timedelta(minutes=1))
    status, answer = later.request("data_exchange", "LAYANAN", {"service": "koperasi", "mode": "daring"})
    assert status == 427 and "tidak berlaku" in answer["error_msg"]
    assert len(registrations_of(PHONE)) == 1


def test_double_submit_and_completion_delivered_twice_make_one_registration(client, clinic, flow_env):
    sent = flow_env
    visitor = open_flow(client, sent)
    first = walk(visitor, service="koperasi", mode="daring")
    [reg] = registrations_of(PHONE)
    carried = {"service": "koperasi", "mode": "daring", "days": list(reg.days), "topics": ["tata_kelola_rat"]}
    repeat = visitor.exchange("PERSETUJUAN", {**carried, "name": "Pengunjung Formulir WhatsApp", "kecamatan": "Cibinong",
                                              "org_name": "Koperasi Contoh", "org_choice": "aktif",
                                              "description": "Ingin belajar mencatat keuangan usaha dengan rapi.",
                                              "consent": True})
    assert repeat["data"]["reference"] == first["data"]["reference"]  # the same registration answered again
    wamid = "wamid.FLOW" + secrets.token_hex(8).upper()
    before = len(sent)
    for _ in range(2):
        post_webhook(client, completion(PHONE, visitor.token, first["data"]["reference"], wamid))
    assert len(registrations_of(PHONE)) == 1
    assert len([m for m in sent[before:] if m.get("type") == "template"]) == 1
    assert InboundRecord.get(wamid).outcome == "terdaftar"


def first_day(visitor) -> str:
    return visitor.exchange("LAYANAN", {"service": "koperasi", "mode": "daring"})["data"]["days"][0]["id"]


def test_completion_from_another_number_changes_nothing(client, clinic, flow_env):
    sent = flow_env
    visitor = open_flow(client, sent)
    done = walk(visitor, service="koperasi", mode="daring")
    before = len(sent)
    wamid = "wamid.OTHER" + secrets.token_hex(8).upper()
    post_webhook(client, completion(OTHER, visitor.token, done["data"]["reference"], wamid))
    assert sent[before:] == [] and InboundRecord.get(wamid).outcome == "nomor_lain"


def test_the_day_filled_up_meanwhile_keeps_the_place_in_the_queue(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    day = first_day(visitor)
    hari = visitor.exchange("HARI", {"service": "koperasi", "mode": "daring", "days": [day],
                                     "topics": ["tata_kelola_rat"]})
    assert hari["screen"] == "DATA_DIRI" and hari["data"]["estimate"]
    fill(day)  # other visitors take every seat of that day while this one types
    done = visitor.exchange("PERSETUJUAN", {**{k: hari["data"][k] for k in ("service", "mode", "days", "topics")},
                                            "name": "Pengunjung Antrean", "kecamatan": "Ciawi",
                                            "org_name": "Koperasi Antrean", "org_choice": "aktif",
                                            "description": "Persiapan rapat anggota tahunan koperasi kami.",
                                            "consent": True})
    assert done["screen"] == "SELESAI" and "antrean" in done["data"]["message"]
    [reg] = registrations_of(PHONE)
    assert reg.status == rules.STATUS_WAITING and reg.days == [day]


def fill(day: str) -> None:
    from datetime import date

    for n, slot in enumerate(capacity.free_slots(date.fromisoformat(day), date.fromisoformat(day))):
        stamp = rules.to_utc_iso(slot.start)
        SessionRecord(f"S-FULL{n:04d}", reference=f"FULL{n:02d}", seat_id=slot.seat_id, start=stamp, day=day,
                      service=slot.service, mode=rules.MODE_DARING, consultant_id=slot.seat_id.split("#")[0],
                      status=rules.SESSION_SCHEDULED, created_at=stamp, updated_at=stamp, created_by="test").save()


def test_field_errors_come_back_on_the_screen_and_nothing_is_stored(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    day = first_day(visitor)
    base = {"service": "koperasi", "mode": "daring", "days": [day], "topics": ["tata_kelola_rat"], "org_name": "Kop",
            "org_choice": "aktif", "description": "Persiapan rapat anggota tahunan koperasi kami.", "consent": True}
    answer = visitor.exchange("PERSETUJUAN", {**base, "name": "Ani Lestari", "kecamatan": "Kota Bogor"})
    assert answer["screen"] == "PERSETUJUAN"
    assert answer["data"]["error_message"].startswith("Kecamatan: Kecamatan tidak dikenal")
    assert "halaman data diri" in answer["data"]["error_message"]
    answer = visitor.exchange("PERSETUJUAN", {**base, "name": "Ani Lestari", "kecamatan": "Ciawi", "consent": False})
    assert answer["data"]["error_message"].startswith("Persetujuan: ")
    assert registrations_of(PHONE) == []


def test_no_consultant_for_the_choice_is_said_on_the_first_screen(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    answer = visitor.exchange("LAYANAN", {"service": "ukm", "mode": "tatap_muka"})  # Budi is online only
    assert answer["screen"] == "LAYANAN" and "Belum ada konsultan" in answer["data"]["error_message"]


def test_the_numbers_limit_holds_in_the_flow(client, clinic, flow_env, monkeypatch):
    monkeypatch.setenv("MAX_OPEN_PER_PHONE", "1")
    first = walk(open_flow(client, flow_env), service="koperasi", mode="daring")
    assert first["screen"] == "SELESAI"
    second = open_flow(client, flow_env)
    message = flow_messages(flow_env)[-1]["interactive"]["body"]["text"]
    assert first["data"]["reference"] in message  # told of the registration still going on
    refused = walk(second, service="koperasi", mode="daring")
    assert refused["screen"] == "PERSETUJUAN" and "sudah punya 1 pendaftaran" in refused["data"]["error_message"]
    assert len(registrations_of(PHONE)) == 1


def test_at_most_three_flows_a_day_per_number(client, clinic, flow_env):
    for n in range(4):
        write(client, PHONE, "DAFTAR")
    assert len(flow_messages(flow_env)) == 3


def test_endpoint_answers_stay_within_metas_limits(client, clinic, flow_env):
    visitor = open_flow(client, flow_env)
    hari = visitor.exchange("LAYANAN", {"service": "koperasi", "mode": "daring"})
    assert hari["data"]["days"] and flow_json.data_problems("HARI", hari["data"]) == []
    diri = visitor.exchange("HARI", {"service": "koperasi", "mode": "daring", "days": [hari["data"]["days"][0]["id"]],
                                     "topics": ["tata_kelola_rat"]})
    assert flow_json.data_problems("DATA_DIRI", diri["data"]) == []


def test_a_registration_made_in_the_flow_is_one_of_the_web_forms_rules():
    """Same validation: the Flow's answers become the web form's payload."""
    payload = domain_flows.registration_payload({"service": "ukm", "org_choice": "kuliner", "consent": True},
                                               "+6281320000091", "X")
    assert payload["business_sector"] == "kuliner" and payload["coop_status"] is None
    assert payload["whatsapp"] == "+6281320000091" and payload["consent"] is True
    assert registrations.FLOW.channel == rules.CHANNEL_WHATSAPP


def test_a_broadcast_carries_the_flow_bound_to_each_recipient(client, admin, clinic, flow_env):
    """cc_siaran_daftar: its FLOW button opens the signup Flow for that recipient and the
    broadcast's campaign; the registration is counted for the broadcast."""
    from chalicelib.messages import send as outbox
    from chalicelib.services import broadcasts
    from tests.services.test_broadcasts import past_client

    past_client("AAAAA2", "+" + PHONE, name="Andi")
    past_client("BBBBB2", "+" + OTHER, name="Beni")
    made = admin.post("/staff/broadcasts", {"template": "cc_siaran_daftar",
                                            "params": {"keterangan": "Desember ada jadwal tambahan setiap Jumat."}})
    assert made.status_code == 201, made.json_body
    bid = made.json_body["id"]
    now = clock_now()
    assert broadcasts.run(now).queued == 2
    outbox.send_due(now + timedelta(minutes=1))
    buttons = {m["to"]: c for m in flow_env if m.get("type") == "template" for c in m["template"]["components"]
               if c.get("sub_type") == "flow"}
    assert set(buttons) == {PHONE, OTHER}
    token = buttons[PHONE]["parameters"][0]["action"]["flow_token"]
    assert f".wa-{bid}." in token and token != buttons[OTHER]["parameters"][0]["action"]["flow_token"]
    done = walk(FlowVisitor(transport(client), PUBLIC, WA_ENV["WHATSAPP_APP_SECRET"], token), service="koperasi",
                mode="daring")
    assert done["screen"] == "SELESAI"
    [reg] = [r for r in registrations_of(PHONE) if r.channel == "whatsapp"]
    assert reg.campaign == f"wa-{bid}"
    # Andi's token is Andi's: the completion from Beni's number is refused.
    wamid = "wamid.X" + secrets.token_hex(8).upper()
    post_webhook(client, completion(OTHER, token, done["data"]["reference"], wamid))
    assert InboundRecord.get(wamid).outcome == "nomor_lain"


def clock_now():
    from chalicelib import clock

    return clock.now()
