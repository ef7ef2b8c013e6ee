"""Every public page, in every state a visitor can reach, on the phones visitors use: no sideways
scroll, no text over text, tap targets of at least 24 x 24 px (tests/browser/layout.py), measured
at 320 px and 360 px wide (and kept as screenshots at 320, 360 and 1280 px with SCREENSHOT_DIR)."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from .conftest import allocate_now, call, fire
from .layout import problems
from .test_feedback_page import held_session

WIDTHS = (320, 360)


def check(page, state: str, width_problems: dict) -> None:
    """Measure the page at each width; keep what is wrong under the state's name."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        page.wait_for_timeout(50)  # one layout pass after the resize
        found = problems(page)
        if found:
            width_problems[f"{state} @ {width}px"] = found
        _screenshot(page, f"phone-{state}-{width}")
    if os.environ.get("SCREENSHOT_DIR"):
        page.set_viewport_size({"width": 1280, "height": 900})
        _screenshot(page, f"phone-{state}-1280")
    page.set_viewport_size({"width": 360, "height": 740})


def _screenshot(page, name: str) -> None:
    target = os.environ.get("SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def register(stack, **overrides) -> dict:
    _, options = call(stack, "GET", "/public/options")
    body = {"name": "Siti Nurhaliza Kusumawardhani", "whatsapp": f"0813 5{uuid.uuid4().int % 10**7:07d}",
            "kecamatan": "Babakan Madang", "service": "ukm", "org_name": "Keripik Singkong Pedas Manis Bu Siti",
            "business_sector": "kuliner", "topics": ["pemasaran", "legalitas"], "mode": "daring",
            "description": "Ingin mengurus izin edar PIRT dan memasarkan keripik lewat lokapasar.",
            "days": options["days"][:5], "source": "instagram", "consent": True, "another": True, **overrides}
    status, reg = call(stack, "POST", "/registrations", body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, reg
    return reg


@pytest.fixture
def found():
    out: dict[str, list[str]] = {}
    yield out
    assert out == {}, "\n".join(f"{state}: {p}" for state, ps in out.items() for p in ps)


def test_signup_page_in_every_state(stack, page, found):
    fire(stack, "forecast")
    page.goto(stack.site + "/")
    page.wait_for_selector("#days input")
    check(page, "signup-empty", found)
    page.click("#kirim")
    page.wait_for_selector("#ringkasan:not([hidden])")
    check(page, "signup-errors", found)
    page.check("input[name=service][value=ukm]")
    page.check("input[name=mode][value=daring]")
    page.wait_for_selector("#perkiraan:not([hidden])")
    check(page, "signup-estimate", found)
    page.fill("#name", "Siti Nurhaliza Kusumawardhani")
    page.fill("#whatsapp", "0813 4455 6677")
    page.select_option("#kecamatan", "Babakan Madang")
    page.fill("#org_name", "Keripik Singkong Pedas Manis Bu Siti")
    page.select_option("#business_sector", index=1)
    page.check("input[name=topics][value=pemasaran]")
    page.fill("#description", "Ingin mengurus izin edar PIRT dan memasarkan keripik lewat lokapasar.")
    page.locator("#days input:not([disabled])").first.check()
    page.check("#consent")
    page.click("#kirim")
    page.wait_for_selector("#berhasil:not([hidden])")
    check(page, "signup-done", found)


def test_status_page_in_every_state(stack, page, found):
    reg = register(stack)
    page.goto(f"{stack.site}/status.html#ref={reg['reference']}&t={reg['token']}")
    page.wait_for_selector("#isi:not([hidden])")
    check(page, "status-waiting", found)
    page.click("#btn-tanggal")
    page.wait_for_selector("#pilihan-tanggal input")
    check(page, "status-date-picker", found)

    token = call(stack, "POST", "/auth/local/login", {"email": "admin@demo.local", "password": "demo12345"})[1]["token"]
    allocate_now(stack, token)
    page.reload()
    page.wait_for_selector("#isi:not([hidden])")
    if page.is_visible("#sesi"):
        check(page, "status-scheduled", found)
    page.click("#btn-batal")
    check(page, "status-cancel-asked", found)
    page.click("#btn-batal-ya")
    page.wait_for_selector("#status.st-dibatalkan")
    check(page, "status-cancelled", found)
    page.click("#btn-hapus")
    page.click("#btn-hapus-ya")
    page.wait_for_selector("#gagal:not([hidden])")
    check(page, "status-deleted", found)
    page.goto(f"{stack.site}/status.html")
    page.wait_for_selector("#minta-tautan:not([hidden])")
    check(page, "status-lost-link", found)


def test_feedback_and_privacy_pages_in_every_state(stack, page, found, monkeypatch):
    from chalicelib.services import feedback

    held = held_session(stack, "Bambang Sutrisno Wicaksono", "0812 9876 3131")
    monkeypatch.setenv("APP_SIGNING_KEY", (stack.data / "signing-key").read_text().strip())
    monkeypatch.delenv("SITE_URL", raising=False)
    page.goto(stack.site + feedback.link_for(held["id"]))
    page.wait_for_selector("#umpan-balik:not([hidden])")
    check(page, "feedback-form", found)
    page.click("#kirim")
    page.wait_for_selector("#err-satisfaction:not(:empty)")
    check(page, "feedback-errors", found)
    page.check("input[name=satisfaction][value='5']")
    page.check("input[name=answered][value=ya]")
    page.check("input[name=helpfulness][value='5']")
    page.check("input[name=recommend][value='10']")
    page.check("input[name=follow_up][value=ya]")
    page.wait_for_selector("#days input")
    check(page, "feedback-follow-up-days", found)
    page.locator("#days input").first.check()
    page.click("#kirim")
    page.wait_for_selector("#terkirim:not([hidden])")
    check(page, "feedback-done", found)
    page.goto(stack.site + "/privasi.html")
    check(page, "privacy", found)
