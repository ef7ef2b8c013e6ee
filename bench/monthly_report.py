"""Benchmark of the monthly report as it runs in production: the scheduled function
`monthly_report` invoked through the Chalice app (120 s timeout in .chalice/config.json) on
DynamoDB Local, at 07:00 WIB on the first service day of the month, for a month of N registrations
(2,000 by default) with their sessions (about one in three), feedback with the SKM for most of
those who came, priced WhatsApp messages, a campaign and 40 kecamatan.

What it reads and builds: the month's registrations (GSI by_month), sessions (one Query per day),
feedback (BatchGetItem), the SKM, outcome and cost running totals, then the page with its SVG
charts, kept, and the e-mail to the office (local outbox). Baseline, measured in the same run: one
bare GetItem of a registration (pynamodb, the app's one connection). Prints the function's wall
time and the build time it records, against the baseline and the timeout.
Run: PYTHONPATH=. .venv/bin/python bench/monthly_report.py [N]
"""
from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(REPORT_EMAILS="kepala@example.go.id",
                LOCAL_OUTBOX_DIR=tempfile.mkdtemp(prefix="cc-bench-outbox-"),
                LOCAL_ISSUER_KEY_FILE=os.path.join(tempfile.mkdtemp(prefix="cc-bench-"), "key.pem"))

import time_machine  # noqa: E402

from infra.local import dynamodb  # noqa: E402

TIMEOUT = 120


def _month() -> tuple[str, date]:
    from chalicelib import clock
    from chalicelib.services import monthly

    first = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first.strftime("%Y-%m"), monthly.first_service_day(nxt)


def _fill(month: str, n: int) -> int:
    """N registrations in `month`, a third with a session (most attended), feedback with the SKM."""
    from chalicelib.domain import counters, costs, rules
    from chalicelib.services.reports import month_days
    from chalicelib.store import stats as stats_store
    from chalicelib.store.models import FeedbackRecord, Registration, SessionRecord
    from chalicelib.store.unit_of_work import UnitOfWork

    days = [d for d in month_days(month) if d.weekday() < 5]
    kec = rules.kecamatan_list()
    sessions = 0
    with Registration.batch_write() as regs, SessionRecord.batch_write() as ses, FeedbackRecord.batch_write() as fbs:
        for i in range(n):
            day = days[i % len(days)]
            created = rules.to_utc_iso(datetime.combine(day, clock_time(8, i % 50), tzinfo=rules.WIB) - timedelta(days=5))
            service = ("koperasi", "ukm")[i % 2]
            ref = f"B{i:05d}"
            regs.save(Registration(ref, token_hash="x" * 64, status=rules.STATUS_DONE, created_at=created,
                                   created_month=month, queued_at=created, updated_at=created, name=f"Pengunjung {i}",
                                   name_search=f"pengunjung {i}", phone=f"+62812{i:08d}", kecamatan=kec[i % 40],
                                   service=service, org_name=f"Usaha {i}", topics=["keuangan"], description="Bench.",
                                   mode="daring", days=[day.isoformat()], source="instagram",
                                   campaign="ig-poster" if i % 7 == 0 else None,
                                   channel=("whatsapp" if i % 3 == 0 else None), consent_at=created, consent_version="v1"))
            if i % 3:
                continue
            sessions += 1
            start = rules.to_utc_iso(datetime.combine(day, clock_time(9 + i % 6, 0), tzinfo=rules.WIB))
            status = rules.SESSION_NO_SHOW if i % 10 == 0 else rules.SESSION_ATTENDED
            ses.save(SessionRecord(f"S-B{i:05d}", reference=ref, seat_id=f"K#{start}#{i}", start=start, day=day.isoformat(),
                                   service=service, mode="daring", consultant_id="K-1", status=status,
                                   created_at=created, updated_at=created, created_by="bench"))
            if status == rules.SESSION_ATTENDED:
                fbs.save(FeedbackRecord(f"S-B{i:05d}", reference=ref, consultant_id="K-1", service=service, mode="daring",
                                        topics=["keuangan"], session_day=day.isoformat(), satisfaction=4, answered="ya",
                                        helpfulness=4, recommend=9, created_at=start, month=month,
                                        skm={k: 3 + (i + j) % 2 for j, k in enumerate(("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"))}))
    changes = counters.merge(*[counters.skm_answered(month=month, service=("koperasi", "ukm")[i % 2],
                                                    answers={"u1": 3, "u2": 4, "u3": 3, "u4": 4, "u5": 3, "u6": 4,
                                                             "u7": 4, "u8": 2, "u9": 3}, profile={"sex": "P"})
                               for i in range(0, n, 3)],
                             {costs.period(month): {**costs.counters("utility", 25000)}})
    uow = UnitOfWork()
    stats_store.add(uow, changes)
    uow.commit()
    return sessions


def run(n: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib.domain import rules
    from chalicelib.store.models import MonthlyReportRecord, Registration
    from chalicelib.store.tables import create_tables

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        create_tables()
        month, first = _month()
        sessions = _fill(month, n)
        gets = []
        for i in range(30):
            started = time.perf_counter()
            Registration.get(f"B{i:05d}")
            gets.append(time.perf_counter() - started)
        with time_machine.travel(datetime.combine(first, clock_time(7, 0), tzinfo=rules.WIB), tick=True), \
                Client(app, stage_name="local") as client:
            started = time.perf_counter()
            answer = client.lambda_.invoke("monthly_report", client.events.generate_cw_event(
                source="aws.events", detail_type="Scheduled Event", detail={},
                resources=["arn:aws:events:ap-southeast-3:0:rule/monthly"])).payload
            wall = time.perf_counter() - started
        record = MonthlyReportRecord.get(month)
        return {"n": n, "month": month, "sessions": sessions, "wall": wall, "answer": answer, "gets": gets,
                "html_kb": len(record.html.encode()) / 1024, "build_ms": record.build_ms}
    finally:
        dynamodb.stop(proc)


def main(n: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        r = run(n)
    base = statistics.median(r["gets"]) * 1000
    print(f"Monthly report through the app on DynamoDB Local: {r['n']} registrations, {r['sessions']} sessions in {r['month']}")
    print(f"{'measure':<58}{'ms':>10}{'÷GetItem':>10}")
    print(f"{'baseline: one bare GetItem (registration), median of 30':<58}{base:>10.1f}{1:>10.1f}")
    print(f"{'the scheduled function monthly_report (build, keep, e-mail)':<58}{r['wall'] * 1000:>10.0f}{r['wall'] * 1000 / base:>10.0f}")
    print(f"{'of which the build (figures + page), as it records':<58}{r['build_ms']:>10.0f}{r['build_ms'] / base:>10.0f}")
    print(f"page: {r['html_kb']:.0f} KB; timeout {TIMEOUT} s used {r['wall'] / TIMEOUT:.1%}; answer: {r['answer'].get('done')}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
