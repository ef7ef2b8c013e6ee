"""The visitor's data rights (UU PDP): download, deletion on request, and retention.

The proof that personal data is gone reads EVERY table of ALL_MODELS with a plain boto3 Scan in
the test itself (outside PynamoDB's Connection.dispatch, which the `aws` fixture watches for
Scans on request paths)."""
import json
import secrets
from datetime import datetime, timedelta

import boto3
import pytest

from chalicelib import clock
from chalicelib.domain import counters as stats
from chalicelib.domain import rules
from chalicelib.messages import send as outbox
from chalicelib.adapters.whatsapp_inbound import Inbound
from chalicelib.services import allocation, feedback, privacy, whatsapp_inbox
from chalicelib.store import stats as stats_store
from chalicelib.store.models import ALL_MODELS, NoteRecord, Registration
from tests.support.clinic import (
    after_start,
    bookable_days,
    make_clinic,
    register,
    session_of,
    visitor_headers,
)

NAME, PHONE, EMAIL = "Rahmat Hidayat", "0813-9900-0001", "rahmat.hidayat@contoh.id"
NEEDLES = [NAME.casefold(), "+6281399000001", "6281399000001", "081399000001", EMAIL]
OTHER = "Sri Wahyuni"


@pytest.fixture
def clinic(aws, monkeypatch, tmp_path):
    monkeypatch.setenv("SITE_URL", "http://localhost:8080")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    make_clinic()


def table_texts() -> dict[str, str]:
    """Every item of every table, as lower-case JSON text (a Scan in the TEST, not in the code)."""
    client = boto3.client("dynamodb", region_name="ap-southeast-3")
    out = {}
    for model in ALL_MODELS:
        items, kwargs = [], {"TableName": model.Meta.table_name}
        while True:
            page = client.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out[model.Meta.table_name] = json.dumps(items, ensure_ascii=False).casefold()
    return out


def holding(texts: dict[str, str], needles=NEEDLES) -> dict[str, list[str]]:
    return {table: [n for n in needles if n in text] for table, text in texts.items() if any(n in text for n in needles)}


def a_full_history(client, admin, monkeypatch, travel, *, follow_up=True) -> dict:
    """Rahmat registers, is booked, gets his messages, comes, the consultant writes notes, he
    answers the feedback form (asking for a follow-up) and replies BERHENTI on WhatsApp."""
    days = bookable_days(client)
    reg = register(client, name=NAME, phone=PHONE, email=EMAIL, days=[days[0]])
    assert allocation.run().booked == 1
    outbox.send_due()
    session = session_of(reg)
    after_start(travel, session)
    assert admin.post(f"/staff/sessions/{session.session_id}/attendance", {"status": "hadir"}).status_code == 200
    assert admin.put(f"/staff/sessions/{session.session_id}/notes", {
        "problem": f"Pak {NAME} ({PHONE}) belum pernah RAT.", "advice": "Susun jadwal RAT.", "follow_up": True,
        "referral": ""}).status_code == 200
    link = feedback.link_for(session.session_id)
    parts = dict(p.split("=", 1) for p in link.split("#", 1)[1].split("&"))
    answer = {"e": parts["e"], "t": parts["t"], "satisfaction": 5, "answered": "ya", "helpfulness": 5, "recommend": 10,
              "improve": f"Terima kasih, saya {NAME}, hubungi {EMAIL} bila ada info.", "follow_up": follow_up}
    if follow_up:
        answer["days"] = [days[2]]
    sent = client.http.post(f"/feedback/{session.session_id}", headers={"Content-Type": "application/json"}, body=json.dumps(answer))
    assert sent.status_code == 201, sent.json_body
    outbox.send_due()
    for text in (f"Halo, saya {NAME}, apakah bisa pindah hari?", "BERHENTI"):
        whatsapp_inbox.handle(Inbound("+6281399000001", text, "wamid.P" + secrets.token_hex(6), "text"))
    return reg


