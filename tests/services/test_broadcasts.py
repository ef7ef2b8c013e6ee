"""WhatsApp broadcasts to past clients: who gets one, pacing, never twice, delivery
counts, and the registrations that followed."""
import json
import uuid
from datetime import datetime, timedelta

import boto3
import pytest

from chalicelib.domain import rules
from chalicelib.messages import send as outbox
from chalicelib.messages import webhook
from chalicelib.services import broadcasts, privacy
from chalicelib.store.models import BroadcastRecord, CampaignRecord, OptOutRecord, OutboxRecord, Registration, TEAM
from tests.support.clinic import make_clinic, register

NOW = datetime.now(rules.UTC)
LAYANAN = {"template": "cc_siaran_layanan",
           "params": {"keterangan": "Desember ada jadwal tambahan setiap Jumat untuk laporan keuangan koperasi."}}


def past_client(reference, phone, *, service="koperasi", kecamatan="Cibinong", status="selesai", name="Klien"):
    stamp = rules.to_utc_iso(NOW - timedelta(days=40))
    Registration(reference, token_hash="x" * 64, status=status, created_at=stamp, created_month=stamp[:7],
                 queued_at=stamp, updated_at=stamp, name=name, name_search=name.casefold(), phone=phone,
                 kecamatan=kecamatan, service=service, org_name="Usaha " + name, topics=["keuangan"],
                 description="Konsultasi laporan keuangan.", mode="daring", days=[stamp[:10]], source="teman",
                 consent_at=stamp, consent_version="v1").save()


@pytest.fixture
def clients(aws, monkeypatch, tmp_path):
    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    make_clinic()
    past_client("AAAAA2", "+6281100000001", kecamatan="Ciawi", name="Andi")
    past_client("AAAAA3", "+6281100000001", kecamatan="Ciawi", name="Andi")  # Andi came twice: one message
    past_client("BBBBB2", "+6281100000002", service="ukm", name="Beni")
    past_client("CCCCC2", "+6281100000003", name="Citra")
    OptOutRecord("+6281100000003", keyword="berhenti", opted_out_at=rules.to_utc_iso(NOW)).save()
    past_client("DDDDD2", "+6281100000004", status="menunggu", name="Dewi")  # not a past client yet
    past_client("EEEEE2", "+6281100000005", name="Eko")
    privacy.anonymise(Registration.get("EEEEE2"))  # no number any more


def test_preview_counts_past_clients_by_service_and_kecamatan(admin, clients):
    everyone = admin.post("/staff/broadcasts/preview", LAYANAN).json_body
    assert (everyone["recipients"], everyone["opted_out"]) == (2, 1)  # Andi, Beni; Citra replied BERHENTI
    assert "Desember ada jadwal tambahan" in everyone["text"] and "?src=wa-" in everyone["text"]
    # The preview greets a real recipient of this broadcast (never one who replied BERHENTI).
    assert everyone["sample_name"] == "Andi" and "Andi" in everyone["text"] and "Nurhayati" not in everyone["text"]
    koperasi = admin.post("/staff/broadcasts/preview", {**LAYANAN, "service": "koperasi"}).json_body
    assert (koperasi["recipients"], koperasi["opted_out"]) == (1, 1)
    cibinong = admin.post("/staff/broadcasts/preview", {**LAYANAN, "kecamatan": ["Cibinong"]}).json_body
    assert (cibinong["recipients"], cibinong["opted_out"]) == (1, 1)  # Beni; Dewi is still waiting
    bad = admin.post("/staff/broadcasts/preview", {"template": "cc_sesi_terjadwal", "kecamatan": ["Atlantis"]})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"template", "kecamatan"}
    empty = admin.post("/staff/broadcasts/preview", {"template": "cc_siaran_layanan", "params": {}})
    assert "keterangan" in empty.json_body["errors"]


