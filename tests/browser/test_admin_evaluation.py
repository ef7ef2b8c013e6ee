"""Evaluasi and Kampanye on the staff page (/admin/), on the real local stack under the production CSP.

The stack is shared with the other browser tests: checks look at this file's own campaign and
visitors, and at shapes (40 kecamatan, sorted, gaps marked) rather than at totals.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from .conftest import book_in_the_past, fire, screenshot
from .test_admin_page import (  # noqa: F401 - built_admin_page is an autouse fixture
    ADMIN,
    DESKTOP,
    built_admin_page,
    call,
    go,
    horizontal_overflow,
    login_token,
    open_admin,
    sign_in,
    too_wide,
)


def loaded(page, status):
    page.locator(status, has_text=re.compile(r"^Memuat")).wait_for(state="detached")


def register(stack, name, campaign, kecamatan):
    _, options = call(stack, "GET", "/public/options")
    status, body = call(stack, "POST", "/registrations", {
        "name": name, "whatsapp": "0812 58" + str(uuid.uuid4().int)[:6], "email": "", "kecamatan": kecamatan,
        "service": "ukm", "org_name": "Usaha " + name, "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Ingin memasarkan produk.", "mode": "daring", "days": options["days"][:2],
        "source": "instagram", "campaign": campaign, "consent": True, "another": True}, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, body
    return body["reference"]


def numbers(page, figure_title):
    """The folded numbers table of a chart: {row label: [cells]}."""
    fig = page.locator("#e-isi figure.chart", has=page.locator("h2", has_text=figure_title))
    rows = fig.locator("table.nums tbody tr").evaluate_all(
        "trs => trs.map(tr => [...tr.children].map(c => c.textContent))")
    return {r[0]: r[1:] for r in rows}


def test_campaign_with_posts_and_poster_then_the_dashboard_shows_it(stack, page, tmp_path: Path):
    suffix = uuid.uuid4().hex[:5]
    code, name = f"uji-{suffix}", f"Poster Uji {suffix}"
    problems = open_admin(page, stack, hash_="#/kampanye")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-kampanye:not([hidden])")
    loaded(page, "#c-status")

    # Create: a bad code is refused next to its field, then the campaign is made.
    page.click("#c-tambah")
    page.fill("#c-name", name)
    page.fill("#c-code", "ada spasi")
    page.select_option("#c-channel", "instagram")
    page.click("#c-simpan")
    page.locator("#c-err-code:not(:empty)").wait_for()
    page.fill("#c-code", code)
    page.click("#c-simpan")
    card = page.locator(f"#c-isi article[data-code='{code}']")
    card.wait_for()
    assert card.locator("input[readonly]").input_value().endswith(f"/?src={code}")

    # An Instagram post linked by its link: found in the account (make run: the labelled local
    # stand-in of the Graph API), its figures read at once and every day; a profile link is refused.
    link_form = card.locator("form.link-form")
    link_form.locator("input[name=url]").fill("https://www.instagram.com/diskopukm.bogor/")
    link_form.locator("button[type=submit]").click()
    link_form.locator("p.err", has_text="Salin tautan").wait_for()
    link_form.locator("input[name=url]").fill(f"https://www.instagram.com/p/Uji{suffix}Post/?igsh=x")
    link_form.locator("button[type=submit]").click()
    card = page.locator(f"#c-isi article[data-code='{code}']")
    auto = card.locator("tr[data-post] [data-field=source]", has_text="otomatis, dibaca")
    auto.wait_for()
    assert card.get_by_role("button", name=re.compile("^Ubah angka")).count() == 0  # read, not typed
    card.get_by_role("button", name=f"Lihat grafik harian {name}").click()
    card.locator(".curve svg[role=img]").wait_for()
    page.click("#c-impor-run")
    page.locator("#c-impor-status", has_text="Impor terakhir").wait_for()
    card = page.locator(f"#c-isi article[data-code='{code}']")
    card.locator("tr[data-post]").first.wait_for()
    screenshot(page, "eval-00-kampanye-tautan")

    # A post with its interaction typed by staff; a negative number is refused by the API, next to the field.
    card.locator("details.typed summary").click()
    form = card.locator("form.post-form").last
    form.locator("input[name=likes]").fill("-3")
    form.locator("input[name=comments]").fill("14")
    form.locator("input[name=questions]").fill("6")
    form.locator("button[type=submit]").click()
    card.locator("form.post-form p.err:not(:empty)").first.wait_for()
    assert card.locator("form.post-form input[name=likes][aria-invalid=true]").count() == 1
    form.locator("input[name=likes]").fill("120")
    form.locator("button[type=submit]").click()
    card = page.locator(f"#c-isi article[data-code='{code}']")
    card.locator("[data-field=source]", has_text="diketik staf").wait_for()
    card.get_by_role("button", name=re.compile("^Ubah angka")).click()
    card.locator("tr.edit input[name=likes]").fill("130")
    card.locator("tr.edit button[type=submit]").click()
    page.locator(f"#c-isi article[data-code='{code}'] tr[data-post]:has([data-field=source]:text('diketik staf')) "
                 "td[data-label=Suka]", has_text="130").wait_for()
    card = page.locator(f"#c-isi article[data-code='{code}']")

    # Posters come with the staff token: downloaded as files, PNG previewed as a data: image.
    with page.expect_download() as dl:
        card.get_by_role("button", name=f"Unduh poster PNG {name}").click()
    png = tmp_path / "p.png"
    dl.value.save_as(png)
    assert dl.value.suggested_filename == f"poster-{code}.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as dl:
        card.get_by_role("button", name=f"Unduh poster SVG {name}").click()
    svg = tmp_path / "p.svg"
    dl.value.save_as(svg)
    assert "<svg" in svg.read_text(encoding="utf-8") and code in svg.read_text(encoding="utf-8")
    card.get_by_role("button", name=f"Lihat poster {name}").click()
    img = card.locator(".poster-preview img")
    img.wait_for()
    assert img.get_attribute("src").startswith("data:image/png;base64,")
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    screenshot(page, "eval-01-kampanye")

    # Two visitors through the campaign link, from one kecamatan.
    for n in range(2):
        register(stack, f"Kampanye Uji {n} {suffix}", code, "Tanjungsari")

    go(page, "evaluasi")
    loaded(page, "#e-status")
    page.wait_for_selector("#e-isi .tiles")
    assert int(page.text_content("#e-isi .tile[data-tile=pendaftar] .big").replace(".", "")) >= 2
    campaigns = numbers(page, "Kampanye: interaksi dan pendaftar")
    _, camp = call(stack, "GET", f"/staff/campaigns/{code}", token=login_token(stack, ADMIN))
    read = next(p for p in camp["posts"] if p["source"] == "api")  # the linked post's figures, read
    sums = [130 + read["likes"], 14 + read["comments"], 6 + read["questions"]]
    row = campaigns[f"{name} ({code})"]
    assert row[:5] == [f"{n:,}".replace(",", ".") for n in sums] + ["2", "2"], campaigns
    assert row[5] == f"{read['views']:,}".replace(",", ".") and row[-1] == "1 otomatis, 1 diketik"
    assert row[6].endswith(f"(dari {sum(sums):,})".replace(",", "."))  # the ratio says its base
    daily = page.locator("#e-isi figure.chart", has=page.locator("h2", has_text="Interaksi unggahan per hari"))
    assert daily.locator(f".plot[data-code='{code}'] svg[role=img] g.col rect.bar").count() >= 1
    if os.environ.get("SCREENSHOT_DIR"):
        daily.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "eval-02b-interaksi-harian.png"))
    weekly = page.locator("#e-isi figure.chart", has=page.locator("h2", has_text="Pendaftar per minggu"))
    assert weekly.locator("svg g.col rect.bar").count() >= 1

    # Reach: all 40 kecamatan, most first; those with nobody are marked as the gap.
    reach = page.locator("#e-isi figure.chart", has=page.locator("h2", has_text="Jangkauan per kecamatan"))
    rows = reach.locator("svg g.row")
    assert rows.count() == 40
    counts = [int(cells[0].replace(".", "")) for cells in numbers(page, "Jangkauan per kecamatan").values()]
    assert counts == sorted(counts, reverse=True)
    assert reach.locator("svg g.row.gap-row").count() == counts.count(0)
    assert reach.locator("svg g.row[data-key=Tanjungsari].gap-row").count() == 0
    if counts.count(0):
        assert "Belum terjangkau:" in reach.locator(".gap-list").inner_text()
        assert reach.locator("svg g.gap-row .gaptext").first.text_content() == "0 · belum ada"

    funnel = numbers(page, "Dari mendaftar sampai umpan balik")
    assert int(funnel["Mendaftar"][0].replace(".", "")) >= int(funnel["Hadir"][0].replace(".", ""))
    screenshot(page, "eval-02-dasbor")

    # The monthly report, fetched with the token and handed over as a file.
    page.click("#e-laporan summary")
    with page.expect_download() as dl:
        page.click("#e-r-xlsx")
    xlsx = tmp_path / "r.xlsx"
    dl.value.save_as(xlsx)
    assert dl.value.suggested_filename.endswith(".xlsx") and xlsx.read_bytes()[:2] == b"PK"
    page.locator("#e-r-status", has_text="diunduh").wait_for()
    assert problems == []


def test_evaluation_and_campaigns_fit_320px_and_desktop(stack, browser):
    for label, viewport in (("320", {"width": 320, "height": 640}), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta", accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(15000)
        problems = open_admin(pg, stack, hash_="#/evaluasi")
        sign_in(pg, ADMIN)
        loaded(pg, "#e-status")
        pg.wait_for_selector("#e-isi .tiles")
        for details in pg.locator("#e-isi details.numbers").all():
            details.evaluate("d => d.open = true")  # the widest thing in a chart card
        assert horizontal_overflow(pg) <= 0, (label, "evaluasi", too_wide(pg))
        screenshot(pg, f"eval-layout-{label}-evaluasi")
        go(pg, "kampanye")
        loaded(pg, "#c-status")
        assert horizontal_overflow(pg) <= 0, (label, "kampanye", too_wide(pg))
        screenshot(pg, f"eval-layout-{label}-kampanye")
        assert problems == []
        context.close()


def test_feedback_charts_and_comments_are_drawn_from_the_dashboard_answer(stack, page):
    """Feedback needs held sessions and signed links (see test_feedback_page.py); here the real
    dashboard answer gets feedback figures of the API's shape added, to see how they are drawn."""
    evil = "<img src=x onerror=alert(11)> Ruang tunggu panas, tolong kipas angin."

    def scope(count, sat, nps, ya, sebagian):
        tidak = round(1 - ya - sebagian, 3)
        return {"count": count, "avg_satisfaction": sat, "avg_helpfulness": 4.1, "avg_recommend": 8.2, "nps": nps,
                "promoters": 5, "passives": 2, "detractors": 1, "answered": {"ya": 6, "sebagian": 1, "tidak": 1},
                "answered_share": {"ya": ya, "sebagian": sebagian, "tidak": tidak}}

    def with_feedback(route):
        response = route.fetch()
        body = response.json()
        body["feedback"]["overall"] = scope(8, 4.25, 50, 0.75, 0.125)
        body["feedback"]["per_consultant"] = [{"id": "K-SITI", "name": "Siti Rahmawati, S.E.", **scope(5, 4.6, 60, 0.8, 0.2)},
                                              {"id": "K-AGUS", "name": "Agus Salim", **scope(3, 3.67, -33, 0.333, 0.333)}]
        body["feedback"]["per_topic"] = [{"key": "keuangan", "label": "Manajemen keuangan", **scope(8, 4.25, 50, 0.75, 0.125)}]
        body["feedback"]["latest_comments"] = [{"at": "2026-11-20T03:00:00Z", "session_day": "2026-11-20", "consultant_id": "K-SITI",
                                                "consultant_name": "Siti Rahmawati, S.E.", "service": "koperasi", "topics": ["keuangan"],
                                                "satisfaction": 3, "recommend": 6, "answered": "sebagian", "text": evil}]
        route.fulfill(response=response, json=body)

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("**/api/staff/dashboard?*", with_feedback)
    problems = open_admin(page, stack, hash_="#/evaluasi")
    sign_in(page, ADMIN)
    loaded(page, "#e-status")
    assert page.text_content("#e-isi .tile[data-tile=puas] .big") == "4,3/5"
    assert "NPS +50" in page.text_content("#e-isi .tile[data-tile=puas]")
    per_con = page.locator("#e-isi figure.chart", has=page.locator("h2", has_text="Umpan balik per konsultan"))
    siti = per_con.locator("svg g.row[data-key=K-SITI]")
    agus = per_con.locator("svg g.row[data-key=K-AGUS]")
    assert "4,6/5" in siti.text_content() and "NPS +60" in siti.text_content() and "terjawab 80%" in siti.text_content()
    assert "NPS -33" in agus.text_content()
    width = lambda row: float(row.locator("rect.bar").get_attribute("width"))  # noqa: E731
    assert width(siti) > width(agus)  # the bar is the average satisfaction on a 1-5 scale
    assert numbers(page, "Umpan balik per topik")["Manajemen keuangan"][:2] == ["8", "4,3"]
    comment = page.locator("#e-isi ul.comments li blockquote")
    assert comment.inner_text() == evil
    assert page.query_selector("#e-isi img") is None and dialogs == []
    screenshot(page, "eval-03-umpan-balik")
    assert problems == []


