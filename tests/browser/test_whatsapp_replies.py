"""The visitor's WhatsApp replies as staff see them, on the real local stack in headless Chromium.

The visitor taps the buttons of the messages in the local outbox through the real webhook,
signed with the stack's app secret (infra/local/whatsapp_reply.py, what `make run` offers for
the demo); staff then read the conversation in the Kotak keluar and the confirmation in the
day view.
"""
from __future__ import annotations

import re
import uuid

from infra.local.whatsapp_reply import reply

from .conftest import fire, screenshot
from .test_admin_page import (  # noqa: F401 - built_admin_page is an autouse fixture
    ADMIN, built_admin_page, call, go, horizontal_overflow, login_token, open_admin, sign_in, too_wide,
)


def test_staff_read_the_visitors_taps_and_words_in_the_kotak_keluar(stack, page):
    suffix = uuid.uuid4().hex[:5]
    phone = "0812 58" + str(uuid.uuid4().int)[:6]
    _, options = call(stack, "GET", "/public/options")
    status, reg = call(stack, "POST", "/registrations", {
        "name": f"Rina {suffix}", "whatsapp": phone, "email": "", "kecamatan": "Cibinong", "service": "koperasi",
        "org_name": "Koperasi Rina", "coop_status": "aktif", "topics": ["keuangan"], "description": "Pembukuan koperasi belum rapi sejak tahun lalu.",
        "mode": "tatap_muka", "days": options["days"][:2], "source": "whatsapp", "consent": True, "another": True},
        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, reg
    ref = reg["reference"]
    fire(stack, "allocate", "send_messages")  # booked, and the confirmation with its buttons "sent"

    api = f"http://127.0.0.1:{stack.api_port}"
    tapped = reply(phone, tap_title="Saya hadir", data=stack.data)  # finds the stack by its stack.json
    assert tapped["messages"] == {"dikonfirmasi": 1}, tapped
    assert reply(phone, text="Apakah ada parkir motor? <b>penting</b>", data=stack.data, api=api)["messages"] == {"bantuan": 1}

    problems = open_admin(page, stack, hash_="#/kotak")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-kotak:not([hidden])")
    # The day's replies: the visitor's words as text, each leading to the conversation.
    replies = page.locator("#o-balasan-isi li", has_text=ref)
    replies.first.wait_for()
    assert replies.count() == 2
    for line in replies.all_inner_texts():  # the time as people write it here: "01.49", never "01:49"
        assert re.match(r"\d{2}\.\d{2} · ", line), line
    assert page.locator("#o-balasan-isi b").count() == 0  # shown as text, never as markup
    screenshot(page, "kotak-03-balasan")

    replies.first.get_by_role("button", name=f"Percakapan dengan {ref}").click()
    chat = page.locator("#o-percakapan-isi")
    chat.locator("li.in", has_text="Saya hadir").wait_for()
    assert page.is_visible("#o-percakapan") and not page.is_visible("#o-isi")
    items = chat.locator("li").all_inner_texts()
    order = [("in" if "dipahami" in t else "out") for t in items]
    told = next(i for i, t in enumerate(items) if "Sesi terjadwal" in t)
    confirmed = next(i for i, t in enumerate(items) if "[Tombol] Saya hadir" in t)
    thanked = next(i for i, t in enumerate(items) if "sudah kami catat" in t)
    assert told < confirmed < thanked, items  # in the order it happened
    assert "Kehadiran dikonfirmasi" in items[confirmed] and order[confirmed] == "in"
    assert chat.locator("li.out .wa-button", has_text="Minta jadwal lain").count() >= 1  # the buttons the visitor saw
    assert "Apakah ada parkir motor? <b>penting</b>" in chat.inner_text()
    assert page.locator("#o-percakapan-isi b").count() == 0
    assert horizontal_overflow(page) <= 0, too_wide(page)
    screenshot(page, "kotak-04-percakapan")

    # The day view shows the session as confirmed by the visitor.
    status, detail = call(stack, "GET", f"/staff/registrations/{ref.replace('-', '')}", token=login_token(stack, ADMIN))
    assert status == 200 and detail["session"]["visitor_confirmed_at"], detail
    go(page, "sesi")
    page.fill("#se-day", detail["session"]["day"])
    page.locator("#se-status", has_text=re.compile(r"^Memuat")).wait_for(state="detached")
    row = page.locator(f"#sec-sesi li.sess[data-ref='{ref}']")
    row.locator("[data-field=confirmed]", has_text="konfirmasi hadir").wait_for()
    screenshot(page, "sesi-konfirmasi-wa")
    assert problems == []
