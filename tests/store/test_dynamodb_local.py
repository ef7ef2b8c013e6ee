"""Allocation runs at the same time, against DynamoDB Local (AWS's own emulator, which
serialises transactions as DynamoDB does; moto's in-process store does not)."""
import os
import threading
from datetime import date, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain import rules, validation
from chalicelib.domain.allocation import allocate
from chalicelib.services import allocation, booking, office, registrations, roster, self_service, team
from chalicelib.store import models, tables
from chalicelib.store import registrations as registrations_store
from infra.local import dynamodb


@pytest.fixture(scope="module")
def dynamodb_local():
    """A fresh DynamoDB Local; the app's one connection follows DYNAMODB_ENDPOINT there."""
    if not dynamodb.JAR.exists():
        pytest.fail(f"{dynamodb.JAR} is missing: `make test` fetches DynamoDB Local")
    proc, endpoint = dynamodb.start()
    saved = os.environ.get("DYNAMODB_ENDPOINT")
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        tables.create_tables()
        yield endpoint
    finally:
        if saved is None:
            os.environ.pop("DYNAMODB_ENDPOINT", None)
        else:
            os.environ["DYNAMODB_ENDPOINT"] = saved
        dynamodb.stop(proc)


@pytest.fixture(scope="module")
def clinic(dynamodb_local):
    """Siti, koperasi face to face or online, on duty every weekday, and one room."""
    actor = "admin@demo.local"
    team.create_consultant(actor, {"name": "Siti Rahmawati", "services": ["koperasi", "ukm"], "topics": ["keuangan"],
                                   "modes": ["tatap_muka", "daring"]}, consultant_id="K-SITI")
    team.create_room(actor, {"name": "Ruang 1"}, room_id="R-1")
    roster.set_weekly_pattern(actor, "K-SITI", [{"weekday": d, "service": s} for d in range(5) for s in ("koperasi", "ukm")])


def test_three_runs_at_once_never_give_a_seat_twice(dynamodb_local, clinic):
    today = clock.today()
    day = validation.bookable_days(today, registrations.closed_days(today))[0]
    for i in range(10):
        outcome = registrations.create_registration({
            "name": f"Peserta {i}", "whatsapp": f"0813-7000-00{i:02d}", "kecamatan": "Ciawi", "service": "koperasi",
            "org_name": "Koperasi Contoh", "coop_status": "aktif", "topics": ["keuangan"],
            "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "tatap_muka",
            "days": [day.isoformat()], "source": "teman", "consent": True, "another": True}, f"concurrency-test-{i:04d}-key")
        assert outcome.status == 201

    results, errors = [], []

    def run():
        try:
            results.append(allocation.run())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    scheduled = list(models.Registration.by_status.query(rules.STATUS_SCHEDULED))
    sessions = [models.SessionRecord.get(r.session_id) for r in scheduled]
    assert sum(r.booked for r in results) == len(sessions) == 6
    assert len({s.seat_id for s in sessions}) == 6
    assert len({(s.room_id, s.start) for s in sessions}) == 6
    assert all(date.fromisoformat(s.day) == day for s in sessions)