# --- Siaran WhatsApp ------------------------------------------------------------------------------

def past_client(stack, token, name, service, kecamatan):
    """A registration whose session took place (a past seat booked by hand, marked hadir): "selesai"."""
    from datetime import datetime, timedelta, timezone

    _, options = call(stack, "GET", "/public/options")
    extra = {"business_sector": "kuliner"} if service == "ukm" else {"coop_status": "aktif"}
    status, reg = call(stack, "POST", "/registrations", {
        "name": name, "whatsapp": "0812 59" + str(uuid.uuid4().int)[:6], "email": "", "kecamatan": kecamatan,
        "service": service, "org_name": "Usaha " + name, "topics": ["keuangan"], "description": "Ingin merapikan pembukuan usaha.",
        "mode": "daring", "days": options["days"][:1], "source": "teman", "consent": True, **extra},
        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, reg
    today = datetime.now(timezone(timedelta(hours=7))).date()
    _, slots = call(stack, "GET", f"/staff/slots?from={today - timedelta(days=20)}&to={today - timedelta(days=1)}", token=token)
    seat = [s for s in slots["slots"] if s["service"] == service and "daring" in s["modes"] and not s["taken"]][-1]
    session = book_in_the_past(stack, token, reg["reference"], seat)
    status, marked = call(stack, "POST", f"/staff/sessions/{session['id']}/attendance", {"status": "hadir"}, token=token)
    assert status == 200, marked
    return reg["reference"]


def test_whatsapp_broadcast_to_past_clients_is_counted_paced_and_watched(stack, page):
    from .test_admin_page import login_token

    token = login_token(stack, ADMIN)
    suffix = uuid.uuid4().hex[:5]
    kec = "Sukamakmur"  # no other test registers anyone there
    for n in range(2):
        past_client(stack, token, f"Klien Lama {n} {suffix}", "ukm", kec)
    past_client(stack, token, f"Klien Koperasi {suffix}", "koperasi", kec)

    problems = open_admin(page, stack, hash_="#/siaran")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-siaran:not([hidden])")
    page.wait_for_selector("#b-template option[value=cc_siaran_layanan]", state="attached")
    page.select_option("#b-template", "cc_siaran_layanan")
    page.click("#b-hitung")  # the message text is required
    page.locator("#b-err-keterangan:not(:empty)").wait_for()
    text = f"Jadwal tambahan setiap Jumat untuk laporan keuangan {suffix}."
    page.fill("#b-keterangan", text)
    page.click("#b-kec-box summary")
    page.check(f"#b-kecamatan input[value='{kec}']")
    assert page.text_content("#b-kec-label") == "1 kecamatan dipilih"
    page.click("#b-hitung")
    page.locator("#b-jumlah", has_text="Akan dikirim ke 3 nomor").wait_for()  # both services
    page.select_option("#b-service", "ukm")
    assert page.is_hidden("#b-pratinjau")  # a changed choice needs a new count
    page.click("#b-hitung")
    page.locator("#b-jumlah", has_text="Akan dikirim ke 2 nomor").wait_for()
    assert text in page.text_content("#b-teks")
    # It greets one of the two UKM clients by name, as their message will.
    greeted = re.search(r"diterima (Klien Lama [01] " + suffix + "):", page.text_content("#b-contoh")).group(1)
    assert greeted in page.text_content("#b-teks")
    screenshot(page, "siaran-01-pratinjau")
    page.click("#b-kirim")
    page.click("#b-ya")
    page.locator("#b-status", has_text="Siaran dimulai").wait_for()
    card = page.locator("#b-isi article", has_text="Sedang dikirim").first  # the list is drawn again with it
    card.wait_for()
    assert page.locator("#b-isi article").first.get_attribute("data-id") == card.get_attribute("data-id")  # newest first
    assert card.locator("dd[data-count=Antre]").inner_text() == "0"
    broadcast_id = card.get_attribute("data-id")

    # The paced runner queues the messages; the outbox sends them (local provider).
    ran = fire(stack, "send_broadcasts", "send_messages")
    assert ran["send_broadcasts"]["queued"] == 2, ran
    page.click("#b-perbarui")
    card = page.locator(f"#b-isi article[data-id='{broadcast_id}']")
    card.locator("dd[data-count=Terkirim]", has_text="2").wait_for()
    assert card.locator("dd[data-count=Antre]").inner_text() == "2"
    assert "Selesai" in card.locator(".badge").inner_text()

    # Someone comes back through the broadcast's link: counted beside it.
    campaign = card.locator("code").inner_text()
    assert campaign == f"wa-{broadcast_id}"
    _, options = call(stack, "GET", "/public/options")
    status, _ = call(stack, "POST", "/registrations", {
        "name": f"Kembali {suffix}", "whatsapp": "0812 60" + str(uuid.uuid4().int)[:6], "email": "", "kecamatan": kec,
        "service": "ukm", "org_name": "Usaha Kembali", "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Mendaftar lagi setelah menerima siaran.", "mode": "daring", "days": options["days"][:1], "source": "whatsapp",
        "campaign": campaign, "consent": True, "another": True}, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201
    page.click("#b-perbarui")
    page.locator(f"#b-isi article[data-id='{broadcast_id}'] dd[data-count='Pendaftar menyusul']", has_text="1").wait_for()
    screenshot(page, "siaran-02-terkirim")

    # The messages are in Kotak keluar, as the clients read them.
    go(page, "kotak")
    loaded(page, "#o-status-line")
    sent = page.locator("#o-isi article", has_text=text)
    sent.first.wait_for()
    assert sent.count() == 2 and "Kabar layanan" in sent.first.locator("h2").inner_text()
    assert problems == []


def test_coordinator_reads_the_needs_and_tries_one_more_duty_block(stack, page):
    from datetime import date, timedelta

    from .conftest import fire

    fire(stack, "forecast")
    _, staff = call(stack, "GET", "/staff/forecast", token=login_token_for(stack))
    problems = open_admin(page, stack, hash_="#/evaluasi")
    sign_in(page, ADMIN)
    loaded(page, "#e-pk-status")
    assert "pendaftar menunggu" in page.text_content("#e-pk-status")
    # The estimates as the signup page words them, and four weeks per service and mode.
    koperasi = page.locator("#e-pk-now li[data-service=koperasi][data-mode=tatap_muka]")
    assert staff["estimates"]["koperasi"]["tatap_muka"]["text"].replace("Perkiraan: ", "") in koperasi.inner_text()
    assert page.locator("#e-pk-tabel tbody tr").count() == len(staff["needs"]) == 4 * 2 * 2

    # Siti (koperasi, Monday/Wednesday/Friday in the demo) also on a Tuesday.
    from tests.support.calendar import holiday_days

    closed = holiday_days(date.today().year, date.today().year + 1)
    tuesday = date.today() + timedelta(days=8)
    while tuesday.weekday() != 1 or tuesday in closed:  # a Tuesday the service calendar keeps open
        tuesday += timedelta(days=1)
    page.click("#e-pk-hitung")  # no consultant chosen: said at the field
    page.locator("#e-pk-err-consultant_id:not(:empty)").wait_for()
    page.select_option("#e-pk-consultant_id", "K-SITI")
    page.fill("#e-pk-day", tuesday.isoformat())
    page.select_option("#e-pk-service", "koperasi")
    page.click("#e-pk-hitung")
    page.locator("#e-pk-hasil .ok-box", has_text="6 slot tambahan").wait_for()
    rows = page.locator("#e-pk-banding tbody tr").all_inner_texts()
    assert rows[0].startswith("Antrean yang terjadwal") and any("Pendaftar baru, Tatap muka" in r for r in rows)
    screenshot(page, "eval-04-perkiraan")
    # Nothing was saved to the roster.
    _, roster = call(stack, "GET", f"/staff/roster?week={tuesday.isoformat()}", token=login_token_for(stack))
    assert not [e for e in roster["exceptions"] if e["consultant_id"] == "K-SITI" and e["day"] == tuesday.isoformat()]
    assert problems == []


def login_token_for(stack):
    from .test_admin_page import login_token

    return login_token(stack, ADMIN)


def _skm_period(stack, token) -> tuple[str, dict]:
    """The most recent month with SKM answers (the demo history's service days)."""
    from datetime import date, timedelta

    month = date.today().replace(day=1)
    for _ in range(3):
        status, report = call(stack, "GET", f"/staff/skm?period={month:%Y-%m}", token=token)
        assert status == 200, report
        if report["index"]["respondents"]:
            return f"{month:%Y-%m}", report
        month = (month - timedelta(days=1)).replace(day=1)
    raise AssertionError("no SKM answers in the demo history")


def test_skm_card_tindak_lanjut_and_the_report_printed_on_a4(stack, page, tmp_path: Path):
    import io
    import urllib.request

    from pypdf import PdfReader

    token = login_token(stack, ADMIN)
    period, report = _skm_period(stack, token)
    problems = open_admin(page, stack, hash_="#/evaluasi")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-evaluasi:not([hidden])")
    loaded(page, "#e-skm-status")  # the section's own first load, before choosing
    page.select_option("#e-skm-period", period)
    # While the chosen period loads (slowly here), no text box stands open that its answer would overwrite.
    held = []
    page.route("**/staff/skm?period=*", lambda route: held.append(route))
    page.click("#e-skm-lihat")
    page.wait_for_function("() => document.getElementById('e-skm-status').textContent.startsWith('Memuat')")
    assert page.locator("#e-skm-tl-form").is_hidden() and page.locator("#e-skm-isi .tile").count() == 0
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.wait_for_selector("#e-skm-isi .tile")
    page.unroute("**/staff/skm?period=*")
    tiles = page.text_content("#e-skm-isi .tiles")
    assert report["index"]["conversion"].replace(".", ",") in tiles and report["index"]["grade_label"] in tiles
    assert report["index"]["weakest"]["unsur"] in page.text_content("#e-skm-isi .callout")
    text = f"Uji {uuid.uuid4().hex[:6]}: kotak saran di ruang tunggu dan nomor pengaduan di setiap pesan."
    page.fill("#e-skm-text", text)
    page.click("#e-skm-simpan")
    page.locator("#e-skm-tl-status", has_text=f"Tindak lanjut {report['label']} disimpan.").wait_for()
    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 740})
        assert horizontal_overflow(page) <= 0, (width, too_wide(page))
        page.locator("#e-skm").screenshot(path=str(tmp_path / f"skm-{width}.png"))
        if os.environ.get("SCREENSHOT_DIR"):
            for card in ("skm", "biaya", "hasil"):
                page.locator(f"#e-{card}").screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"admin-{card}-{width}.png"))
    page.set_viewport_size(DESKTOP)
    screenshot(page, "admin-skm-1280")
    assert problems == []

    # The A4 page, as staff download it, printed to PDF by Chromium: its text says what the JSON says.
    request = urllib.request.Request(f"{stack.site}/api/staff/skm/{period}/laporan.html",
                                     headers={"Authorization": f"Bearer {token}", "Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        html = answer.read().decode()
        assert "attachment" in answer.headers["Content-Disposition"]
    printed = page.context.new_page()
    printed.set_content(html)
    pdf = printed.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    words = " ".join(p.extract_text() for p in reader.pages)
    flat = " ".join(words.split())
    assert len(reader.pages) <= 3
    assert abs(float(reader.pages[0].mediabox.width) - 595.3) < 1 and abs(float(reader.pages[0].mediabox.height) - 841.9) < 1
    for expected in ("Laporan Survei Kepuasan Masyarakat", report["label"], report["index"]["conversion"].replace(".", ","),
                     f"{report['index']['grade']} ({report['index']['grade_label']})", report["index"]["weakest"]["unsur"],
                     "Penanganan pengaduan", "Tindak lanjut", text[:40], "PermenPANRB No. 14 Tahun 2017"):
        assert " ".join(expected.split()) in flat, expected
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"], "skm-report.pdf").write_bytes(pdf)
    printed.close()


def test_the_monthly_report_page_under_the_csp_prints_on_a4(stack, page):
    """Last month's report, opened by its signed link as the office's e-mail opens it, under the
    production CSP (its stylesheet from the site, charts as inline SVG), printed to PDF."""
    import io
    from datetime import date, timedelta

    from pypdf import PdfReader

    token = login_token(stack, ADMIN)
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    status, opened = call(stack, "GET", f"/staff/monthly/{month}", token=token)
    assert status == 200, opened
    problems = open_admin(page, stack)  # the CSP route and the listeners
    page.goto(opened["link"].replace("http://localhost:", "http://127.0.0.1:"))
    page.wait_for_selector("h1")
    assert problems == []
    colour = page.eval_on_selector("h2", "e => getComputedStyle(e).borderBottomColor")
    assert colour == "rgb(11, 93, 59)"  # the stylesheet applied under style-src 'self'
    assert page.locator("svg").count() >= 2  # kecamatan and channels at least (an empty month has no weeks)
    screenshot(page, "monthly-report-1280")
    pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    flat = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in ("Laporan bulanan Clean & Clear", "Pendaftar dan jangkauan", "Kepuasan (SKM)",
                     "Hasil tiga bulan setelah konsultasi", "Biaya WhatsApp", "kecamatan terjangkau"):
        assert expected in flat, expected
    assert abs(float(reader.pages[0].mediabox.height) - 841.9) < 1 and len(reader.pages) <= 4
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"], "monthly-report.pdf").write_bytes(pdf)
