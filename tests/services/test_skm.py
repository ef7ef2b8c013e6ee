"""The SKM in the feedback form and its report, through the API on moto: the nine unsur and the
profile are kept with the answer, the period's index is one read of running totals, the report
comes as JSON, an A4 page and a workbook, and the office's tindak lanjut is kept and audited."""
from __future__ import annotations

import io
import json

from chalicelib import clock
from chalicelib.domain import counters
from chalicelib.services import feedback
from chalicelib.store.models import AuditRecord, FeedbackRecord, StatsRecord
from tests.services.test_feedback import JSON, book_session, clinic, held, link_parts, mark, send  # noqa: F401

SKM = {"u1": 4, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 2, "u9": 3}


def test_the_survey_is_kept_and_counted_in_the_month(client, held, admin):
    parts = link_parts(feedback.link_for(held.session_id))
    answer = send(client, held.session_id, parts, skm=SKM, profile={"sex": "P", "age": "u45", "job": "wirausaha"})
    assert answer.status_code == 201, answer.json_body
    record = FeedbackRecord.get(held.session_id)
    assert record.skm.as_dict() == SKM and record.profile.as_dict() == {"sex": "P", "age": "u45", "job": "wirausaha"}
    month = clock.wib_now().strftime("%Y-%m")
    item = StatsRecord.get(counters.skm_period(month))
    assert item.attribute_values  # the running totals are there
    report = admin.get(f"/staff/skm?period={month}").json_body
    assert report["index"]["respondents"] == 1 and report["index"]["conversion"] == "83.33"
    assert report["index"]["grade"] == "B" and report["index"]["weakest"]["key"] == "u8"
    koperasi = next(s for s in report["services"] if s["service"] == "koperasi")
    assert koperasi["index"]["respondents"] == 1
    sex = next(p for p in report["profile"] if p["key"] == "sex")
    assert {c["key"]: c["n"] for c in sex["counts"]} == {"L": 0, "P": 1}
    edu = next(p for p in report["profile"] if p["key"] == "edu")
    assert edu["unanswered"] == 1
    year = admin.get(f"/staff/skm?period={month[:4]}").json_body
    assert year["index"]["respondents"] == 1 and len(year["months"]) == 12


def test_the_survey_is_optional_and_a_bad_answer_is_named(client, held, admin):
    parts = link_parts(feedback.link_for(held.session_id))
    bad = send(client, held.session_id, parts, skm={"u1": 9}, profile={"edu": "phd"})
    assert bad.status_code == 400
    assert set(bad.json_body["errors"]) == {"skm.u1", "profile.edu"}
    assert send(client, held.session_id, parts).status_code == 201  # no SKM at all: still a feedback
    month = clock.wib_now().strftime("%Y-%m")
    assert admin.get(f"/staff/skm?period={month}").json_body["index"]["respondents"] == 0


def test_the_report_page_workbook_and_follow_up(client, held, admin, konsultan):
    parts = link_parts(feedback.link_for(held.session_id))
    assert send(client, held.session_id, parts, skm=SKM).status_code == 201
    month = clock.wib_now().strftime("%Y-%m")
    assert konsultan.get(f"/staff/skm?period={month}").status_code == 403
    assert admin.get("/staff/skm?period=2026-13").status_code == 400
    text = "Unsur penanganan pengaduan: kotak saran di ruang tunggu dan nomor WhatsApp pengaduan di setiap pesan."
    saved = admin.put(f"/staff/skm/{month}/tindak-lanjut", {"text": text})
    assert saved.status_code == 200
    assert admin.put(f"/staff/skm/{month}/tindak-lanjut", {"text": "  "}).json_body["errors"]["text"]
    audit = [a for a in AuditRecord.query(clock.wib_now().date().isoformat()) if a.action == "skm.tindak_lanjut"]
    assert len(audit) == 1 and audit[0].actor == "admin@demo.local"
    page = admin.get(f"/staff/skm/{month}/laporan.html")
    body = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert page.headers["Content-Type"].startswith("text/html")
    assert "83,33" in body and "0,222" in body and "Penanganan pengaduan" in body and text in body
    book = admin.client.http.get(f"/staff/skm/{month}/laporan.xlsx", headers={
        "Authorization": f"Bearer {admin.token}", "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    import openpyxl

    sheets = openpyxl.load_workbook(io.BytesIO(book.body))
    ikm = sheets["IKM"]
    values = [c.value for row in ikm.iter_rows() for c in row if c.value is not None]
    assert 83.33 in values and any(isinstance(v, str) and "B (Baik)" in v for v in values)
    assert sheets["Tindak lanjut"]["A3"].value == text
    assert json.loads(json.dumps(admin.get(f"/staff/skm?period={month}").json_body["follow_up"]))["text"] == text


def test_the_visitor_sees_their_survey_in_their_data_and_deletion_takes_the_profile(client, held):
    from chalicelib.services import privacy
    from chalicelib.store.models import Registration

    parts = link_parts(feedback.link_for(held.session_id))
    assert send(client, held.session_id, parts, skm=SKM, profile={"sex": "L", "edu": "s1"}).status_code == 201
    reg = Registration.get(held.reference)
    exported = privacy.export(reg)["registrations"][0]["feedback"][0]
    assert exported["skm"] == SKM and exported["profile"] == {"sex": "L", "edu": "s1"}
    page = privacy.export_document(reg)
    assert "Biaya/tarif: Gratis" in page and "Pendidikan: D4/S1" in page
    privacy.anonymise(Registration.get(held.reference), on_request=True)
    record = FeedbackRecord.get(held.session_id)
    assert record.profile is None and record.skm.as_dict() == SKM  # the scores stay, anonymous
