"""Benchmark of the other scheduled functions as they run in production: each one through the
Chalice app, on DynamoDB Local, with its deployed timeout, against a local stand-in of WhatsApp
and Zoom that answers in 150-300 ms (bench/provider_standin.py).

For each of send_messages, sync_meetings, queue_reminders and send_broadcasts it prepares 2,000
due items, fires the function until nothing is due (or five runs), and prints per run the items
done, the wall time, the throughput (items per second), and whether the providers got anything
twice. Run: .venv/bin/python bench/jobs_run.py [items]
"""
from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from chalicelib import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(WHATSAPP_ACCESS_TOKEN="bench",
                WHATSAPP_PHONE_NUMBER_ID="1098765432",
                ZOOM_ACCOUNT_ID="bench",
                ZOOM_CLIENT_ID="bench",
                ZOOM_CLIENT_SECRET="bench",
                BROADCAST_PER_MINUTE="1000",
                BROADCAST_DAILY_LIMIT="10000")

from provider_standin import Standin  # noqa: E402

from infra.local import dynamodb  # noqa: E402

MAX_RUNS = 5


def _registration(n: int, now: datetime, status: str):
    from chalicelib.domain import rules
    from chalicelib.store import registrations as store

    reg = store.build(f"B{n:05d}"[:6] if n < 100000 else str(n), secrets.token_urlsafe(8), now - timedelta(days=30),
                      days=[(now + timedelta(days=3)).date()], name=f"Pengunjung {n}", phone=f"+62812{n:08d}"[:14],
                      email=None, kecamatan=rules.kecamatan_list()[n % 40], desa=None, service="ukm",
                      org_name=f"Usaha {n}", coop_status=None, business_sector="kuliner", nib=None, topics=["pemasaran"],
                      description="Kami ingin belajar pemasaran daring.", mode="daring", source="teman", campaign=None,
                      consent_at=rules.to_utc_iso(now), consent_version="bench")
    reg.status = status
    return reg


def _refs(n: int) -> list[str]:
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    out = []
    for i in range(n):
        x, code = i, ""
        for _ in range(6):
            x, r = divmod(x, len(alphabet))
            code = alphabet[r] + code
        out.append(code)
    return out


def prepare_messages(n: int, now: datetime) -> None:
    from chalicelib.messages import events
    from chalicelib.store.models import OutboxRecord, Registration

    with Registration.batch_write() as regs, OutboxRecord.batch_write() as outbox:
        for i, ref in enumerate(_refs(n)):
            reg = _registration(i, now, "menunggu")
            reg.reference = ref
            regs.save(reg)
            for record in events.on_registration_received(reg, now):
                outbox.save(record)


def _sessions(n: int, now: datetime, start: datetime, spread: bool = True, **fields):
    from chalicelib.domain import rules
    from chalicelib.store.models import Registration, SessionRecord

    with Registration.batch_write() as regs, SessionRecord.batch_write() as sessions:
        for i, ref in enumerate(_refs(n)):
            reg = _registration(i, now, "terjadwal")
            reg.reference = ref
            at = start + timedelta(minutes=(i % 6) * 30 if spread else 0)
            session = SessionRecord(f"S-{i:012d}", reference=ref, seat_id=f"K-{i % 500:03d}#{rules.to_utc_iso(at)}",
                                    start=rules.to_utc_iso(at), day=at.astimezone(rules.WIB).date().isoformat(),
                                    service="ukm", mode="daring", consultant_id=f"K-{i % 500:03d}", status="terjadwal",
                                    created_at=rules.to_utc_iso(now - timedelta(days=2)),
                                    updated_at=rules.to_utc_iso(now), created_by="bench", **fields)
            reg.session_id = session.session_id
            regs.save(reg)
            sessions.save(session)


