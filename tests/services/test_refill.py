"""A freed seat goes to the queue at once, whoever frees it: the office's cancellation (with or
without putting the visitor back in the queue), a move, a visitor's cancel; a booking lost to a
concurrent change is tried with the next candidate; a visitor the office took a seat from is never
booked back into it. Through the API on moto (the races on DynamoDB Local: tests/store)."""
from datetime import date

import pytest

from chalicelib import clock
from chalicelib.domain import rules
from chalicelib.domain.errors import Conflict
from chalicelib.services import allocation, booking
from chalicelib.store.models import Registration, SessionRecord
from tests.services.test_booking import clinic, register, status_page  # noqa: F401 - fixture


def day_of(client, n=0) -> str:
    return client.http.get("/public/options").json_body["days"][n]


def seats_left(day: str) -> list:
    d = date.fromisoformat(day)
    return [s for s in booking.free_slots(d, d) if s.service == "koperasi" and rules.MODE_TATAP_MUKA in s.modes
            and s.room_id is not None]


def session_of(reg) -> SessionRecord:
    return SessionRecord.get(Registration.get(reg["reference"].replace("-", "")).session_id)


def fill(client, day: str, prefix: str = "0813-3100-") -> list[dict]:
    """Every face-to-face koperasi seat of `day` booked, one visitor each."""
    regs = [register(client, name=f"Penuh {i}", phone=f"{prefix}{i:04d}", days=[day]) for i in range(len(seats_left(day)))]
    allocation.run()
    assert seats_left(day) == [] and all(status_page(client, r)["status"] == "terjadwal" for r in regs)
    return regs


def test_an_office_cancellation_without_requeue_gives_the_seat_to_the_queue_at_once(client, clinic, admin):
    day = day_of(client)
    booked = fill(client, day)
    waiting = register(client, name="Menunggu", phone="0813-3200-0001", days=[day])
    seat = session_of(booked[0]).seat_id
    answer = admin.post(f"/staff/sessions/{session_of(booked[0]).session_id}/cancel", {"requeue": False})
    assert answer.status_code == 200 and answer.json_body["seat_refilled"] is True
    assert status_page(client, booked[0])["status"] == "dibatalkan"
    assert status_page(client, waiting)["status"] == "terjadwal" and session_of(waiting).seat_id == seat
    assert session_of(waiting).refill_of  # counted as a seat refilled from the queue


def test_an_office_cancellation_with_requeue_never_gives_the_seat_back_to_the_same_visitor(client, clinic, admin):
    day = day_of(client)
    booked = fill(client, day)
    taken = session_of(booked[0])
    answer = admin.post(f"/staff/sessions/{taken.session_id}/cancel", {"requeue": True})
    assert answer.status_code == 200 and answer.json_body["seat_refilled"] is False  # nobody else waits
    # The visitor waits again at their place; the only free seat of their day is the one the office
    # just took from them: neither the cancel nor any later run puts them back in it.
    assert status_page(client, booked[0])["status"] == "menunggu"
    assert [s.seat_id for s in seats_left(day)] == [taken.seat_id]
    assert allocation.run().booked == 0
    assert status_page(client, booked[0])["status"] == "menunggu"
    # Somebody else who registers for that day gets it at the next run.
    other = register(client, name="Orang Lain", phone="0813-3200-0002", days=[day])
    assert allocation.run().booked == 1 and session_of(other).seat_id == taken.seat_id


def test_a_requeued_visitor_is_booked_at_once_on_another_free_seat_and_the_queue_moves_with_it(client, clinic, admin):
    day, later = day_of(client), day_of(client, 1)
    fill(client, day)
    requeued = register(client, name="Dua Hari", phone="0813-3200-0003", days=[day, later])
    allocation.run()
    mine = session_of(requeued)
    assert mine.day == later  # `day` is full
    waiting = register(client, name="Menunggu", phone="0813-3200-0004", days=[later])  # waits for the next run
    answer = admin.post(f"/staff/sessions/{mine.session_id}/cancel", {"requeue": True})
    assert answer.status_code == 200
    # At once, not at the next run: the requeued visitor on another seat of their days (never the
    # one taken from them), and the day's queue served too.
    again = session_of(requeued)
    assert status_page(client, requeued)["status"] == "terjadwal" and again.seat_id != mine.seat_id
    assert status_page(client, waiting)["status"] == "terjadwal"
    assert answer.json_body["seat_refilled"] == (session_of(waiting).seat_id == mine.seat_id)
    assert allocation.run().booked == 0


