"""The forecast through the app: the scheduled function publishes it, the signup page reads one
item, the coordinator sees the needs and asks "what if one more duty block"."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chalicelib.services import forecast, roster, team
from chalicelib.store.models import ForecastRecord
from tests.support.clinic import ADMIN, bookable_days, make_clinic, register


@pytest.fixture
def clinic(aws):
    make_clinic()


def published(client) -> dict:
    answer = client.http.get("/public/forecast")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    return answer.json_body["estimates"]


def run_schedule(client) -> dict:
    answer = client.lambda_.invoke("forecast", {"version": "0", "id": "t", "detail-type": "Scheduled Event",
                                                "source": "aws.events", "account": "1", "time": "2026-12-01T00:00:00Z",
                                                "region": "ap-southeast-3", "resources": [], "detail": {}})
    return answer.payload


def test_the_scheduled_function_publishes_what_the_signup_page_reads(client, clinic, dynamo_ops):
    assert published(client) == {}  # nothing computed yet: the page shows nothing rather than a guess
    summary = run_schedule(client)
    assert summary["waiting"] == 0 and summary["free_seats"] > 0
    estimates = published(client)
    # Siti works face to face and online for koperasi; Budi only online for UKM.
    assert estimates["koperasi"]["tatap_muka"]["status"] == "ok"
    assert estimates["koperasi"]["tatap_muka"]["text"].startswith("Perkiraan: sesi dalam 1")
    assert estimates["ukm"]["daring"]["status"] == "ok"
    assert estimates["ukm"]["tatap_muka"]["status"] == "tanpa_slot"
    assert "belum tersedia" in estimates["ukm"]["tatap_muka"]["text"]
    dynamo_ops.clear()
    published(client)
    assert dynamo_ops == ["GetItem"]  # one small item: no Query, no Scan, no computation per request
    assert ForecastRecord.get("public").computed_at.endswith("Z")


@pytest.mark.instants
def test_a_queue_pushes_the_estimate_back(client, clinic):
    run_schedule(client)
    before = published(client)["ukm"]["daring"]
    first = bookable_days(client)[0]
    # 40 UKM visitors wait for the first day only: Budi's 6 seats a day cannot take them all.
    for n in range(40):
        register(client, name=f"Antre {n}", phone=f"0813-7{n:03d}-0001", service="ukm", mode="daring", days=[first])
    run_schedule(client)
    after = published(client)["ukm"]["daring"]
    assert after["median"] >= before["median"] and after["p90"] >= before["p90"]
    assert after != before
    staff = forecast.staff_view()
    assert staff["waiting"] == 40


@pytest.mark.instants
def test_coordinator_sees_needs_and_asks_what_one_more_block_does(client, clinic, admin, konsultan):
    days = bookable_days(client)
    for n in range(30):
        register(client, name=f"Ukm {n}", phone=f"0813-6{n:03d}-0001", service="ukm", mode="daring", days=days[:2])
    run_schedule(client)
    view = admin.get("/staff/forecast").json_body
    rows = [r for r in view["needs"] if r["service"] == "ukm" and r["mode"] == "daring"]
    assert len(rows) == forecast.NEED_WEEKS and rows[0]["on_roster"] > 0
    assert konsultan.get("/staff/forecast").status_code == 403
    assert konsultan.post("/staff/forecast/what-if", {}).status_code == 403

    # Siti also takes UKM on the second day: the allocator serves more of the queue, sooner.
    team.update_consultant(ADMIN, "K-SITI", {"name": "Siti Rahmawati", "services": ["koperasi", "ukm"],
                                             "topics": ["tata_kelola_rat"], "modes": ["tatap_muka", "daring"],
                                             "staff_email": "siti@demo.local"})
    answer = admin.post("/staff/forecast/what-if", {"consultant_id": "K-SITI", "day": days[1], "service": "ukm"})
    assert answer.status_code == 200, answer.json_body
    body = answer.json_body
    assert body["added_seats"] == 6 and body["consultant_name"] == "Siti Rahmawati"
    before, after = body["before"]["allocator"], body["after"]["allocator"]
    assert before["waiting"] == after["waiting"] == 30
    assert after["served"] == before["served"] + 6
    assert body["after"]["estimates"]["daring"]["median"] <= body["before"]["estimates"]["daring"]["median"]
    # Nothing was written: the roster is unchanged.
    assert not [e for e in roster.list_exceptions(date.fromisoformat(days[1]), date.fromisoformat(days[1]))]


def test_what_if_refuses_bad_choices_per_field(client, clinic, admin):
    days = bookable_days(client)
    saturday = date.fromisoformat(days[0])
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    bad = admin.post("/staff/forecast/what-if", {"consultant_id": "", "day": saturday.isoformat(), "service": "pajak"})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"consultant_id", "day", "service"}
    far = admin.post("/staff/forecast/what-if", {"consultant_id": "K-BUDI", "day": "2030-01-07", "service": "ukm"})
    assert far.status_code == 400 and "minggu ke depan" in far.json_body["errors"]["day"]
    wrong = admin.post("/staff/forecast/what-if", {"consultant_id": "K-BUDI", "day": days[0], "service": "koperasi"})
    assert wrong.status_code == 400 and "tidak melayani" in wrong.json_body["errors"]["service"]
    missing = admin.post("/staff/forecast/what-if", {"consultant_id": "K-NOPE", "day": days[0], "service": "ukm"})
    assert missing.status_code == 404


def test_the_confirmation_quotes_the_estimate_the_visitor_saw(client, clinic, monkeypatch, tmp_path):
    from chalicelib.domain import words as words_
    from chalicelib.messages import send as outbox
    from chalicelib.store.models import OutboxRecord

    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SITE_URL", "https://cleanclear.example.go.id")
    early = register(client, name="Sebelum", phone="0813-5000-0001", email="a@example.org")  # nothing published yet
    run_schedule(client)
    words = published(client)["koperasi"]["tatap_muka"]["text"]
    later = register(client, name="Sesudah", phone="0813-5000-0002", email="b@example.org")
    outbox.send_due()

    def texts(reg):
        return [json.loads(r.rendered)["text"] for r in OutboxRecord.by_status.query("sent")
                if r.reference == reg["ref"] and r.template == "cc_pendaftaran_diterima"]

    said = "Perkiraan waktu tunggu: " + words.removeprefix("Perkiraan: ")
    assert len(texts(later)) == 2 and all(said in t for t in texts(later))  # WhatsApp and e-mail
    assert all("Perkiraan waktu tunggu: " + words_.NO_ESTIMATE in t for t in texts(early))


@pytest.mark.parametrize("body", [{}, {"service": []}, {"service": {}}, {"day": []}, {"consultant_id": ["K-SITI"]},
                                  {"service": None, "day": None, "consultant_id": None}, [], "ukm", 7])
def test_what_if_answers_a_field_message_for_any_shape_of_body(client, clinic, admin, body):
    answer = admin.post("/staff/forecast/what-if", body)
    assert answer.status_code == 400, answer.json_body
    errors = answer.json_body["errors"]
    assert errors and all(isinstance(v, str) and v for v in errors.values())