def test_visitor_downloads_everything_stored_about_them(client, clinic, admin, monkeypatch, travel):
    reg = a_full_history(client, admin, monkeypatch, travel)
    answer = client.http.get(f"/registrations/{reg['reference']}/data", headers=visitor_headers(reg))
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.body)
    first, follow = data["registrations"]
    assert first["registration"]["name"] == NAME and first["registration"]["email"] == EMAIL
    assert first["registration"]["phone"] == "+6281399000001" and "token_hash" not in first["registration"]
    assert [s["status"] for s in first["sessions"]] == ["hadir"]
    assert first["feedback"][0]["improve"].startswith("Terima kasih") and first["notes"][0]["advice"] == "Susun jadwal RAT."
    assert {m["channel"] for m in first["messages"]} == {"whatsapp", "email"}
    assert any(m["to"] for m in first["messages"])
    assert follow["registration"]["follow_up_of"] == reg["ref"]
    wrong = client.http.get(f"/registrations/{reg['reference']}/data", headers={"X-Registration-Token": "salah"})
    assert wrong.status_code == 404 and NAME not in wrong.body.decode()


@pytest.mark.instants
def test_deletion_leaves_no_name_phone_or_email_in_any_table(client, clinic, admin, monkeypatch, travel):
    registered_on = clock.today()  # the history below moves the clock on to the session
    reg = a_full_history(client, admin, monkeypatch, travel)
    other = register(client, name=OTHER, phone="0813-9900-0077", kecamatan="Cibinong")
    before = holding(table_texts())
    # The test can fail: before deletion his data sits in these tables.
    for table in ("registrations", "outbox", "feedback", "notes", "optouts"):
        assert f"cleanclear-test-{table}" in before, before
    weeks = [stats.week_key(registered_on + timedelta(days=n)) for n in range(0, 42, 7)]
    counters_before = stats_store.read_periods(weeks)

    refused = client.http.post(f"/registrations/{reg['reference']}/delete", headers=visitor_headers(reg), body="{}")
    assert refused.status_code == 400 and "confirm" in refused.json_body["errors"]
    done = client.http.post(f"/registrations/{reg['reference']}/delete", headers=visitor_headers(reg),
                            body=json.dumps({"confirm": True}))
    assert done.status_code == 200 and done.json_body["deleted"] is True

    assert holding(table_texts()) == {}
    # Anonymous facts remain: the registration's service, kecamatan, status; the scores; the counts.
    kept = Registration.get(reg["ref"])
    assert kept.name == privacy.REMOVED and kept.phone is None and kept.kecamatan == "Ciawi" and kept.status == "selesai"
    after = stats_store.read_periods(weeks)
    # The counts stay; the only new one is the cancellation of the open follow-up.
    assert {p: {k: v for k, v in c.items() if k != "cancel"} for p, c in after.items()} == \
        {p: {k: v for k, v in c.items() if k != "cancel"} for p, c in counters_before.items()}
    assert stats.total(list(after.values()), "cancel") == stats.total(list(counters_before.values()), "cancel") + 1
    assert stats.total(list(after.values()), "reg") == 3 and stats.total(list(after.values()), "fb") == 1  # Rahmat, his follow-up, Sri
    note = NoteRecord.get(kept.session_id)
    assert note.problem is None and note.follow_up is True
    # The follow-up (open) was cancelled, so nobody books a session for a person who is gone.
    assert not [r for r in Registration.by_status.query(rules.STATUS_WAITING) if r.reference != other["ref"]]
    # The status link still answers, without personal data; somebody else's data is untouched.
    page = client.http.get(f"/registrations/{reg['reference']}", headers=visitor_headers(reg)).json_body
    assert page["name"] == privacy.REMOVED
    assert holding(table_texts(), [OTHER.casefold()]) != {}


@pytest.mark.instants
def test_retention_anonymises_old_finished_registrations_only(client, clinic, admin, monkeypatch, travel):
    reg = a_full_history(client, admin, monkeypatch, travel, follow_up=False)
    waiting = register(client, name=OTHER, phone="0813-9900-0077", days=[bookable_days(client)[1]])
    now = datetime.now(rules.UTC)
    monkeypatch.setenv("RETENTION_MONTHS", "24")
    early = privacy.run_retention(now + timedelta(days=30 * 23))
    assert early.anonymised == 0 and holding(table_texts()) != {}

    summary = privacy.run_retention(now + timedelta(days=30 * 25))
    assert summary.anonymised == 1 and summary.complete
    assert holding(table_texts()) == {}
    assert Registration.get(reg["ref"]).name == privacy.REMOVED
    assert Registration.get(waiting["ref"]).name == OTHER  # still open: not finished, not touched
    again = privacy.run_retention(now + timedelta(days=30 * 25 + 1))
    assert again.anonymised == 0 and again.examined == 0  # the watermark moved on: nothing is read twice


