"""A visitor on a phone registers on the real page and sees the reference and status."""
from .conftest import call, screenshot


def fill_valid_form(page, name="Rina Marlina", phone="0812 9876 5432"):
    page.fill("#name", name)
    page.fill("#whatsapp", phone)
    page.select_option("#kecamatan", "Cibinong")
    page.check("input[name=service][value=ukm]")
    page.fill("#org_name", "Rina Batik")
    page.select_option("#business_sector", "fesyen")
    page.check("input[name=topics][value=pemasaran]")
    page.fill("#description", "Ingin menjual batik lewat marketplace dan mengurus merek dagang.")
    page.check("input[name=mode][value=daring]")
    page.locator("input[name=days]:not([disabled])").first.check()
    page.select_option("#source", "instagram")
    page.check("#consent")


def test_visitor_registers_and_the_registration_is_stored(stack, page):
    page.goto(stack.site + "/?src=ig-nov24")
    page.wait_for_selector("input[name=days]")
    screenshot(page, "signup-empty")
    fill_valid_form(page)
    page.click("#kirim")
    page.wait_for_selector("#berhasil:not([hidden])")
    screenshot(page, "signup-done")
    reference = page.text_content("#ref").strip()
    assert len(reference) == 7 and reference[3] == "-"

    item = stack.table("registrations").get_item(Key={"reference": reference.replace("-", "")})["Item"]
    assert item["name"] == "Rina Marlina"
    assert item["phone"] == "+6281298765432"
    assert item["status"] == "menunggu"
    assert item["campaign"] == "ig-nov24"
    assert item["service"] == "ukm" and item["mode"] == "daring"

    page.click("#status-link")
    page.wait_for_selector("#isi:not([hidden])")
    screenshot(page, "status")
    assert page.text_content("#ref") == reference
    assert page.text_content("#status") == "Menunggu jadwal"
    assert page.text_content("#name") == "Rina Marlina"


def test_page_never_offers_weekends(stack, page):
    from datetime import date

    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    values = page.eval_on_selector_all("input[name=days]", "els => els.map(e => e.value)")
    assert values
    assert all(date.fromisoformat(v).weekday() < 5 for v in values)


def test_errors_show_next_to_fields_before_submit(stack, page):
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    page.fill("#whatsapp", "12345")
    page.click("#kirim")
    assert "tidak valid" in page.text_content("#err-whatsapp")
    assert page.text_content("#err-name") == "Wajib diisi."
    assert "minimal satu" in page.text_content("#err-days")
    assert page.get_attribute("#whatsapp", "aria-invalid") == "true"
    screenshot(page, "signup-errors")


def test_server_errors_show_next_to_fields(stack, page):
    """The server is the authority: a landline passes the page's loose check but not the server."""
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    fill_valid_form(page, phone="0800 1234 567")  # passes the page's loose pattern; toll-free, not mobile
    page.click("#kirim")
    page.locator("#err-whatsapp:not(:empty)").wait_for()  # (no wait_for_function: the CSP forbids eval)
    assert "Nomor" in page.text_content("#err-whatsapp")
    assert page.is_hidden("#berhasil")


def test_koperasi_topics_only_for_cooperatives(stack, page):
    page.goto(stack.site + "/")
    page.check("input[name=service][value=ukm]")
    assert page.is_hidden("input[name=topics][value=simpan_pinjam]")
    page.check("input[name=service][value=koperasi]")
    assert page.is_visible("input[name=topics][value=simpan_pinjam]")
    assert page.is_visible("#coop_status")
    assert page.is_hidden("#business_sector")


