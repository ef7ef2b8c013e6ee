"""The feedback page (umpan-balik.html) on the real local stack, in headless Chromium on a phone.

A session that took place is produced through the API as staff would (a registration, a session
booked by hand on a past working day, attendance "hadir").

`test_visitor_opens_the_link_from_the_outbox` takes the link from the feedback-request message in
the stack's local outbox (LOCAL_OUTBOX_DIR), as a visitor would from WhatsApp. The other tests sign
the link with the stack's own key (<LOCAL_DATA_DIR>/signing-key) through `feedback.link_for`, the
same function the message uses, so they can pick any past session and forge/expire links.
"""
from __future__ import annotations

import filecmp
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import pytest

from .conftest import ROOT, book_in_the_past, screenshot
from .conftest import call as shared_call

PROD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
PASSWORD = "demo12345"
WIB = timezone(timedelta(hours=7))


@pytest.fixture(scope="module", autouse=True)
def built_feedback_page():
    """The site server serves static_site/_build: rebuild it when this page's sources changed."""
    out = ROOT / "static_site" / "_build"
    sources = [(ROOT / "static_site" / "assets" / name, out / "assets" / name) for name in ("feedback.js", "days.js", "site.css")]
    stale = not (out / "umpan-balik.html").exists() or any(
        not dst.exists() or not filecmp.cmp(src, dst, shallow=False) for src, dst in sources)
    template = ROOT / "static_site" / "templates" / "umpan-balik.html.j2"
    if not stale and template.stat().st_mtime > (out / "umpan-balik.html").stat().st_mtime:
        stale = True
    if stale:
        import sys

        sys.path.insert(0, str(ROOT / "static_site"))
        from build import build  # noqa: E402

        build(out)


def call(stack, method, path, body=None, token=None):
    return shared_call(stack, method, path, body, token, headers={"Idempotency-Key": uuid.uuid4().hex})


def admin_token(stack) -> str:
    status, login = call(stack, "POST", "/auth/local/login", {"email": "admin@demo.local", "password": PASSWORD})
    assert status == 200, login
    return login["token"]


def held_session(stack, name: str, phone: str, days_back: int = 10, ended_by: datetime | None = None) -> dict | None:
    """A UKM online session on the latest past working day with a free seat, marked hadir
    (None when the last `days_back` days have no such seat that ended by `ended_by`)."""
    token = admin_token(stack)
    _, options = call(stack, "GET", "/public/options")
    status, reg = call(stack, "POST", "/registrations", {
        "name": name, "whatsapp": phone, "kecamatan": "Cibinong", "service": "ukm", "org_name": "Batik " + name,
        "business_sector": "fesyen", "topics": ["pemasaran"], "mode": "daring", "days": options["days"][:1],
        "description": "Ingin menjual batik lewat marketplace dan mengurus merek dagang.", "source": "instagram",
        "consent": True, "another": True})
    assert status == 201, reg
    today = datetime.now(WIB).date()
    last = today if ended_by else today - timedelta(days=1)
    status, slots = call(stack, "GET", f"/staff/slots?from={today - timedelta(days=days_back)}&to={last}", token=token)
    assert status == 200, slots
    free = [s for s in slots["slots"] if s["service"] == "ukm" and "daring" in s["modes"] and not s["taken"]
            and (ended_by is None or ended(s["start"]) <= ended_by)]
    if ended_by is not None and not free:
        return None
    assert free, "no free past UKM seat in the demo roster"
    seat = free[-1]
    phone_e164 = "+62" + phone.replace(" ", "")[1:]
    session = book_in_the_past(stack, token, reg["reference"], seat)
    status, marked = call(stack, "POST", f"/staff/sessions/{session['id']}/attendance", {"status": "hadir"}, token=token)
    assert status == 200, marked
    return {"id": session["id"], "reference": reg["reference"], "consultant_name": seat["consultant_name"],
            "day": seat["day"], "phone": phone_e164, "token": token}


def ended(start_iso: str) -> datetime:
    return datetime.strptime(start_iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) + timedelta(minutes=30)


LINK_RE = re.compile(r"https?://\S+/umpan-balik\.html#s=[^\s&]+&e=\d+&t=[A-Za-z0-9_-]+")


