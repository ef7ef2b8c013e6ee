"""Fault injection over a few hundred messages: WhatsApp and SES fail 30 % of calls in every way a
network and a provider can (5xx, 429 with Retry-After, timeouts before and after the provider took
the message, answers lost on the way back, permanent 400s), and sender runs die at random points
(after the claim, at the provider, between the provider's answer and the stored result). The
providers' statuses arrive a few minutes late, as WhatsApp's webhook and SES's events do.

Counted from the providers' side, every message ends delivered exactly once, or failed (never
taken by the provider) and shown to staff as failed. When statuses are lost too, a message may
reach its recipient twice, but only after the stated wait, and every such copy is counted on its
record (`resends`) and shown."""
from __future__ import annotations

import json
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
import responses

from chalicelib import clock
from chalicelib.domain import rules
from chalicelib.messages import events
from chalicelib.messages import send as outbox
from chalicelib.adapters import whatsapp_inbound
from chalicelib.store import outbox as outbox_store
from chalicelib.store.models import OutboxRecord
from tests.support.messages import (
    GRAPH_URL,
    WA_ENV,
    make_clinic,
    make_registration,
    wib,
)

VISITORS = 300  # each gets a WhatsApp message, one in five an e-mail too: 360 messages


class Killed(BaseException):
    """The Lambda died here (timeout, out of memory, a lost container): nothing after it runs."""


class Providers:
    """WhatsApp's Graph API (through `responses`) and an SES client, with faults, a provider-side
    count of every message taken, and the statuses each will report later."""

    def __init__(self, seed: int, *, lose_statuses: float = 0.0):
        self.seed, self.lose_statuses = seed, lose_statuses
        self.rolls: Counter = Counter()
        self.lock = threading.Lock()
        self.taken: Counter = Counter()  # record id -> copies the provider took (and will deliver)
        self.statuses: list[tuple[int, str, str, str]] = []  # (minute due, channel, record id, provider id)
        self.minute = 0
        self.faults: Counter = Counter()
        self.kill_at_provider = 0.02

    def roll(self, record_id: str, point: str) -> random.Random:
        """The dice for this record at this point, the n-th time: the same whatever order the
        channels' threads run in, so a seed always replays the same story."""
        with self.lock:
            self.rolls[(record_id, point)] += 1
            n = self.rolls[(record_id, point)]
        return random.Random(f"{self.seed}:{record_id}:{point}:{n}")

    def _take(self, channel: str, record_id: str) -> str:
        with self.lock:
            self.taken[record_id] += 1
            provider_id = f"{channel}-{record_id}-{self.taken[record_id]}"
        dice = self.roll(record_id, "status")
        if dice.random() >= self.lose_statuses:
            self.statuses.append((self.minute + dice.randint(0, 5), channel, record_id, provider_id))
        return provider_id

    def _fault(self, record_id: str) -> str:
        roll = self.roll(record_id, "fault").random()
        for name, share in (("5xx", 0.07), ("429", 0.05), ("connect_timeout", 0.05), ("taken_then_timeout", 0.05),
                            ("taken_then_lost", 0.03), ("permanent", 0.05)):
            if roll < share:
                self.faults[name] += 1
                return name
            roll -= share
        return "ok"

    def _maybe_die(self, record_id: str, point: str):
        if self.roll(record_id, point).random() < self.kill_at_provider:
            self.faults["killed_at_provider"] += 1
            raise Killed()

    # --- WhatsApp --------------------------------------------------------------------------------
    def whatsapp(self, request):
        body = json.loads(request.body)
        record_id = body["biz_opaque_callback_data"]
        fault = self._fault(record_id)
        self._maybe_die(record_id, "before")
        if fault == "5xx":
            return 500, {}, json.dumps({"error": {"message": "Something went wrong", "code": 131000}})
        if fault == "429":
            return 429, {"Retry-After": "60"}, json.dumps({"error": {"message": "Rate limit hit", "code": 130429}})
        if fault == "connect_timeout":
            raise requests.ConnectTimeout("connect timed out")  # never reached Meta
        if fault == "permanent":
            return 400, {}, json.dumps({"error": {"message": "Message undeliverable", "code": 131026}})
        wamid = self._take("whatsapp", record_id)
        self._maybe_die(record_id, "after")  # Meta has it; our Lambda dies before it reads the answer
        if fault == "taken_then_timeout":
            raise requests.ReadTimeout("read timed out")
        if fault == "taken_then_lost":
            raise requests.ConnectionError("connection reset by peer")
        return 200, {}, json.dumps({"messaging_product": "whatsapp", "messages": [{"id": wamid}]})

    # --- SES -------------------------------------------------------------------------------------
    def send_email(self, **request):
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        record_id = request["EmailTags"][0]["Value"]
        fault = self._fault(record_id)
        self._maybe_die(record_id, "before")
        error = {"5xx": ("InternalFailure", 500), "429": ("TooManyRequestsException", 429),
                 "permanent": ("MessageRejected", 400)}.get(fault)
        if error:
            raise ClientError({"Error": {"Code": error[0], "Message": error[0]},
                               "ResponseMetadata": {"HTTPStatusCode": error[1]}}, "SendEmail")
        if fault == "connect_timeout":
            raise ConnectTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com")
        message_id = self._take("email", record_id)
        self._maybe_die(record_id, "after")
        if fault in ("taken_then_timeout", "taken_then_lost"):
            raise ReadTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com")
        return {"MessageId": message_id}

    def due_statuses(self):
        due = [s for s in self.statuses if s[0] <= self.minute]
        self.statuses = [s for s in self.statuses if s[0] > self.minute]
        return due