def test_twenty_parallel_registrations_of_one_new_number_keep_the_limit(dynamodb_local, clinic):
    """The per-number limit (3) under real concurrency: 20 requests for one fresh number at once."""
    today = clock.today()
    day = validation.bookable_days(today, registrations.closed_days(today))[0]
    start, answers, errors = threading.Barrier(20), [], []

    def register(i):
        try:
            start.wait()
            answers.append(registrations.create_registration({
                "name": f"Peserta {i}", "whatsapp": "0813-7777-0000", "kecamatan": "Ciawi", "service": "ukm",
                "org_name": "Usaha Contoh", "business_sector": "kuliner", "topics": ["pemasaran"],
                "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "daring",
                "days": [day.isoformat()], "source": "teman", "consent": True, "another": True}, f"parallel-limit-{i:04d}-key"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    statuses = sorted(a.status for a in answers)
    assert statuses.count(201) == 3, statuses
    assert set(statuses) <= {201, 429, 503}
    stored = list(models.Registration.by_phone.query("+6281377770000"))
    assert len(stored) == 3


def _register(day: date, phone: str, key: str) -> str:
    outcome = registrations.create_registration({
        "name": "Peserta Balapan", "whatsapp": phone, "kecamatan": "Ciawi", "service": "koperasi",
        "org_name": "Koperasi Contoh", "coop_status": "aktif", "topics": ["keuangan"],
        "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "tatap_muka",
        "days": [day.isoformat()], "source": "teman", "consent": True, "another": True}, key)
    assert outcome.status == 201
    return outcome.body["reference"].replace("-", "")


@pytest.mark.parametrize("trial,requeue", [(1, False), (2, False), (3, True)])
def test_seats_freed_during_a_run_never_stay_empty_while_someone_waits(dynamodb_local, clinic, trial, requeue):
    """Four visitors cancel, the office cancels a fifth session (in one trial putting the visitor
    back in the queue) and an allocation run starts, all at once; every refill first picks the same
    visitor, the first in the queue. Afterwards no seat of the day is empty while a registration
    that could take it waits, no seat is held twice, and a requeued visitor is not back in the
    seat the office took."""
    today = clock.today()
    day = validation.bookable_days(today, registrations.closed_days(today))[trial]
    booked = [_register(day, f"0813-71{trial}0-{i:04d}", f"race-{trial}-booked-{i:04d}") for i in range(6)]
    allocation.run()
    sessions = {ref: models.Registration.get(ref).session_id for ref in booked}
    assert all(sessions.values())
    waiting = [_register(day, f"0813-72{trial}0-{i:04d}", f"race-{trial}-waiting-{i:04d}") for i in range(8)]
    office_seat = models.SessionRecord.get(sessions[booked[4]]).seat_id
    changes = [lambda ref=ref: self_service.cancel(models.Registration.get(ref)) for ref in booked[:4]]
    changes += [lambda: office.cancel_session("admin@demo.local", sessions[booked[4]], requeue=requeue), allocation.run]
    start, errors = threading.Barrier(len(changes)), []

    def at_once(change):
        try:
            start.wait()
            change()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=at_once, args=(c,)) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    held = [models.SessionRecord.get(r.session_id) for r in models.Registration.by_status.query(rules.STATUS_SCHEDULED)]
    held = [s for s in held if s.day == day.isoformat()]
    assert len({s.seat_id for s in held}) == len(held) and len({(s.room_id, s.start) for s in held}) == len(held)
    still = [r for r in registrations_store.waiting() if day.isoformat() in r.days]
    assert len(held) == 6 and len(still) == 8 + requeue - 5  # the five freed seats all taken again
    assert set(waiting) | {booked[4]} >= {s.reference for s in held} - set(booked)
    assert all(s.seat_id != office_seat for s in held if s.reference == booked[4])
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    _, not_before = allocation.booking_window(clock.now())
    assert allocate([allocation.as_request(r) for r in still], booking.free_slots(day, day), topics, not_before) == []


def _own_address() -> str | None:
    """This machine's address on its network (not loopback), or None when it has none."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_dynamodb_local_listens_on_the_loopback_address_only(dynamodb_local):
    """Its command line binds every interface; ours must not (the local stack holds demo personal data)."""
    import socket

    port = int(dynamodb_local.rsplit(":", 1)[1])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) == 0
    address = _own_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex((address, port)) != 0, f"DynamoDB Local answers on {address}"


def _walk_in(name: str, phone: str) -> dict:
    return {"whatsapp": phone, "name": name, "org_name": "Koperasi Loket", "kecamatan": "Ciawi",
            "choice": "koperasi:aktif", "topics": ["keuangan"], "consent": True}


def _at_once(*calls):
    """Run the calls in threads released together; (answers or exceptions) in call order."""
    barrier, out = threading.Barrier(len(calls)), [None] * len(calls)

    def go(i, fn):
        barrier.wait()
        try:
            out[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the caller looks at it
            out[i] = exc

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _desk_day():
    """The walk-in races' day: two weeks past the days the module's allocation and Flow tests fill
    (before Lebaran those all fall on the first day after the closed week), its next working day free
    for the seats the trials spill over to."""
    from tests.services.test_desk import a_service_day

    return a_service_day(clock.today() + timedelta(days=14))


@pytest.mark.parametrize("trial", range(4))
def test_two_desks_booking_the_same_seat_at_once_give_one_booking_and_the_next_seat(dynamodb_local, clinic, travel,
                                                                                   trial):
    """Two desks tap the same seat for two visitors at the same instant: one booking; the other
    desk is told "sudah terisi" with the next free seat, and its next tap books that one."""
    from chalicelib.services import desk
    from tests.services.test_desk import at

    day = _desk_day()
    travel.move_to(at(day, 8, 30))
    seat = desk.seats("koperasi", ["keuangan"])["seats"][0]
    keys = (f"race-{trial}-desk-a-key", f"race-{trial}-desk-b-key")
    visitors = (_walk_in("Bu Ani", f"0812-6{trial}00-0001"), _walk_in("Pak Budi", f"0812-6{trial}00-0002"))
    answers = _at_once(*(lambda v=v, k=k: desk.seat("loket@demo.local", {**v, "seat": seat}, k)
                         for v, k in zip(visitors, keys)))
    won = [a for a in answers if isinstance(a, dict)]
    lost = [a for a in answers if not isinstance(a, dict)]
    assert len(won) == 1 and len(lost) == 1, answers
    assert isinstance(lost[0], booking.Conflict) and lost[0].status == 409
    assert lost[0].errors["seat"].startswith("Kursi itu sudah terisi. Kursi berikutnya: ")
    following = lost[0].extra["next"]
    assert following["start"] != seat["start"] or following["consultant_id"] != seat["consultant_id"]
    on_seat = [s for s in models.SessionRecord.by_day.query(seat["day"])
               if s.start == seat["start"] and s.status == rules.SESSION_SCHEDULED]
    assert len(on_seat) == 1 and on_seat[0].walk_in
    loser = answers.index(lost[0])
    again = desk.seat("loket@demo.local", {**visitors[loser], "seat": following}, keys[loser])
    assert again["reference"] == lost[0].extra["reference"]
    assert len(list(models.Registration.by_phone.query(validation.normalize_phone(visitors[loser]["whatsapp"])[0]))) == 1


def test_a_double_tap_at_the_same_instant_books_once(dynamodb_local, clinic, travel):
    """The same desk's request twice at once (a double tap, a retry racing its first try): one
    registration, one session, the same answer twice."""
    from chalicelib.services import desk
    from tests.services.test_desk import at

    day = _desk_day()
    travel.move_to(at(day, 10, 10))
    seat = desk.seats("koperasi", ["keuangan"])["seats"][0]
    body = {**_walk_in("Bu Citra", "0812-6900-0001"), "seat": seat}
    answers = _at_once(*(lambda: desk.seat("loket@demo.local", body, "double-tap-desk-key") for _ in range(3)))
    assert all(isinstance(a, dict) for a in answers), [getattr(a, "errors", a) for a in answers]
    assert len({a["session_id"] for a in answers}) == 1
    regs = list(models.Registration.by_phone.query("+6281269000001"))
    assert len(regs) == 1 and regs[0].status == rules.STATUS_SCHEDULED
    assert [s.session_id for s in models.SessionRecord.by_day.query(seat["day"])
            if s.reference == regs[0].reference] == [answers[0]["session_id"]]


@pytest.mark.parametrize("trial", range(3))
def test_a_flow_submitted_three_times_at_once_registers_once(dynamodb_local, clinic, travel, trial):
    """The signup Flow's last screen sent three times at the same instant (a double tap, WhatsApp
    retrying a slow answer): one registration, the same reference on every answer."""
    from chalicelib.services import flows
    from chalicelib.store.unit_of_work import UnitOfWork
    from tests.services.test_desk import a_service_day, at

    travel.move_to(at(a_service_day(), 8, 0))
    now, phone = clock.now(), f"+628126{trial}770001"
    uow = UnitOfWork()
    token = flows.start(uow, phone, "RACE", False, now)
    uow.commit()
    record = flows.token_record(token, now=now)
    day = registrations.bookable_days(rules.wib_now(now).date())[0].isoformat()
    form = {"service": "koperasi", "mode": "daring", "days": [day], "topics": ["keuangan"], "name": "Bu Dewi",
            "kecamatan": "Ciawi", "org_name": "Koperasi Balapan", "org_choice": "aktif", "consent": True,
            "description": "Persiapan rapat anggota tahunan koperasi kami."}
    answers = _at_once(*(lambda: flows.handle({"action": "data_exchange", "screen": "PERSETUJUAN",
                                               "flow_token": token, "data": form}, clock.now()) for _ in range(3)))
    assert all(a[0] == 200 and a[1]["screen"] == "SELESAI" for a in answers), answers
    assert len({a[1]["data"]["reference"] for a in answers}) == 1
    regs = list(models.Registration.by_phone.query(phone))
    assert len(regs) == 1 and regs[0].channel == rules.CHANNEL_WHATSAPP and regs[0].campaign == "RACE"
    assert flows.registered(record)["reference"] == answers[0][1]["data"]["reference"]
