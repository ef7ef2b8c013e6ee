"""Benchmark: freed seats under races, on DynamoDB Local.

Each trial fills one service day (six seats), puts eight more visitors in its queue, then at the
same instant: four visitors cancel (services/self_service, as the status page and WhatsApp do), the
office cancels a fifth session (services/office, as the Sesi page does) and the scheduled
allocation run starts (services/jobs.allocate, with its lease). Every refill first picks the same
visitor, the first in the queue. Afterwards it counts the seats of that day left empty while a
waiting visitor could take them (the promise: none), the time each cancel took with its refill,
and the bookings lost to a concurrent change and tried again.

Measured twice in the same run: as the app does it (a booking lost to a race is planned again,
up to allocation.SETTLE_ROUNDS), and the baseline of one round (a refill or a run gives up at
its first conflict, as the code did before). Run: .venv/bin/python bench/refill_race.py [trials]
"""
from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(TABLE_PREFIX="benchrefill")

from infra.local import dynamodb  # noqa: E402

ADMIN = "admin@demo.local"
BOOKED, WAITING = 6, 8


def _register(day, phone: str, key: str) -> str:
    from chalicelib.services import registrations

    outcome = registrations.create_registration({
        "name": "Peserta Balapan", "whatsapp": phone, "kecamatan": "Ciawi", "service": "koperasi",
        "org_name": "Koperasi Contoh", "coop_status": "aktif", "topics": ["keuangan"],
        "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "tatap_muka",
        "days": [day.isoformat()], "source": "teman", "consent": True, "another": True}, key)
    assert outcome.status == 201, outcome.body
    return outcome.body["reference"].replace("-", "")


def _clinic() -> None:
    from chalicelib.services import roster, team

    team.create_consultant(ADMIN, {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["keuangan"],
                                   "modes": ["tatap_muka", "daring"]}, consultant_id="K-SITI")
    team.create_room(ADMIN, {"name": "Ruang 1"}, room_id="R-1")
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])


def trial(day, tag: str) -> dict:
    from chalicelib import clock
    from chalicelib.domain.allocation import allocate
    from chalicelib.services import allocation, booking, jobs, office, self_service, team
    from chalicelib.store import models
    from chalicelib.store import registrations as registrations_store

    booked = [_register(day, f"0813-8{tag}-{i:04d}", f"refill-bench-{tag}-booked-{i:04d}") for i in range(BOOKED)]
    allocation.run()
    sessions = {ref: models.Registration.get(ref).session_id for ref in booked}
    for i in range(WAITING):
        _register(day, f"0813-9{tag}-{i:04d}", f"refill-bench-{tag}-waiting-{i:04d}")
    took: list[float] = []

    def timed(change):
        def go():
            t0 = time.perf_counter()
            change()
            took.append(time.perf_counter() - t0)
        return go

    changes = [timed(lambda ref=ref: self_service.cancel(models.Registration.get(ref))) for ref in booked[:4]]
    changes += [timed(lambda: office.cancel_session(ADMIN, sessions[booked[4]], requeue=False)), lambda: jobs.allocate()]
    start, errors = threading.Barrier(len(changes)), []

    def at_once(change):
        try:
            start.wait()
            change()
        except Exception as exc:  # noqa: BLE001 - counted below
            errors.append(exc)

    threads = [threading.Thread(target=at_once, args=(c,)) for c in changes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    still = [r for r in registrations_store.waiting() if day.isoformat() in r.days]
    topics = {c.consultant_id: frozenset(c.topics) for c in team.list_consultants()}
    _, not_before = allocation.booking_window(clock.now())
    empty = len(allocate([allocation.as_request(r) for r in still], booking.free_slots(day, day), topics, not_before))
    return {"empty": empty, "took": took, "errors": len(errors)}


def main(trials: int = 4) -> int:
    from chalicelib import clock
    from chalicelib.domain import validation
    from chalicelib.services import allocation, registrations
    from chalicelib.store.tables import create_tables

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        create_tables()
        _clinic()
        today = clock.today()
        days = validation.bookable_days(today, registrations.closed_days(today))
        assert len(days) >= 2 * trials, "not enough bookable days for the trials"
        rounds = allocation.SETTLE_ROUNDS
        print(f"freed seats under races on DynamoDB Local: {trials} trials each, per trial {BOOKED} booked, "
              f"{WAITING} waiting, 4 visitor cancels + 1 office cancel + the allocation run at once")
        print(f"{'':<40}{'empty seats':>12}{'cancel+refill median':>22}{'p95':>8}{'errors':>8}")
        figures = {}
        for label, settle_rounds, offset in (("baseline: give up at the first conflict", 1, 0),
                                             (f"the app: plan again (up to {rounds} rounds)", rounds, trials)):
            allocation.SETTLE_ROUNDS = settle_rounds
            with contextlib.redirect_stdout(io.StringIO()):  # the app's metric lines (EMF), not figures
                results = [trial(days[offset + i], f"{offset + i:02d}") for i in range(trials)]
            took = sorted(t for r in results for t in r["took"])
            empty = sum(r["empty"] for r in results)
            figures[label] = (empty, statistics.median(took))
            print(f"{label:<40}{empty:>12}{statistics.median(took) * 1000:>19.0f} ms"
                  f"{took[max(0, int(0.95 * len(took)) - 1)] * 1000:>6.0f} ms{sum(r['errors'] for r in results):>8}")
        allocation.SETTLE_ROUNDS = rounds
        (b_empty, b_took), (a_empty, a_took) = figures.values()
        print(f"seats left empty while someone could take them: {a_empty} (baseline {b_empty}); "
              f"cancel+refill time x{a_took / b_took:.2f} the baseline's")
        return 0 if a_empty == 0 else 1
    finally:
        dynamodb.stop(proc)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 4))
