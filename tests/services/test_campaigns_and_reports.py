"""Campaigns, their signup links and QR posters, and the monthly report."""
import csv
import io
import json
import struct
from datetime import datetime

import pytest

from chalicelib import clock
from chalicelib.domain import rules
from chalicelib.services import allocation, reports
from chalicelib.services import posters as poster
from chalicelib.store.models import FeedbackRecord, Registration
from tests.support.clinic import after_start, make_clinic, register, session_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def clinic(aws):
    make_clinic()


# --- campaigns -----------------------------------------------------------------------------------

def test_campaign_lifecycle_and_posts(admin, konsultan, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    made = admin.post("/staff/campaigns", {"code": "ig-nov", "name": "Instagram November", "channel": "instagram"})
    assert made.status_code == 201
    assert made.json_body["link"] == "https://klinik.example.go.id/?src=ig-nov"
    assert made.json_body["short_link"] == "klinik.example.go.id/?src=ig-nov"
    assert admin.post("/staff/campaigns", {"code": "ig-nov", "name": "Lagi", "channel": "instagram"}).status_code == 409
    bad = admin.post("/staff/campaigns", {"code": "ada spasi", "name": "X", "channel": "tv"})
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"code", "name", "channel"}
    assert admin.post("/staff/campaigns", {"code": "wa-1", "name": "Siaran", "channel": "whatsapp"}).status_code == 400

    post = admin.post("/staff/campaigns/ig-nov/posts", {"platform": "instagram", "url": "https://instagram.com/p/abc",
                                                        "posted_on": "2026-11-02", "likes": 10, "comments": 2, "questions": 1})
    assert post.status_code == 201 and post.json_body["posts"][0]["id"] == "P1"
    again = admin.put("/staff/campaigns/ig-nov/posts/P1", {"platform": "instagram", "likes": 57, "comments": 9, "questions": 4})
    assert again.status_code == 200 and again.json_body["interaction"] == {"likes": 57, "comments": 9, "questions": 4}
    assert admin.put("/staff/campaigns/ig-nov/posts/P1", {"likes": -3}).status_code == 400
    assert admin.post("/staff/campaigns/ig-nov/posts", {"platform": "facebook", "likes": 3}).json_body["interaction"]["likes"] == 60
    assert admin.delete("/staff/campaigns/ig-nov/posts/P1").json_body["interaction"]["likes"] == 3
    renamed = admin.put("/staff/campaigns/ig-nov", {"name": "Instagram Nov 2026"})
    assert renamed.json_body["name"] == "Instagram Nov 2026"
    listed = admin.get("/staff/campaigns").json_body["items"]
    assert [c["code"] for c in listed] == ["ig-nov"]
    assert admin.get("/staff/campaigns/nope").status_code == 404
    assert konsultan.get("/staff/campaigns").status_code == 403


def test_signup_through_a_campaign_link_is_counted_for_that_campaign(client, clinic, admin):
    admin.post("/staff/campaigns", {"code": "fb-des", "name": "Facebook Desember", "channel": "facebook"})
    register(client, name="Andi", phone="0813-8100-0001", source="facebook", campaign="fb-des")
    register(client, name="Beni", phone="0813-8100-0002", source="teman")
    d = admin.get("/staff/dashboard").json_body
    camp = next(c for c in d["campaigns"] if c["code"] == "fb-des")
    assert camp["registrations"] == 1 and camp["registrations_all_time"] == 1


# --- posters -----------------------------------------------------------------------------------------

def test_poster_svg_says_what_a_reader_needs(admin, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    admin.post("/staff/campaigns", {"code": "acara-cibinong", "name": "Sosialisasi Cibinong", "channel": "acara"})
    answer = admin.get("/staff/campaigns/acara-cibinong/poster.svg")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("image/svg+xml")
    text = answer.body.decode()
    assert 'width="210mm" height="297mm"' in text  # A4 portrait
    for needed in ("Clean &amp; Clear", "Klinik Konsultasi Koperasi &amp; UKM", "GRATIS", "Senin\u2013Jumat",
                   "Konsultasi koperasi: 09.00\u201312.00 WIB", "Konsultasi UKM: 13.00\u201316.00 WIB",
                   "klinik.example.go.id/?src=acara-cibinong", "Dinas Koperasi dan Usaha Kecil Menengah Kabupaten Bogor"):
        assert needed in text, needed
    assert admin.get("/staff/campaigns/nope/poster.svg").status_code == 404


def test_poster_png_is_a4_and_its_qr_code_opens_the_campaign_link(admin, monkeypatch):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id")
    admin.post("/staff/campaigns", {"code": "ig-nov", "name": "Instagram November", "channel": "instagram"})
    answer = admin.client.http.get("/staff/campaigns/ig-nov/poster.png",
                                   headers={"Authorization": f"Bearer {admin.token}", "Accept": "image/png"})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
    png = answer.body
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1240, 1754)  # A4 at 150 dpi
    assert abs(height / width - 297 / 210) < 0.002
    image = Image.open(io.BytesIO(png))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["https://klinik.example.go.id/?src=ig-nov"]


