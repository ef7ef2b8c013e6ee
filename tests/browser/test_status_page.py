"""The visitor's private page: their session after allocation, other dates, cancellation."""
import json
import re
import uuid

from playwright.sync_api import expect

from .conftest import allocate_now, call, screenshot


def api(stack, path, payload=None, headers=None):
    status, body = call(stack, "POST" if payload is not None else "GET", path, payload, headers=headers)
    assert status < 400, (path, status, body)
    return body


def test_visitor_sees_session_asks_other_dates_then_cancels(stack, page):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Yanti Susanti", "whatsapp": "0812 7777 1234", "kecamatan": "Bojonggede", "service": "ukm",
        "org_name": "Yanti Craft", "business_sector": "kriya", "topics": ["pemasaran"],
        "description": "Ingin memperluas pasar kerajinan ke luar Bogor.", "mode": "daring",
        "days": days[:3], "source": "facebook", "consent": True, "another": True}, {"Idempotency-Key": uuid.uuid4().hex})
    token = api(stack, "/auth/local/login", {"email": "admin@demo.local", "password": "demo12345"})["token"]
    assert allocate_now(stack, token)["status"] == "selesai"

    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#sesi:not([hidden])")
    screenshot(page, "status-scheduled")
    assert page.text_content("#status") == "Terjadwal"
    assert "WIB" in page.text_content("#sesi-waktu")
    assert page.text_content("#sesi-tempat") == "Daring lewat Zoom"

    page.click("#btn-tanggal")
    page.wait_for_selector("#pilihan-tanggal input")
    # The same days again: nothing changes, and the page says so.
    page.click("#form-tanggal button[type=submit]")
    expect(page.locator("#err-days")).to_contain_text("tidak ada yang berubah")
    assert page.text_content("#status") == "Terjadwal"
    # Other days: giving up the booked session is asked first, with its day and time.
    page.locator("#pilihan-tanggal input:not([disabled])").nth(4).check()
    page.click("#form-tanggal button[type=submit]")
    page.wait_for_selector("#konfirmasi-tanggal:not([hidden])")
    assert "akan dilepas" in page.text_content("#konfirmasi-tanggal-teks")
    screenshot(page, "status-confirm-release")
    assert page.text_content("#status") == "Terjadwal"  # nothing changed yet
    page.click("#btn-tanggal-ya")
    expect(page.locator("#status")).to_have_text("Menunggu jadwal")  # (wait_for_function: eval, refused by the CSP)
    assert page.is_hidden("#sesi")
    assert "Urutan" in page.text_content("#pesan")

    page.click("#btn-batal")
    page.click("#btn-batal-ya")
    expect(page.locator("#status")).to_have_text("Dibatalkan")
    screenshot(page, "status-cancelled")
    assert page.is_hidden("#aksi")


def test_visitor_downloads_then_deletes_their_data(stack, page):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Hapus Saya Dong", "whatsapp": "0812 6666 9876", "kecamatan": "Cariu", "service": "koperasi",
        "org_name": "Koperasi Hapus", "coop_status": "aktif", "topics": ["keuangan"],
        "description": "Ingin belajar laporan keuangan koperasi yang rapi.", "mode": "tatap_muka",
        "days": days[:2], "source": "teman", "consent": True, "another": True}, {"Idempotency-Key": uuid.uuid4().hex})
    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#isi:not([hidden])")
    with page.expect_download() as readable:
        page.click("#btn-unduh")
    assert readable.value.suggested_filename.endswith(".html")
    document = open(readable.value.path(), encoding="utf-8").read()
    assert "Hapus Saya Dong" in document and "Kode pendaftaran" in document and "WIB" in document
    shown = page.context.new_page()  # the document as the visitor opens it: readable on a phone
    shown.set_content(document)
    screenshot(shown, "data-document-360")
    shown.close()
    with page.expect_download() as download:
        page.click("#btn-unduh-json")
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert "Hapus Saya Dong" in json.dumps(data)

    page.click("#btn-hapus")
    page.click("#btn-hapus-ya")
    page.wait_for_selector("#gagal:not([hidden])")
    screenshot(page, "status-deleted")
    assert "hapus" in page.text_content("#gagal").lower()
    page.reload()  # the private link afterwards: nothing left to download, delete or change
    page.wait_for_selector("#data-terhapus:not([hidden])")
    assert page.is_hidden("#btn-hapus") and page.is_hidden("#btn-unduh") and page.is_hidden("#aksi")
    assert "Hapus Saya Dong" not in page.text_content("body")
    item = stack.table("registrations").get_item(Key={"reference": reg["reference"].replace("-", "")}).get("Item", {})
    assert "Hapus Saya Dong" not in json.dumps(item, default=str)
    assert "+6281266669876" not in json.dumps(item, default=str)