def feedback_link_in_outbox(stack, phone: str) -> str:
    """The link in the WhatsApp feedback request the local outbox wrote for this number."""
    found = []
    for path in sorted((stack.data / "outbox").glob("*_whatsapp.json")):
        message = json.loads(path.read_text(encoding="utf-8"))
        if message.get("template") == "cc_umpan_balik" and message.get("to") == phone:
            found += LINK_RE.findall(message.get("text") or "")
    assert len(found) == 1, f"expected one feedback request to {phone} in the outbox, found {found}"
    return found[0]


def test_visitor_opens_the_link_from_the_outbox(stack, page):
    # The feedback request goes out for sessions of yesterday/today that ended (messages/reminders.py).
    held = held_session(stack, "Dewi Lestari", "0812 9876 4444", days_back=1, ended_by=datetime.now(timezone.utc))
    if held is None:
        pytest.skip("no UKM session of yesterday or today has ended yet (weekend, holiday or early morning)")
    status, run = call(stack, "POST", "/staff/outbox/run", {}, token=held["token"])
    assert status == 200, run
    link = feedback_link_in_outbox(stack, held["phone"])
    assert link.split("/umpan-balik.html")[0] in (stack.site, stack.site.replace("127.0.0.1", "localhost"))

    problems = open_page(page, stack, link.replace("localhost", "127.0.0.1"))
    page.wait_for_selector("#umpan-balik:not([hidden])")
    assert held["reference"] in page.text_content("#sesi-layanan")
    page.check("input[name=satisfaction][value='5']")
    page.check("input[name=answered][value=ya]")
    page.check("input[name=helpfulness][value='5']")
    page.check("input[name=recommend][value='10']")
    page.click("#kirim")
    page.wait_for_selector("#terkirim:not([hidden])")
    screenshot(page, "feedback-07-from-outbox")
    assert page.is_hidden("#lanjutan-info")
    assert problems == []
    item = stack.table("feedback").get_item(Key={"session_id": held["id"]})["Item"]
    assert (item["satisfaction"], item["answered"], item["recommend"]) == (5, "ya", 10)
    assert "follow_up" not in item or item["follow_up"] is None


@pytest.fixture
def sign(stack, monkeypatch):
    """`feedback.link_for` with the stack's signing key: the link of the feedback-request message."""
    from chalicelib.services import feedback

    monkeypatch.setenv("APP_SIGNING_KEY", (stack.data / "signing-key").read_text().strip())
    monkeypatch.delenv("SITE_URL", raising=False)

    def link(session_id, now=None):
        return stack.site + feedback.link_for(session_id, now)

    return link


