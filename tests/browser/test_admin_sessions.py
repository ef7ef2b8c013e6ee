"""Sessions on the staff page (/admin/ "Sesi" and "Jadwal saya") on the real local stack.

The stack is shared with the other browser tests, so every check looks only at the visitors this
file registers (unique names), never at totals. Pages run under the production CSP.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
import uuid
from datetime import date, datetime, timedelta, timezone

from .conftest import book_in_the_past, fire, screenshot
from .test_admin_page import (  # noqa: F401 - built_admin_page is an autouse fixture
    ADMIN, DESKTOP, SITI, built_admin_page, call, go, horizontal_overflow, login_token, open_admin,
    page_fetch_statuses, sign_in, too_wide,
)

BUDI = "budi@demo.local"
WIB = timezone(timedelta(hours=7))
NOT_YET = "Kehadiran dicatat setelah sesi dimulai."


# --- helpers -----------------------------------------------------------------------------------

def register(stack, name, *, mode="daring", description="Ingin membenahi pembukuan koperasi.", days=None):
    """A koperasi visitor through the public API; returns the reference without the dash."""
    _, options = call(stack, "GET", "/public/options")
    status, body = call(stack, "POST", "/registrations", {
        "name": name, "whatsapp": "0812 56" + str(uuid.uuid4().int)[:6], "email": "", "kecamatan": "Cibinong",
        "service": "koperasi", "org_name": "Koperasi " + name, "coop_status": "aktif", "topics": ["keuangan"],
        "description": description, "mode": mode, "days": days or options["days"][:3], "source": "whatsapp",
        "consent": True, "another": True}, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, body
    return body["reference"].replace("-", "")


def registration(stack, token, ref):
    status, body = call(stack, "GET", f"/staff/registrations/{ref}", token=token)
    assert status == 200, body
    return body


def session_of(stack, token, ref):
    """The session a registration holds (looked up over the days it offered)."""
    reg = registration(stack, token, ref)
    assert reg["session_id"], reg
    days = sorted(reg["days"])
    _, found = call(stack, "GET", f"/staff/sessions?from={min(days[0], str(date.today()))}&to={days[-1]}", token=token)
    return next(s for s in found["items"] if s["id"] == reg["session_id"])


def free_slots(stack, token, start, end, **match):
    status, body = call(stack, "GET", f"/staff/slots?from={start}&to={end}", token=token)
    assert status == 200, body
    return [s for s in body["slots"] if not s["taken"] and s["service"] == "koperasi" and "daring" in s["modes"]
            and all(s[k] == v for k, v in match.items())]


def book(stack, token, ref, slot):
    status, body = call(stack, "POST", "/staff/sessions", {"reference": ref, "start": slot["start"],
                                                          "consultant_id": slot["consultant_id"], "mode": "daring"}, token=token)
    assert status == 201, body
    return body


WIDTHS = {"320": {"width": 320, "height": 640}, "360": {"width": 360, "height": 740}, "desktop": DESKTOP}


@contextmanager
def admin_at(browser, stack, width: str, hash_: str):
    """A fresh browser at one of WIDTHS, signed in as the admin on `hash_`: (page, console problems)."""
    context = browser.new_context(viewport=WIDTHS[width], locale="id-ID", timezone_id="Asia/Jakarta")
    try:
        pg = context.new_page()
        pg.set_default_timeout(15000)
        problems = open_admin(pg, stack, hash_=hash_)
        sign_in(pg, ADMIN)
        yield pg, problems
    finally:
        context.close()


def loaded(page, status="#se-status"):
    """The change handlers set "Memuat…" at once; the list is drawn when it goes away."""
    page.locator(status, has_text=re.compile(r"^Memuat")).wait_for(state="detached")


def choose(page, selector, value):
    page.select_option(selector, value)
    loaded(page)


def show_day(page, day):
    page.fill("#se-day", day)
    loaded(page)


def started(slot) -> bool:
    return datetime.strptime(slot["start"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) <= datetime.now(timezone.utc)


# --- admin: allocation, day and week views, attendance refused, assign by hand, cancel a day -------

def test_admin_runs_allocation_views_sessions_assigns_by_hand_and_cancels_a_day(stack, page):
    suffix = uuid.uuid4().hex[:5]
    names = [f"Sesi Uji {x} {suffix}" for x in ("Ani", "Bayu")]
    refs = [register(stack, n) for n in names]
    token = login_token(stack, ADMIN)

    problems = open_admin(page, stack, hash_="#/sesi")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-sesi:not([hidden])")
    page.click("#se-run")
    sentence = page.locator("#se-run-status", has_text="Penjadwalan selesai")
    sentence.wait_for()
    m = re.search(r"(\d+) dari (\d+) pendaftar yang menunggu mendapat jadwal", sentence.inner_text())
    assert m and int(m.group(2)) >= 2 and int(m.group(1)) >= 2, sentence.inner_text()
    sessions = [session_of(stack, token, r) for r in refs]

    # Day view, per consultant: our visitor under the consultant's name, with time and status.
    ani = sessions[0]
    show_day(page, ani["day"])
    row = page.locator("#se-isi li.sess", has_text=names[0])
    row.wait_for()
    group = page.locator("#se-isi article.sgroup", has=page.locator("li.sess", has_text=names[0]))
    assert ani["consultant_name"] in group.locator("h2").inner_text()
    assert ani["start_wib"][11:].replace(":", ".") in row.inner_text() and "Terjadwal" in row.inner_text()
    screenshot(page, "sesi-01-hari")

    # Per room: an online session sits in the "Daring" group; one consultant only: just theirs.
    choose(page, "#se-who", "by:ruang")
    page.locator("#se-isi article.sgroup[data-group='-daring'] li.sess", has_text=names[0]).wait_for()
    choose(page, "#se-who", "k:" + ani["consultant_id"])
    page.locator("#se-isi li.sess", has_text=names[0]).wait_for()
    assert page.locator("#se-isi article.sgroup").count() == 1

    # Week view: a chip on the right day; a click opens the detail.
    choose(page, "#se-who", "by:konsultan")
    choose(page, "#se-view", "minggu")
    chip = page.locator(f"#se-isi tr[data-day='{ani['day']}'] button.chip", has_text=names[0])
    chip.wait_for()
    assert page.locator(f"#se-isi tr[data-day='{sessions[1]['day']}'] button.chip", has_text=names[1]).count() == 1
    assert "#/sesi/minggu-" in page.url
    screenshot(page, "sesi-02-minggu")
    chip.click()
    page.wait_for_selector("#se-detail:not([hidden])")
    assert page.text_content("#se-d-isi dd[data-field=name]").startswith(names[0])
    # The heading names the visitor and the time, never an internal session id.
    heading = page.text_content("#h-se-detail")
    assert names[0] in heading and "WIB" in heading and "S-" not in heading
    page.locator("#se-n-status", has_text="belum menulis catatan").wait_for()

    # Attendance before the session starts: the buttons wait, and say why (the API refuses it too).
    assert page.is_disabled("#se-d-hadir-ya") and page.is_disabled("#se-d-hadir-tidak")
    assert "setelah sesi dimulai" in page.text_content("#se-d-hadir-hint")
    assert "Terjadwal" in page.text_content("#se-d-isi dd[data-field=status]")
    screenshot(page, "sesi-03-detail-hadir-ditolak")
    page.click("#se-kembali")
    page.wait_for_selector("#se-jadwal:not([hidden])")
    assert page.evaluate("document.activeElement.dataset.id") == ani["id"]  # focus back on the chip

    # Assign by hand from the registration, with a coordinator beating us to the first slot.
    late, rival = register(stack, f"Sesi Uji Citra {suffix}"), register(stack, f"Sesi Uji Dodi {suffix}")
    page.evaluate(f"location.hash = '#/pendaftaran/{late}'")
    page.wait_for_selector("#p-d-jadwal:not([hidden])")
    assert "Menunggu" in page.text_content("#p-d-isi dd[data-field=status]")
    page.click("#p-d-tetapkan")
    page.locator("#p-a-status", has_text="slot kosong").wait_for()
    radios = page.locator("#p-a-slots input[name=slot]:not([data-consultant='K-SITI'])")
    # Two seats of one consultant on one day: the second is our fallback after the conflict.
    picks = radios.evaluate_all("""els => els.map(e => ({start: e.dataset.start, consultant_id: e.dataset.consultant,
        day: e.closest('details').dataset.day}))""")
    future = [p for p in picks if p["start"] > datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")]
    first, second = next((a, b) for a in future for b in future
                         if a["consultant_id"] == b["consultant_id"] and a["day"] == b["day"] and a["start"] < b["start"])
    target = page.locator(f"#p-a-slots input[data-start='{first['start']}'][data-consultant='{first['consultant_id']}']")
    target.locator("xpath=ancestor::details").evaluate("d => d.open = true")
    target.check()
    screenshot(page, "sesi-04-tetapkan")
    book(stack, token, rival, first)  # someone else books that very seat meanwhile
    page.click("#p-a-simpan")
    box = page.locator("#p-a-err-_form:not([hidden])")
    box.wait_for()
    assert "sudah punya sesi pada jam itu" in box.inner_text() and "pilih slot lain" in box.inner_text(), box.inner_text()
    assert page.locator(f"#p-a-slots input[data-start='{first['start']}'][data-consultant='{first['consultant_id']}']").count() == 0
    screenshot(page, "sesi-05-tetapkan-bentrok")
    fallback = page.locator(f"#p-a-slots input[data-start='{second['start']}'][data-consultant='{second['consultant_id']}']")
    fallback.locator("xpath=ancestor::details").evaluate("d => d.open = true")
    fallback.check()
    page.click("#p-a-simpan")
    page.locator("#p-d-jadwal-status", has_text="Jadwal ditetapkan").wait_for()
    assert second["consultant_id"] not in page.text_content("#p-d-jadwal")  # the consultant by name
    page.locator("#p-d-isi dd[data-field=status]", has_text="Terjadwal").wait_for()
    # The session is shown with its time and consultant, even on a day the visitor did not offer.
    page.locator("#p-d-sesi a", has_text="Lihat di jadwal sesi").wait_for()
    assert registration(stack, token, late)["status"] == "terjadwal"
    screenshot(page, "sesi-06-tetapkan-ok")

    # The consultant is sick that day: their koperasi sessions go to a colleague with a free seat, or
    # back to the queue at their place; what happens to each is said first (services/leave.py).
    page.click("#p-d-sesi a")
    page.wait_for_selector("#sec-sesi:not([hidden])")
    page.locator("#se-isi li.sess", has_text=f"Sesi Uji Citra {suffix}").wait_for()
    assert page.input_value("#se-day") == second["day"] and page.input_value("#se-view") == "hari"
    sick = second["consultant_id"]
    group = page.locator(f"#se-isi article.sgroup[data-group='{sick}']")
    assert group.locator("li.sess", has_text=f"Sesi Uji Dodi {suffix}").count() == 1
    group.get_by_role("button", name=re.compile(r"^Batalkan hari ")).click()
    page.wait_for_selector("#se-cd-confirm:not([hidden])")
    page.select_option("#se-cd-service", "koperasi")  # only the morning block: the question goes away
    assert page.is_hidden("#se-cd-confirm")
    page.click("#se-cd-periksa")
    question = page.locator("#se-cd-confirm:not([hidden]) #se-cd-tanya")
    question.wait_for()
    n = int(re.search(r"(\d+) sesi terjadwal", question.inner_text()).group(1))
    assert n >= 2
    plans = question.locator("li").all_inner_texts()
    assert len(plans) == n and all("Dipindah ke" in t or "antrean" in t for t in plans), plans
    assert any(f"Sesi Uji Citra {suffix}" in t for t in plans) and any(f"Sesi Uji Dodi {suffix}" in t for t in plans)
    screenshot(page, "sesi-07-batal-hari-tanya")
    page.click("#se-cd-ya")
    page.locator("#se-cd-status", has_text="pengunjung diberi tahu").wait_for()
    group.locator("li.sess", has_text=f"Sesi Uji Citra {suffix}").wait_for(state="detached")
    assert group.locator("li.sess", has_text=f"Sesi Uji Dodi {suffix}").count() == 0
    for ref in (late, rival):  # with a colleague, or back in the queue at their place
        reg = registration(stack, token, ref)
        assert reg["status"] == "menunggu" or (reg["session"] and reg["session"]["consultant_id"] != sick), reg
    screenshot(page, "sesi-08-batal-hari")
    assert problems == []


# --- konsultan: own schedule, attendance and notes; nobody else's ---------------------------------

def test_konsultan_marks_attendance_and_writes_notes_only_on_own_sessions(stack, page, browser):
    suffix = uuid.uuid4().hex[:5]
    token = login_token(stack, ADMIN)
    today = datetime.now(WIB).date()
    evil = "<img src=x onerror=alert(7)> Rapat anggota tahunan belum pernah diadakan."
    coming_name, past_name = f"Catatan Uji Eka {suffix}", f"Catatan Uji Fajar {suffix}"
    coming_ref, past_ref = register(stack, coming_name, description=evil), register(stack, past_name)
    coming_slot = next(s for s in free_slots(stack, token, today, today + timedelta(days=11), consultant_id="K-SITI")
                       if not started(s))
    coming = book(stack, token, coming_ref, coming_slot)
    past_slot = [s for s in free_slots(stack, token, today - timedelta(days=13), today, consultant_id="K-SITI") if started(s)][-1]
    past = book_in_the_past(stack, token, past_ref, past_slot)
    fire(stack, "sync_meetings")  # the coming online session gets its (local) Zoom meeting

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = open_admin(page, stack)
    sign_in(page, SITI)
    page.wait_for_selector("#sec-saya:not([hidden])")
    card = page.locator(f"#y-isi article[data-id='{coming['id']}']")
    for _ in range(3):  # the coming session is in this week or the next
        loaded(page, "#y-status")
        if card.count():
            break
        page.click("#y-next")
    card.wait_for()
    assert coming_name in card.inner_text() and evil in card.inner_text()  # the visitor's problem, as text
    assert page.query_selector("#y-isi img") is None and dialogs == []

    # Attendance before the start: the buttons wait, with the reason.
    assert card.get_by_role("button", name="Hadir", exact=True).is_disabled()
    assert "setelah sesi dimulai" in card.locator(".att-status").inner_text()

    # "Mulai Zoom" opens a start link fetched at the click (the local demo's zoom.invalid address).
    page.context.route("https://zoom.invalid/**", lambda route: route.fulfill(status=200, body="<title>Zoom</title>",
                                                                              content_type="text/html"))
    with page.expect_popup() as popup:
        card.get_by_role("button", name="Mulai Zoom").click()
    zoom_page = popup.value
    zoom_page.wait_for_url(re.compile(r"^https://zoom\.invalid/s/local-"))
    zoom_page.close()

    # Notes: a field error from the API next to its field, then saved.
    # While the saved notes load (held here), nothing can be typed or saved over them.
    held = []
    page.route(f"**/staff/sessions/{coming['id']}/notes", lambda route: held.append(route))
    card.locator("summary", has_text="Catatan sesi").click()
    prefix = f"#n-{coming['id']}"
    while not held:
        page.wait_for_timeout(20)
    boxes = ("problem", "advice", "follow_up", "referral", "simpan")
    assert all(page.is_disabled(f"{prefix}-{name}") for name in boxes)
    held[0].fulfill(status=503, json={"message": "Service Unavailable"})  # and the load fails:
    card.locator(f"{prefix}-status", has_text="Tutup lalu buka").wait_for()
    assert all(page.is_disabled(f"{prefix}-{name}") for name in boxes)  # still nothing to save over them
    page.unroute(f"**/staff/sessions/{coming['id']}/notes")
    card.locator("summary", has_text="Catatan sesi").click()  # closed, opened: read again
    card.locator("summary", has_text="Catatan sesi").click()
    card.locator(f"{prefix}-status", has_text="Belum ada catatan").wait_for()
    assert not any(page.is_disabled(f"{prefix}-{name}") for name in boxes)
    page.fill(f"{prefix}-problem", "RAT belum pernah diadakan sejak 2021; pengurus ragu soal kuorum.")
    page.fill(f"{prefix}-advice", "Susun jadwal RAT, undang anggota 14 hari sebelumnya, siapkan laporan keuangan.")
    page.check(f"{prefix}-follow_up")
    page.eval_on_selector(f"{prefix}-referral", "(e, v) => { e.removeAttribute('maxlength'); e.value = v; }", "x" * 301)
    page.click(f"{prefix}-simpan")
    page.locator(f"{prefix}-err-referral:not(:empty)").wait_for()
    assert page.get_attribute(f"{prefix}-referral", "aria-invalid") == "true"
    page.fill(f"{prefix}-referral", "Bagian kelembagaan Diskopukm")
    page.click(f"{prefix}-simpan")
    page.locator(f"{prefix}-status", has_text="Catatan disimpan").wait_for()
    screenshot(page, "sesi-09-saya-catatan")

    # The past session: attendance is taken.
    past_card = page.locator(f"#y-isi article[data-id='{past['id']}']")
    for _ in range(6):  # from up to two weeks ahead back to up to two weeks ago
        loaded(page, "#y-status")
        if past_card.count():
            break
        page.click("#y-prev")
    past_card.wait_for()
    past_card.get_by_role("button", name="Tidak hadir", exact=True).click()
    past_card.locator(".badge", has_text="Tidak hadir").wait_for()
    assert "tidak hadir" in page.text_content("#y-status").lower()  # the week's count follows
    assert past_card.get_by_role("button", name="Tidak hadir", exact=True).get_attribute("aria-pressed") == "true"
    screenshot(page, "sesi-10-saya-hadir")
    assert problems == []

    # Budi (another consultant) sees none of it; the API answers 404 on Siti's session.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", timezone_id="Asia/Jakarta")
    budi = context.new_page()
    budi.set_default_timeout(15000)
    open_admin(budi, stack)
    sign_in(budi, BUDI)
    loaded(budi, "#y-status")
    assert budi.locator(f"#y-isi article[data-id='{coming['id']}']").count() == 0
    statuses = page_fetch_statuses(budi, [
        ["GET", f"/staff/sessions/{coming['id']}/notes", None],
        ["PUT", f"/staff/sessions/{coming['id']}/notes", {"problem": "x", "advice": "", "follow_up": False, "referral": ""}],
        ["POST", f"/staff/sessions/{coming['id']}/attendance", {"status": "hadir"}],
        ["GET", f"/staff/sessions?from={today}&to={today}", None],
        ["POST", "/staff/allocation/run", {}],
        ["POST", f"/staff/sessions/{coming['id']}/cancel", {"requeue": True}],
        ["POST", "/staff/consultants/K-SITI/cancel-day", {"day": str(today)}],
        ["GET", f"/staff/my-sessions?from={coming['day']}&to={coming['day']}", None],
    ])
    assert statuses == {
        f"GET /staff/sessions/{coming['id']}/notes": 404, f"PUT /staff/sessions/{coming['id']}/notes": 404,
        f"POST /staff/sessions/{coming['id']}/attendance": 404, f"GET /staff/sessions?from={today}&to={today}": 403,
        "POST /staff/allocation/run": 403, f"POST /staff/sessions/{coming['id']}/cancel": 403,
        "POST /staff/consultants/K-SITI/cancel-day": 403, f"GET /staff/my-sessions?from={coming['day']}&to={coming['day']}": 200,
    }
    context.close()
    status, notes = call(stack, "GET", f"/staff/sessions/{coming['id']}/notes", token=login_token(stack, BUDI))
    assert status == 404 and "RAT" not in str(notes)

    # The coordinator reads the notes in the session's detail.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", timezone_id="Asia/Jakarta")
    admin = context.new_page()
    admin.set_default_timeout(15000)
    open_admin(admin, stack, hash_=f"#/sesi/{coming['day']}")
    sign_in(admin, ADMIN)
    row = admin.locator("#se-isi li.sess", has_text=coming_name)
    row.wait_for()
    row.get_by_role("button", name=re.compile("^Rincian")).click()
    admin.locator("#se-n-isi dd[data-field=problem]", has_text="RAT belum pernah diadakan").wait_for()
    assert admin.text_content("#se-n-isi dd[data-field=follow_up]").startswith("Ya")
    assert admin.text_content("#se-n-isi dd[data-field=referral]") == "Bagian kelembagaan Diskopukm"
    assert SITI in admin.text_content("#se-n-status")
    screenshot(admin, "sesi-11-admin-catatan")
    context.close()


# --- layout -----------------------------------------------------------------------------------------

def test_session_views_fit_320px_and_desktop(stack, browser):
    token = login_token(stack, ADMIN)
    suffix = uuid.uuid4().hex[:5]
    today = datetime.now(WIB).date()
    held_ref = register(stack, f"Tata Letak Gita {suffix} dengan nama yang cukup panjang sekali")
    waiting_ref = register(stack, f"Tata Letak Hana {suffix}")
    slot = next(s for s in free_slots(stack, token, today, today + timedelta(days=11)) if not started(s))
    held = book(stack, token, held_ref, slot)
    for name in ("320", "desktop"):
        with admin_at(browser, stack, name, f"#/sesi/{held['day']}") as (pg, problems):
            pg.locator("#se-isi li.sess", has_text=f"Gita {suffix}").wait_for()
            assert horizontal_overflow(pg) <= 0, (name, "hari", too_wide(pg))
            screenshot(pg, f"sesi-layout-{name}-hari")
            choose(pg, "#se-view", "minggu")
            pg.locator("#se-isi button.chip", has_text=f"Gita {suffix}").wait_for()
            assert horizontal_overflow(pg) <= 0, (name, "minggu", too_wide(pg))
            screenshot(pg, f"sesi-layout-{name}-minggu")
            pg.locator("#se-isi button.chip", has_text=f"Gita {suffix}").click()
            pg.click("#se-d-pindah")
            pg.locator("#se-m-status", has_text="slot kosong").wait_for()
            pg.locator("#se-m-slots details[open]").first.wait_for()
            assert horizontal_overflow(pg) <= 0, (name, "pindah", too_wide(pg))
            screenshot(pg, f"sesi-layout-{name}-pindah")
            pg.click("#se-d-batal")
            assert pg.is_hidden("#se-m-form") and pg.is_visible("#se-c-form")
            pg.click("#se-kembali")
            pg.evaluate(f"location.hash = '#/pendaftaran/{waiting_ref}'")
            pg.click("#p-d-tetapkan")
            pg.locator("#p-a-status", has_text="slot kosong").wait_for()
            assert horizontal_overflow(pg) <= 0, (name, "tetapkan", too_wide(pg))
            screenshot(pg, f"sesi-layout-{name}-tetapkan")
            assert problems == []


# --- Kotak keluar: messages as the recipient reads them, failed ones sent again -------------------

def test_outbox_shows_messages_as_read_and_retries_a_failed_one(stack, page):
    suffix = uuid.uuid4().hex[:5]
    name = f"<img src=x onerror=alert(8)> Wati {suffix}"
    _, options = call(stack, "GET", "/public/options")
    status, reg = call(stack, "POST", "/registrations", {
        "name": name, "whatsapp": "0812 57" + str(uuid.uuid4().int)[:6], "email": f"wati.{suffix}@example.com",
        "kecamatan": "Cibinong", "service": "ukm", "org_name": "Warung Wati", "business_sector": "kuliner",
        "topics": ["pemasaran"], "description": "Ingin jualan daring.", "mode": "daring", "days": options["days"][:2],
        "source": "whatsapp", "consent": True, "another": True}, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, reg
    ref = reg["reference"]

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    problems = open_admin(page, stack, hash_="#/kotak")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-kotak:not([hidden])")
    loaded(page, "#o-status-line")
    if page.locator(f"#o-isi article[data-ref='{ref}']").count() == 0:  # older messages first: page on
        while page.is_visible("#o-lagi") and page.locator(f"#o-isi article[data-ref='{ref}']").count() == 0:
            page.click("#o-lagi")
            loaded(page, "#o-status-line")
    wa = page.locator(f"#o-isi article[data-ref='{ref}'][data-channel=whatsapp]")
    mail = page.locator(f"#o-isi article[data-ref='{ref}'][data-channel=email]")
    wa.wait_for()
    assert "Pendaftaran diterima" in wa.locator("h2").inner_text()
    assert "Menunggu dikirim" in wa.locator(".badge").inner_text()

    # Send what is due: both go out through the local (demo) provider, shown as sent.
    page.click("#o-run")
    page.locator("#o-run-status", has_text="Pengiriman selesai").wait_for()
    loaded(page, "#o-status-line")
    while page.is_visible("#o-lagi") and wa.count() == 0:
        page.click("#o-lagi")
        loaded(page, "#o-status-line")
    wa.locator(".badge", has_text="Terkirim").wait_for()
    bubble = wa.locator(".wa .bubble").inner_text()
    assert ref in bubble and f"Wati {suffix}" in bubble, bubble
    assert "demo" in wa.inner_text()  # the local provider says it did not really send
    assert mail.locator(".mail .subj strong").inner_text().strip() not in ("", "—")
    assert ref in mail.locator(".mail .body").inner_text()
    assert page.query_selector("#o-isi img") is None and dialogs == []  # the name is text
    screenshot(page, "kotak-01-terkirim")

    # A message WhatsApp refused for good (written into the table as the sender would after its last try).
    message_id = wa.get_attribute("data-id")
    stack.table("outbox").update_item(
        Key={"message_id": message_id},
        UpdateExpression="SET #s = :f, #e = :e, attempts = :a REMOVE due",
        ExpressionAttributeNames={"#s": "status", "#e": "error"},
        ExpressionAttributeValues={":f": "failed", ":e": "131026: nomor tidak dapat menerima pesan", ":a": 6})
    page.click("#o-gagal")
    loaded(page, "#o-status-line")
    assert page.input_value("#o-day") == "" and page.input_value("#o-status") == "failed"
    failed = page.locator(f"#o-isi article[data-id='{message_id}']")
    failed.wait_for()
    assert "131026" in failed.locator("[data-field=error]").inner_text()
    assert "Gagal" in failed.locator(".badge").inner_text()
    screenshot(page, "kotak-02-gagal")
    failed.get_by_role("button", name=re.compile("^Kirim ulang")).click()
    failed.locator(".badge", has_text="Menunggu dikirim").wait_for()
    assert failed.get_by_role("button", name=re.compile("^Kirim ulang")).count() == 0
    page.click("#o-run")
    page.locator("#o-run-status", has_text="Pengiriman selesai").wait_for()
    loaded(page, "#o-status-line")
    assert page.locator(f"#o-isi article[data-id='{message_id}']").count() == 0  # no longer failed
    status, body = call(stack, "GET", "/staff/outbox?status=sent&limit=100", token=login_token(stack, ADMIN))
    assert any(m["id"] == message_id for m in body["items"]), "sent again"
    assert problems == []


def test_admin_linked_to_a_consultant_also_gets_jadwal_saya(stack, page):
    """An admin whose account carries a consultant id (Cognito custom:consultant_id) sees the team
    sections and, last, their own schedule. The demo admin has no such link, so /staff/me says so."""
    def linked(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "consultant_id": "K-SITI", "consultant_name": "Siti Rahmawati, S.E."})

    page.route("**/api/staff/me", linked)
    problems = open_admin(page, stack)
    sign_in(page, ADMIN)
    labels = page.eval_on_selector_all("#menu a", "els => els.map(e => e.textContent.trim())")
    assert labels[0] == "Konsultan" and labels[-1] == "Jadwal saya" and "Sesi" in labels
    go(page, "saya")
    loaded(page, "#y-status")
    assert page.text_content("#y-name") == "Siti Rahmawati, S.E."
    # The API answers from the token itself: this admin's token has no consultant, so no sessions.
    assert page.locator("#y-isi article").count() == 0
    assert page.evaluate("document.querySelector('#menu a[aria-current=page]').getAttribute('href')") == "#/saya"
    assert horizontal_overflow(page) <= 0, too_wide(page)
    assert problems == []


# --- leave over booked sessions (Jadwal piket) ----------------------------------------------------

def test_leave_over_booked_sessions_is_asked_first_then_moves_them(stack, browser):
    """"Cuti" on a day with booked sessions says first what happens to each; "Tidak jadi" keeps
    them, "Ya" saves the leave and moves them to a colleague (or back to the queue), at 320 px."""
    token = login_token(stack, ADMIN)
    _, options = call(stack, "GET", "/public/options")
    day = options["days"][-2]  # late in the window: the other tests' days stay as they are
    slot = next(s for s in free_slots(stack, token, day, day) if not started(s))
    ref = register(stack, f"Cuti Uji {uuid.uuid4().hex[:4]}", days=[day])
    book(stack, token, ref, slot)
    consultant = slot["consultant_id"]

    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = open_admin(page, stack, hash_="#/piket")
    sign_in(page, ADMIN)
    page.wait_for_selector("#sec-piket:not([hidden])")

    def ask_for_leave():
        page.select_option("#r-exc-consultant_id", consultant)
        page.fill("#r-exc-day", day)
        page.select_option("#r-exc-service", "koperasi")
        page.check("#r-exc input[name=kind][value=cuti]")
        page.click("#r-exc-simpan")
        page.locator("#r-exc-confirm:not([hidden])").wait_for()

    ask_for_leave()
    question = page.text_content("#r-exc-tanya")
    assert "1 sesi terjadwal" in question and "Cuti Uji" in question, question
    assert horizontal_overflow(page) <= 0, too_wide(page)
    screenshot(page, "piket-cuti-tanya-320")
    page.click("#r-exc-tidak")
    page.locator("#r-exc-status", has_text="Cuti tidak disimpan; sesinya tetap.").wait_for()
    assert session_of(stack, token, ref)["consultant_id"] == consultant  # nothing changed

    ask_for_leave()
    page.click("#r-exc-ya")
    page.locator("#r-exc-status", has_text="pengunjung diberi tahu").wait_for()
    said = page.text_content("#r-exc-status")
    reg = registration(stack, token, ref)
    if "dipindah ke rekan" in said:
        assert session_of(stack, token, ref)["consultant_id"] != consultant
    else:
        assert "kembali ke antrean" in said and reg["status"] == "menunggu", (said, reg)
    screenshot(page, "piket-cuti-selesai-320")
    assert problems == []
    context.close()
    call(stack, "DELETE", f"/staff/roster/exceptions/{consultant}/{day}/koperasi", token=token)


def test_a_meeting_zoom_would_not_close_says_what_to_do_and_is_tried_again(stack, browser):
    """A cancelled online session whose meeting Zoom refused to delete and to close: the session
    detail says what staff must do by hand, and "Coba lagi" puts it back to the sync run."""
    token = login_token(stack, ADMIN)
    suffix = uuid.uuid4().hex[:5]
    ref = register(stack, f"Zoom Macet {suffix}")
    today = datetime.now(WIB).date()
    slot = next(s for s in free_slots(stack, token, today, today + timedelta(days=11)) if not started(s))
    held = book(stack, token, ref, slot)
    status, _ = call(stack, "POST", f"/staff/sessions/{held['id']}/cancel", {"requeue": False}, token=token)
    assert status == 200
    todo = ("Zoom menolak menghapus dan menutup rapat 85746065432 (close: Cannot access meeting info.). Hapus rapat "
            "itu di zoom.us (Meetings, akun penyelenggara), lalu tekan \"Coba lagi\".")
    stack.table("sessions").update_item(
        Key={"session_id": held["id"]},
        UpdateExpression="SET meeting_state = :g, meeting_error = :e, meeting_id = :m, meeting_next_try = :t",
        ExpressionAttributeValues={":g": "gagal", ":e": todo, ":m": "85746065432", ":t": "2026-01-01T00:00:00Z"})
    for name in WIDTHS:
        with admin_at(browser, stack, name, f"#/sesi/{held['day']}") as (pg, problems):
            pg.check("#se-batal")
            pg.locator("#se-isi li.sess", has_text=f"Macet {suffix}").locator("button, a").first.click()
            pg.wait_for_selector("#se-detail:not([hidden])")
            meeting = pg.locator("#se-d-isi dd[data-field=meeting]")
            assert "Yang perlu dilakukan: Zoom menolak menghapus" in meeting.inner_text()
            assert "Hapus rapat itu di zoom.us" in meeting.inner_text()
            assert horizontal_overflow(pg) <= 0, (name, too_wide(pg))
            screenshot(pg, f"sesi-zoom-gagal-{name}")
            if name == "desktop":
                meeting.get_by_role("button", name="Coba lagi").click()
                pg.locator("#se-d-status", has_text="Rapat Zoom dicoba lagi").wait_for()
                assert "sedang dihapus" in meeting.inner_text() and meeting.get_by_role("button").count() == 0
            assert problems == []
