"""Allocation runs and the booking lifecycle, end to end through the API on moto."""
import json
import uuid
from datetime import timedelta

import pytest

from chalicelib.domain import rules
from chalicelib.services import allocation, roster, team
from chalicelib.store import registrations as registrations_store
from chalicelib.store.models import LockRecord, OutboxRecord, Registration, SessionRecord
from tests.support.clinic import after_its_days

ADMIN = "admin@demo.local"


@pytest.fixture
def clinic(aws):
    """Two consultants on duty every weekday (Siti: koperasi, both modes; Budi: UKM, online)
    and one room."""
    team.create_consultant(ADMIN, {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["tata_kelola_rat"],
                                   "modes": ["tatap_muka", "daring"], "staff_email": "siti@demo.local"}, consultant_id="K-SITI")
    team.create_consultant(ADMIN, {"name": "Budi Prasetyo", "services": ["ukm"], "topics": ["pemasaran"],
                                   "modes": ["daring"], "staff_email": "budi@demo.local"}, consultant_id="K-BUDI")
    team.create_room(ADMIN, {"name": "Ruang Klinik 1"}, room_id="R-1")
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])
    roster.set_weekly_pattern(ADMIN, "K-BUDI", [{"weekday": d, "service": "ukm"} for d in range(5)])


def first_day(client):
    return client.http.get("/public/options").json_body["days"][0]


def register(client, name="Nurhayati", phone="0813-2000-0001", service="koperasi", mode="tatap_muka", days=None):
    days = days or [first_day(client)]
    body = {"name": name, "whatsapp": phone, "kecamatan": "Ciawi", "service": service, "org_name": "Koperasi " + name,
            "coop_status": "aktif" if service == "koperasi" else None, "business_sector": "kuliner" if service == "ukm" else None,
            "topics": ["tata_kelola_rat" if service == "koperasi" else "pemasaran"],
            "description": "Kami ingin memperbaiki tata kelola dan persiapan RAT tahun depan.", "mode": mode,
            "days": days, "source": "teman", "consent": True, "another": True}
    answer = client.http.post("/registrations", headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
                              body=json.dumps(body))
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def status_page(client, reg):
    return client.http.get(f"/registrations/{reg['reference']}", headers={"X-Registration-Token": reg["token"]}).json_body


