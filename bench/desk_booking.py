"""Benchmark of the walk-in desk's requests as they run in production: through the Chalice app (the
API function, 30 s timeout in .chalice/config.json, behind API Gateway's 29 s), signed in as staff,
on DynamoDB Local, at 08:30 WIB on a service day (the clock moved with time-machine).

A clinic with enough face-to-face koperasi seats for N walk-ins today. For each visitor, the
requests the Loket makes: the number first (POST /staff/desk/lookup), the free seats
(GET /staff/desk/seats), and the booking (POST /staff/desk/walk-ins: the registration, then the
seat through booking.book); then the same booking again with the same key (a double tap: the first
answer, nothing booked twice). Baseline, measured in the same run: one bare GetItem of a
registration (pynamodb, the app's one connection). Prints median and 95th percentile per request,
the ratio to the baseline, the server time of one whole visit, and how many seats were booked twice
(must be 0).
Run: PYTHONPATH=. .venv/bin/python bench/desk_booking.py [N]
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(MAX_OPEN_PER_PHONE="3",
                LOCAL_ISSUER_KEY_FILE=os.path.join(tempfile.mkdtemp(prefix="cc-bench-"), "key.pem"))

import time_machine  # noqa: E402

from infra.local import dynamodb  # noqa: E402

ADMIN = "bench@demo.local"
PER_CONSULTANT = 6  # koperasi 09.00-12.00, 30-minute seats


def service_morning() -> datetime:
    """08:30 WIB on a Monday..Thursday a week or more ahead that is not a holiday."""
    from chalicelib import clock
    from chalicelib.domain import rules
    from chalicelib.domain.holidays import holiday_closures

    day = clock.today() + timedelta(days=7)
    closed = {c.day for y in (day.year, day.year + 1) for c in holiday_closures(y)}
    while day.weekday() > 3 or day in closed or day + timedelta(days=1) in closed:
        day += timedelta(days=1)
    return datetime.combine(day, clock_time(8, 30), tzinfo=rules.WIB)


def _clinic(n: int) -> None:
    from chalicelib.services import roster, team

    for i in range(math.ceil(n / PER_CONSULTANT)):
        cid = f"K-{i:03d}"
        team.create_consultant(ADMIN, {"name": f"Konsultan {i}", "services": ["koperasi"], "topics": ["keuangan"],
                                       "modes": ["tatap_muka"]}, consultant_id=cid)
        roster.set_weekly_pattern(ADMIN, cid, [{"weekday": d, "service": "koperasi"} for d in range(5)])
        team.create_room(ADMIN, {"name": f"Ruang {i}"}, room_id=f"R-{i:03d}")


def _visitor(i: int) -> dict:
    return {"whatsapp": f"0812 77{i:06d}", "name": f"Pengunjung {i}", "org_name": f"Koperasi {i}", "kecamatan": "cibinong",
            "choice": "koperasi:aktif", "topics": ["keuangan"], "consent": True}


def run(n: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib.staff_auth import local_issuer
    from chalicelib.store.models import Registration, SessionRecord
    from chalicelib.store.tables import create_tables

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    morning = service_morning()
    try:
        with time_machine.travel(morning, tick=True), Client(app, stage_name="local") as client:
            create_tables()
            _clinic(n)
            token = local_issuer.issue_token("admin@demo.local", "demo12345")

            def call(method: str, path: str, body: dict | None = None, key: str | None = None) -> tuple[float, object]:
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                if key:
                    headers["Idempotency-Key"] = key
                started = time.perf_counter()
                answer = getattr(client.http, method.lower())(path, headers=headers,
                                                               **({"body": json.dumps(body)} if body is not None else {}))
                return time.perf_counter() - started, answer

            times: dict[str, list[float]] = {"get": [], "lookup": [], "seats": [], "book": [], "again": [], "visit": []}
            refs, twice = [], 0
            for i in range(n):
                visitor, key = _visitor(i), uuid.uuid4().hex
                took_lookup, found = call("POST", "/staff/desk/lookup", {"whatsapp": visitor["whatsapp"]})
                took_seats, seats = call("GET", "/staff/desk/seats?service=koperasi&topics=keuangan")
                assert found.status_code == 200 and seats.status_code == 200, (found.body, seats.body)
                seat = seats.json_body["seats"][0]
                took_book, booked = call("POST", "/staff/desk/walk-ins", {**visitor, "seat": seat}, key)
                assert booked.status_code == 201, booked.body
                took_again, again = call("POST", "/staff/desk/walk-ins", {**visitor, "seat": seat}, key)
                twice += again.json_body != booked.json_body
                refs.append(booked.json_body["reference"].replace("-", ""))
                for name, took in (("lookup", took_lookup), ("seats", took_seats), ("book", took_book), ("again", took_again)):
                    times[name].append(took)
                times["visit"].append(took_lookup + took_seats + took_book)
                started = time.perf_counter()
                Registration.get(refs[-1])  # the baseline, between the requests
                times["get"].append(time.perf_counter() - started)
            sessions = [s for s in SessionRecord.by_day.query(morning.date().isoformat())]
            seats_twice = len(sessions) - len({s.seat_id for s in sessions})
            return {"n": n, "times": times, "sessions": len(sessions), "seats_twice": seats_twice, "answers_differ": twice,
                    "day": morning.date().isoformat()}
    finally:
        dynamodb.stop(proc)


def _row(name: str, values: list[float], base: float) -> str:
    med = statistics.median(values) * 1000
    p95 = sorted(values)[max(0, math.ceil(len(values) * 0.95) - 1)] * 1000
    return f"{name:<52}{len(values):>6}{med:>10.1f}{p95:>9.1f}{med / base:>9.1f}"


def main(n: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' metric lines (EMF on stdout)
        r = run(n)
    base = statistics.median(r["times"]["get"]) * 1000
    print(f"Walk-in desk through the app on DynamoDB Local: {n} visitors seated on {r['day']} (08:30 WIB on)")
    print(f"{'request':<52}{'count':>6}{'median ms':>10}{'p95 ms':>9}{'÷GetItem':>9}")
    print(_row("baseline: one bare GetItem (registration)", r["times"]["get"], base))
    print(_row("POST /staff/desk/lookup (the number first)", r["times"]["lookup"], base))
    print(_row("GET /staff/desk/seats (free seats, fit first)", r["times"]["seats"], base))
    print(_row("POST /staff/desk/walk-ins (register + book)", r["times"]["book"], base))
    print(_row("the same POST again (double tap: first answer)", r["times"]["again"], base))
    print(_row("one whole visit: lookup + seats + booking", r["times"]["visit"], base))
    print(f"sessions booked: {r['sessions']} of {n}; seats booked twice: {r['seats_twice']}; "
          f"double taps answered differently: {r['answers_differ']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
