"""A send whose answer was lost is "unknown", not failed and not sent again at once: the provider's
own status (the WhatsApp webhook, SES's events) settles it by the record id each message carries.
Also: a signed webhook with a malformed item applies the rest and answers 200."""
import json
from datetime import timedelta

import pytest
import requests
import responses

from chalicelib import clock
from chalicelib.domain import rules
from chalicelib.messages import events
from chalicelib.messages import records as outbox_records
from chalicelib.messages import send as outbox
from chalicelib.adapters import whatsapp_inbound
from chalicelib.store import outbox as outbox_store
from chalicelib.store.models import BroadcastRecord, OutboxRecord
from tests.support.messages import (
    GRAPH_URL,
    WA_ENV,
    make_clinic,
    make_registration,
    wa_ok,
    wib,
)


@pytest.fixture
def wa_env(monkeypatch, tmp_path):
    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SES_FROM_ADDRESS", raising=False)
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SITE_URL", "https://cleanclear.example.go.id")


def _statuses(*items) -> bytes:
    """A status webhook as Meta sends it; items are (wamid, status, biz_opaque_callback_data|None)."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "628120000000", "phone_number_id": "1098765432"},
            "statuses": [{"id": wamid, "status": status, "timestamp": "1794000000", "recipient_id": "6281320000001",
                          **({"biz_opaque_callback_data": callback} if callback else {})}
                         for wamid, status, callback in items]}}]}]}).encode()


def _post(client, raw):
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, WA_ENV["WHATSAPP_APP_SECRET"])}
    return client.http.post("/webhooks/whatsapp", headers=headers, body=raw)


def _one_pending():
    make_clinic()
    reg = make_registration(status=rules.STATUS_WAITING)
    (record,) = events.on_registration_received(reg)
    outbox_store.put_new(record)
    return record.message_id


NOW = wib(clock.today() + timedelta(days=1), 9)


def _send_with(answer, now=NOW):
    """One sender run against a Graph API that does `answer(request)`; returns (summary, bodies sent)."""
    bodies = []

    def callback(request):
        bodies.append(json.loads(request.body))
        return answer(request)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, GRAPH_URL, callback=callback)
        summary = outbox.send_due(now)
    return summary, bodies


def _accepted_then_timeout(request):
    # Meta took the message (it will be delivered), but the answer never reached us.
    raise requests.ReadTimeout("read timed out")


def test_an_accepted_send_whose_answer_was_lost_is_settled_by_its_status(client, aws, wa_env, monkeypatch):
    emitted = []
    monkeypatch.setattr("chalicelib.adapters.metrics.emit", lambda name, *a, **k: emitted.append(name))
    message_id = _one_pending()
    summary, bodies = _send_with(_accepted_then_timeout)
    assert summary.unknown == 1 and summary.retry == 0
    assert bodies[0]["biz_opaque_callback_data"] == message_id
    record = OutboxRecord.get(message_id)
    assert record.status == "unknown" and record.provider_message_id is None
    assert "FailedMessages" not in emitted

    # Before the wait is over nothing is sent again...
    assert _send_with(lambda r: (200, {}, json.dumps(wa_ok("wamid.SECOND"))), NOW + timedelta(minutes=10))[1] == []
    # ...and then Meta's status webhook arrives, naming the record.
    answer = _post(client, _statuses(("wamid.FIRST", "delivered", message_id)))
    assert answer.status_code == 200 and answer.json_body["statuses"] == 1
    record = OutboxRecord.get(message_id)
    assert record.status == "delivered" and record.provider_message_id == "wamid.FIRST"
    assert record.due is None and record.sent_at
    # Long after the wait, it is not due: one copy reached the visitor, and no second one is made.
    later = NOW + timedelta(seconds=outbox_records.UNKNOWN_WAIT_SECONDS + 60)
    assert _send_with(lambda r: (200, {}, json.dumps(wa_ok("wamid.SECOND"))), later)[1] == []


def test_with_no_status_it_is_sent_again_once_counted_and_shown(client, aws, admin, wa_env):
    message_id = _one_pending()
    _send_with(_accepted_then_timeout)
    later = NOW + timedelta(seconds=outbox_records.UNKNOWN_WAIT_SECONDS)
    summary, bodies = _send_with(lambda r: (200, {}, json.dumps(wa_ok("wamid.SECOND"))), later)
    assert summary.sent == 1 and summary.resent == 1 and len(bodies) == 1
    record = OutboxRecord.get(message_id)
    assert record.status == "sent" and record.resends == 1 and record.attempts == 2
    listed = admin.get(f"/staff/outbox?day={record.day}")
    item = next(m for m in listed.json_body["items"] if m["id"] == message_id)
    assert item["resends"] == 1 and "Dikirim lagi 1×" in item["resend_note"]


def test_a_status_that_comes_before_the_lost_answer_times_out_settles_the_record(client, aws, wa_env):
    """Meta's "sent" webhook can beat the HTTP answer; the run's late timeout then changes nothing."""
    message_id = _one_pending()

    def status_first(request):
        assert _post(client, _statuses(("wamid.EARLY", "sent", message_id))).json_body["statuses"] == 1
        raise requests.ReadTimeout("read timed out")

    _send_with(status_first)
    record = OutboxRecord.get(message_id)
    assert record.status == "sent" and record.provider_message_id == "wamid.EARLY" and record.due is None


def test_a_status_settles_a_message_our_run_had_given_up_on(client, aws, wa_env):
    """Every try answered 5xx, yet Meta delivered one of them: the record ends delivered, not "Gagal"."""
    message_id = _one_pending()
    record = OutboxRecord.get(message_id)
    record.update(actions=[OutboxRecord.status.set("failed"), OutboxRecord.due.remove(),
                           OutboxRecord.attempts.set(outbox_records.MAX_ATTEMPTS)])
    assert _post(client, _statuses(("wamid.LATE", "delivered", message_id))).json_body["statuses"] == 1
    assert OutboxRecord.get(message_id).status == "delivered"
    # A failure Meta itself reported stays failed when a late "sent" comes out of order.
    assert _post(client, _statuses(("wamid.LATE", "failed", None))).json_body["statuses"] == 1
    assert _post(client, _statuses(("wamid.LATE", "sent", message_id))).json_body["statuses"] == 0
    assert OutboxRecord.get(message_id).status == "failed"


def test_a_broadcast_message_settled_by_its_status_is_counted_once(client, aws, wa_env):
    from chalicelib.store.models import TEAM

    make_clinic()
    BroadcastRecord(TEAM, "B20261201000000AAAA", template="cc_siaran_layanan", status="berjalan", created_by="t",
                    created_at="2026-12-01T00:00:00Z", updated_at="2026-12-01T00:00:00Z",
                    params=json.dumps({"keterangan": "Jadwal tambahan konsultasi pemasaran."})).save()
    reg = make_registration(status=rules.STATUS_DONE)
    record = outbox_records.new_record("cc_siaran_layanan", "whatsapp", f"B20261201000000AAAA#{reg.reference}",
                                       recipient_kind="visitor", now=NOW, reference=reg.reference,
                                       params={"broadcast": "B20261201000000AAAA", "tautan": "https://x.example/?src=wa",
                                               "keterangan": "Jadwal tambahan konsultasi pemasaran."})
    outbox_store.put_new(record)
    _send_with(_accepted_then_timeout)
    assert OutboxRecord.get(record.message_id).status == "unknown"
    _post(client, _statuses(("wamid.B1", "read", record.message_id)))
    _post(client, _statuses(("wamid.B1", "read", record.message_id)))  # Meta repeats itself
    counts = BroadcastRecord.get(TEAM, "B20261201000000AAAA")
    assert (counts.sent, counts.delivered, counts.read) == (1, 1, 1)


def test_a_run_that_died_mid_send_leaves_the_message_unknown_not_sent_twice(aws, wa_env):
    message_id = _one_pending()
    (record,) = outbox.due_records(NOW)
    assert outbox.claim(record, NOW)  # the run claimed it, called WhatsApp, and was killed
    after_claim = NOW + timedelta(seconds=outbox.CLAIM_SECONDS)
    summary, bodies = _send_with(lambda r: (200, {}, json.dumps(wa_ok("wamid.X"))), after_claim)
    assert summary.unknown == 1 and bodies == []
    assert OutboxRecord.get(message_id).status == "unknown"


# --- the webhook: one malformed item never costs the batch -----------------------------------------

@pytest.mark.parametrize("bad_item", [
    {"id": "", "status": "delivered"},  # an empty status id (a 500 before)
    {"id": None, "status": "delivered"},
    {"id": "wamid.OK2", "status": ["delivered"]},
    {"id": "x" * 5000, "status": "read"},
    "not an object",
])
def test_a_malformed_status_is_skipped_and_the_rest_applied(client, aws, wa_env, bad_item):
    first = _one_pending()
    OutboxRecord.get(first).update(actions=[OutboxRecord.status.set("sent"), OutboxRecord.due.remove(),
                                            OutboxRecord.provider_message_id.set("wamid.OK1")])
    payload = json.loads(_statuses(("wamid.OK1", "delivered", None)))
    statuses = payload["entry"][0]["changes"][0]["value"]["statuses"]
    statuses.insert(0, bad_item)
    statuses.append({"id": "wamid.OK1", "status": "read"})
    answer = _post(client, json.dumps(payload).encode())
    assert answer.status_code == 200 and answer.json_body["skipped"] == 1
    assert OutboxRecord.get(first).status == "read"


def test_a_signed_webhook_that_is_absurdly_deep_is_a_400_in_indonesian(client, aws, wa_env):
    raw = b"[" * 5000 + b"]" * 5000
    answer = _post(client, raw)
    assert answer.status_code == 400 and "tidak wajar" in answer.json_body["errors"]["_form"]


# --- SES: the configuration set's events settle e-mail ----------------------------------------------

def _ses_event(kind: str, detail_type: str, record_id: str, ses_id: str = "0100018c-ses-id", **extra):
    return {"eventType": kind, "mail": {"timestamp": "2026-12-01T02:00:00.000Z", "messageId": ses_id,
                                        "source": "klinik@cleanclear.example.go.id", "destination": ["x@example.org"],
                                        "tags": {"outbox_id": [record_id], "ses:configuration-set": ["cleanclear-dev"]}},
            **extra}, detail_type


def _email_record():
    make_clinic()
    reg = make_registration(status=rules.STATUS_WAITING, email="nur@example.org")
    mail = next(r for r in events.on_registration_received(reg) if r.channel == "email")
    outbox_store.put_new(mail)
    return mail.message_id


class TimingOutSes:
    def __init__(self):
        self.requests = []

    def send_email(self, **kwargs):
        from botocore.exceptions import ReadTimeoutError

        self.requests.append(kwargs)
        raise ReadTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com")


@pytest.mark.parametrize("kind,detail_type,extra,status", [
    ("Send", "Email Sent", {"send": {}}, "sent"),
    ("Delivery", "Email Delivered", {"delivery": {"smtpResponse": "250 OK"}}, "delivered"),
    ("Bounce", "Email Bounced", {"bounce": {"bounceType": "Permanent", "bounceSubType": "General"}}, "failed"),
])
def test_ses_events_settle_an_email_whose_answer_was_lost(client, aws, monkeypatch, tmp_path, kind, detail_type,
                                                           extra, status):
    from chalicelib.adapters import ses as email_ses

    monkeypatch.setenv("SES_FROM_ADDRESS", "klinik@cleanclear.example.go.id")
    monkeypatch.setenv("SES_CONFIGURATION_SET", "cleanclear-dev")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path))
    fake = TimingOutSes()
    monkeypatch.setattr(email_ses.SesSender, "client", property(lambda self: fake))
    message_id = _email_record()
    outbox.send_due(NOW)
    assert OutboxRecord.get(message_id).status == "unknown"
    (request,) = fake.requests
    assert request["EmailTags"] == [{"Name": "outbox_id", "Value": message_id}]
    assert request["ConfigurationSetName"] == "cleanclear-dev"

    detail, detail_type = _ses_event(kind, detail_type, message_id, **extra)
    event = client.events.generate_cw_event(source="aws.ses", detail_type=detail_type, detail=detail,
                                            resources=[], region="ap-southeast-3")
    answer = client.lambda_.invoke("ses_events", event)
    assert answer.payload == {"outcome": "updated"}
    record = OutboxRecord.get(message_id)
    assert record.status == status and record.provider_message_id == "0100018c-ses-id"
    if status == "failed":
        assert "Bounce" in record.error and "Permanent" in record.error
    # An event about nothing we know, or of a kind we do not use, changes nothing.
    other, _ = _ses_event("Open", "Email Opened", message_id)
    assert client.lambda_.invoke("ses_events", client.events.generate_cw_event(
        source="aws.ses", detail_type="Email Opened", detail=other, resources=[], region="ap-southeast-3"
    )).payload == {"outcome": "ignored"}