def _deliver(client, channel: str, record_id: str, provider_id: str) -> None:
    if channel == "whatsapp":
        raw = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
            "field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
                {"id": provider_id, "status": status, "timestamp": "1794000000", "recipient_id": "6281300000000",
                 "biz_opaque_callback_data": record_id} for status in ("sent", "delivered")]}}]}]}).encode()
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, WA_ENV["WHATSAPP_APP_SECRET"])}
        assert client.http.post("/webhooks/whatsapp", headers=headers, body=raw).status_code == 200
    else:
        for kind, detail_type in (("Send", "Email Sent"), ("Delivery", "Email Delivered")):
            detail = {"eventType": kind, "mail": {"messageId": provider_id, "tags": {"outbox_id": [record_id]}}}
            client.lambda_.invoke("ses_events", client.events.generate_cw_event(
                source="aws.ses", detail_type=detail_type, detail=detail, resources=[], region="ap-southeast-3"))


def _make_messages() -> list[str]:
    make_clinic()
    ids = []
    for i in range(VISITORS // 5):
        for j in range(5):
            n = i * 5 + j
            email = f"pengunjung{n}@example.org" if j == 0 else None  # one in five also gave an e-mail
            reg = make_registration(f"F{n:05d}", name=f"Pengunjung {n}", phone=f"+62813{n:08d}", email=email,
                                    status=rules.STATUS_WAITING)
            for record in events.on_registration_received(reg):
                if record.channel == "whatsapp" or email:
                    outbox_store.put_new(record)
                    ids.append(record.message_id)
    return ids


def _kill_points(monkeypatch, providers: Providers) -> None:
    """Deaths between our own writes: after the claim (before the provider call), and between the
    provider's answer and the stored result."""
    real_claim, real_settle = outbox_store.claim, outbox_store.settle

    def claim(record, *args, **kwargs):
        taken = real_claim(record, *args, **kwargs)
        if taken and providers.roll(record.message_id, "claim").random() < 0.02:
            providers.faults["killed_after_claim"] += 1
            raise Killed()
        return taken

    def settle(record, token, fields, broadcast=None):
        if fields.get("status") == "sent" and providers.roll(record.message_id, "settle").random() < 0.04:
            providers.faults["killed_before_result"] += 1
            raise Killed()
        return real_settle(record, token, fields, broadcast)

    monkeypatch.setattr(outbox_store, "claim", claim)
    monkeypatch.setattr(outbox_store, "settle", settle)


@pytest.fixture
def providers_env(monkeypatch, tmp_path):
    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SES_FROM_ADDRESS", "klinik@cleanclear.example.go.id")
    monkeypatch.setenv("SES_CONFIGURATION_SET", "cleanclear-test")
    # One send at a time: the random faults then fall in the same order on every run (a failure
    # reproduces from its seed). Concurrency itself is tested elsewhere (test_outbox, DynamoDB Local).
    monkeypatch.setenv("SEND_WORKERS_WHATSAPP", "1")
    monkeypatch.setenv("SEND_WORKERS_EMAIL", "1")


def _run(client, monkeypatch, seed: int, lose_statuses: float):
    from chalicelib.adapters import ses as email_ses

    providers = Providers(seed, lose_statuses=lose_statuses)
    monkeypatch.setattr(email_ses.SesSender, "client", property(lambda self: providers))
    ids = _make_messages()
    _kill_points(monkeypatch, providers)
    start = wib(clock.today() + timedelta(days=1), 8)
    runs = killed = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, GRAPH_URL, callback=providers.whatsapp)
        for minute in range(600):
            providers.minute = minute
            now = start + timedelta(minutes=minute)
            for status in providers.due_statuses():
                _deliver(client, *status[1:])
            try:
                outbox.send_due(now)
            except Killed:
                killed += 1
            runs += 1
            if not outbox.due_records(now + timedelta(hours=3)) and not providers.statuses:
                break
    records = {mid: OutboxRecord.get(mid) for mid in ids}
    return providers, records, runs, killed


