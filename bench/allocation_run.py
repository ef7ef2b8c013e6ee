"""Benchmark of the allocation run as it runs in production: the scheduled function `allocate`
through the Chalice app, on DynamoDB Local, with the timeout the stack gives it.

For each size (500 and 2,000 waiting registrations, made through the signup use case), a roster
gives seats for about half of them over the days they offered. It prints per run: wall time, ms
per booking, DynamoDB requests and items written per booking, whether a second run writes no
booking, and the ratio of ms per booking to a bare TransactWriteItems of the same number of items
against the same DynamoDB Local, measured in the same run.

Aims: the ratio <= 1.5, and 2,000 waiting drained in one run well under 60 s.
Run: .venv/bin/python bench/allocation_run.py [sizes...]
"""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from chalicelib import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(MAX_OPEN_PER_PHONE="50")

from infra.local import dynamodb  # noqa: E402

SLOTS_PER_BLOCK = 6  # 3 hours of 30-minute sessions
OFFERED_DAYS = 10  # visitors offer days among the first two weeks of bookable days
BARE_TRANSACTIONS = 200


class Recorder:
    """Counts the DynamoDB requests pynamodb sends, and the items of each TransactWriteItems."""

    def __init__(self):
        from pynamodb.connection.base import Connection

        self.Connection = Connection
        self.ops: Counter = Counter()
        self.items_written = 0
        self.transaction_bytes = 0  # request size of the transactions (JSON of their items)
        self.transactions: list[list] = []  # the TransactItems of each transaction, to replay
        self._original = Connection.dispatch

    def __enter__(self):
        recorder = self

        def dispatch(conn, name, kwargs):
            recorder.ops[name] += 1
            if name == "TransactWriteItems":
                recorder.items_written += len(kwargs.get("TransactItems", []))
                recorder.transaction_bytes += len(json.dumps(kwargs.get("TransactItems", [])))
                recorder.transactions.append(kwargs.get("TransactItems", []))
            elif name in ("PutItem", "UpdateItem", "DeleteItem"):
                recorder.items_written += 1
            return recorder._original(conn, name, kwargs)

        self.Connection.dispatch = dispatch
        return self

    def __exit__(self, *exc):
        self.Connection.dispatch = self._original


def seed(size: int) -> int:
    from chalicelib.domain import rules, validation
    from chalicelib.services import registrations, roster, team

    today = clock.today()
    days = [d.isoformat() for d in validation.bookable_days(today, registrations.closed_days(today))][:OFFERED_DAYS]
    # Seats for about half: each consultant on duty both blocks every weekday (12 seats a day).
    consultants = max(1, round(size / 2 / (2 * SLOTS_PER_BLOCK * len(days))))
    for i in range(consultants):
        team.create_consultant("bench", {"name": f"Konsultan {i:02d}", "services": ["koperasi", "ukm"],
                                         "topics": ["keuangan", "pemasaran"], "modes": ["tatap_muka", "daring"]},
                               consultant_id=f"K-{i:02d}")
        roster.set_weekly_pattern("bench", f"K-{i:02d}", [{"weekday": d, "service": s} for d in range(5)
                                                       for s in ("koperasi", "ukm")])
        team.create_room("bench", {"name": f"Ruang {i:02d}"}, room_id=f"R-{i:02d}")
    for n in range(size):
        service = "koperasi" if n % 2 else "ukm"
        offered = [days[(n + k * 3) % len(days)] for k in range(1 + n % 3)]
        payload = {"name": f"Pengunjung {n}", "whatsapp": f"0812{n:08d}", "kecamatan": rules.kecamatan_list()[n % 40],
                   "service": service, "org_name": f"Usaha {n}", "coop_status": "aktif" if service == "koperasi" else None,
                   "business_sector": None if service == "koperasi" else "kuliner",
                   "topics": ["keuangan" if n % 2 else "pemasaran"], "description": "Kami ingin belajar mengelola keuangan usaha.",
                   "mode": "daring" if n % 4 < 2 else "tatap_muka", "days": sorted(set(offered)), "source": "teman",
                   "consent": True, "another": True}
        outcome = registrations.create_registration(payload, uuid.uuid4().hex)
        assert outcome.status == 201, outcome.body
    return consultants