def test_the_poster_uses_the_same_office_facts_as_the_site():
    from pathlib import Path

    site = json.loads((Path(__file__).resolve().parents[2] / "static_site" / "site.json").read_text(encoding="utf-8"))
    assert poster.site() == site, "chalicelib/data/site.json must be a copy of static_site/site.json"


# --- the monthly report ---------------------------------------------------------------------------------

def _feedback(session, satisfaction, helpfulness, recommend, answered, improve=None):
    reg = Registration.get(session.reference)
    FeedbackRecord(session.session_id, reference=session.reference, consultant_id=session.consultant_id,
                   service=session.service, mode=session.mode, topics=list(reg.topics), session_day=session.day,
                   satisfaction=satisfaction, answered=answered, helpfulness=helpfulness, recommend=recommend,
                   improve=improve, created_at=rules.to_utc_iso(clock.wib_now()),
                   month=clock.wib_now().strftime("%Y-%m")).save()


def _sheet(workbook, title):
    rows = list(workbook[title].iter_rows(min_row=4, values_only=True))
    return [r for r in rows if any(v is not None for v in r)]


@pytest.mark.instants
def test_monthly_xlsx_figures_match_the_data(client, clinic, admin, monkeypatch, travel):
    openpyxl = pytest.importorskip("openpyxl")
    reg_month = clock.wib_now().strftime("%Y-%m")  # the clock moves on to the sessions below
    days = client.http.get("/public/options").json_body["days"]
    a = register(client, name="Andi", phone="0813-8200-0001", kecamatan="Cibinong", days=[days[0]])
    b = register(client, name="Beni", phone="0813-8200-0002", kecamatan="Cibinong", days=[days[0]])
    c = register(client, name="Citra", phone="0813-8200-0003", service="ukm", mode="daring", kecamatan="Jonggol", days=[days[0]])
    d = register(client, name="Dewi", phone="0813-8200-0004", kecamatan="Leuwiliang", source="instagram", campaign="ig-nov")
    allocation.run()
    sa, sb, sc = session_of(a), session_of(b), session_of(c)
    # Staff move Dewi's session to another seat that day: a move, not a cancellation.
    sd = session_of(d)
    slots = admin.get(f"/staff/slots?from={sd.day}&to={sd.day}").json_body["slots"]
    seat = next(x for x in slots if x["service"] == sd.service and sd.mode in x["modes"] and not x["taken"]
                and x["start"] > rules.to_utc_iso(clock.wib_now()))
    assert admin.put(f"/staff/sessions/{sd.session_id}", {"start": seat["start"], "consultant_id": seat["consultant_id"]}).status_code == 200
    after_start(travel, sc)
    for s, status in ((sa, "hadir"), (sb, "tidak_hadir"), (sc, "hadir")):
        assert admin.post(f"/staff/sessions/{s.session_id}/attendance", {"status": status}).status_code == 200
    _feedback(session_of(a), 5, 4, 10, "ya", "Sangat membantu")
    _feedback(session_of(c), 3, 4, 6, "sebagian")

    ses_month = days[0][:7]
    answer = admin.client.http.get(f"/staff/reports/{ses_month}.xlsx", headers={"Authorization": f"Bearer {admin.token}", "Accept": XLSX})
    assert answer.status_code == 200 and answer.headers["Content-Type"] == XLSX
    assert "attachment" in answer.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.body))
    assert book.sheetnames == ["Ringkasan", "Pendaftaran", "Sesi dan kehadiran", "Umpan balik", "Jangkauan kecamatan", "Per konsultan"]

    sessions = _sheet(book, "Sesi dan kehadiran")
    assert sorted((r[2], r[7], r[8]) for r in sessions) == sorted([
        (a["reference"], "Hadir", "ya"), (b["reference"], "Tidak hadir", None), (c["reference"], "Hadir", "ya"),
        (d["reference"], "Dipindah ke jadwal lain", None), (d["reference"], "Terjadwal", None)])
    # Dates and times are real date cells (they sort and filter as dates), in WIB.
    first = book["Sesi dan kehadiran"].cell(row=4, column=1)
    assert first.is_date and first.number_format == "dd/mm/yyyy"
    assert {r[0].date().isoformat() for r in sessions} == {days[0]}
    assert any(r[1].strftime("%H:%M") == seat["start_wib"][11:] for r in sessions if r[2] == d["reference"])
    summary = dict(_sheet(book, "Ringkasan"))
    assert summary["Bulan"].split()[0] in reports.MONTH_NAMES
    assert summary["Sesi hadir"] == 2 and summary["Sesi tidak hadir"] == 1 and summary["Jawaban umpan balik"] == 2
    assert summary["Sesi dibatalkan"] == 0 and summary["Sesi dipindah ke jadwal lain (bukan pembatalan)"] == 1
    assert "Pendaftar konsultasi UKM" in summary and "Pendaftar konsultasi koperasi" in summary  # words, acronyms kept
    # Rates are numbers with a percent format: one no-show of three recorded sessions.
    rate = next(c for c in book["Ringkasan"]["B"] if c.row > 3 and book["Ringkasan"].cell(row=c.row, column=1).value == "Tingkat ketidakhadiran")
    assert abs(rate.value - 1 / 3) < 1e-9 and rate.number_format == "0.0%"
    assert summary["Rata-rata kepuasan (1-5)"] == 4.0 and summary["NPS"] == 0  # one promoter, one detractor
    feedback = {r[0]: r for r in _sheet(book, "Umpan balik")}
    assert feedback["Semua sesi"][1:10] == (2, 4.0, 4.0, 8.0, 0, 1, 1, 0, 0.5)
    assert feedback["Konsultasi UKM"][1:3] == (1, 3.0)
    per = {r[0]: r for r in _sheet(book, "Per konsultan")}
    assert per["Siti Rahmawati"][1:6] == (3, 1, 1, 0, 1) and per["Budi Prasetyo"][1:6] == (1, 1, 0, 0, 1)
    reach = {r[0]: r for r in _sheet(book, "Jangkauan kecamatan")}
    assert len(reach) == 40 and reach["Cibinong"][2] == 1 and reach["Jonggol"][2] == 1 and reach["Leuwiliang"][2] == 0

    reg_book = openpyxl.load_workbook(io.BytesIO(admin.client.http.get(
        f"/staff/reports/{reg_month}.xlsx", headers={"Authorization": f"Bearer {admin.token}", "Accept": XLSX}).body))
    regs = _sheet(reg_book, "Pendaftaran")
    assert all(isinstance(r[1], datetime) for r in regs)  # Tanggal daftar (WIB) as a date-time cell
    assert {r[2] for r in regs} == {"Konsultasi koperasi", "Konsultasi UKM"}  # service names as words
    assert sorted(r[0] for r in regs) == sorted(x["reference"] for x in (a, b, c, d))
    header = [c.value for c in reg_book["Pendaftaran"][3]]
    assert "Nama" not in header and "WhatsApp" not in header  # the code identifies; no personal contact data
    assert all("+62813" not in str(v) and "0813" not in str(v) for r in regs for v in r)
    assert next(r for r in regs if r[9] == "ig-nov")[4] == "Leuwiliang"
    assert header[7] == "Saluran" and {r[7] for r in regs} == {"Formulir web"}  # walk-ins: tests/services/test_desk.py
    reach = {r[0]: r for r in _sheet(reg_book, "Jangkauan kecamatan")}
    assert (reach["Cibinong"][1], reach["Jonggol"][1], reach["Leuwiliang"][1], reach["Ciawi"][1]) == (2, 1, 1, 0)
    assert sum(r[1] for r in reach.values()) == 4


def test_monthly_csv_one_table_or_all(client, clinic, admin):
    register(client, name="Andi", phone="0813-8300-0001", kecamatan="Cibinong")
    month = clock.wib_now().strftime("%Y-%m")
    whole = admin.get(f"/staff/reports/{month}.csv")
    assert whole.status_code == 200 and whole.headers["Content-Type"].startswith("text/csv")
    text = whole.body.decode("utf-8")
    assert text.startswith("\ufeff") and f"Jangkauan kecamatan ({month})" in text
    reach = list(csv.reader(io.StringIO(admin.get(f"/staff/reports/{month}.csv?sheet=jangkauan").body.decode("utf-8-sig"))))
    assert reach[0] == ["Kecamatan", "Pendaftar", "Sesi hadir"] and len(reach) == 41
    assert ["Cibinong", "1", "0"] in reach
    assert admin.get(f"/staff/reports/{month}.csv?sheet=rahasia").status_code == 400
    assert admin.get("/staff/reports/2026-13.xlsx").status_code == 404
    assert admin.get(f"/staff/reports/{month}.pdf").status_code == 404