SEED = int(__import__("os").environ.get("FAULT_SEED", "20261201"))


def test_every_message_is_delivered_once_or_failed_visibly(client, aws, admin, providers_env, monkeypatch):
    providers, records, runs, killed = _run(client, monkeypatch, seed=SEED, lose_statuses=0.0)
    assert sum(providers.faults.values()) > 0.25 * len(records) and killed >= 5, (providers.faults, killed)
    duplicates = sum(n - 1 for n in providers.taken.values() if n > 1)
    assert duplicates == 0, {mid: n for mid, n in providers.taken.items() if n > 1}
    ends = Counter(r.status for r in records.values())
    wrong = {mid: (providers.taken[mid], r.status, r.attempts, r.resends, r.error) for mid, r in records.items()
             if r.status != ("delivered" if providers.taken[mid] else "failed")}
    assert not wrong, wrong
    # What failed is what staff see as failed, each with its reason.
    failed = admin.get("/staff/outbox?status=failed&limit=100").json_body["items"]
    assert {m["id"] for m in failed} == {mid for mid, r in records.items() if r.status == "failed"}
    assert all(m["error"] for m in failed)
    assert ends["delivered"] + ends["failed"] == len(records) == VISITORS + VISITORS // 5
    print(f"\nfault injection: {len(records)} messages, {runs} runs ({killed} killed), faults {dict(providers.faults)}, "
          f"ends {dict(ends)}, duplicates {duplicates}")


def test_with_statuses_lost_too_every_second_copy_is_counted_and_shown(client, aws, admin, providers_env, monkeypatch):
    providers, records, runs, killed = _run(client, monkeypatch, seed=7, lose_statuses=0.2)
    for mid, copies in providers.taken.items():
        record = records[mid]
        if copies > 1:
            assert (record.resends or 0) >= copies - 1, (mid, copies, record.resends)
        if record.status == "failed":
            # Only a provider that never took it, or one whose status was lost (we cannot know).
            assert copies == 0 or record.resends, (mid, copies)
    resent = [r for r in records.values() if r.resends]
    if resent:
        day = resent[0].day
        shown = {m["id"]: m for m in admin.get(f"/staff/outbox?day={day}&limit=100").json_body["items"]}
        for record in resent:
            if record.message_id in shown:
                assert shown[record.message_id]["resend_note"]
    duplicates = sum(n - 1 for n in providers.taken.values() if n > 1)
    print(f"\nfault injection, 20 % of statuses lost: {len(records)} messages, {killed} runs killed, "
          f"{duplicates} second copies, all counted on their records ({len(resent)} records sent again)")