def test_page_fits_320px(stack, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    pg = context.new_page()
    pg.goto(stack.site + "/")
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0


def test_every_field_error_is_listed_at_the_top_as_a_link_to_its_field(stack, page):
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    page.click("#kirim")
    page.wait_for_selector("#ringkasan:not([hidden])")
    links = page.locator("#ringkasan-daftar a")
    assert links.count() >= 8
    assert page.evaluate("document.activeElement.id") in ("name", "ringkasan")
    links.filter(has_text="Cara konsultasi").click()
    assert page.evaluate("document.activeElement.name") == "mode"
    screenshot(page, "signup-summary-360")


def test_a_lost_connection_shows_next_to_the_button_and_the_retry_sends_once(stack, page):
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    fill_valid_form(page, name="Sinyal Lemah", phone="0812 3333 4444")
    keys = []

    def drop_first(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server stores it...
            return route.abort("connectionreset")  # ...and the answer never reaches the phone
        route.continue_()

    page.route("**/api/registrations", drop_first)
    page.click("#kirim")
    page.wait_for_selector("#gagal-kirim:not([hidden])")
    assert "Koneksi terputus" in page.text_content("#gagal-kirim")
    box = page.locator("#gagal-kirim").bounding_box()
    button = page.locator("#kirim").bounding_box()
    assert 0 <= box["y"] - (button["y"] + button["height"]) < 80  # right under the button
    page.click("#coba-lagi")
    page.wait_for_selector("#berhasil:not([hidden])")
    assert len(keys) == 2 and keys[0] == keys[1]  # the same idempotency key: one registration
    status, found = call(stack, "POST", "/staff/registration-search", {"q": "0812 3333 4444"},
                         token=call(stack, "POST", "/auth/local/login",
                                    {"email": "admin@demo.local", "password": "demo12345"})[1]["token"])
    assert status == 200 and len(found["items"]) == 1


def test_a_second_registration_for_the_same_number_asks_first(stack, page):
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    fill_valid_form(page, name="Dua Kali", phone="0812 2222 7777")
    page.click("#kirim")
    page.wait_for_selector("#berhasil:not([hidden])")
    page.evaluate("sessionStorage.clear()")
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    fill_valid_form(page, name="Dua Kali", phone="0812 2222 7777")
    page.click("#kirim")
    page.wait_for_selector("#sudah-terdaftar:not([hidden])")
    assert "sudah punya pendaftaran" in page.text_content("#sudah-terdaftar")
    screenshot(page, "signup-already-registered-360")
    page.click("#kirim-tautan-saya")
    page.wait_for_selector("#tautan-terkirim:not([hidden])")
    assert "WhatsApp" in page.text_content("#tautan-terkirim")
    page.click("#daftar-topik-lain")
    page.wait_for_selector("#berhasil:not([hidden])")


def test_the_page_says_how_long_the_wait_may_be_for_the_chosen_service_and_mode(stack, page):
    from .conftest import fire

    fire(stack, "forecast")
    _, published = call(stack, "GET", "/public/forecast")
    expected = published["estimates"]["ukm"]["daring"]["text"]
    assert expected.startswith("Perkiraan")
    page.goto(stack.site + "/")
    page.wait_for_selector("input[name=days]")
    assert page.is_hidden("#perkiraan")  # nothing chosen yet
    page.check("input[name=service][value=ukm]")
    assert page.is_hidden("#perkiraan")  # a mode too
    page.check("input[name=mode][value=daring]")
    page.locator("#perkiraan", has_text=expected).wait_for()
    # Once days are picked, the estimate is for those days (the first of them bounds it).
    fill_valid_form(page, name="Sari Perkiraan", phone="0812 9876 0099")
    picked = page.locator("input[name=days]:checked").first.get_attribute("value")
    _, for_day = call(stack, "GET", f"/public/forecast?service=ukm&mode=daring&days={picked}")
    page.locator("#perkiraan", has_text=for_day["estimate"]["text"]).wait_for()
    screenshot(page, "signup-perkiraan")
    shown = page.text_content("#perkiraan")
    page.click("#kirim")
    page.wait_for_selector("#berhasil:not([hidden])")
    assert page.text_content("#perkiraan-ok") == shown  # and the confirmation quotes what the page said
