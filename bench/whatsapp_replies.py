"""Benchmark of the visitors' WhatsApp replies as they run in production: signed webhook POSTs
through the Chalice app (the API function), on DynamoDB Local, with the WhatsApp Cloud API stood
in by a local server answering in 150-300 ms (bench/provider_standin.py).

A clinic with enough consultants for N booked sessions on one day (the real allocation books
them) and N/2 more visitors waiting for that day. Then, one webhook per message:
  * N/2 taps on "Saya hadir" (a session confirmed, the thank-you sent at once);
  * N/2 "Batalkan" then "Ya, batalkan" (cancelled as the status page does, the cancellation sent
    at once, and the freed seat booked for the next waiting visitor in the same request);
  * baseline, measured in the same run: N webhooks carrying one delivery status each (the
    lightest thing the webhook does);
  * a tenth of all replies delivered a second time (Meta does).
Prints median and 95th percentile per kind, the ratio to the baseline, the seats refilled and how
long that took, and what the provider got twice (must be 0).
Run: .venv/bin/python bench/whatsapp_replies.py [N]
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import secrets
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from chalicelib import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
APP_SECRET = "bench-app-secret"
from common import app_environment  # noqa: E402

app_environment(WHATSAPP_ACCESS_TOKEN="bench", WHATSAPP_PHONE_NUMBER_ID="1098765432", WHATSAPP_APP_SECRET=APP_SECRET)

from provider_standin import Standin  # noqa: E402

from infra.local import dynamodb  # noqa: E402

ADMIN = "bench@demo.local"
BARE_SEND_TO = "+6281299999999"  # the bare-send baseline's number (no visitor)


def _clinic(n: int) -> str:
    """Consultants (and rooms) for n face-to-face sessions on the first day the allocator may book; that day."""
    from chalicelib.domain import rules
    from chalicelib.domain.allocation import earliest_start
    from chalicelib.services import booking, roster, team

    now = clock.now()
    day = earliest_start(now, set()).astimezone(rules.WIB).date()
    def add(i: int) -> None:  # face to face, one room each (an online confirmation waits for its Zoom link)
        cid = f"K-{i:03d}"
        team.create_consultant(ADMIN, {"name": f"Konsultan {i}", "services": ["ukm"], "topics": ["pemasaran"],
                                       "modes": ["tatap_muka"]}, consultant_id=cid)
        roster.set_weekly_pattern(ADMIN, cid, [{"weekday": d, "service": "ukm"} for d in range(5)])
        team.create_room(ADMIN, {"name": f"Ruang {i}"}, room_id=f"R-{i:03d}")

    add(0)
    per = len(booking.free_slots(day, day))
    for i in range(1, math.ceil(n / per)):
        add(i)
    return day.isoformat()


def _visitors(first: int, count: int, day: str, now: datetime) -> list[str]:
    from chalicelib.domain import rules
    from chalicelib.store import registrations as store
    from chalicelib.store.models import Registration

    refs = []
    with Registration.batch_write() as batch:
        for n in range(first, first + count):
            ref = "".join("ABCDEFGHJKMNPQRSTUVWXYZ23456789"[(n // 31 ** k) % 31] for k in range(6))
            reg = store.build(ref, secrets.token_urlsafe(8), now - timedelta(days=2) + timedelta(seconds=n), days=[date.fromisoformat(day)],
                              name=f"Pengunjung {n}", phone=f"+62812{n:08d}", email=None, kecamatan=rules.kecamatan_list()[n % 40],
                              desa=None, service="ukm", org_name=f"Usaha {n}", coop_status=None, business_sector="kuliner",
                              nib=None, topics=["pemasaran"], description="Kami ingin belajar pemasaran daring.",
                              mode="tatap_muka", source="teman", campaign=None, consent_at=rules.to_utc_iso(now),
                              consent_version="bench")
            batch.save(reg)
            refs.append(ref)
    return refs


def _signed(raw: bytes) -> dict:
    from chalicelib.adapters import whatsapp_inbound

    return {"Content-Type": "application/json", "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, APP_SECRET)}


def _webhook(value: dict) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "metadata": {"display_phone_number": "628120000000", "phone_number_id": "1098765432"},
                                        **value}}]}]}).encode()


def _message(phone: str, item: dict) -> bytes:
    return _webhook({"contacts": [{"profile": {"name": "P"}, "wa_id": phone.lstrip("+")}],
                     "messages": [{"from": phone.lstrip("+"), "id": "wamid.B" + secrets.token_hex(10).upper(),
                                   "timestamp": str(int(clock.epoch_seconds())), **item}]})


def _tap(phone: str, payload: str, title: str, context_id: str) -> bytes:
    return _message(phone, {"type": "button", "context": {"from": "628120000000", "id": context_id},
                            "button": {"payload": payload, "text": title}})


def _interactive(phone: str, reply_id: str, title: str, context_id: str) -> bytes:
    return _message(phone, {"type": "interactive", "context": {"from": "628120000000", "id": context_id},
                            "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}})


def run(n: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib import links
    from chalicelib.domain import counters, replies
    from chalicelib.messages.records import dedupe_key, message_id_for
    from chalicelib.services import allocation
    from chalicelib.store import stats as stats_store
    from chalicelib.store.models import OutboxRecord, Registration, SessionRecord
    from chalicelib.store.tables import create_tables

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        with Standin() as standin, Client(app, stage_name="local") as client:
            os.environ["WHATSAPP_API_BASE"] = standin.url
            create_tables()
            now = clock.now()
            day = _clinic(n)
            booked = _visitors(0, n, day, now)
            summary = allocation.run()
            waiting = _visitors(n, n // 2, day, now)
            sessions = {r: Registration.get(r).session_id for r in booked}
            assert summary.booked == n and all(sessions.values()), summary
            from infra.local import timer

            for _ in range(3):  # the confirmations go out (with their buttons), as the sender would
                timer.scheduled_functions(app)["send_messages"](timer.event(clock.now()),
                                                                timer.Context("send_messages", 55))

            def post(raw: bytes) -> tuple[float, dict]:
                started = time.perf_counter()
                answer = client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw)
                took = time.perf_counter() - started
                assert answer.status_code == 200, answer.body
                return took, answer.json_body

            def carrier(ref: str):
                return OutboxRecord.get(message_id_for(dedupe_key("cc_sesi_terjadwal", sessions[ref], "whatsapp")))

            def payload(action: str, ref: str) -> str:
                return replies.encode(replies.Payload(action, sessions[ref], carrier(ref).message_id), links.reply_signature)

            times: dict[str, list[float]] = {"status": [], "send": [], "hadir": [], "batalkan": [], "ya": []}
            from chalicelib.adapters import whatsapp_cloud as whatsapp

            provider = whatsapp.WhatsAppClient("bench", "1098765432")
            for i in range(n):  # the second baseline: one bare text send to the provider, nothing stored
                started = time.perf_counter()
                provider.post(whatsapp.answer_body(BARE_SEND_TO, "Terima kasih."))
                times["send"].append(time.perf_counter() - started)
            again: list[bytes] = []
            for i, ref in enumerate(booked):  # the baseline: one delivery status per webhook
                raw = _webhook({"statuses": [{"id": f"wamid.S{i}", "status": "delivered", "timestamp": str(int(clock.epoch_seconds())),
                                              "recipient_id": "62812"}]})
                times["status"].append(post(raw)[0])
            half = booked[: n // 2]
            for i, ref in enumerate(half):
                raw = _tap(Registration.get(ref).phone, payload(replies.HADIR, ref), "Saya hadir", carrier(ref).provider_message_id)
                took, body = post(raw)
                assert body["messages"] == {"dikonfirmasi": 1}, body
                times["hadir"].append(took)
                if i % 10 == 0:
                    again.append(raw)
            for i, ref in enumerate(booked[n // 2:]):
                phone = Registration.get(ref).phone
                took, body = post(_tap(phone, payload(replies.BATAL, ref), "Batalkan", carrier(ref).provider_message_id))
                times["batalkan"].append(took)
                question = max((r for r in OutboxRecord.by_reference.query(ref) if r.template == "cc_balas_batal_tanya"),
                               key=lambda r: r.created_at)
                yes = replies.encode(replies.Payload(replies.BATAL_YA, sessions[ref], question.message_id), links.reply_signature)
                raw = _interactive(phone, yes, "Ya, batalkan", question.provider_message_id)
                took, body = post(raw)
                assert body["messages"] == {"dibatalkan": 1}, body
                times["ya"].append(took)
                if i % 10 == 0:
                    again.append(raw)
            told = [r.status for ref in booked[n // 2:] for r in OutboxRecord.by_reference.query(ref)
                    if r.template == "cc_sesi_dibatalkan"]
            before = dict(standin.whatsapp_to)
            for raw in again:
                assert post(raw)[1]["messages"] == {"duplikat": 1}
            refilled = [SessionRecord.get(Registration.get(r).session_id) for r in waiting
                        if Registration.get(r).session_id]
            week = counters.week_key(date.fromisoformat(day))
            stats = stats_store.read_periods([week]).get(week, {})
            # A visitor gets at most 3: the confirmation, then a thank-you, or a question and the cancellation.
            twice = sum(1 for number, c in standin.whatsapp_to.items() if c > 3 and number != BARE_SEND_TO.lstrip("+"))
            return {"n": n, "times": times, "refilled": len(refilled), "waiting": len(waiting),
                    "refill_ms": stats.get("s|refill_ms", 0), "refill_n": stats.get("s|refill", 0),
                    "twice": twice, "redelivered": len(again), "sent_on_redelivery": sum(standin.whatsapp_to.values()) - sum(before.values()),
                    "confirmed": stats.get("s|wa_confirm", 0), "told": told, "cancelled_wa": stats.get("s|cancel_wa", 0)}
    finally:
        dynamodb.stop(proc)


def _row(name: str, values: list[float], base: float, send: float) -> str:
    med = statistics.median(values) * 1000
    p95 = sorted(values)[max(0, math.ceil(len(values) * 0.95) - 1)] * 1000
    return f"{name:<40}{len(values):>6}{med:>10.1f}{p95:>9.1f}{med / base:>9.1f}{med / send:>9.2f}"


def main(n: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' metric lines (EMF on stdout)
        r = run(n)
    base = statistics.median(r["times"]["status"]) * 1000
    send = statistics.median(r["times"]["send"]) * 1000
    print(f"WhatsApp replies through the app's webhook on DynamoDB Local, {n} booked visitors, "
          f"{r['waiting']} waiting; the provider answers in 150-300 ms")
    print(f"{'webhook':<40}{'count':>6}{'median ms':>10}{'p95 ms':>9}{'÷status':>9}{'÷send':>9}")
    print(_row("baseline: one delivery status", r["times"]["status"], base, send))
    print(_row("baseline: one bare send to the provider", r["times"]["send"], base, send))
    print(_row("Saya hadir (+ thank-you sent)", r["times"]["hadir"], base, send))
    print(_row("Batalkan (+ question sent)", r["times"]["batalkan"], base, send))
    print(_row("Ya, batalkan (+ cancel, refill, told)", r["times"]["ya"], base, send))
    mean = r["refill_ms"] / r["refill_n"] if r["refill_n"] else float("nan")
    print(f"seats refilled from the queue at once: {r['refilled']} of {len(r['times']['ya'])} freed "
          f"(counted {r['refill_n']}, {mean:.0f} ms from release to booking on average)")
    print("cancellations told at once: " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["told"]).items())))
    print(f"counters: confirmed {r['confirmed']}, cancelled by WhatsApp {r['cancelled_wa']}; "
          f"redelivered {r['redelivered']} replies: {r['sent_on_redelivery']} messages sent again; "
          f"numbers that got more than they should: {r['twice']}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