def bare_transaction_ms(items: int, size: int) -> float:
    """ms per TransactWriteItems of `items` conditional puts of the same total size (bytes of
    JSON) as a booking's transaction, sent straight through the botocore client: DynamoDB's own
    cost for such a transaction, without the app's work around it."""
    from chalicelib.store.connection import connection
    from chalicelib.store.models import LockRecord

    client = connection().client
    table = LockRecord.Meta.table_name
    pad = "x" * max(0, size // max(items, 1) - 160)
    started = time.perf_counter()
    for t in range(BARE_TRANSACTIONS):
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"lock_id": {"S": f"bare#{t}#{i}#{uuid.uuid4().hex[:8]}"},
                                                  "session_id": {"S": "S-BARE"}, "pad": {"S": pad},
                                                  "created_at": {"S": "2026-12-01T00:00:00Z"}},
                     "ConditionExpression": "attribute_not_exists(lock_id)"}} for i in range(items)])
    return (time.perf_counter() - started) * 1000 / BARE_TRANSACTIONS


REPLAY = "-replay"


def copy_tables() -> list[str]:
    """An exact copy of every table (schema and items) under `<name>-replay`: the state the run
    starts from, for replaying its transactions without the app."""
    from chalicelib.store.connection import connection
    from chalicelib.store.models import ALL_MODELS

    client = connection().client
    names = []
    for model in ALL_MODELS:
        name = model.Meta.table_name
        desc = client.describe_table(TableName=name)["Table"]
        spec = {"TableName": name + REPLAY, "KeySchema": desc["KeySchema"],
                "AttributeDefinitions": desc["AttributeDefinitions"], "BillingMode": "PAY_PER_REQUEST"}
        if desc.get("GlobalSecondaryIndexes"):
            spec["GlobalSecondaryIndexes"] = [{k: g[k] for k in ("IndexName", "KeySchema", "Projection")}
                                              for g in desc["GlobalSecondaryIndexes"]]
        client.create_table(**spec)
        start = None
        while True:
            page = client.scan(TableName=name, **({"ExclusiveStartKey": start} if start else {}))
            items = page.get("Items", [])
            for i in range(0, len(items), 25):
                client.batch_write_item(RequestItems={name + REPLAY: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        names.append(name)
    return names


def replay_ms(transactions: list[list], names: list[str]) -> float:
    """ms per transaction when the run's own TransactWriteItems are sent again, unchanged but for
    the table names, to the copy of the starting state: DynamoDB's cost of the run's writes."""
    from chalicelib.store.connection import connection

    client = connection().client
    rename = {f'"{n}"': f'"{n}{REPLAY}"' for n in names}
    payloads = []
    for items in transactions:
        text = json.dumps(items)
        for a, b in rename.items():
            text = text.replace(a, b)
        payloads.append(json.loads(text))
    started = time.perf_counter()
    for items in payloads:
        client.transact_write_items(TransactItems=items)
    return (time.perf_counter() - started) * 1000 / max(len(payloads), 1)


def _transaction_items(rec: Recorder) -> int:
    """Items per TransactWriteItems of the run (the bookings' transactions)."""
    single = rec.ops["UpdateItem"] + rec.ops["PutItem"] + rec.ops["DeleteItem"]
    return round((rec.items_written - single) / max(rec.ops["TransactWriteItems"], 1))


def forecast_run(app, timer) -> dict:
    """The `forecast` scheduled function on this queue, and its pure part alone (the baseline)."""
    from chalicelib.domain import forecast as fc
    from chalicelib.services import forecast as service

    handler = timer.scheduled_functions(app)["forecast"]
    timeout = timer.timeouts()["forecast"]
    started = time.perf_counter()
    result = handler(timer.event(clock.now()), timer.Context("forecast", timeout))
    wall = time.perf_counter() - started
    built = service.build(clock.now())
    started = time.perf_counter()
    for s in ("koperasi", "ukm"):
        fc.estimates(built.inputs, s)
    pure = time.perf_counter() - started
    return {"wall": wall, "pure": pure, "timeout": timeout, "waiting": result["waiting"], "seats": result["free_seats"]}


def one_size(size: int) -> dict:
    """A fresh DynamoDB Local, `size` waiting registrations, two runs of the scheduled function."""
    from app import app
    from chalicelib.store.tables import create_tables
    from infra.local import timer

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        create_tables()
        consultants = seed(size)
        names = copy_tables()
        bare_transaction_ms(8, 3500)  # warm DynamoDB Local's JVM up before anything is timed
        forecast = forecast_run(app, timer)  # on the full queue, before the allocation books it
        handler = timer.scheduled_functions(app)["allocate"]
        timeout = timer.timeouts()["allocate"]
        with Recorder() as first:
            started = time.perf_counter()
            result = handler(timer.event(clock.now()), timer.Context("allocate", timeout))
            wall = time.perf_counter() - started
        with Recorder() as second:
            again = handler(timer.event(clock.now()), timer.Context("allocate", timeout))
        booked = max(result["booked"], 1)
        ms_per_booking = wall * 1000 / booked
        size = first.transaction_bytes // max(first.ops["TransactWriteItems"], 1)
        replay = replay_ms(first.transactions, names)
        bare = bare_transaction_ms(_transaction_items(first), size)
        return {"size": size, "consultants": consultants, "result": result, "wall": wall,
                "ms_per_booking": ms_per_booking, "requests_per_booking": sum(first.ops.values()) / booked,
                "items_per_booking": first.items_written / booked, "transaction_items": _transaction_items(first),
                "ops": dict(first.ops), "second": again, "second_transactions": second.ops["TransactWriteItems"],
                "second_writes": second.items_written, "bare_ms": bare, "ratio": ms_per_booking / replay,
                "replay_ms": replay, "ratio_puts": ms_per_booking / bare,
                "transaction_bytes": size, "timeout": timeout, "forecast": forecast}
    finally:
        dynamodb.stop(proc)


def main(sizes: list[int]) -> None:
    print("allocation run: the scheduled function through the app, on DynamoDB Local, with its deployed timeout")
    print("ratio = ms per booking / ms per bare TransactWriteItems of the run's own items, replayed straight through")
    print("botocore on a copy of the starting state (the app's overhead); ratio-puts: the same against fresh puts")
    print("of the same number of items and bytes (also what DynamoDB does with the booking's updates and conditions).")
    print(f"{'waiting':>8}{'seats':>7}{'booked':>8}{'wall s':>8}{'ms/booking':>11}{'req/booking':>12}"
          f"{'items/booking':>14}{'bare tx ms':>11}{'ratio':>7}{'puts ms':>9}{'ratio-puts':>11}  second run")
    for size in sizes:
        r = one_size(size)
        res = r["result"]
        second = "no booking" if r["second_transactions"] == 0 else f"{r['second_transactions']} transactions"
        print(f"{size:>8}{r['consultants'] * 2 * SLOTS_PER_BLOCK * OFFERED_DAYS:>7}{res['booked']:>8}{r['wall']:>8.1f}"
              f"{r['ms_per_booking']:>11.1f}{r['requests_per_booking']:>12.2f}{r['items_per_booking']:>14.2f}"
              f"{r['replay_ms']:>11.1f}{r['ratio']:>7.2f}{r['bare_ms']:>9.1f}{r['ratio_puts']:>11.2f}  {second}, "
              f"{r['second_writes']} run-record writes")
        f = r["forecast"]
        print(f"{'':>8}forecast run: {f['waiting']} waiting, {f['seats']} free seats: {f['wall']:.1f} s of its {f['timeout']} s "
              f"timeout; the pure estimate alone {f['pure']:.1f} s (ratio {f['wall'] / max(f['pure'], 1e-9):.2f})")
        print(f"{'':>8}one run: complete={res['complete']}, conflicts={res['conflicts']}, expired={res['expired']}, "
              f"timeout {r['timeout']} s; bare transaction of {r['transaction_items']} items, {r['transaction_bytes']} bytes; "
              f"requests {r['ops']}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [500, 2000])