def open_page(page, stack, url):
    """Open a page under the production CSP; returns the CSP violations and page errors seen."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def with_csp(route):
        if route.request.resource_type != "document" or not route.request.url.startswith(stack.site):
            return route.fallback()
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": PROD_CSP})

    page.route("**/*", with_csp)
    page.goto(url)
    return problems


def test_visitor_answers_from_the_link_and_asks_for_a_follow_up(stack, page, sign):
    held = held_session(stack, "Rina Marlina", "0812 9876 1111")
    link = sign(held["id"])
    problems = open_page(page, stack, link)
    page.wait_for_selector("#umpan-balik:not([hidden])")
    assert held["consultant_name"] in page.text_content("#sesi-konsultan")
    assert held["reference"] in page.text_content("#sesi-layanan")
    screenshot(page, "feedback-01-form")

    # Nothing picked: each question says what is missing, next to it.
    page.click("#kirim")
    assert "kepuasan" in page.text_content("#err-satisfaction")
    assert "terjawab" in page.text_content("#err-answered")
    assert page.get_attribute("input[name=satisfaction][value='5']", "aria-invalid") == "true"
    screenshot(page, "feedback-02-errors")

    page.check("input[name=satisfaction][value='4']")
    page.check("input[name=answered][value=sebagian]")
    page.check("input[name=helpfulness][value='5']")
    page.check("input[name=recommend][value='9']")
    page.fill("#improve", "Jadwal sore lebih banyak, ya.")
    assert page.text_content("#count-improve") == "29"
    # The SKM: eight of the nine unsur answered (one skipped), and one part of the profile.
    survey = {"u1": 4, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u9": 2}
    for key, value in survey.items():
        page.check(f"input[name='skm.{key}'][value='{value}']")
    assert "Gratis" in page.text_content("fieldset:has(input[name='skm.u4'])")
    page.select_option("#profile-job", "wirausaha")
    page.check("input[name=follow_up][value=ya]")
    page.locator("input[name=days]").nth(1).check()
    chosen = page.locator("input[name=days]").nth(1).get_attribute("value")
    screenshot(page, "feedback-03-filled")
    page.click("#kirim")
    page.wait_for_selector("#terkirim:not([hidden])")
    screenshot(page, "feedback-04-done")
    follow_ref = page.text_content("#ref-lanjutan").strip()
    assert len(follow_ref) == 7 and follow_ref[3] == "-"
    assert problems == []

    item = stack.table("feedback").get_item(Key={"session_id": held["id"]})["Item"]
    assert (item["satisfaction"], item["answered"], item["helpfulness"], item["recommend"]) == (4, "sebagian", 5, 9)
    assert item["improve"] == "Jadwal sore lebih banyak, ya."
    assert item["skm"] == survey and item["profile"] == {"job": "wirausaha"}
    assert item["follow_up"] == follow_ref.replace("-", "")
    again = stack.table("registrations").get_item(Key={"reference": follow_ref.replace("-", "")})["Item"]
    assert again["status"] == "menunggu" and again["follow_up_of"] == held["reference"].replace("-", "")
    assert again["days"] == [chosen] and again["name"] == "Rina Marlina"

    # The follow-up's private status link works.
    page.click("#status-lanjutan")
    page.wait_for_selector("#isi:not([hidden])")
    assert page.text_content("#ref") == follow_ref

    # Opening the feedback link again: answered, thanks, and the follow-up is shown again.
    page.goto(link)
    page.wait_for_selector("#terkirim:not([hidden])")
    assert "sudah kami terima" in page.text_content("#terkirim-pesan")
    assert page.text_content("#ref-lanjutan").strip() == follow_ref
    assert page.is_hidden("#umpan-balik")
    screenshot(page, "feedback-05-already")


def test_altered_and_expired_links_say_so(stack, page, sign):
    held = held_session(stack, "Ahmad Fauzi", "0812 9876 2222")
    link = sign(held["id"])
    base, fragment = link.split("#", 1)
    parts = {k: v[0] for k, v in parse_qs(fragment).items()}
    altered = f"{base}#s={parts['s']}&e={int(parts['e']) + 86400}&t={parts['t']}"
    open_page(page, stack, altered)
    page.wait_for_selector("#gagal:not([hidden])")
    assert "tidak valid" in page.text_content("#gagal")
    assert page.is_hidden("#umpan-balik")

    expired = sign(held["id"], now=datetime.now().astimezone() - timedelta(days=30))
    page.goto("about:blank")
    page.goto(expired)
    page.wait_for_selector("#gagal:not([hidden])")
    assert "kedaluwarsa" in page.text_content("#gagal")
    screenshot(page, "feedback-06-expired")

    page.goto("about:blank")
    page.goto(stack.site + "/umpan-balik.html")
    page.wait_for_selector("#gagal:not([hidden])")
    assert "tidak lengkap" in page.text_content("#gagal")
    assert stack.table("feedback").get_item(Key={"session_id": held["id"]}).get("Item") is None


def test_feedback_page_fits_320px(stack, browser, sign):
    held = held_session(stack, "Euis Komariah", "0812 9876 3333")
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="id-ID")
    pg = context.new_page()
    pg.goto(sign(held["id"]))
    pg.wait_for_selector("#umpan-balik:not([hidden])")
    pg.check("input[name=follow_up][value=ya]")
    pg.wait_for_selector("input[name=days]")
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    # Every choice is a large enough target for a thumb.
    small = pg.eval_on_selector_all("#umpan-balik label.opt-row",
                                    "els => els.filter(e => e.getBoundingClientRect().height < 44).length")
    context.close()
    assert overflow <= 0
    assert small == 0
