"""Benchmark of the signup Flow's data-exchange endpoint as it runs in production: through the
Chalice app (the API function, 30 s timeout in .chalice/config.json, behind API Gateway's 29 s) on
DynamoDB Local, each request encrypted by WhatsApp's side exactly as Meta does (RSA-OAEP for a
fresh AES key, AES-GCM data; infra/local/whatsapp_flow.FlowVisitor) and signed with the app secret.
Meta asks for answers in under a second and throttles a slow endpoint.

A clinic with koperasi and UKM consultants on duty every weekday, at 08:30 WIB on a service day.
For each of N visitors: DAFTAR through the messages webhook (the Flow message and its token), then
the endpoint's requests: a health check (ping), LAYANAN (the days with seats for the choice: roster,
sessions), HARI (the estimate for the days), PERSETUJUAN (the registration through the web form's use
case) and that submit again (a double tap: the same reference, nothing stored twice). Baseline in the
same run: one bare GetItem (pynamodb, the app's one connection). Prints median and 95th percentile
per request, the ratio to the baseline, and how many registrations were stored twice (must be 0).
Run: PYTHONPATH=. .venv/bin/python bench/flow_endpoint.py [N]
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
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(WHATSAPP_APP_SECRET="bench-app-secret",
                LOCAL_OUTBOX_DIR=tempfile.mkdtemp(prefix="cc-bench-outbox-"),
                LOCAL_ISSUER_KEY_FILE=os.path.join(tempfile.mkdtemp(prefix="cc-bench-"), "key.pem"))

from chalicelib.adapters import flow_crypto  # noqa: E402

KEY = flow_crypto.new_private_key_pem()
os.environ["WHATSAPP_FLOW_PRIVATE_KEY"] = KEY

import time_machine  # noqa: E402

from infra.local import dynamodb  # noqa: E402

ADMIN = "bench@demo.local"


def service_morning() -> datetime:
    from chalicelib import clock
    from chalicelib.domain import rules
    from chalicelib.domain.holidays import holiday_closures

    day = clock.today() + timedelta(days=7)
    closed = {c.day for y in (day.year, day.year + 1) for c in holiday_closures(y)}
    while day.weekday() > 3 or day in closed:
        day += timedelta(days=1)
    return datetime.combine(day, clock_time(8, 30), tzinfo=rules.WIB)


def _clinic() -> None:
    from chalicelib.services import roster, team

    for i, service in enumerate(("koperasi", "ukm", "koperasi", "ukm")):
        cid = f"K-{i:03d}"
        team.create_consultant(ADMIN, {"name": f"Konsultan {i}", "services": [service], "topics": ["keuangan"],
                                       "modes": ["tatap_muka", "daring"]}, consultant_id=cid)
        roster.set_weekly_pattern(ADMIN, cid, [{"weekday": d, "service": service} for d in range(5)])
    team.create_room(ADMIN, {"name": "Ruang 1"}, room_id="R-001")


def run(n: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib.adapters.whatsapp_inbound import signature_for
    from chalicelib.store.models import Registration
    from chalicelib.store.tables import create_tables
    from infra.local.whatsapp_flow import FlowVisitor
    from infra.local.whatsapp_reply import webhook

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    public = flow_crypto.public_key_pem(flow_crypto._load(KEY.encode(), None))
    secret = os.environ["WHATSAPP_APP_SECRET"]
    try:
        with time_machine.travel(service_morning(), tick=True), Client(app, stage_name="local") as client:
            create_tables()
            _clinic()
            outbox = Path(os.environ["LOCAL_OUTBOX_DIR"])

            def post(path: str, raw: bytes, headers: dict) -> tuple[int, str]:
                answer = client.http.post(path, headers=headers, body=raw)
                return answer.status_code, answer.body.decode() if isinstance(answer.body, bytes) else answer.body

            times: dict[str, list[float]] = {k: [] for k in ("get", "ping", "LAYANAN", "HARI", "PERSETUJUAN", "again")}
            refs, twice = [], 0
            for i in range(n):
                number = f"62812880{i:05d}"
                raw = webhook(number, {"type": "text", "text": {"body": "DAFTAR BENCH"}})
                client.http.post("/webhooks/whatsapp", body=raw, headers={
                    "Content-Type": "application/json", "X-Hub-Signature-256": signature_for(raw, secret)})
                token = _newest_token(outbox, number)
                visitor = FlowVisitor(post, public, secret, token)
                service = ("koperasi", "ukm")[i % 2]

                def timed(name, fn):
                    started = time.perf_counter()
                    out = fn()
                    times[name].append(time.perf_counter() - started)
                    return out

                assert timed("ping", lambda: visitor.raw({"version": "3.0", "action": "ping"}))[0] == 200
                hari = timed("LAYANAN", lambda: visitor.exchange("LAYANAN", {"service": service, "mode": "daring"}))
                chosen = {"service": service, "mode": "daring", "days": [d["id"] for d in hari["data"]["days"][:2]],
                          "topics": [hari["data"]["topics"][0]["id"]]}
                diri = timed("HARI", lambda: visitor.exchange("HARI", chosen))
                form = {**chosen, "name": f"Pengunjung {i}", "kecamatan": "Cibinong", "org_name": f"Usaha {i}",
                        "org_choice": diri["data"]["org_options"][0]["id"], "consent": True,
                        "description": "Ingin memperbaiki pembukuan dan pemasaran usaha kami."}
                done = timed("PERSETUJUAN", lambda: visitor.exchange("PERSETUJUAN", form))
                again = timed("again", lambda: visitor.exchange("PERSETUJUAN", form))
                assert done["screen"] == "SELESAI", done
                twice += again["data"].get("reference") != done["data"]["reference"]
                refs.append(done["data"]["reference"].replace("-", ""))
                started = time.perf_counter()
                Registration.get(refs[-1])  # the baseline, between the requests
                times["get"].append(time.perf_counter() - started)
            stored = sum(len(list(Registration.by_phone.query(f"+62812880{i:05d}"))) for i in range(n))
            return {"n": n, "times": times, "stored": stored, "answers_differ": twice}
    finally:
        dynamodb.stop(proc)


def _newest_token(outbox: Path, number: str) -> str:
    for path in sorted(outbox.glob("*_whatsapp.json"), reverse=True):
        message = json.loads(path.read_text(encoding="utf-8"))
        if message.get("to", "").lstrip("+") == number and (message.get("interactive") or {}).get("type") == "flow":
            return message["interactive"]["action"]["parameters"]["flow_token"]
    raise SystemExit("no Flow message in the local outbox")


def _row(name: str, values: list[float], base: float) -> str:
    med = statistics.median(values) * 1000
    p95 = sorted(values)[max(0, math.ceil(len(values) * 0.95) - 1)] * 1000
    return f"{name:<58}{len(values):>6}{med:>10.1f}{p95:>9.1f}{med / base:>9.1f}"


def main(n: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' metric lines (EMF on stdout)
        r = run(n)
    base = statistics.median(r["times"]["get"]) * 1000
    print(f"Signup Flow endpoint through the app on DynamoDB Local: {n} visitors (Meta asks for < 1000 ms)")
    print(f"{'request (encrypt + sign, app, decrypt)':<58}{'count':>6}{'median ms':>10}{'p95 ms':>9}{'÷GetItem':>9}")
    print(_row("baseline: one bare GetItem (registration)", r["times"]["get"], base))
    print(_row("ping (health check)", r["times"]["ping"], base))
    print(_row("LAYANAN -> HARI (days with seats for the choice)", r["times"]["LAYANAN"], base))
    print(_row("HARI -> DATA_DIRI (the estimate)", r["times"]["HARI"], base))
    print(_row("PERSETUJUAN -> SELESAI (the registration)", r["times"]["PERSETUJUAN"], base))
    print(_row("the same submit again (double tap: same reference)", r["times"]["again"], base))
    print(f"registrations stored: {r['stored']} of {n}; double taps answered differently: {r['answers_differ']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
