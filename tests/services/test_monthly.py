"""The monthly report: built by its scheduled function on the first service day of the month, kept,
e-mailed to the office once with a signed link to its page; staff open any past month. Through
the app on moto; the clock moved to the moments that matter."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from chalicelib.domain import rules
from chalicelib.services import feedback, monthly
from chalicelib.store.models import MonthlyReportRecord
from tests.services.test_feedback import book_session, clinic, link_parts, mark, send  # noqa: F401
from tests.services.test_skm import SKM


def invoke(client) -> dict:
    return client.lambda_.invoke("monthly_report", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:ap-southeast-3:0:rule/monthly"])).payload


def emails(outbox: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(outbox.glob("*_email.json"))]


@pytest.fixture
def month_with_a_session(client, clinic, admin, travel, monkeypatch, tmp_path):
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("REPORT_EMAILS", "kepala@example.go.id, inspektorat@example.go.id")
    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    monkeypatch.delenv("SES_FROM_ADDRESS", raising=False)
    session = book_session(client)
    mark(admin, travel, session, "hadir")
    parts = link_parts(feedback.link_for(session.session_id))
    assert send(client, session.session_id, parts, skm=SKM).status_code == 201
    return session


def test_the_first_service_day_builds_keeps_and_emails_once(client, admin, month_with_a_session, travel, tmp_path):
    day = datetime.fromisoformat(month_with_a_session.day).date()
    month = day.strftime("%Y-%m")
    first = monthly.first_service_day((day.replace(day=28) + timedelta(days=7)).replace(day=1))
    travel.move_to(datetime.combine(first - timedelta(days=1), time(7, 0), tzinfo=rules.WIB))
    assert invoke(client)["done"] == "bukan hari kerja pertama bulan ini"
    travel.move_to(datetime.combine(first, time(7, 0), tzinfo=rules.WIB))
    done = invoke(client)
    assert done["month"] == month and done["to"] == 2 and done["build_ms"] >= 0
    assert invoke(client)["done"] == "sudah dikirim"  # the rerun on the same day sends nothing
    sent = emails(tmp_path / "outbox")
    assert len(sent) == 2 and {m["to"] for m in sent} == {"kepala@example.go.id", "inspektorat@example.go.id"}
    link = next(word for word in sent[0]["text"].split() if word.startswith("https://"))
    path = link.split("/api", 1)[1]
    page = client.http.get(path)
    html = page.body.decode()
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Laporan bulanan Clean &amp; Clear: " in html and "<svg" in html and "83,33" in html
    assert "Nurhayati" not in html and "0813" not in html  # figures only: no visitor's name or number
    forged = path.replace("t=", "t=X")
    assert client.http.get(forged).status_code == 403
    record = MonthlyReportRecord.get(month)
    assert record.built_by == monthly.SCHEDULED and record.emailed_at


def test_staff_open_any_past_month(client, admin, konsultan, month_with_a_session, travel):
    month = month_with_a_session.day[:7]
    assert konsultan.get(f"/staff/monthly/{month}").status_code == 403
    travel.move_to(datetime.combine(datetime.fromisoformat(month + "-01").date() + timedelta(days=40), time(9, 0),
                                    tzinfo=rules.WIB))
    opened = admin.get(f"/staff/monthly/{month}").json_body
    assert opened["built_by"] == "admin@demo.local" and "/api/laporan/" + month in opened["link"]
    assert client.http.get(opened["link"].split("/api", 1)[1]).status_code == 200
    this_month = (datetime.fromisoformat(month + "-01") + timedelta(days=40)).strftime("%Y-%m")
    assert admin.get(f"/staff/monthly/{this_month}").status_code == 400  # not over yet