def test_a_visitor_who_lost_the_link_gets_it_on_whatsapp_not_on_the_page(stack, page, browser):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Lupa Tautan", "whatsapp": "0812 5555 4321", "kecamatan": "Cibinong", "service": "ukm",
        "org_name": "Warung Lupa", "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Ingin memasarkan warung makan lewat media sosial.", "mode": "tatap_muka",
        "days": days[:2], "source": "teman", "consent": True, "another": True}, {"Idempotency-Key": uuid.uuid4().hex})
    page.goto(f"{stack.site}/status.html")  # the link was lost: no fragment
    page.wait_for_selector("#minta-tautan:not([hidden])")
    page.fill("#m-reference", reg["reference"].lower())
    page.fill("#m-whatsapp", "0812-5555-4321")
    page.click("#m-kirim")
    page.wait_for_selector("#m-terkirim:not([hidden])")
    answer_text = page.text_content("#m-terkirim")
    assert "WhatsApp" in answer_text
    assert reg["token"] not in page.content()
    screenshot(page, "status-lost-link-360")
    # The sender runs (staff's "Kirim sekarang"); the local outbox gets the message, with the working link.
    token = api(stack, "/auth/local/login", {"email": "admin@demo.local", "password": "demo12345"})["token"]
    status, _ = call(stack, "POST", "/staff/outbox/run", {}, token=token)
    assert status == 200
    sent = " ".join(p.read_text(encoding="utf-8") for p in (stack.data / "outbox").glob("*.json"))
    link = re.search(r"https?://[^\s\"]+status\.html#ref=" + re.escape(reg["reference"]) + r"&t=[A-Za-z0-9_-]+", sent)
    assert link, "no status link in the sent messages"
    page.goto(stack.site + "/status.html" + link.group(0).split("/status.html", 1)[1])
    page.wait_for_selector("#isi:not([hidden])")
    assert page.text_content("#name") == "Lupa Tautan"
    # A wrong number gets the same words, and nothing is sent.
    wide = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    pg = wide.new_page()
    pg.goto(f"{stack.site}/status.html")
    pg.fill("#m-reference", reg["reference"])
    pg.fill("#m-whatsapp", "0812-0000-1111")
    pg.click("#m-kirim")
    pg.wait_for_selector("#m-terkirim:not([hidden])")
    assert pg.text_content("#m-terkirim") == answer_text
    screenshot(pg, "status-lost-link-1280")
    wide.close()


def test_the_status_page_follows_the_registration_after_the_session(stack, page):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Sesudah Sesi", "whatsapp": "0812 4444 1212", "kecamatan": "Ciomas", "service": "ukm",
        "org_name": "Dapur Sesudah", "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Ingin tahu cara menentukan harga jual yang pas.", "mode": "daring",
        "days": days[:2], "source": "teman", "consent": True, "another": True}, {"Idempotency-Key": uuid.uuid4().hex})
    token = api(stack, "/auth/local/login", {"email": "admin@demo.local", "password": "demo12345"})["token"]
    assert allocate_now(stack, token)["status"] == "selesai"
    ref = reg["reference"].replace("-", "")
    session_id = stack.table("registrations").get_item(Key={"reference": ref})["Item"]["session_id"]
    # The session took place and staff recorded the visitor present (set directly: it is in the future here).
    stack.table("sessions").update_item(Key={"session_id": session_id}, UpdateExpression="SET #s = :h",
                                        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":h": "hadir"})
    stack.table("registrations").update_item(Key={"reference": ref}, UpdateExpression="SET #s = :d",
                                             ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":d": "selesai"})
    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#umpan-balik:not([hidden])")
    assert page.text_content("#status") == "Selesai" and "st-selesai" in page.get_attribute("#status", "class")
    assert "Zoom" not in page.text_content("#sesi")
    assert "umpan-balik.html#s=" in page.get_attribute("#umpan-balik-link", "href")
    assert page.is_visible("#daftar-lagi") and page.is_hidden("#aksi")
    screenshot(page, "status-after-session-360")


def test_other_dates_start_from_the_days_offered_and_cancelled_looks_cancelled(stack, page):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Tanggal Sama", "whatsapp": "0812 4444 3434", "kecamatan": "Ciomas", "service": "koperasi",
        "org_name": "Koperasi Sama", "coop_status": "aktif", "topics": ["keuangan"],
        "description": "Ingin belajar menyusun laporan keuangan koperasi.", "mode": "tatap_muka",
        "days": days[1:3], "source": "teman", "consent": True, "another": True}, {"Idempotency-Key": uuid.uuid4().hex})
    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#isi:not([hidden])")
    page.click("#btn-tanggal")
    page.wait_for_selector("#pilihan-tanggal input")
    ticked = page.eval_on_selector_all("#pilihan-tanggal input:checked", "els => els.map(e => e.value)")
    assert ticked == days[1:3]
    page.click("#btn-batal")
    page.click("#btn-batal-ya")
    expect(page.locator("#status")).to_have_text("Dibatalkan")
    assert "st-dibatalkan" in page.get_attribute("#status", "class")
    assert page.is_visible("#daftar-lagi")
    screenshot(page, "status-cancelled-360")