def test_a_move_gives_the_old_seat_to_the_queue_at_once(client, clinic, admin):
    day = day_of(client)
    booked = fill(client, day)
    later = day_of(client, 1)
    waiting = register(client, name="Menunggu", phone="0813-3200-0005", days=[day])
    old = session_of(booked[0])
    target = seats_left(later)[0]
    answer = admin.put(f"/staff/sessions/{old.session_id}",
                       {"start": rules.to_utc_iso(target.start), "consultant_id": target.consultant_id})
    assert answer.status_code == 200, answer.json_body
    assert session_of(booked[0]).day == later
    assert status_page(client, waiting)["status"] == "terjadwal" and session_of(waiting).seat_id == old.seat_id


def test_a_refill_that_loses_its_candidate_books_the_next_one(client, clinic, monkeypatch):
    """Two visitors wait; while the refill books the first, a concurrent run books that visitor on
    another day: the refill's booking conflicts, and the seat goes to the second, not to nobody."""
    day, later = day_of(client), day_of(client, 1)
    booked = fill(client, day)
    first = register(client, name="Pertama", phone="0813-3200-0006", days=[day, later])
    second = register(client, name="Kedua", phone="0813-3200-0007", days=[day])
    real_book, raced = booking.book, []

    def a_run_books_the_same_visitor_first(registration, slot, mode, **kw):
        if not raced and registration.reference == first["reference"].replace("-", ""):
            raced.append(1)
            elsewhere = seats_left(later)[0]
            real_book(Registration.get(registration.reference), elsewhere, mode, actor="penjadwal-otomatis")
        return real_book(registration, slot, mode, **kw)

    monkeypatch.setattr(booking, "book", a_run_books_the_same_visitor_first)
    freed = session_of(booked[0])
    response = client.http.post(f"/registrations/{booked[0]['reference']}/cancel",
                                headers={"X-Registration-Token": booked[0]["token"], "Content-Type": "application/json"},
                                body="{}")
    assert response.status_code == 200, response.json_body
    assert raced == [1]
    assert session_of(first).day == later  # one session only: the run's
    assert status_page(client, second)["status"] == "terjadwal" and session_of(second).seat_id == freed.seat_id


def test_a_conflict_on_every_round_gives_up_and_leaves_the_rest_to_the_next_run(client, clinic, monkeypatch):
    """A settle that keeps losing stops after its rounds (it never spins), and reports nothing booked."""
    day = day_of(client)
    booked = fill(client, day)
    register(client, name="Menunggu", phone="0813-3200-0008", days=[day])
    calls = []

    def always_taken(*args, **kw):
        calls.append(1)
        raise Conflict({"_form": "taken"})

    freed = session_of(booked[0])
    booking.visitor_cancel(Registration.get(freed.reference))
    monkeypatch.setattr(booking, "book", always_taken)
    assert allocation.refill(freed, clock.now()) is None
    assert len(calls) == allocation.SETTLE_ROUNDS
    monkeypatch.undo()
    assert allocation.run().booked == 1


@pytest.mark.parametrize("requeue", [True, False])
def test_a_refill_failing_never_undoes_the_cancellation(client, clinic, admin, monkeypatch, requeue):
    day = day_of(client)
    booked = fill(client, day)

    def broken(*args, **kw):
        raise RuntimeError("DynamoDB throttled")

    monkeypatch.setattr(allocation, "settle", broken)
    answer = admin.post(f"/staff/sessions/{session_of(booked[0]).session_id}/cancel", {"requeue": requeue})
    assert answer.status_code == 200 and answer.json_body["seat_refilled"] is False
    assert status_page(client, booked[0])["status"] == ("menunggu" if requeue else "dibatalkan")
