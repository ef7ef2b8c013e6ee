"""The walk-in desk (Loket) on the real local stack, in headless Chromium at 320, 360 and 1280 px.

From the first keystroke of the visitor's number to the booked seat: typed fields and at most four
taps (the service, a topic, consent asked aloud, a time) on one screen; a seat another desk took a
moment before is refused with the next one highlighted; a returning number shows its registration
at once. The stack is shared with the other browser tests: only this file's visitors are looked at.
"""
from __future__ import annotations

import uuid

import pytest

from .conftest import call, screenshot
from .layout import problems as layout_problems
from .test_admin_page import built_admin_page, login_token  # noqa: F401 - built_admin_page is an autouse fixture
from .test_admin_sessions import ADMIN, admin_at

@pytest.fixture(scope="module")
def desk_capacity(stack):
    """Two more face-to-face koperasi consultants on duty every weekday, and two more rooms: the
    shared stack's other tests book the demo's few face-to-face seats too, and this file needs
    eight a day whatever the hour it runs at (today's seats, or the next working day's)."""
    token = login_token(stack, ADMIN)
    for n in (1, 2):
        status, consultant = call(stack, "POST", "/staff/consultants", {
            "name": f"Konsultan Loket {n}", "whatsapp": "", "email": "", "services": ["koperasi"],
            "topics": ["keuangan"], "modes": ["tatap_muka"], "active": True, "staff_email": None}, token=token)
        assert status == 201, consultant
        status, _ = call(stack, "PUT", f"/staff/roster/rules/{consultant['id']}",
                         {"entries": [{"weekday": d, "service": "koperasi"} for d in range(5)]}, token=token)
        assert status == 200
        status, room = call(stack, "POST", "/staff/rooms", {"name": f"Ruang Loket {n}", "active": True}, token=token)
        assert status == 201, room


COUNT_TAPS = """() => { window.__taps = 0;
  document.addEventListener('pointerdown', () => { window.__taps += 1; }, true); }"""


def number() -> str:
    return "0812 55" + str(uuid.uuid4().int)[:6]


def type_new_visitor(pg, phone: str, name: str) -> None:
    """Keyboard only: the number, then Tab from field to field (a phone's "next" key)."""
    pg.focus("#l-whatsapp")
    pg.keyboard.type(phone)
    pg.locator("#l-kenal-status", has_text="Nomor baru").wait_for()
    for value in (name, "Koperasi " + name, "cibinong"):
        pg.keyboard.press("Tab")
        pg.keyboard.type(value)


def first_time_button(pg):
    """The first time of the list for what is ticked now (not the one a topic tap is replacing)."""
    button = pg.locator("#l-kursi:not([aria-busy]) .times button").first
    button.wait_for()
    return button


def tap(pg, selector):
    pg.locator(selector).first.click()