def test_broadcast_is_paced_sent_once_and_counted(client, admin, konsultan, clients, monkeypatch):
    assert konsultan.post("/staff/broadcasts", LAYANAN).status_code == 403
    key = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json", "Idempotency-Key": key}
    made = client.http.post("/staff/broadcasts", headers=headers, body=json.dumps(LAYANAN))
    assert made.status_code == 201
    again = client.http.post("/staff/broadcasts", headers=headers, body=json.dumps(LAYANAN))
    assert again.status_code == 200 and again.json_body["id"] == made.json_body["id"]  # a retried request
    bid = made.json_body["id"]
    assert CampaignRecord.get(TEAM, f"wa-{bid}").channel == "whatsapp"

    monkeypatch.setenv("BROADCAST_PER_MINUTE", "1")
    minute = datetime.now(rules.UTC).replace(second=0, microsecond=0)
    first = broadcasts.run(minute)
    assert first.queued == 1 and not first.finished
    assert broadcasts.run(minute + timedelta(seconds=30)).queued == 0  # the same minute: its pace is used up
    second = broadcasts.run(minute + timedelta(minutes=1))
    assert second.queued == 1
    third = broadcasts.run(minute + timedelta(minutes=2))
    assert third.queued == 0 and third.finished == 1 and third.opted_out == 1
    assert BroadcastRecord.get(TEAM, bid).status == "selesai"
    # A run that starts over (a lost cursor, a retry) writes nothing new.
    BroadcastRecord.get(TEAM, bid).update(actions=[BroadcastRecord.status.set("berjalan"), BroadcastRecord.cursor.remove()])
    monkeypatch.setenv("BROADCAST_PER_MINUTE", "20")
    redo = broadcasts.run(minute + timedelta(minutes=3))
    assert redo.queued == 0 and redo.duplicates == 3

    sent = outbox.send_due(minute + timedelta(minutes=5))
    texts = [json.loads(r.rendered)["text"] for r in OutboxRecord.by_status.query("sent")]
    assert len(texts) == 2 and all(f"https://klinik.example.go.id/?src=wa-{bid}" in t for t in texts)
    assert any(t.startswith("Halo Andi,") for t in texts) and any(t.startswith("Halo Beni,") for t in texts)
    assert sent.as_dict()
    records = list(OutboxRecord.by_status.query("sent"))
    webhook.apply_status(records[0].provider_message_id, "delivered")
    webhook.apply_status(records[1].provider_message_id, "read")  # its "delivered" never came
    counts = admin.get(f"/staff/broadcasts/{bid}").json_body["counts"]
    assert counts == {"queued": 2, "skipped": 1, "sent": 2, "delivered": 2, "read": 1, "failed": 0, "not_sent": 0}

    register(client, name="Andi", phone="0811-0000-0001", source="whatsapp", campaign=f"wa-{bid}")
    listed = {b["id"]: b for b in admin.get("/staff/broadcasts").json_body["items"]}
    assert listed[bid]["registrations"] == 1
    dash = admin.get("/staff/dashboard").json_body
    shown = next(b for b in dash["broadcasts"] if b["id"] == bid)
    assert shown["counts"]["delivered"] == 2 and shown["registrations"] == 1
    assert next(c for c in dash["campaigns"] if c["code"] == f"wa-{bid}")["registrations"] == 1


def test_daily_limit_holds_over_all_broadcasts(admin, clients, monkeypatch):
    monkeypatch.setenv("BROADCAST_DAILY_LIMIT", "1")
    admin.post("/staff/broadcasts", LAYANAN)
    admin.post("/staff/broadcasts", {"template": "cc_siaran_acara", "params": {
        "acara": "Sosialisasi Koperasi Sehat", "tanggal": "Kamis, 10 Desember 2026 pukul 09.00 WIB",
        "tempat": "Aula Diskopukm, Cibinong"}})
    now = datetime.now(rules.UTC)  # one clock for the three runs (a suite may cross midnight WIB)
    assert broadcasts.run(now).queued == 1
    assert broadcasts.run(now).queued == 0
    tomorrow = broadcasts.run(now + timedelta(days=1))
    assert tomorrow.queued == 1