def run_scheduled(client):
    return client.lambda_.invoke("allocate", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:ap-southeast-3:0:rule/allocate"]))


def holders():
    """seat/room locks -> session ids, and every scheduled session."""
    sessions = [s for ref in [r.reference for r in Registration.by_status.query(rules.STATUS_SCHEDULED)]
                for s in [SessionRecord.get(Registration.get(ref).session_id)]]
    return sessions


@pytest.mark.instants
def test_end_to_end_register_allocate_show_attend(client, clinic, admin, monkeypatch, travel):
    reg = register(client)
    assert status_page(client, reg)["session"] is None
    result = run_scheduled(client)
    assert result.payload["booked"] == 1

    page = status_page(client, reg)
    assert page["status"] == "terjadwal"
    session = page["session"]
    assert session["date_wib"] == first_day(client)
    assert session["time_wib"] == "09.00" and session["end_wib"] == "09.30"
    assert session["room"] == "Ruang Klinik 1" and session["mode"] == "tatap_muka"

    day = session["date_wib"]
    listed = admin.get(f"/staff/sessions?from={day}&to={day}").json_body["items"]
    assert [s["name"] for s in listed] == ["Nurhayati"]
    too_early = admin.post(f"/staff/sessions/{listed[0]['id']}/attendance", {"status": "hadir"})
    assert too_early.status_code == 409

    travel.move_to(rules.parse_utc_iso(listed[0]["start"]) + timedelta(minutes=10))
    done = admin.post(f"/staff/sessions/{listed[0]['id']}/attendance", {"status": "hadir"})
    assert done.status_code == 200 and done.json_body["status"] == "hadir"
    assert status_page(client, reg)["status"] == "selesai"


def test_online_ukm_goes_to_the_online_consultant(client, clinic):
    reg = register(client, name="Ahmad", phone="0812-3000-0001", service="ukm", mode="daring")
    allocation.run()
    page = status_page(client, reg)
    assert page["session"]["mode"] == "daring" and page["session"]["room"] is None
    assert page["session"]["time_wib"] == "13.00"


def test_one_room_limits_face_to_face_but_not_online(client, clinic):
    day = first_day(client)
    # Siti holds 6 seats per morning; the one room allows all of them face to face.
    regs = [register(client, name=f"Peserta {i}", phone=f"0813-4000-00{i:02d}", days=[day]) for i in range(8)]
    summary = allocation.run()
    assert summary.booked == 6
    sessions = holders()
    assert len({s.seat_id for s in sessions}) == 6
    assert len({(s.room_id, s.start) for s in sessions}) == 6
    # The earliest registrations are the ones served.
    served = {s.reference for s in sessions}
    assert served == {r["reference"].replace("-", "") for r in regs[:6]}


def test_rerun_changes_nothing_and_crash_leaves_whole_bookings(client, clinic, dynamo_ops):
    day = first_day(client)
    for i in range(5):
        register(client, name=f"Peserta {i}", phone=f"0813-5000-00{i:02d}", days=[day])
    with pytest.raises(RuntimeError):
        allocation.run(crash_after=2)
    scheduled = list(Registration.by_status.query(rules.STATUS_SCHEDULED))
    assert len(scheduled) == 2
    for r in scheduled:  # each booking is whole: session, its locks, the registration
        s = SessionRecord.get(r.session_id)
        for lock in (f"seat#{s.seat_id}", f"reg#{r.reference}", f"room#{s.room_id}#{s.start}"):
            assert LockRecord.get(lock).session_id == s.session_id
    assert len(list(Registration.by_status.query(rules.STATUS_WAITING))) == 3

    assert allocation.run().booked == 3
    before = {s.session_id: s.seat_id for s in holders()}
    dynamo_ops.clear()
    again = allocation.run()
    assert again.booked == 0 and again.conflicts == 0
    assert "TransactWriteItems" not in dynamo_ops
    assert {s.session_id: s.seat_id for s in holders()} == before


def test_overlapping_runs_never_give_a_seat_twice(client, clinic):
    day = first_day(client)
    for i in range(6):
        register(client, name=f"Peserta {i}", phone=f"0813-6000-00{i:02d}", days=[day])
    # Run A decides, run B decides and commits, then A commits its (now stale) decisions.
    queue = registrations_store.waiting()
    original_allocate = allocation.allocate
    decided = {}

    def slow_allocate(*args, **kwargs):
        decided["a"] = original_allocate(*args, **kwargs)
        allocation.allocate = original_allocate
        allocation.run()  # B, in between
        return decided["a"]

    allocation.allocate = slow_allocate
    try:
        summary_a = allocation.run()
    finally:
        allocation.allocate = original_allocate
    assert queue and summary_a.booked == 0 and summary_a.conflicts == 6
    sessions = holders()
    assert len(sessions) == 6 and len({s.seat_id for s in sessions}) == 6


def test_staff_booking_conflicts_are_refused_clearly(client, clinic, admin):
    a = register(client, name="Andi", phone="0813-8000-0001")
    b = register(client, name="Beni", phone="0813-8000-0002")
    day = first_day(client)
    slots = admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"]
    seat = next(s for s in slots if s["service"] == "koperasi")
    first = admin.post("/staff/sessions", {"reference": a["reference"], "start": seat["start"], "consultant_id": seat["consultant_id"]})
    assert first.status_code == 201 and first.json_body["fixed"] is True
    assert first.json_body["consultant_name"] == seat["consultant_name"] != seat["consultant_id"]  # by name
    assert first.json_body["name"] == "Andi"
    # The registration's detail tells staff when, with whom and where, by name.
    detail = admin.get(f"/staff/registrations/{a['reference']}").json_body
    assert detail["session"]["start"] == seat["start"] and detail["session"]["consultant_name"] == seat["consultant_name"]
    assert detail["session"]["status_label"] == "Terjadwal"
    assert admin.get(f"/staff/registrations/{b['reference']}").json_body["session"] is None
    clash = admin.post("/staff/sessions", {"reference": b["reference"], "start": seat["start"], "consultant_id": seat["consultant_id"]})
    assert clash.status_code == 409
    assert "sudah" in clash.json_body["errors"]["start"]
    # The allocator serves Beni elsewhere and never moves the fixed session.
    allocation.run()
    assert status_page(client, a)["session"]["time_wib"] == seat["start_wib"][11:].replace(":", ".")
    assert status_page(client, b)["status"] == "terjadwal"


def test_visitor_cancels_and_the_freed_seat_is_filled(client, clinic):
    day = first_day(client)
    regs = [register(client, name=f"Peserta {i}", phone=f"0813-9000-00{i:02d}", days=[day]) for i in range(7)]
    allocation.run()
    assert status_page(client, regs[6])["status"] == "menunggu"
    cancel = client.http.post(f"/registrations/{regs[0]['reference']}/cancel", headers={"X-Registration-Token": regs[0]["token"], "Content-Type": "application/json"}, body="{}")
    assert cancel.status_code == 200 and cancel.json_body["status"] == "dibatalkan"
    allocation.run()
    assert status_page(client, regs[6])["status"] == "terjadwal"
    wrong = client.http.post(f"/registrations/{regs[1]['reference']}/cancel", headers={"X-Registration-Token": "nope", "Content-Type": "application/json"}, body="{}")
    assert wrong.status_code == 404


def test_visitor_asks_for_other_dates_and_keeps_their_place(client, clinic):
    days = client.http.get("/public/options").json_body["days"]
    reg = register(client, days=[days[0]])
    allocation.run()
    queued_at = Registration.get(reg["reference"].replace("-", "")).queued_at
    headers = {"X-Registration-Token": reg["token"], "Content-Type": "application/json"}
    asked = client.http.post(f"/registrations/{reg['reference']}/days", headers=headers, body=json.dumps({"days": [days[2]]}))
    assert asked.status_code == 409 and asked.json_body["needs_confirm"]  # the booked seat: asked first
    assert "akan dilepas" in asked.json_body["errors"]["confirm"] and status_page(client, reg)["status"] == "terjadwal"
    same = client.http.post(f"/registrations/{reg['reference']}/days", headers=headers,
                            body=json.dumps({"days": [days[0]], "confirm": True}))
    assert same.status_code == 400 and "tidak ada yang berubah" in same.json_body["errors"]["days"]
    assert status_page(client, reg)["status"] == "terjadwal"  # the same days again change nothing
    answer = client.http.post(f"/registrations/{reg['reference']}/days", headers=headers,
                              body=json.dumps({"days": [days[2]], "confirm": True}))
    assert answer.status_code == 200
    assert answer.json_body["status"] == "menunggu" and answer.json_body["session"] is None
    assert answer.json_body["days"] == [days[2]]
    assert Registration.get(reg["reference"].replace("-", "")).queued_at == queued_at
    bad = client.http.post(f"/registrations/{reg['reference']}/days", headers={"X-Registration-Token": reg["token"], "Content-Type": "application/json"},
                           body=json.dumps({"days": ["2020-01-01"]}))
    assert bad.status_code == 400 and "days" in bad.json_body["errors"]
    allocation.run()
    assert status_page(client, reg)["session"]["date_wib"] == days[2]


def test_cancelled_day_puts_sessions_back_ahead_of_newer_registrations(client, clinic, admin):
    days = client.http.get("/public/options").json_body["days"]
    early = register(client, name="Lebih Dulu", phone="0813-1100-0001", days=[days[0], days[1]])
    allocation.run()
    assert status_page(client, early)["session"]["date_wib"] == days[0]
    newer = [register(client, name=f"Baru {i}", phone=f"0813-1200-00{i:02d}", days=[days[1]]) for i in range(6)]
    answer = admin.post("/staff/consultants/K-SITI/cancel-day", {"day": days[0]})
    assert answer.status_code == 200 and len(answer.json_body["requeued"]) == 1  # no colleague that day
    # Back in the queue at its old place, and booked at once (not at the next run) on its other
    # day, ahead of the six who registered later: one of them waits for the next free seat.
    assert "langsung dijadwalkan" in answer.json_body["requeued"][0]["plan"]
    assert status_page(client, early)["session"]["date_wib"] == days[1]
    assert sum(status_page(client, n)["status"] == "terjadwal" for n in newer) == 5
    assert allocation.run().booked == 0


@pytest.mark.instants
def test_registrations_expire_when_their_days_pass(client, clinic, monkeypatch):
    reg = register(client, service="ukm", mode="daring", phone="0813-1300-0001")
    reference = reg["reference"].replace("-", "")
    # Nobody can serve it before its day has passed: Budi is on leave that day.
    roster.add_exception(ADMIN, {"consultant_id": "K-BUDI", "day": first_day(client), "service": "ukm", "kind": "cuti"})
    later = after_its_days(reference)
    summary = allocation.run(now=later)
    assert summary.expired == 1
    assert status_page(client, reg)["status"] == "kedaluwarsa"


def test_notes_are_the_consultants_own(client, clinic, tokens, konsultan, admin):
    from chalicelib.staff_auth import local_issuer

    reg = register(client)
    allocation.run()
    session_id = Registration.get(reg["reference"].replace("-", "")).session_id
    mine = konsultan.get("/staff/my-sessions?from=" + first_day(client)).json_body["items"]
    assert [s["id"] for s in mine] == [session_id]
    saved = konsultan.put(f"/staff/sessions/{session_id}/notes", {"problem": "RAT belum jalan 3 tahun", "advice": "Susun jadwal RAT", "follow_up": True, "referral": ""})
    assert saved.status_code == 200 and saved.json_body["follow_up"] is True
    assert admin.get(f"/staff/sessions/{session_id}/notes").json_body["advice"] == "Susun jadwal RAT"
    budi = local_issuer.issue_token("budi@demo.local", "demo12345")
    other = client.http.get(f"/staff/sessions/{session_id}/notes", headers={"Authorization": f"Bearer {budi}"})
    assert other.status_code == 404 and "RAT" not in other.body.decode()
    assert konsultan.post(f"/staff/sessions/{session_id}/cancel", {}).status_code == 403


@pytest.mark.instants
def test_a_slot_whose_time_has_come_is_refused_for_assign_and_move(client, clinic, admin, monkeypatch, travel):

    a = register(client, name="Andi", phone="0813-8000-0011")
    day = first_day(client)
    slots = admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"]
    seat = next(s for s in slots if s["service"] == "koperasi")
    # The clock at the slot's start: it has begun.
    travel.move_to(rules.parse_utc_iso(seat["start"]))
    late = admin.post("/staff/sessions", {"reference": a["reference"], "start": seat["start"], "consultant_id": seat["consultant_id"]})
    assert late.status_code == 409 and "sudah lewat" in late.json_body["errors"]["start"]
    assert status_page(client, a)["status"] == "menunggu"


def test_leave_over_booked_sessions_says_first_then_moves_them_to_a_colleague_or_back_to_the_queue(client, clinic, admin):
    """Cuti for Siti on a day she has two sessions: Rina (online only) is free at the same time for
    the online one; nobody can take the face-to-face one. Nothing changes until staff confirm."""
    from chalicelib.services import roster

    team.create_consultant(ADMIN, {"name": "Rina Kurniasih", "services": ["koperasi"], "topics": ["keuangan"],
                                   "modes": ["daring"]}, consultant_id="K-RINA")
    roster.set_weekly_pattern(ADMIN, "K-RINA", [{"weekday": d, "service": "koperasi"} for d in range(5)])
    day = first_day(client)
    online = register(client, name="Andi Daring", phone="0813-1400-0001", mode="daring", days=[day])
    office = register(client, name="Beni Kantor", phone="0813-1400-0002", mode="tatap_muka", days=[day])
    seats = [s for s in admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"] if s["consultant_id"] == "K-SITI"]
    for reg, seat in ((online, seats[0]), (office, seats[1])):
        booked = admin.post("/staff/sessions", {"reference": reg["reference"], "start": seat["start"],
                                                "consultant_id": "K-SITI", "mode": "daring" if reg is online else "tatap_muka"})
        assert booked.status_code == 201, booked.json_body
    leave = {"consultant_id": "K-SITI", "day": day, "service": "koperasi", "kind": "cuti"}

    asked = admin.post("/staff/roster/exceptions", leave)
    assert asked.status_code == 409 and asked.json_body["needs_confirm"]
    plan = {a["name"]: a for a in asked.json_body["affected"]}
    assert plan["Andi Daring"]["to"]["consultant_id"] == "K-RINA" and plan["Andi Daring"]["to"]["start"] == seats[0]["start"]
    assert "to" not in plan["Beni Kantor"] and "antrean" in plan["Beni Kantor"]["plan"]
    assert status_page(client, online)["status"] == "terjadwal"  # nothing changed yet
    assert admin.get(f"/staff/roster?week={day}").json_body["exceptions"] == []

    done = admin.post("/staff/roster/exceptions", {**leave, "confirm": True})
    assert done.status_code == 201, done.json_body
    assert [m["name"] for m in done.json_body["moved"]] == ["Andi Daring"]
    assert [m["name"] for m in done.json_body["requeued"]] == ["Beni Kantor"]
    sessions = {s["name"]: s for s in admin.get(f"/staff/sessions?from={day}&to={day}").json_body["items"]
                if s["status"] == "terjadwal"}
    assert sessions["Andi Daring"]["consultant_id"] == "K-RINA" and "Beni Kantor" not in sessions
    assert status_page(client, office)["status"] == "menunggu"
    templates = {(r.template, r.reference) for r in OutboxRecord.by_reference.query(online["reference"].replace("-", ""))}
    assert ("cc_sesi_diubah", online["reference"].replace("-", "")) in templates
    again = admin.post("/staff/roster/exceptions", {**leave, "confirm": True})  # nothing left with someone away
    assert again.status_code == 201 and again.json_body["moved"] == again.json_body["requeued"] == []
