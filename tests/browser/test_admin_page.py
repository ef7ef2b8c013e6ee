"""The staff admin page (/admin/) on the real local stack, in headless Chromium.

Every page load here runs under the production Content-Security-Policy (added to the HTML
response by a route), so an inline script or style would show up as a violation.
"""
from __future__ import annotations

import base64
import filecmp
import hashlib
import json
import re
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest

from .conftest import PHONE, ROOT, call, screenshot

PROD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"
PASSWORD = "demo12345"
ADMIN, SITI = "admin@demo.local", "siti@demo.local"
TEAM_SECTIONS = ("konsultan", "ruang", "piket", "tutup", "slot", "sesi", "loket", "pendaftaran", "kotak", "evaluasi", "kampanye", "siaran",
                 "data", "audit")
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module", autouse=True)
def built_admin_page():
    """The site server serves static_site/_build: rebuild it when the admin sources changed."""
    src, out = ROOT / "static_site" / "admin", ROOT / "static_site" / "_build" / "admin"
    stale = not out.exists() or any(
        not (out / f.name).exists() or not filecmp.cmp(f, out / f.name, shallow=False) for f in src.iterdir()
    )
    if stale:
        import sys

        sys.path.insert(0, str(ROOT / "static_site"))
        from build import build  # noqa: E402

        build(ROOT / "static_site" / "_build")


# Note: page.wait_for_function evaluates a string, which the CSP (rightly) forbids; wait with locators.

# --- helpers -----------------------------------------------------------------------------------