def test_cancelled_broadcast_queues_no_more(admin, clients):
    bid = admin.post("/staff/broadcasts", LAYANAN).json_body["id"]
    assert admin.post(f"/staff/broadcasts/{bid}/cancel", {}).json_body["status"] == "dibatalkan"
    assert admin.post(f"/staff/broadcasts/{bid}/cancel", {}).status_code == 409
    assert broadcasts.run().queued == 0


def test_deleting_a_client_also_clears_their_broadcast_messages(admin, clients):
    admin.post("/staff/broadcasts", LAYANAN)
    broadcasts.run()
    outbox.send_due()
    privacy.anonymise(Registration.get("AAAAA3"), on_request=True)
    privacy.anonymise(Registration.get("AAAAA2"), on_request=True)
    dump = json.dumps(boto3.client("dynamodb", region_name="ap-southeast-3").scan(
        TableName=OutboxRecord.Meta.table_name)["Items"])
    assert "6281100000001" not in dump and "Andi" not in dump
    assert "6281100000002" in dump  # Beni's message is his, untouched


def test_overlapping_runs_together_keep_the_pace_and_the_daily_limit(admin, aws, monkeypatch, tmp_path):
    """Runs that overlap each read "nothing queued yet" before any of them wrote; the limits are
    conditions of each write, so together they still queue at most the pace a minute and the
    daily limit a day."""
    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    make_clinic()
    for i in range(12):
        past_client(f"PAST{i:02d}", f"+62811000001{i:02d}", name=f"Klien {i}")
    assert admin.post("/staff/broadcasts", LAYANAN).status_code == 201
    monkeypatch.setenv("BROADCAST_PER_MINUTE", "3")
    monkeypatch.setenv("BROADCAST_DAILY_LIMIT", "5")
    monkeypatch.setattr(broadcasts, "_daily_count", lambda day: 0)  # every run's read is out of date
    minute = datetime.now(rules.UTC).replace(second=0, microsecond=0)
    if rules.wib_now(minute).hour == 23 and rules.wib_now(minute).minute >= 55:
        minute -= timedelta(minutes=10)  # keep the three minutes in one WIB day
    queued = [broadcasts.run(minute + timedelta(seconds=s)).queued for s in (0, 10, 20)]
    assert sum(queued) == 3  # the pace of one minute, whatever the number of runs
    queued += [broadcasts.run(minute + timedelta(minutes=1, seconds=s)).queued for s in (0, 10)]
    assert sum(queued) == 5  # and the day's limit
    assert broadcasts.run(minute + timedelta(minutes=2)).queued == 0
    assert len(list(OutboxRecord.by_status.query("pending"))) == 5


def test_meta_refusing_a_broadcast_is_counted_apart_from_failed_messages(client, admin, clients, monkeypatch):
    """A marketing message Meta will not deliver (131049: the number's engagement limit) fails for
    good but raises BroadcastRefusals, not the FailedMessages alarm meant for the clinic's own."""
    import responses

    from chalicelib.adapters import metrics
    from tests.support.messages import GRAPH_URL, WA_ENV, wa_error

    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    emitted = []
    monkeypatch.setattr(metrics, "emit", lambda name, *a, **kw: emitted.append(name))
    made = admin.post("/staff/broadcasts", LAYANAN)
    assert made.status_code == 201
    minute = datetime.now(rules.UTC).replace(second=0, microsecond=0)
    broadcasts.run(minute)
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_error(131049, "This message was not delivered to maintain healthy ecosystem "
                                                    "engagement."), status=400)
        summary = outbox.send_due(minute + timedelta(minutes=1))
    assert summary.failed == 2
    assert emitted.count("BroadcastRefusals") == 2 and "FailedMessages" not in emitted
    counts = admin.get(f"/staff/broadcasts/{made.json_body['id']}").json_body["counts"]
    assert counts["failed"] == 2