def test_retention_is_a_scheduled_function(client, clinic):
    result = client.lambda_.invoke("anonymise_old_data", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:ap-southeast-3:0:rule/anonymise_old_data"]))
    assert result.payload["anonymised"] == 0 and result.payload["complete"] is True


def test_data_requests_are_audited_in_words_and_staff_can_act_for_a_visitor_who_lost_the_link(client, clinic, admin):
    reg = register(client, name=NAME, phone=PHONE, email=EMAIL, kecamatan="Ciawi")
    other = register(client, name=OTHER, phone="0813-9900-0077", kecamatan="Cibinong")
    assert client.http.get(f"/registrations/{reg['reference']}/data?format=html", headers=visitor_headers(reg)).status_code == 200
    # Staff, for a visitor who lost the link: the code and the number must match.
    wrong = admin.post("/staff/data-requests/download", {"reference": other["reference"], "whatsapp": PHONE})
    assert wrong.status_code == 404 and "tidak cocok" in wrong.json_body["errors"]["_form"]
    bad = admin.post("/staff/data-requests/download", {"reference": "x", "whatsapp": "12"})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"reference", "whatsapp"}
    doc = admin.post("/staff/data-requests/download", {"reference": other["reference"], "whatsapp": "0813-9900-0077"})
    assert doc.status_code == 200 and OTHER in doc.body.decode()
    unconfirmed = admin.post("/staff/data-requests/delete", {"reference": other["reference"], "whatsapp": "0813-9900-0077"})
    assert unconfirmed.status_code == 400 and Registration.get(other["ref"]).name == OTHER
    deleted = admin.post("/staff/data-requests/delete", {"reference": other["reference"], "whatsapp": "0813-9900-0077",
                                                         "confirm": True})
    assert deleted.status_code == 200 and Registration.get(other["ref"]).name == privacy.REMOVED
    again = admin.post("/staff/data-requests/download", {"reference": other["reference"], "whatsapp": "0813-9900-0077"})
    assert again.status_code == 404  # the number is gone with the data: nothing left to match

    listed = admin.get("/staff/data-requests").json_body
    assert listed["counts"] == {"Unduh data": 2, "Hapus data": 1}
    by = {(i["reference"], i["label"]): i["by"] for i in listed["items"]}
    assert by[(reg["reference"], "Unduh data")] == "Pengunjung (tautan pribadi)"
    assert by[(other["reference"], "Hapus data")] == "Petugas admin@demo.local"
    sentences = [i["sentence"] for i in admin.get("/staff/audit").json_body["items"]]
    assert f"Pengunjung mengunduh data pribadi {NAME} ({reg['reference']})" in sentences
    assert any(s.startswith("admin@demo.local menghapus data pribadi") and s.endswith("atas permintaan pengunjung")
               for s in sentences)
    assert all(PHONE.replace("-", "") not in json.dumps(i) for i in listed["items"])


def test_every_audit_action_the_code_writes_reads_as_a_sentence():
    """No raw action code in what staff read (e.g. 'Pengunjung sesi.konfirmasi_hadir')."""
    import re
    from pathlib import Path

    from chalicelib.domain import audit_text

    root = Path(__file__).resolve().parents[2] / "chalicelib"
    actions = set()
    for path in root.rglob("*.py"):
        text = path.read_text()
        actions |= set(re.findall(r'UnitOfWork\([^,()]+, "([a-z_]+\.[a-z_]+)"', text))
        actions |= set(re.findall(r'(?:audit_)?action="([a-z_]+\.[a-z_]+)"', text))
        actions |= {m for m in re.findall(r'^[A-Z_]+ *= *"([a-z_]+\.[a-z_]+)"', text, re.M) if "." in m}
    actions |= {f"piket.{k}" for k in ("cuti", "tambahan")} | {f"sesi.{s}" for s in ("hadir", "tidak_hadir")}
    actions = {a for a in actions if a.split(".")[0] in ("sesi", "pendaftaran", "umpan_balik", "catatan", "konsultan", "ruang",
                                                          "piket", "tutup", "kampanye", "siaran", "zoom", "pesan", "data")}
    assert len(actions) > 25
    for action in sorted(actions):
        target = "2026-12-07" if action.startswith("tutup.") else "KPB7QX"  # a closure's target is its day
        said = audit_text.sentence("admin@demo.local", action, target, {}, audit_text.Names())
        assert action not in said and f"({target})" not in said, said