def login_token(stack, email):
    status, body = call(stack, "POST", "/auth/local/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return body["token"]


def open_admin(page, stack, csp=PROD_CSP, hash_=""):
    """Opens /admin/ with the production CSP; returns the list of CSP violations and page errors."""
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def with_csp(route):
        if route.request.resource_type != "document" or not route.request.url.startswith(stack.site):
            return route.fallback()  # to routes registered earlier (e.g. a fake config.json)
        response = route.fetch()
        headers = dict(response.headers)
        headers["content-security-policy"] = csp
        route.fulfill(response=response, headers=headers)

    page.route("**/*", with_csp)
    page.goto(stack.site + "/admin/" + hash_)
    return problems


def sign_in(page, email, password=PASSWORD):
    page.wait_for_selector("#masuk-form:not([hidden])")
    page.fill("#masuk-email", email)
    page.fill("#masuk-password", password)
    page.click("#masuk-kirim")
    page.wait_for_selector("#menu:not([hidden])")


def open_menu(page):
    """On a phone the sections sit behind the "Menu" button."""
    if page.is_visible("#menu-toggle") and page.get_attribute("#menu-toggle", "aria-expanded") != "true":
        page.click("#menu-toggle")


def go(page, section):
    open_menu(page)
    page.click(f"#menu a[href='#/{section}']")
    page.wait_for_selector(f"#sec-{section}:not([hidden])")


def menu_labels(page):
    return page.eval_on_selector_all("#menu a", "els => els.map(e => e.textContent.trim())")


def horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def too_wide(page):
    """The elements sticking out to the right (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")


def page_fetch_statuses(page, requests):
    """Fetch from inside the page with the signed-in user's own token: {"METHOD path": status}."""
    return page.evaluate(
        """async (requests) => {
            const t = JSON.parse(sessionStorage.getItem('cc-admin-token')).token;
            const out = {};
            for (const [method, path, body] of requests) {
                const r = await fetch('/api' + path, {method, headers: {Authorization: 'Bearer ' + t,
                    'Content-Type': 'application/json'}, body: body ? JSON.stringify(body) : undefined});
                out[method + ' ' + path] = r.status;
            }
            return out;
        }""",
        requests,
    )


# --- admin: team, roster, slots -----------------------------------------------------------------

def test_admin_adds_consultant_sets_roster_and_sees_slots(stack, page):
    problems = open_admin(page, stack)
    screenshot(page, "admin-01-masuk")
    sign_in(page, ADMIN)
    assert menu_labels(page) == ["Konsultan", "Ruang", "Jadwal piket", "Hari tutup", "Slot & kapasitas",
                                 "Sesi", "Loket", "Pendaftaran", "Kotak keluar", "Evaluasi", "Kampanye",
                                 "Siaran WhatsApp", "Hak data", "Log audit"]
    page.wait_for_selector("#sec-sesi:not([hidden])")  # an admin starts on today's sessions
    assert page.text_content("#menu-toggle") == "Menu: Sesi"
    go(page, "konsultan")
    page.wait_for_selector("#k-isi tr")

    # The API's field errors appear next to the fields.
    page.click("#k-tambah")
    page.click("#k-simpan")
    page.locator("#k-err-name:not(:empty)").wait_for()
    assert page.get_attribute("#k-name", "aria-invalid") == "true"
    screenshot(page, "admin-02-konsultan-errors")

    suffix = uuid.uuid4().hex[:5]
    name = f"Dewi Lestari {suffix}"
    page.fill("#k-name", name)
    page.fill("#k-whatsapp", "0812 7000 " + str(uuid.uuid4().int)[:4])
    page.fill("#k-email", f"dewi.{suffix}@example.go.id")
    for group, value in (("services", "koperasi"), ("services", "ukm"), ("modes", "tatap_muka"),
                         ("modes", "daring"), ("topics", "keuangan"), ("topics", "simpan_pinjam")):
        page.check(f"#k-form input[name={group}][value={value}]")
    assert page.is_checked("#k-active")
    page.click("#k-simpan")
    row = page.locator("#k-isi tr", has_text=name)
    row.wait_for()
    assert "Koperasi, UKM" in row.inner_text() and "Aktif" in row.inner_text()
    screenshot(page, "admin-03-konsultan")

    # Edit: the form comes back filled in; the change is saved with PUT.
    row.get_by_role("button", name=f"Ubah {name}").click()
    assert page.input_value("#k-name") == name
    assert page.is_checked("#k-form input[name=topics][value=simpan_pinjam]")
    page.fill("#k-staff_email", f"dewi.{suffix}@demo.local")
    page.click("#k-simpan")
    page.locator("#k-isi tr", has_text=f"Akun staf: dewi.{suffix}@demo.local").wait_for()

    # A room of our own, so face-to-face slots have somewhere to go.
    go(page, "ruang")
    page.click("#ru-tambah")
    page.fill("#ru-name", f"Ruang Uji {suffix}")
    page.click("#ru-simpan")
    page.locator("#ru-isi tr", has_text=f"Ruang Uji {suffix}").wait_for()

    # Weekly pattern: every morning (koperasi) plus Monday and Wednesday afternoons (UKM),
    # set from next week's grid.
    go(page, "piket")
    page.wait_for_selector("#r-isi tr[data-day]")
    this_week = page.get_attribute("#r-isi tr[data-day]", "data-day")
    shown = date.fromisoformat(this_week)
    while True:  # from next week, the first one the holidays leave open (Lebaran 2027 closes a whole week)
        shown += timedelta(days=7)
        page.click("#r-next")
        page.wait_for_selector(f"#r-isi tr[data-day='{shown}']")
        if page.locator("#r-isi tr[data-day]").count() > page.locator("#r-isi tr[data-day]:has(.closed)").count():
            break
    page.select_option("#r-rules-consultant", label=name)
    pattern = {(d, "koperasi") for d in range(5)} | {(0, "ukm"), (2, "ukm")}
    for weekday, service in sorted(pattern):
        page.check(f"#r-pattern-isi input[value='{weekday}:{service}']")
    page.click("#r-rules-simpan")
    page.locator("#r-rules-status", has_text="disimpan").wait_for()
    page.locator("#r-isi li.chip", has_text=name).first.wait_for()
    for row in page.locator("#r-isi tr[data-day]").all():
        weekday = date.fromisoformat(row.get_attribute("data-day")).weekday()
        expected = (weekday, row.get_attribute("data-service")) in pattern and row.locator(".closed").count() == 0
        assert row.locator("li.chip", has_text=name).count() == int(expected), row.inner_text()
    week = page.get_attribute("#r-isi tr[data-day]", "data-day")
    assert date.fromisoformat(week).weekday() == 0

    # A leave day shows as cuti in the grid, and goes away again when removed.
    duty_row = page.locator("#r-isi tr", has=page.locator("li.chip", has_text=name)).first
    day, service = duty_row.get_attribute("data-day"), duty_row.get_attribute("data-service")
    page.select_option("#r-exc-consultant_id", label=name)
    page.fill("#r-exc-day", day)
    page.select_option("#r-exc-service", service)
    page.check("#r-exc input[name=kind][value=cuti]")
    page.click("#r-exc-simpan")
    cell = f"#r-isi tr[data-day='{day}'][data-service='{service}']"
    page.locator(f"{cell} li.chip.off", has_text=f"{name} (cuti)").wait_for()
    assert page.locator(f"{cell} li.chip:not(.off)", has_text=name).count() == 0
    screenshot(page, "admin-04-piket-cuti")
    page.get_by_role("button", name=re.compile(r"^Hapus pengecualian: .*" + re.escape(name))).click()
    page.locator(f"{cell} li.chip:not(.off)", has_text=name).wait_for()

    # Extra duty for someone who takes this service but is not on duty then shows as tambahan.
    token = login_token(stack, ADMIN)
    _, team = call(stack, "GET", "/staff/consultants", token=token)
    _, roster = call(stack, "GET", f"/staff/roster?week={week}", token=token)
    # Someone neither on duty nor on leave then (extra duty for someone on leave only ends the leave).
    on_duty = {c["id"] for d in roster["duty"] if d["day"] == day and d["service"] == service for c in d["consultants"] + d["off"]}
    other = next((c for c in team["items"] if c["active"] and service in c["services"] and c["id"] not in on_duty
                  and "<" not in c["name"]), None)
    assert other, "the demo team has someone to add"
    page.select_option("#r-exc-consultant_id", other["id"])
    page.fill("#r-exc-day", day)
    page.select_option("#r-exc-service", service)
    page.check("#r-exc input[name=kind][value=tambahan]")
    page.click("#r-exc-simpan")
    page.locator(f"{cell} li.chip.extra", has_text=f"{other['name']} (tambahan)").wait_for()
    assert page.locator("#r-exc-isi li", has_text=other["name"]).count() == 1

    # Copy this week to the next one.
    page.click("#r-copy")
    page.locator("#r-copy-status", has_text="disalin").wait_for()
    screenshot(page, "admin-05-piket")

    # Slots for that week: our consultant appears, capacity is offered.
    go(page, "slot")
    page.fill("#s-from", week)
    page.fill("#s-to", (date.fromisoformat(week) + timedelta(days=4)).isoformat())
    page.click("#s-lihat")
    # The week asked for is drawn (not the default range drawn when the section opened).
    page.wait_for_function("""s => ![...document.querySelectorAll('#sec-slot [role=status]')]
        .some(e => /^Memuat/.test(e.textContent))""", arg="slot")
    page.wait_for_selector(f"#s-isi article[data-day='{day}']")
    # The slot list of a day is folded: unfold it (as a click on its summary does).
    page.locator(f"#s-isi article[data-day='{day}'] details").evaluate("d => d.open = true")
    ours = page.locator(f"#s-isi article[data-day='{day}'] li[data-seat][data-service='{service}']", has_text=name)
    ours.first.wait_for()  # visible: the list is unfolded
    text = ours.first.inner_text()
    assert "Daring, Tatap muka" in text or "Tatap muka, Daring" in text, text
    assert re.fullmatch(r"\d\d\.\d\d", ours.first.locator("xpath=ancestor::tr/th").inner_text().split()[0])
    offered = page.locator(f"#s-isi article[data-day='{day}'] tr[data-service='{service}'][data-mode=seats] td").first
    assert int(offered.inner_text()) > 0
    # "Sisa" per mode is not "Ditawarkan - Terisi" (a seat for both modes is offered in both rows):
    # the page says so, and the week's total counts each seat once.
    assert "bukan \"Ditawarkan − Terisi\"" in page.text_content("#s-note") and page.is_visible("#s-note")
    free = sum(int(t) for t in page.locator("#s-isi tr[data-mode=seats] td:nth-of-type(3)").all_inner_texts())
    assert page.text_content("#s-status").rstrip(".").endswith(f"sisa {free}")
    screenshot(page, "admin-06-slot")
    assert problems == []


def test_admin_manages_closures_and_reads_the_audit_log(stack, page):
    problems = open_admin(page, stack, hash_="#/tutup")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-tutup:not([hidden])")
    page.wait_for_selector("#t-libur tr")
    year = int(page.input_value("#t-year"))
    holidays = page.locator("#t-libur tr").all_inner_texts()
    assert any("Jan" in h for h in holidays)  # Tahun Baru is always there

    from tests.support.calendar import holiday_days

    closed = holiday_days(year + 1)
    target = date(year + 1, 3, 2)
    while target.weekday() > 4 or target in closed:  # an open weekday (Lebaran 2028 falls near March)
        target += timedelta(days=1)
    reason = f"Pelatihan pegawai {uuid.uuid4().hex[:4]}"
    # A Saturday is refused next to the date field.
    page.fill("#t-day", (target + timedelta(days=5 - target.weekday())).isoformat())
    page.fill("#t-reason", reason)
    page.click("#t-simpan")
    page.locator("#t-err-day", has_text="Senin sampai Jumat").wait_for()
    page.fill("#t-day", target.isoformat())
    page.select_option("#t-service", "ukm")
    page.fill("#t-reason", reason)
    page.click("#t-simpan")
    row = page.locator("#t-kantor tr", has_text=reason)
    row.wait_for()
    assert page.input_value("#t-year") == str(year + 1)
    assert "UKM" in row.inner_text()
    screenshot(page, "admin-07-tutup")
    row.get_by_role("button").click()
    row.wait_for(state="detached")

    go(page, "audit")
    page.wait_for_selector("#a-isi tr")
    log = " ".join(page.locator("#a-isi tr").all_inner_texts())
    # Sentences with names and WIB times; codes only in the folded raw detail.
    assert "admin@demo.local menutup layanan pada" in log and reason in log
    assert "membuka kembali layanan pada" in log
    assert "tutup.tambah" not in page.locator("#a-isi .sentence").all_inner_texts()[0]
    screenshot(page, "admin-08-audit")
    assert problems == []


# --- konsultan -------------------------------------------------------------------------------

def test_konsultan_sees_only_own_schedule_and_team_api_refuses(stack, page):
    problems = open_admin(page, stack, hash_="#/konsultan")
    sign_in(page, SITI)
    page.wait_for_selector("#sec-saya:not([hidden])")
    assert page.url.endswith("#/saya")
    assert menu_labels(page) == ["Jadwal saya"]
    assert page.text_content("#y-email") == SITI
    assert page.text_content("#y-name").strip() not in ("", "—")
    for section in TEAM_SECTIONS:
        assert page.query_selector(f"#sec-{section}") is None, section
        assert page.query_selector(f"#menu a[href='#/{section}']") is None
    screenshot(page, "admin-09-konsultan-saya")

    # Typing a team address by hand lands on the consultant's own page.
    page.evaluate("location.hash = '#/pendaftaran'")
    page.wait_for_url("**/admin/#/saya")

    statuses = page_fetch_statuses(page, [
        ["GET", "/staff/me", None],
        ["GET", "/staff/consultants", None],
        ["POST", "/staff/consultants", {"name": "Penyusup", "services": ["ukm"], "modes": ["daring"], "topics": [], "active": True}],
        ["PUT", "/staff/consultants/K-SITI", {"name": "Siti", "services": ["ukm"], "modes": ["daring"], "topics": [], "active": True}],
        ["GET", "/staff/rooms", None],
        ["GET", "/staff/roster?week=2026-01-05", None],
        ["PUT", "/staff/roster/rules/K-SITI", {"entries": []}],
        ["POST", "/staff/roster/copy-week", {"from_week": "2026-01-05", "to_week": "2026-01-12"}],
        ["GET", "/staff/closures?year=2026", None],
        ["GET", "/staff/slots?from=2026-01-05&to=2026-01-09", None],
        ["GET", "/staff/capacity?from=2026-01-05&to=2026-01-09", None],
        ["GET", "/staff/registrations", None],
        ["GET", "/staff/audit?day=2026-01-05", None],
    ])
    assert statuses.pop("GET /staff/me") == 200
    assert statuses == {k: 403 for k in statuses}
    assert problems == []


# --- visitors' text is never markup -------------------------------------------------------------

XSS = {
    "name": "<img src=x onerror=alert(1)>",
    "org_name": "<script>alert(2)</script>",
    "desa": "\"><svg onload=alert(3)>",
    "description": "</textarea><iframe src=\"javascript:alert(4)\"></iframe> koperasi kami perlu RAT",
}


def register_xss(stack):
    status, options = call(stack, "GET", "/public/options")
    assert status == 200 and options["days"]
    payload = {
        **XSS,
        "whatsapp": "0812 55" + str(uuid.uuid4().int)[:6], "email": "", "kecamatan": "Ciawi",
        "service": "koperasi", "coop_status": "tidak_aktif", "topics": ["tata_kelola_rat"],
        "mode": "tatap_muka", "days": options["days"][:2], "source": "whatsapp", "consent": True,
    }
    status, body = call(stack, "POST", "/registrations", payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, body
    return body["reference"]


def assert_nothing_injected(page, dialogs):
    assert dialogs == []
    for selector in ("img[src=x]", "#main img", "#main svg", "#main iframe", "#main script"):
        assert page.query_selector(selector) is None, selector
    assert page.eval_on_selector_all("script", "els => els.map(e => e.getAttribute('src'))") == ["js/main.js"]


def test_visitor_text_is_shown_as_text_never_run(stack, page):
    reference = register_xss(stack)
    # Staff-typed text too: a consultant whose name is markup, on duty in the week grid.
    token = login_token(stack, ADMIN)
    evil = "<img src=x onerror=alert(5)> Kons"
    status, consultant = call(stack, "POST", "/staff/consultants", {
        "name": evil, "whatsapp": "", "email": "", "services": ["koperasi"], "topics": ["keuangan"],
        "modes": ["daring"], "active": True, "staff_email": None}, token=token)
    assert status == 201, consultant
    status, _ = call(stack, "PUT", f"/staff/roster/rules/{consultant['id']}",
                     {"entries": [{"weekday": d, "service": "koperasi"} for d in range(5)]}, token=token)
    assert status == 200

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = open_admin(page, stack, hash_="#/pendaftaran")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-pendaftaran:not([hidden])")
    page.fill("#p-q", reference)
    page.click("#p-cari")
    row = page.locator("#p-isi tr[data-ref]", has_text=reference)
    row.wait_for()
    assert XSS["name"] in row.inner_text()
    assert XSS["org_name"] in row.inner_text()
    screenshot(page, "admin-10-xss-daftar")
    assert_nothing_injected(page, dialogs)

    row.get_by_role("link", name=reference).click()
    page.wait_for_selector("#p-d-isi dd[data-field=name]")
    for field, value in XSS.items():
        assert page.text_content(f"#p-d-isi dd[data-field={field}]") == value, field
        assert page.is_visible(f"#p-d-isi dd[data-field={field}]")
    screenshot(page, "admin-11-xss-detail")
    assert_nothing_injected(page, dialogs)
    page.click("#p-kembali")  # back to the list, keyboard focus on the row it came from
    page.wait_for_selector("#p-daftar:not([hidden])")
    assert page.evaluate("document.activeElement.textContent") == reference

    go(page, "konsultan")
    page.locator("#k-isi tr", has_text=evil).wait_for()
    go(page, "piket")
    page.locator("#r-status", has_text=re.compile(r"^Memuat")).wait_for(state="detached")
    for _ in range(3):  # a week the office is closed (Lebaran) has nobody on duty: the next one
        if page.locator("#r-isi li.chip", has_text=evil).count():
            break
        page.click("#r-next")
        page.locator("#r-status", has_text=re.compile(r"^Memuat")).wait_for(state="detached")
    page.locator("#r-isi li.chip", has_text=evil).first.wait_for()
    page.wait_for_timeout(300)  # an onerror would fire by now
    assert_nothing_injected(page, dialogs)
    assert problems == []


def test_registrations_filter_and_page_with_load_more(stack, page):
    token = login_token(stack, ADMIN)
    everything, cursor = [], None
    while True:  # the whole list straight from the API, following next_cursor
        _, body = call(stack, "GET", "/staff/registrations?limit=50" + (f"&cursor={quote(cursor)}" if cursor else ""), token=token)
        everything += [r["reference"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(everything) >= 3  # demo data plus what other tests registered

    # Pages of two, so "Muat lebih banyak" is needed.
    def pages_of_two(route):
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "limit": 2}))

    page.route("**/api/staff/registration-search", pages_of_two)
    problems = open_admin(page, stack, hash_="#/pendaftaran")
    sign_in(page, ADMIN)
    page.wait_for_selector("#p-isi tr[data-ref]")
    assert page.locator("#p-isi tr[data-ref]").count() == 2
    clicks = 0
    while page.is_visible("#p-lagi") and clicks < 50:
        before = page.locator("#p-isi tr[data-ref]").count()
        page.click("#p-lagi")  # disables the button until the page has arrived
        page.locator("#p-lagi:not([disabled])").wait_for(state="attached")
        clicks += 1
        assert page.locator("#p-isi tr[data-ref]").count() >= before
    shown = page.eval_on_selector_all("#p-isi tr[data-ref]", "els => els.map(e => e.dataset.ref)")
    assert shown == everything  # same order, nothing twice, nothing missing
    assert clicks == (len(everything) + 1) // 2 - 1  # "Muat lebih banyak" only while there is more
    assert "masih ada lagi" not in page.text_content("#p-status-line")
    screenshot(page, "admin-13-pendaftaran-paged")

    # Filters: kecamatan and status narrow the list; the summary tells how many filters are on.
    page.unroute("**/api/staff/registration-search")
    if page.is_hidden("#p-kecamatan"):
        page.click("#p-more summary")
    page.select_option("#p-kecamatan", "Ciawi")
    page.select_option("#p-status", "menunggu")
    assert "(2 aktif)" in page.text_content("#p-more-label")
    page.click("#p-cari")
    page.locator("#p-status-line", has_text="Menampilkan").wait_for()
    kecamatan = page.eval_on_selector_all("#p-isi tr[data-ref] td[data-label=Kecamatan]", "els => els.map(e => e.textContent)")
    assert kecamatan and set(kecamatan) == {"Ciawi"}
    assert problems == []


# --- sessions -------------------------------------------------------------------------------------

def test_wrong_password_sign_out_and_ended_session(stack, page):
    problems = open_admin(page, stack)
    sign_in_form = "#masuk-form:not([hidden])"
    page.wait_for_selector(sign_in_form)
    page.fill("#masuk-email", ADMIN)
    page.fill("#masuk-password", "salah-sekali")
    page.click("#masuk-kirim")
    page.wait_for_selector("#masuk-err-_form:not([hidden])")
    assert "salah" in page.text_content("#masuk-err-_form")
    assert page.is_hidden("#menu")

    page.fill("#masuk-password", PASSWORD)
    page.click("#masuk-kirim")
    page.wait_for_selector("#sec-sesi:not([hidden])")
    go(page, "konsultan")
    page.wait_for_selector("#k-isi tr")
    assert page.evaluate("sessionStorage.getItem('cc-admin-token')") is not None
    page.click("#keluar")
    page.wait_for_selector(sign_in_form)
    assert page.text_content("#masuk-pesan") == "Anda sudah keluar."
    assert page.evaluate("sessionStorage.getItem('cc-admin-token')") is None
    assert page.is_hidden("#menu") and page.is_hidden("#sec-konsultan")
    assert page.locator("#k-isi tr").count() == 0  # nothing left in the page
    screenshot(page, "admin-12-keluar")

    # A token the API refuses (expired, revoked) mid-session: back to the form, with the reason.
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-sesi:not([hidden])")
    # As below: the first section's requests finish first, or one of them, refused with the
    # swapped token, reloads the page under the click.
    page.wait_for_load_state("networkidle")
    page.evaluate("""sessionStorage.setItem('cc-admin-token',
        JSON.stringify({token: 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2lnbg', exp: Date.now() + 3600e3}))""")
    open_menu(page)
    page.click("#menu a[href='#/ruang']")
    page.wait_for_selector(sign_in_form)
    assert page.text_content("#masuk-pesan") == "Sesi berakhir, silakan masuk lagi."
    assert page.evaluate("sessionStorage.getItem('cc-admin-token')") is None

    # The API's own answers: 403 on a section shows the access message and keeps the session
    # (the page checks /staff/me to tell a refused role from a refused token); 401 ends it.
    page.route("**/api/staff/rooms", lambda route: route.fulfill(status=403, json={"Message": "User is not authorized"}))
    page.route("**/api/staff/audit?*", lambda route: route.fulfill(status=401, json={"message": "Unauthorized"}))
    sign_in(page, ADMIN)  # back on #/ruang, where the sign-in began
    page.wait_for_selector("#sec-ruang:not([hidden])")
    page.locator("#ru-status", has_text="Anda tidak punya akses ke bagian ini.").wait_for()
    assert page.is_visible("#menu")
    open_menu(page)
    page.click("#menu a[href='#/audit']")
    page.wait_for_selector(sign_in_form)
    assert page.text_content("#masuk-pesan") == "Sesi berakhir, silakan masuk lagi."
    page.unroute("**/api/staff/rooms")
    page.unroute("**/api/staff/audit?*")

    # A token past its expiry time is not even sent.
    page.goto(stack.site + "/admin/")
    sign_in(page, ADMIN)
    # Let the first section finish its requests: one still in flight when the token expires would
    # itself send the page back to the form (a reload of its own, racing the one below).
    page.wait_for_load_state("networkidle")
    page.evaluate("""(() => { const s = JSON.parse(sessionStorage.getItem('cc-admin-token'));
        s.exp = Date.now() - 1000; sessionStorage.setItem('cc-admin-token', JSON.stringify(s)); })()""")
    page.reload()
    page.wait_for_selector(sign_in_form)
    assert page.text_content("#masuk-pesan") == "Sesi berakhir, silakan masuk lagi."
    assert problems == []


def test_cognito_hosted_ui_sign_in_with_pkce_and_sign_out(stack, page):
    """Cognito is faked by routes on its domain; the token it 'issues' is a local one the API accepts."""
    domain = "clean-and-clear.auth.example.test"
    redirect = stack.site + "/admin/"
    id_token = login_token(stack, ADMIN)
    seen = {}

    page.route("**/admin/config.json", lambda route: route.fulfill(json={
        "auth": "cognito", "domain": domain, "client_id": "abc123client", "redirect_uri": redirect}))

    def authorize(route):
        q = {k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()}
        seen["authorize"] = q
        back = redirect + "?" + urlencode({"code": "the-code", "state": q["state"]})
        # The hosted UI sends the browser back with a navigation of its own (a 302 fulfilled here
        # would be followed without passing the routes, so the page would miss the test's CSP,
        # which allows this fake Cognito domain as the deployed one allows the real one).
        route.fulfill(status=200, content_type="text/html",
                      body=f"<!doctype html><title>Cognito</title><script>location.replace({json.dumps(back)})</script>")

    def token(route):
        seen["token"] = {k: v[0] for k, v in parse_qs(route.request.post_data).items()}
        route.fulfill(json={"id_token": id_token, "access_token": "unused", "expires_in": 3600, "token_type": "Bearer"},
                      headers={"Access-Control-Allow-Origin": stack.site})

    def logout(route):
        seen["logout"] = {k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()}
        route.fulfill(body="<!doctype html><title>keluar</title>", content_type="text/html")

    page.route(f"https://{domain}/oauth2/authorize**", authorize)
    page.route(f"https://{domain}/oauth2/token", token)
    page.route(f"https://{domain}/logout**", logout)
    # The token exchange is a cross-origin fetch: the CSP must allow the Cognito domain.
    problems = open_admin(page, stack, csp=PROD_CSP.replace("connect-src 'self'", f"connect-src 'self' https://{domain}"),
                          hash_="#/ruang")
    page.wait_for_selector("#masuk-cognito:not([hidden])")
    assert page.is_hidden("#masuk-form")
    page.click("#masuk-cognito-btn")
    page.wait_for_selector("#sec-ruang:not([hidden])")  # back where the sign-in started

    auth, tok = seen["authorize"], seen["token"]
    assert auth["response_type"] == "code" and auth["client_id"] == "abc123client"
    assert auth["redirect_uri"] == redirect and "openid" in auth["scope"].split()
    assert auth["code_challenge_method"] == "S256"
    verifier = tok["code_verifier"]
    assert 43 <= len(verifier) <= 128
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert auth["code_challenge"] == digest
    assert tok == {"grant_type": "authorization_code", "client_id": "abc123client", "code": "the-code",
                   "code_verifier": verifier, "redirect_uri": redirect}
    assert "code=" not in page.url and page.url.endswith("#/ruang")
    assert page.evaluate("sessionStorage.getItem('cc-admin-pkce')") is None

    page.click("#keluar")
    page.wait_for_url(f"https://{domain}/logout**")
    assert seen["logout"] == {"client_id": "abc123client", "logout_uri": redirect}
    assert problems == []


# --- layout ---------------------------------------------------------------------------------------

def test_every_section_fits_320px_and_desktop(stack, browser):
    for name, viewport in (("320", {"width": 320, "height": 640}), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta")
        pg = context.new_page()
        pg.set_default_timeout(15000)
        problems = open_admin(pg, stack)
        sign_in(pg, ADMIN)
        tops = pg.eval_on_selector_all("#menu-list a", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        if name == "desktop":  # 1280 px: every section in one row of the menu, no word broken
            assert pg.is_hidden("#menu-toggle") and len(set(tops)) == 1, tops
        else:  # a phone: one compact button; opened, the sections in a grid that fits
            assert pg.is_visible("#menu-toggle") and pg.is_hidden("#menu-list")
            pg.click("#menu-toggle")
            assert horizontal_overflow(pg) <= 0
            heights = pg.eval_on_selector_all("#menu-list a", "els => els.map(e => e.getBoundingClientRect().height)")
            assert max(heights) < 80  # at most two lines: words are not broken mid-word
            screenshot(pg, f"admin-menu-{name}")
            pg.click("#menu-toggle")
        for section in TEAM_SECTIONS:
            go(pg, section)
            # Every status line of the section has finished loading (a section may have several).
            pg.wait_for_function("""s => ![...document.querySelectorAll('#sec-' + s + ' [role=status]')]
                .some(e => /^Memuat/.test(e.textContent))""", arg=section)
            if section == "pendaftaran":
                pg.wait_for_selector("#p-isi tr")
            assert horizontal_overflow(pg) <= 0, (name, section, too_wide(pg))
            if name == "desktop" or section in ("piket", "pendaftaran"):
                screenshot(pg, f"admin-layout-{name}-{section}")
        assert problems == []
        context.close()
    assert PHONE["width"] == 360  # the other tests' screenshots are phone-sized


def test_phone_numbers_read_as_people_write_them_and_open_whatsapp(stack, page):
    options = call(stack, "GET", "/public/options")[1]
    _, reg = call(stack, "POST", "/registrations", {
        "name": "Nomor Rapi", "whatsapp": "+62 812 5511 2233", "email": "", "kecamatan": "Ciawi", "service": "ukm",
        "org_name": "Usaha Rapi", "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Ingin belajar memasarkan produk lewat WhatsApp Business.", "mode": "tatap_muka",
        "days": options["days"][:1], "consent": True, "another": True},  # "Dari mana Anda tahu" skipped
        headers={"Idempotency-Key": uuid.uuid4().hex})
    problems = open_admin(page, stack, hash_="#/pendaftaran/" + reg["reference"].replace("-", ""))
    sign_in(page, ADMIN)
    link = page.locator("#p-d-isi dd[data-field=whatsapp] a")
    link.wait_for()
    assert link.text_content() == "0812-5511-2233"
    assert link.get_attribute("href") == "https://wa.me/6281255112233"
    # No internal ids for people to read: a session id is "S-" and 12 hex digits (a reference such as
    # "GRS-RQT" may well contain "S-": only the id's whole shape counts).
    assert not re.search(r"\bS-[0-9A-F]{12}\b", page.text_content("#p-d-isi"))
    assert page.text_content("#p-d-isi dd[data-field=source]") == "Tidak disebut"  # words, not "tidak_disebut"
    assert "_" not in page.text_content("#p-d-isi")
    assert problems == []


# --- data-protection requests ---------------------------------------------------------------------

def test_staff_act_for_a_visitor_who_lost_the_link_and_see_the_request(stack, page):
    """Hak data: the code and number must match (the message never says which one is wrong); the
    deletion asks first; the request is listed with who acted."""
    options = call(stack, "GET", "/public/options")[1]
    phone = "0812 57" + str(uuid.uuid4().int)[:6]
    _, reg = call(stack, "POST", "/registrations", {
        "name": "Lupa Tautan", "whatsapp": phone, "email": "", "kecamatan": "Ciawi", "service": "ukm",
        "org_name": "Usaha Lupa", "business_sector": "kuliner", "topics": ["pemasaran"],
        "description": "Ingin belajar memasarkan produk.", "mode": "tatap_muka",
        "days": options["days"][:1], "consent": True, "another": True}, headers={"Idempotency-Key": uuid.uuid4().hex})
    ref = reg["reference"]
    problems = open_admin(page, stack, hash_="#/data")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-data:not([hidden])")
    page.fill("#d-bantu-reference", ref)
    page.fill("#d-bantu-whatsapp", "0812 0000 0000")
    page.click("#d-hapus")
    page.click("#d-hapus-ya")
    page.locator("#d-bantu-err-_form:not([hidden])", has_text="tidak cocok").wait_for()
    page.fill("#d-bantu-whatsapp", phone)
    page.click("#d-hapus")
    assert page.is_visible("#d-hapus-confirm")  # asked first
    screenshot(page, "hakdata-tanya")
    page.click("#d-hapus-ya")
    page.locator("#d-bantu-status", has_text="sudah dihapus").wait_for()
    row = page.locator("#d-isi tr[data-action='data.hapus']", has_text=ref)
    row.wait_for()
    assert "Petugas " + ADMIN in row.inner_text()
    assert horizontal_overflow(page) <= 0, too_wide(page)
    screenshot(page, "hakdata-selesai")
    status, detail = call(stack, "GET", f"/staff/registrations/{ref.replace('-', '')}", token=login_token(stack, ADMIN))
    assert status == 200 and detail["name"] != "Lupa Tautan" and not detail["whatsapp"], detail
    assert problems == []