@pytest.mark.parametrize("width", ["320", "360", "desktop"])
def test_a_walk_in_is_seated_in_four_taps_and_the_loser_of_a_seat_gets_the_next(stack, browser, desk_capacity, width):
    token = login_token(stack, ADMIN)
    name = f"Loket {width} {uuid.uuid4().hex[:5]}"
    phone = number()
    with admin_at(browser, stack, width, "#/loket") as (pg, problems):
        pg.wait_for_selector("#sec-loket:not([hidden])")
        first_time_button(pg)
        pg.evaluate(COUNT_TAPS)
        type_new_visitor(pg, phone, name)
        tap(pg, "#l-choice input[value='koperasi:aktif']")
        tap(pg, "#l-topics input[value='keuangan']")
        tap(pg, "#l-consent")
        chosen = first_time_button(pg)
        assert layout_problems(pg) == [], layout_problems(pg)
        screenshot(pg, f"loket-01-isi-{width}")
        label = chosen.get_attribute("aria-label")
        chosen.click()
        pg.wait_for_selector("#l-hasil:not([hidden])")
        assert pg.evaluate("window.__taps") <= 4
        said = pg.text_content("#l-hasil")
        assert name in said and "WIB" in said and "WhatsApp" in said
        assert pg.text_content("#l-hasil-tempat").strip() in label  # consultant and room, to say aloud
        assert layout_problems(pg) == [], layout_problems(pg)
        screenshot(pg, f"loket-02-terjadwal-{width}")

        # The day view marks the walk-in.
        reference = pg.text_content("#l-hasil-info").split("Kode ")[1].split(".")[0]
        _, reg = call(stack, "GET", f"/staff/registrations/{reference.replace('-', '')}", token=token)
        _, session = call(stack, "GET", f"/staff/sessions?from={reg['days'][0]}&to={reg['days'][0]}", token=token)
        mine = next(s for s in session["items"] if s["id"] == reg["session_id"])
        assert mine["walk_in"] is True and mine["channel"] == "datang_langsung"

        # The next visitor: another desk books the seat the list shows first, a moment before.
        pg.click("#l-berikutnya")
        other = f"Loket B {width} {uuid.uuid4().hex[:5]}"
        type_new_visitor(pg, number(), other)
        tap(pg, "#l-choice input[value='koperasi:aktif']")
        tap(pg, "#l-topics input[value='keuangan']")
        tap(pg, "#l-consent")
        first = first_time_button(pg)
        seat_label = first.get_attribute("aria-label")
        _, seats = call(stack, "GET", "/staff/desk/seats?service=koperasi&topics=keuangan", token=token)
        rival = seats["seats"][0]
        assert rival["words"] in seat_label
        status, _ = call(stack, "POST", "/staff/desk/walk-ins", {
            "whatsapp": number(), "name": "Meja Sebelah", "org_name": "Koperasi Sebelah", "kecamatan": "Ciawi",
            "choice": "koperasi:aktif", "topics": ["keuangan"], "consent": True,
            "seat": {"start": rival["start"], "consultant_id": rival["consultant_id"]}},
            token=token, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert status == 201
        first.click()
        error = pg.locator("#l-err-seat:not([hidden])")
        error.wait_for()
        assert "sudah terisi" in error.inner_text() and "Kursi berikutnya" in error.inner_text()
        highlighted = pg.locator("#l-kursi .times button.next")
        highlighted.wait_for()
        assert pg.evaluate("document.activeElement.classList.contains('next')")
        assert layout_problems(pg) == [], layout_problems(pg)
        screenshot(pg, f"loket-03-terisi-{width}")
        highlighted.click()
        pg.wait_for_selector("#l-hasil:not([hidden])")
        assert other in pg.text_content("#l-hasil")

        # A returning number: their registration shows at once, nothing typed twice.
        pg.click("#l-berikutnya")
        pg.focus("#l-whatsapp")
        pg.keyboard.type(phone)
        known = pg.locator("#l-kenal .known", has_text=reference)
        known.wait_for()
        assert "datang langsung" in known.inner_text()
        assert pg.input_value("#l-name") == name and pg.is_checked("#l-choice input[value='koperasi:aktif']")
        assert layout_problems(pg) == [], layout_problems(pg)
        screenshot(pg, f"loket-04-kenal-{width}")

        # A visitor who cannot take any of these times waits in the queue, today as their place.
        pg.click("#l-kosongkan")
        assert pg.input_value("#l-name") == "" and not pg.is_checked("#l-topics input[value='keuangan']")
        queued = f"Loket Antre {width} {uuid.uuid4().hex[:5]}"
        type_new_visitor(pg, number(), queued)
        tap(pg, "#l-choice input[value='koperasi:aktif']")
        tap(pg, "#l-topics input[value='keuangan']")
        tap(pg, "#l-consent")
        pg.click("#l-antre summary")
        tap(pg, "#l-days input")
        assert layout_problems(pg) == [], layout_problems(pg)
        screenshot(pg, f"loket-05-antre-{width}")
        pg.click("#l-antre-kirim")
        pg.wait_for_selector("#l-hasil:not([hidden])")
        assert "Masuk antrean: " + queued in pg.text_content("#l-hasil")
        code = pg.text_content("#l-hasil-kapan").split("Kode ")[1].strip()
        _, waiting = call(stack, "GET", f"/staff/registrations/{code.replace('-', '')}", token=token)
        assert waiting["status"] == "menunggu"
        assert problems == []
