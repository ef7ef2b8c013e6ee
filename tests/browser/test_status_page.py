"""The visitor's private page: their session after allocation, other dates, cancellation."""
import json
import urllib.request
import uuid

from .conftest import screenshot


def api(stack, path, payload=None, headers=None, method=None):
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(stack.site + "/api" + path, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_visitor_sees_session_asks_other_dates_then_cancels(stack, page):
    days = api(stack, "/public/options")["days"]
    reg = api(stack, "/registrations", {
        "name": "Yanti Susanti", "whatsapp": "0812 7777 1234", "kecamatan": "Bojonggede", "service": "ukm",
        "org_name": "Yanti Craft", "business_sector": "kriya", "topics": ["pemasaran"],
        "description": "Ingin memperluas pasar kerajinan ke luar Bogor.", "mode": "daring",
        "days": days[:3], "source": "facebook", "consent": True}, {"Idempotency-Key": uuid.uuid4().hex})
    token = api(stack, "/auth/local/login", {"email": "admin@demo.local", "password": "demo12345"})["token"]
    api(stack, "/staff/allocation/run", {}, {"Authorization": f"Bearer {token}"})

    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#sesi:not([hidden])")
    screenshot(page, "status-scheduled")
    assert page.text_content("#status") == "Terjadwal"
    assert "WIB" in page.text_content("#sesi-waktu")
    assert page.text_content("#sesi-tempat") == "Daring lewat Zoom"

    page.click("#btn-tanggal")
    page.wait_for_selector("#pilihan-tanggal input")
    page.locator("#pilihan-tanggal input").nth(4).check()
    page.click("#form-tanggal button[type=submit]")
    page.wait_for_function("document.getElementById('status').textContent === 'Menunggu jadwal'")
    assert page.is_hidden("#sesi")
    assert "Urutan" in page.text_content("#pesan")

    page.click("#btn-batal")
    page.click("#btn-batal-ya")
    page.wait_for_function("document.getElementById('status').textContent === 'Dibatalkan'")
    screenshot(page, "status-cancelled")
    assert page.is_hidden("#aksi")
