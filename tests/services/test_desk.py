"""The walk-in desk through the API on moto: a visitor at the office is registered and seated at
once, through the same booking path as everything else; a double tap books once; a seat another
desk or a run took a moment before is refused with the next one; the per-number limit holds; the
day view, Jadwal saya, the report and the counters mark the walk-in. (The two-desk race on
DynamoDB Local: tests/store/test_desk_race.py.)"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain import counters, rules
from chalicelib.services import allocation, roster, team
from chalicelib.store import stats as stats_store
from chalicelib.store.models import (
    AuditRecord,
    OutboxRecord,
    Registration,
    SessionRecord,
)
from tests.messages.test_outbox import local_outbox  # noqa: F401 - fixture
from tests.support.calendar import holiday_days
from tests.support.clinic import make_clinic, register

ADMIN = "admin@demo.local"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def a_service_day(start: date | None = None) -> date:
    """A Monday..Thursday at least a week ahead whose next day is a working day too (no holiday)."""
    day = (start or clock.now().astimezone(rules.WIB).date()) + timedelta(days=7)
    while True:
        closed = holiday_days(day.year, day.year + 1)
        if day.weekday() < 4 and day not in closed and day + timedelta(days=1) not in closed:
            return day
        day += timedelta(days=1)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=rules.WIB)


@pytest.fixture
def desk_day(aws, travel):
    """The clinic (Siti: koperasi face to face, topic RAT; Dewi: koperasi face to face, topic
    keuangan; two rooms), the clock at 08:30 WIB on a service day."""
    make_clinic()
    team.create_consultant(ADMIN, {"name": "Dewi Lestari", "services": ["koperasi"], "topics": ["keuangan"],
                                   "modes": ["tatap_muka"], "staff_email": "dewi@demo.local"}, consultant_id="K-DEWI")
    team.create_room(ADMIN, {"name": "Ruang Klinik 2"}, room_id="R-2")
    roster.set_weekly_pattern(ADMIN, "K-DEWI", [{"weekday": d, "service": "koperasi"} for d in range(5)])
    day = a_service_day()
    travel.move_to(at(day, 8, 30))
    return day


def walk_in(name="Bu Sumarni", phone="0812-7000-0001", choice="koperasi:aktif", topics=("keuangan",), **extra) -> dict:
    body = {"whatsapp": phone, "name": name, "org_name": "Koperasi Sumber Rejeki", "kecamatan": "cibinong",
            "choice": choice, "topics": list(topics), "consent": True}
    body.update(extra)
    return body


def post(staff, path, body, key=None):
    headers = {**staff._headers(), "Idempotency-Key": key or uuid.uuid4().hex}
    return staff.client.http.post(path, headers=headers, body=json.dumps(body))


def first_seat(staff, service="koperasi", topics="keuangan") -> dict:
    seats = staff.get(f"/staff/desk/seats?service={service}&topics={topics}").json_body
    return seats["seats"][0]


def test_a_walk_in_is_registered_and_seated_at_once_with_the_fitting_consultant_first(client, admin, desk_day):
    seats = admin.get("/staff/desk/seats?service=koperasi&topics=keuangan").json_body
    assert seats["today"] is True and seats["day"] == desk_day.isoformat()
    # Dewi knows keuangan: her seats come first, from 09.00; Siti's after hers.
    assert [s["consultant_id"] for s in seats["seats"][:6]] == ["K-DEWI"] * 6
    assert seats["seats"][0]["time_wib"] == "09.00" and seats["seats"][0]["fits"] is True
    assert {s["consultant_id"] for s in seats["seats"][6:]} == {"K-SITI"}
    chosen = seats["seats"][0]
    answer = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": chosen})
    assert answer.status_code == 201, answer.json_body
    said = answer.json_body
    assert said["consultant_name"] == "Dewi Lestari" and said["room_name"] == chosen["room_name"]
    assert "09.00–09.30 WIB" in said["when"] and said["told_by"] == ["WhatsApp"]

    reg = Registration.get(said["reference"].replace("-", ""))
    assert reg.status == rules.STATUS_SCHEDULED and reg.channel == rules.CHANNEL_DESK
    assert reg.consent_by == ADMIN and reg.kecamatan == "Cibinong" and reg.days == [desk_day.isoformat()]
    session = SessionRecord.get(reg.session_id)
    assert session.walk_in is True and session.fixed is True and session.mode == rules.MODE_TATAP_MUKA
    # The desk's seat is gone from the list the next visitor sees.
    assert chosen["start"] not in [s["start"] for s in admin.get("/staff/desk/seats?service=koperasi&topics=keuangan")
                                   .json_body["seats"] if s["consultant_id"] == "K-DEWI"]
    # The visitor is told by the usual confirmation; the "received" message waits and is then skipped.
    templates = {r.template: r for r in OutboxRecord.by_reference.query(reg.reference)}
    assert set(templates) == {"cc_pendaftaran_diterima", "cc_sesi_terjadwal"}
    assert templates["cc_pendaftaran_diterima"].next_attempt_at > rules.to_utc_iso(clock.now())
    actions = {a.action for a in AuditRecord.query(desk_day.isoformat()) if a.target == reg.reference}
    assert {"pendaftaran.datang_langsung", "sesi.datang_langsung"} <= actions


def test_a_double_tap_books_once_and_answers_the_same(client, admin, desk_day):
    chosen = first_seat(admin)
    key = uuid.uuid4().hex
    first = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": chosen}, key)
    # The second tap names another seat (the list moved under the finger): still one booking.
    other = first_seat(admin)
    again = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": other}, key)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json_body == first.json_body
    assert len(list(Registration.by_phone.query("+6281270000001"))) == 1
    assert [s.walk_in for s in SessionRecord.by_day.query(desk_day.isoformat())] == [True]


def test_a_seat_taken_a_moment_before_is_refused_with_the_next_and_the_next_tap_books_it(client, admin, desk_day):
    chosen = first_seat(admin)
    key = uuid.uuid4().hex
    # Another desk takes the same seat first.
    assert post(admin, "/staff/desk/walk-ins", {**walk_in(name="Pak Darto", phone="0812-7000-0002"),
                                                "seat": chosen}).status_code == 201
    lost = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": chosen}, key)
    assert lost.status_code == 409
    assert lost.json_body["errors"]["seat"].startswith("Kursi itu sudah terisi. Kursi berikutnya: 09.30 · Dewi Lestari")
    following = lost.json_body["next"]
    assert following["time_wib"] == "09.30" and following["consultant_id"] == "K-DEWI"
    # Nothing half-written: the visitor is registered once (waiting), with no session.
    regs = list(Registration.by_phone.query("+6281270000001"))
    assert [r.status for r in regs] == [rules.STATUS_WAITING] and regs[0].session_id is None
    won = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": following}, key)
    assert won.status_code == 201 and won.json_body["reference"] == lost.json_body["reference"]
    assert "09.30–10.00 WIB" in won.json_body["when"]
    assert len(list(Registration.by_phone.query("+6281270000001"))) == 1


def test_a_seat_an_allocation_run_booked_is_refused_too(client, admin, desk_day, travel):
    # The day before, a web visitor was booked by the run into Dewi's 09.00.
    travel.move_to(at(desk_day, 8, 30) - timedelta(days=1))
    web = register(client, name="Web", phone="0812-7000-0009", days=[desk_day.isoformat()], topics=["keuangan"])
    assert allocation.run().booked == 1
    travel.move_to(at(desk_day, 8, 30))
    booked = SessionRecord.get(Registration.get(web["ref"]).session_id)
    stale = {"start": booked.start, "consultant_id": booked.consultant_id}
    lost = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": stale})
    assert lost.status_code == 409 and lost.json_body["next"]["start"] != booked.start


def test_bad_input_gets_the_form_messages_and_writes_nothing(client, admin, desk_day):
    chosen = first_seat(admin)
    answer = post(admin, "/staff/desk/walk-ins", {"whatsapp": "12", "name": "", "kecamatan": "Bandung", "choice": "x",
                                                  "topics": [], "seat": chosen})
    assert answer.status_code == 400
    errors = answer.json_body["errors"]
    assert set(errors) >= {"whatsapp", "name", "kecamatan", "choice", "topics", "consent", "org_name"}
    assert errors["consent"].startswith("Bacakan persetujuan")
    assert list(Registration.by_phone.query("+6281270000001")) == []
    assert list(SessionRecord.by_day.query(desk_day.isoformat())) == []
    no_seat = post(admin, "/staff/desk/walk-ins", walk_in())
    assert no_seat.status_code == 400 and "seat" in no_seat.json_body["errors"]
    far = dict(chosen, start=rules.to_utc_iso(at(desk_day + timedelta(days=7), 9)))
    assert post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": far}).status_code == 400


def test_the_per_number_limit_holds_at_the_desk(client, admin, desk_day, monkeypatch):
    monkeypatch.setenv("MAX_OPEN_PER_PHONE", "1")
    register(client, name="Bu Sumarni", phone="0812-7000-0001", days=[(desk_day + timedelta(days=1)).isoformat()])
    answer = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": first_seat(admin)})
    assert answer.status_code == 429 and "sudah punya 1 pendaftaran" in answer.json_body["errors"]["whatsapp"]
    assert list(SessionRecord.by_day.query(desk_day.isoformat())) == []


def test_the_number_first_shows_the_open_registration_and_fills_the_form(client, admin, desk_day):
    web = register(client, name="Bu Sumarni", phone="0812-7000-0001", days=[(desk_day + timedelta(days=1)).isoformat()])
    found = admin.post("/staff/desk/lookup", {"whatsapp": "+62 812 7000 0001"}).json_body
    assert found["known"] is True and found["prefill"]["name"] == "Bu Sumarni"
    assert found["prefill"]["choice"] == "koperasi:aktif" and found["prefill"]["kecamatan"] == "Ciawi"
    line = found["registrations"][0]
    assert line["reference"] == web["reference"] and line["bookable"] is True
    # Seated today on that registration: no second registration, no second "received".
    answer = post(admin, "/staff/desk/walk-ins", {"reference": web["reference"], "seat": first_seat(admin)})
    assert answer.status_code == 201 and answer.json_body["reference"] == web["reference"]
    assert len(list(Registration.by_phone.query("+6281270000001"))) == 1
    assert Registration.get(web["ref"]).status == rules.STATUS_SCHEDULED
    assert admin.post("/staff/desk/lookup", {"whatsapp": "0812 7000 0001"}).json_body["registrations"][0]["session"]["walk_in"]
    unknown = admin.post("/staff/desk/lookup", {"whatsapp": "0812-7000-0099"}).json_body
    assert unknown == {"whatsapp": "+6281270000099", "known": False, "registrations": [], "visits": 0, "prefill": None}
    assert admin.post("/staff/desk/lookup", {"whatsapp": "abc"}).status_code == 400


def test_when_today_is_full_the_next_working_day_is_offered_and_the_queue_keeps_today_as_the_place(
        client, admin, desk_day, travel):
    travel.move_to(at(desk_day, 11, 45))  # the last koperasi seats (11.30) have begun
    seats = admin.get("/staff/desk/seats?service=koperasi&topics=keuangan").json_body
    assert seats["today"] is False and seats["day"] == (desk_day + timedelta(days=1)).isoformat()
    assert seats["day_label"] and seats["seats"][0]["words"].startswith(seats["day_label"])
    later = (desk_day + timedelta(days=1)).isoformat()
    queued = post(admin, "/staff/desk/queue", walk_in(days=[later]))
    assert queued.status_code == 201 and queued.json_body["status"] == rules.STATUS_WAITING
    reg = Registration.get(queued.json_body["reference"].replace("-", ""))
    assert reg.queued_at.startswith(rules.to_utc_iso(clock.now())[:10]) and reg.days == [later]
    assert reg.channel == rules.CHANNEL_DESK
    received = list(OutboxRecord.by_reference.query(reg.reference))
    assert [r.template for r in received] == ["cc_pendaftaran_diterima"]
    assert received[0].next_attempt_at <= rules.to_utc_iso(clock.now())  # not held: nothing else will tell them


def test_walk_ins_are_marked_for_staff_and_counted_apart(client, admin, konsultan, desk_day):
    answer = post(admin, "/staff/desk/walk-ins", {**walk_in(topics=("tata_kelola_rat",)),
                                                  "seat": first_seat(admin, topics="tata_kelola_rat")})
    assert answer.status_code == 201
    day = desk_day.isoformat()
    listed = admin.get(f"/staff/sessions?from={day}&to={day}").json_body["items"]
    assert [(s["walk_in"], s["channel"]) for s in listed] == [(True, rules.CHANNEL_DESK)]
    # Siti (the konsultan signed in) sees the visitor in Jadwal saya at once: no run in between.
    mine = konsultan.get(f"/staff/my-sessions?from={day}&to={day}").json_body["items"]
    assert [(s["name"], s["walk_in"]) for s in mine] == [("Bu Sumarni", True)]
    week = stats_store.read_periods([counters.week_key(desk_day)])[counters.week_key(desk_day)]
    assert week[counters.reg_key(counters.BY_CHANNEL, rules.CHANNEL_DESK)] == 1
    assert week[counters.seat_key(counters.BY_WALK_IN, "koperasi")] == 1


def test_the_dashboard_the_report_and_the_forecast_count_walk_ins_with_their_channel(client, admin, desk_day):
    import io

    import openpyxl

    from chalicelib.services import forecast
    from tests.services.test_campaigns_and_reports import _sheet

    seated = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": first_seat(admin)}).json_body
    register(client, name="Web", phone="0812-7000-0009", days=[(desk_day + timedelta(days=1)).isoformat()])
    day = desk_day.isoformat()
    board = admin.get(f"/staff/dashboard?from={day}&to={day}").json_body
    channels = {c["key"]: c["count"] for c in board["registrations"]["by_channel"]}
    assert channels == {rules.CHANNEL_WEB: 1, rules.CHANNEL_DESK: 1, rules.CHANNEL_WHATSAPP: 0}
    assert board["sessions"]["walk_in"] == {"koperasi": 1, "ukm": 0}

    book = openpyxl.load_workbook(io.BytesIO(admin.client.http.get(
        f"/staff/reports/{day[:7]}.xlsx", headers={"Authorization": f"Bearer {admin.token}", "Accept": XLSX}).body))
    regs = {r[0]: r for r in _sheet(book, "Pendaftaran")}
    assert regs[seated["reference"]][7] == "Datang langsung"
    assert [r[9] for r in _sheet(book, "Sesi dan kehadiran") if r[2] == seated["reference"]] == ["Datang langsung"]
    summary = {r[0]: r[1] for r in _sheet(book, "Ringkasan")}
    assert summary["Pendaftar lewat datang langsung"] == 1 and summary["Sesi pengunjung datang langsung"] == 1

    # Four weeks on, the forecast counts the seats the desk takes (not as arrivals to the queue).
    leave_rate, rates, walk_ins = forecast._rates(desk_day + timedelta(days=7))
    assert walk_ins["koperasi"] == pytest.approx(1 / 20) and walk_ins["ukm"] == 0
    assert rates[("koperasi", rules.MODE_TATAP_MUKA)] == pytest.approx(1 / 20)  # the web visitor only


def test_a_walk_in_left_without_a_seat_is_still_told_and_a_seated_one_gets_only_the_confirmation(
        client, admin, desk_day, travel, local_outbox):  # noqa: F811 - the fixture
    """The promise of the held "received" message (messages/events.DESK_HOLD): the desk that loses a
    seat and walks away (or a crash between the registration and the booking) still leaves the
    visitor told; a visitor seated at once gets the confirmation alone."""
    from chalicelib.messages import send

    chosen = first_seat(admin)
    assert post(admin, "/staff/desk/walk-ins", {**walk_in(name="Pak Darto", phone="0812-7000-0002"),
                                                "seat": chosen}).status_code == 201
    lost = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": chosen})
    assert lost.status_code == 409  # ...and the desk never taps the next seat
    send.send_due()
    held = {r.template: r.status for r in OutboxRecord.by_reference.query(lost.json_body["reference"].replace("-", ""))}
    assert held == {"cc_pendaftaran_diterima": "pending"}  # waits for the desk
    travel.shift(timedelta(minutes=4))
    send.send_due()
    lost_ref = lost.json_body["reference"].replace("-", "")
    seated_ref = next(r.reference for r in Registration.by_phone.query("+6281270000002"))
    told = {(r.reference, r.template): r.status for ref in (lost_ref, seated_ref)
            for r in OutboxRecord.by_reference.query(ref) if r.channel == "whatsapp"}
    assert told[(lost_ref, "cc_pendaftaran_diterima")] == "sent"
    assert told[(seated_ref, "cc_pendaftaran_diterima")] == "skipped"
    assert told[(seated_ref, "cc_sesi_terjadwal")] == "sent"


def test_a_visitor_who_lost_a_seat_and_then_joins_the_queue_is_one_registration_with_the_days_they_can_come(
        client, admin, desk_day, travel, local_outbox):  # noqa: F811 - the fixture
    from chalicelib.messages import send

    chosen = first_seat(admin)
    assert post(admin, "/staff/desk/walk-ins", {**walk_in(name="Pak Darto", phone="0812-7000-0002"),
                                                "seat": chosen}).status_code == 201
    key = uuid.uuid4().hex
    lost = post(admin, "/staff/desk/walk-ins", {**walk_in(), "seat": chosen}, key)
    assert lost.status_code == 409
    later = [(desk_day + timedelta(days=n)).isoformat() for n in (1, 7)]
    queued = post(admin, "/staff/desk/queue", walk_in(days=later), key)
    assert queued.status_code == 201 and queued.json_body["reference"] == lost.json_body["reference"]
    assert queued.json_body["days"] == later
    again = post(admin, "/staff/desk/queue", walk_in(days=later), key)  # retried: nothing changes
    assert again.status_code == 201 and again.json_body == queued.json_body
    regs = list(Registration.by_phone.query("+6281270000001"))
    assert len(regs) == 1 and regs[0].days == later and regs[0].status == rules.STATUS_WAITING
    travel.shift(timedelta(minutes=4))
    send.send_due()
    told = [r for r in OutboxRecord.by_reference.query(regs[0].reference) if r.channel == "whatsapp"]
    assert [(r.template, r.status) for r in told] == [("cc_pendaftaran_diterima", "sent")]
    from chalicelib.messages import catalog

    wanted = catalog.days_text(later)
    assert wanted in json.dumps(json.loads(told[0].rendered), ensure_ascii=False)  # the new days, read when sent
    bad = post(admin, "/staff/desk/queue", walk_in(days=[desk_day.isoformat()]), key)
    assert bad.status_code == 400 and "days" in bad.json_body["errors"]