def prepare_meetings(n: int, now: datetime) -> None:
    from chalicelib.domain import rules
    from chalicelib.store.models import TEAM, ConsultantRecord

    # The sessions' 500 consultants, each linked to their own Zoom user (as the office sets them
    # up): Zoom allows 100 create/update calls per user and day, and the run keeps to it.
    with ConsultantRecord.batch_write() as team:
        for i in range(500):
            team.save(ConsultantRecord(TEAM, f"K-{i:03d}", name=f"Konsultan {i:03d}", services=["ukm"], topics=["pemasaran"],
                                       modes=["daring"], active=True, zoom_user=f"k{i:03d}@zoom.bench",
                                       updated_at=rules.to_utc_iso(now)))
    _sessions(n, now, now + timedelta(days=2), meeting_state="perlu_dibuat", meeting_attempts=0,
              meeting_next_try=rules.to_utc_iso(now - timedelta(minutes=1)))


def prepare_reminders(n: int, now: datetime) -> None:
    _sessions(n, now, now + timedelta(minutes=40), spread=False)  # every hour-before reminder is due now


def prepare_broadcast(n: int, now: datetime) -> None:
    from chalicelib.services import broadcasts
    from chalicelib.store.models import Registration

    with Registration.batch_write() as regs:
        for i, ref in enumerate(_refs(n)):
            reg = _registration(i, now, "selesai")
            reg.reference = ref
            regs.save(reg)
    broadcasts.create("bench@demo.local", {"template": "cc_siaran_layanan", "params": {
        "keterangan": "Bulan ini ada jadwal tambahan untuk konsultasi pemasaran."}})


JOBS = {  # name -> (prepare, what the summary counts as done)
    "send_messages": (prepare_messages, "sent"),
    "sync_meetings": (prepare_meetings, "created"),
    "queue_reminders": (prepare_reminders, "queued"),
    "send_broadcasts": (prepare_broadcast, "queued"),
}


def one_job(name: str, n: int, delay: tuple[float, float] = (0.15, 0.30), max_runs: int = MAX_RUNS) -> list[dict]:
    from app import app
    from chalicelib.store.tables import create_tables
    from infra.local import timer

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    prepare, done_key = JOBS[name]
    runs = []
    try:
        with Standin(delay=delay) as standin:
            os.environ.update({"WHATSAPP_API_BASE": standin.url, "ZOOM_API_BASE": standin.url + "/v2",
                               "ZOOM_OAUTH_URL": standin.url + "/oauth/token"})
            create_tables()
            now = clock.now()
            prepare(n, now)
            handler = timer.scheduled_functions(app)[name]
            timeout = timer.timeouts()[name]
            total = 0
            for _ in range(max_runs):
                started = time.perf_counter()
                result = handler(timer.event(clock.now()), timer.Context(name, timeout))
                wall = time.perf_counter() - started
                done = int(result.get(done_key) or 0)
                total += done
                runs.append({"done": done, "wall": wall, "timeout": timeout, "result": result})
                if done == 0 or total >= n:
                    break
            twice = sum(1 for c in standin.whatsapp_to.values() if c > 1) + sum(
                1 for c in standin.zoom_created.values() if c > 1)
            runs[-1]["twice"] = twice
            runs[-1]["calls"] = dict(standin.calls)
    finally:
        dynamodb.stop(proc)
    return runs


def main(n: int) -> None:
    print(f"scheduled functions through the app on DynamoDB Local, {n} due items each, "
          "providers answering in 150-300 ms")
    print(f"{'function':<17}{'run':>4}{'done':>7}{'wall s':>8}{'timeout s':>10}{'items/s':>9}")
    for name in JOBS:
        runs = one_job(name, n)
        for i, r in enumerate(runs, start=1):
            rate = r["done"] / r["wall"] if r["wall"] else 0
            print(f"{name:<17}{i:>4}{r['done']:>7}{r['wall']:>8.1f}{r['timeout']:>10}{rate:>9.1f}")
        last = runs[-1]
        print(f"{'':<17}sent twice: {last['twice']}; provider calls {last['calls']}; last run {last['result']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
