"""The outbox on moto: records written with the change, sending, retries, faults, reminders,
webhooks, opt-out and the staff's "Kotak keluar"."""
import email
import email.policy
import json
import uuid
from datetime import date, timedelta

import pytest
import requests
import responses

from chalicelib import clock
from chalicelib.adapters import metrics
from chalicelib.budget import Deadline
from chalicelib.domain import meetings as zoom_sync
from chalicelib.domain import message_status
from chalicelib.domain import rules
from chalicelib.messages import catalog, compose, events, reminders
from chalicelib.messages import records as outbox_records
from chalicelib.messages import send as outbox
from chalicelib.services import allocation, booking, kotak, roster
from chalicelib.store import outbox as outbox_store
from chalicelib.store.models import (
    OptOutRecord,
    OutboxRecord,
    Registration,
    SessionRecord,
)
from tests.support.clinic import after_its_days
from tests.support.messages import (
    ADMIN,
    GRAPH_URL,
    PAST,
    WA_ENV,
    make_clinic,
    make_registration,
    make_session,
    wa_error,
    wa_ok,
    webhook_statuses,
    webhook_text,
    wib,
)


@pytest.fixture
def local_outbox(monkeypatch, tmp_path):
    """The demo set-up: no credentials, messages land in files."""
    for key in WA_ENV:
        monkeypatch.delenv(key, raising=False)
    for key in ("WHATSAPP_SECRET_ARN", "SES_FROM_ADDRESS"):
        monkeypatch.delenv(key, raising=False)
    folder = tmp_path / "outbox"
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(folder))
    monkeypatch.setenv("SITE_URL", "https://cleanclear.example.go.id")
    return folder


@pytest.fixture
def wa_env(monkeypatch, tmp_path):
    """Real WhatsApp (through `responses`); e-mail still to the local outbox."""
    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SES_FROM_ADDRESS", raising=False)
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("SITE_URL", "https://cleanclear.example.go.id")


@pytest.fixture
def failed_metric(monkeypatch):
    emitted = []
    original = metrics.emit
    monkeypatch.setattr(metrics, "emit", lambda name, *a, **kw: (emitted.append(name), original(name, *a, **kw)))
    return emitted


@pytest.fixture
def clinic(aws):
    """Siti (koperasi, both modes, with WhatsApp and e-mail) on duty every weekday, one room."""
    make_clinic()
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])


def register(client, name="Nurhayati", phone="0813-2000-0001", email="nur@example.org", mode="tatap_muka", days=None):
    days = days or [client.http.get("/public/options").json_body["days"][0]]
    body = {"name": name, "whatsapp": phone, "email": email, "kecamatan": "Ciawi", "service": "koperasi",
            "org_name": "Koperasi " + name, "coop_status": "aktif", "topics": ["tata_kelola_rat"],
            "description": "Kami ingin memperbaiki tata kelola dan persiapan RAT tahun depan.", "mode": mode,
            "days": days, "source": "teman", "consent": True, "another": True}
    answer = client.http.post("/registrations", headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
                              body=json.dumps(body))
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def records(template=None, reference=None):
    out = []
    for status in message_status.STATUS_LABELS:
        out += list(OutboxRecord.by_status.query(status))
    return [r for r in out if (template is None or r.template == template) and (reference is None or r.reference == reference)]


def drain(now, step=timedelta(minutes=1), runs=200, **kw):
    """Run the sender on a simulated clock until nothing is due; returns the outcomes by id."""
    outcomes: dict = {}
    for _ in range(runs):
        summary = outbox.send_due(now, **kw)
        for message_id, outcome in summary.outcomes.items():
            outcomes.setdefault(message_id, []).append(outcome)
        if not outbox.due_records(now + timedelta(hours=2)):
            break
        now += step
    return outcomes


# --- end to end -----------------------------------------------------------------------------------

def test_register_allocate_confirmation_in_the_kotak_keluar(client, clinic, admin, local_outbox):
    reg = register(client)
    reference = reg["reference"].replace("-", "")
    received = records("cc_pendaftaran_diterima", reference)
    assert sorted(r.channel for r in received) == ["email", "whatsapp"] and {r.status for r in received} == {"pending"}

    result = client.lambda_.invoke("allocate", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:ap-southeast-3:0:rule/allocate"]))
    assert result.payload["booked"] == 1
    session = SessionRecord.get(Registration.get(reference).session_id)
    start = rules.parse_utc_iso(session.start).astimezone(rules.WIB)

    # Before sending, staff already see it as the visitor will.
    listed = admin.get("/staff/outbox").json_body
    confirmation = next(i for i in listed["items"] if i["template"] == "cc_sesi_terjadwal" and i["channel"] == "whatsapp")
    assert confirmation["status"] == "pending" and confirmation["to"] == "+6281320000001"
    text = confirmation["preview"]["text"]
    assert f"{start:%H.%M}–" in text and "WIB" in text and "Ruang Klinik 1" in text
    assert start.strftime("%Y") in text and "Kompleks Perkantoran" in text

    sent = client.lambda_.invoke("send_messages", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:ap-southeast-3:0:rule/send"]))
    assert sent.payload["sent"] == 4 and sent.payload["failed"] == 0  # received + confirmed, 2 channels each

    after = admin.get(f"/staff/outbox?day={clock.today().isoformat()}&status=sent").json_body["items"]
    assert {i["template"] for i in after} == {"cc_pendaftaran_diterima", "cc_sesi_terjadwal"}
    assert all(i["provider_message_id"].startswith("local-") and "lokal" in i["provider_label"] for i in after)
    assert all(i["preview_note"] == "Seperti yang terkirim." for i in after)

    files = {p.name: p for p in local_outbox.iterdir()}
    written = [json.loads(p.read_text()) for name, p in files.items() if name.endswith(".json")]
    wa = next(w for w in written if w["template"] == "cc_sesi_terjadwal" and w["channel"] == "whatsapp")
    assert wa["to"] == "+6281320000001" and "Ruang Klinik 1" in wa["text"] and wa["parameters"][0] == "Nurhayati"
    mail = next(w for w in written if w["template"] == "cc_sesi_terjadwal" and w["channel"] == "email")
    assert "METHOD:REQUEST" in mail["calendar"] and f"UID:{reference}@" in mail["calendar"]
    assert any(name.endswith(".eml") for name in files)

    # A second run sends nothing again.
    again = outbox.send_due()
    assert again.sent == 0 and len(list(local_outbox.glob("*.json"))) == 4


def test_a_failed_change_writes_no_message_and_a_retried_write_no_second_one(client, clinic, admin, local_outbox):
    a = register(client, name="Ani", phone="0813-2100-0001")
    b = register(client, name="Beni", phone="0813-2100-0002")
    day = client.http.get("/public/options").json_body["days"][0]
    seat = next(s for s in admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"] if s["service"] == "koperasi")
    assert admin.post("/staff/sessions", {"reference": a["reference"], "start": seat["start"], "consultant_id": seat["consultant_id"]}).status_code == 201
    assert admin.post("/staff/sessions", {"reference": b["reference"], "start": seat["start"], "consultant_id": seat["consultant_id"]}).status_code == 409
    assert len(records("cc_sesi_terjadwal", a["reference"].replace("-", ""))) == 2
    assert records("cc_sesi_terjadwal", b["reference"].replace("-", "")) == []
    # The same record written twice is refused by its condition, not duplicated.
    record = records("cc_pendaftaran_diterima", a["reference"].replace("-", ""))[0]
    copy = OutboxRecord(record.message_id, **{k: getattr(record, k) for k in ("dedupe_key", "recipient_kind", "channel", "template",
                                                                              "status", "day", "created_at", "updated_at")})
    assert outbox_store.put_new(copy) is False


# --- sending under faults -----------------------------------------------------------------------------

def _visitors(n, now):
    make_clinic()
    out = []
    for i in range(n):
        reg = make_registration(f"TST{i:03d}"[:6], name=f"Peserta {i}", phone=f"+62813200001{i:02d}", status=rules.STATUS_WAITING)
        for model in events.on_registration_received(reg, now):
            outbox_store.put_new(model)
        out.append(reg)
    return out


def test_whatsapp_faults_end_sent_exactly_once_or_failed(aws, wa_env, failed_metric):
    now = wib(clock.today() + timedelta(days=1), 9)
    regs = _visitors(6, now)
    # Per recipient: what the Graph API answers, try after try.
    script = {
        "6281320000100": [(200, wa_ok("wamid.A"))],
        "6281320000101": [(429, wa_error(130429, "Rate limit hit"), {"Retry-After": "300"}), (200, wa_ok("wamid.B"))],
        "6281320000102": [(500, wa_error(131000, "Something went wrong")), "timeout", (200, wa_ok("wamid.C"))],
        "6281320000103": [(400, wa_error(131026, "Message undeliverable"))],
        "6281320000104": [(503, {"error": {"message": "Service unavailable", "code": 2}})] * 10,
        "6281320000105": ["timeout", "connection", (200, wa_ok("wamid.F"))],
    }
    calls: dict = {}

    def answer(request):
        to = json.loads(request.body)["to"]
        step = script[to][min(len(calls.setdefault(to, [])), len(script[to]) - 1)]
        calls[to].append(step)
        if step == "timeout":
            raise requests.ReadTimeout("read timed out")
        if step == "connection":
            raise requests.ConnectionError("connection reset")
        status, body, *headers = step
        return status, {"Content-Type": "application/json", **(headers[0] if headers else {})}, json.dumps(body)

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, GRAPH_URL, callback=answer)
        drain(now)

    by_phone = {r.phone.lstrip("+"): records("cc_pendaftaran_diterima", r.reference)[0] for r in regs}
    for phone, steps in calls.items():
        successes = [s for s in steps if isinstance(s, tuple) and s[0] == 200]
        assert len(successes) <= 1, f"{phone} got the message {len(successes)} times"
        assert steps.index(successes[0]) == len(steps) - 1 if successes else True, "nothing is sent after a success"
    assert by_phone["6281320000100"].status == "sent" and by_phone["6281320000100"].provider_message_id == "wamid.A"
    assert by_phone["6281320000101"].provider_message_id == "wamid.B"
    assert by_phone["6281320000102"].status == "sent" and by_phone["6281320000102"].attempts == 3
    assert by_phone["6281320000103"].status == "failed" and len(calls["6281320000103"]) == 1
    assert "131026" in by_phone["6281320000103"].error
    assert by_phone["6281320000104"].status == "failed" and len(calls["6281320000104"]) == outbox_records.MAX_ATTEMPTS
    assert by_phone["6281320000105"].status == "sent"
    assert failed_metric.count("FailedMessages") == 2


def test_retry_after_is_respected(aws, wa_env):
    now = wib(clock.today() + timedelta(days=1), 9)
    (reg,) = _visitors(1, now)
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_error(130429, "Rate limit hit"), status=429, headers={"Retry-After": "600"})
        summary = outbox.send_due(now)
    assert summary.retry == 1
    record = records("cc_pendaftaran_diterima", reg.reference)[0]
    assert record.next_attempt_at == rules.to_utc_iso(now + timedelta(seconds=600))
    assert outbox.send_due(now + timedelta(seconds=599)).due == 0


def test_a_throttled_channel_stops_the_run_for_that_channel(aws, wa_env):
    now = wib(clock.today() + timedelta(days=1), 9)
    _visitors(3, now)
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_error(130429, "Rate limit hit"), status=429)
        summary = outbox.send_due(now)
        assert len(rsps.calls) == 1
    assert summary.retry == 1 and summary.deferred == 2


def test_an_expired_whatsapp_token_pauses_sending_and_loses_nothing(aws, wa_env, failed_metric, monkeypatch):
    """Meta's error 190: every message would fail the same way. They all wait (no try counted, none
    failed), one call per run checks the token, the alarm says what to do, and once the token is
    renewed everything goes out, once each."""
    now = wib(clock.today() + timedelta(days=1), 9)
    regs = _visitors(3, now)
    expired = {"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException",
                         "code": 190, "error_subcode": 463, "fbtrace_id": "AbC"}}
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=expired, status=401)
        first = outbox.send_due(now)
        assert len(rsps.calls) == 1  # the channel stops at the first refusal
    assert first.paused == 1 and first.deferred == 2 and first.failed == 0
    waiting = [records("cc_pendaftaran_diterima", r.reference)[0] for r in regs]
    assert {r.status for r in waiting} == {"pending"} and all(int(r.attempts or 0) == 0 for r in waiting)
    assert failed_metric.count("WhatsAppPaused") == 1 and "FailedMessages" not in failed_metric
    assert "190" in next(r.error for r in waiting if r.error)

    # Still expired a run later: still one call, still nothing lost.
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=expired, status=401)
        later = outbox.send_due(now + timedelta(minutes=1))
        assert len(rsps.calls) == 1
    assert later.failed == 0

    # Staff put a new token in the secret: all three go out, once each.
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_ok("wamid.NEW"), status=200)
        drain(now + timedelta(minutes=16))
        sent_to = [json.loads(c.request.body)["to"] for c in rsps.calls]
    assert sorted(sent_to) == sorted(r.phone.lstrip("+") for r in regs)
    assert {records("cc_pendaftaran_diterima", r.reference)[0].status for r in regs} == {"sent"}


def test_the_graph_version_is_a_setting(aws, wa_env, monkeypatch):
    now = wib(clock.today() + timedelta(days=1), 9)
    _visitors(1, now)
    monkeypatch.setenv("WHATSAPP_GRAPH_VERSION", "v27.0")
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL.replace("v26.0", "v27.0"), json=wa_ok("wamid.V27"), status=200)
        assert outbox.send_due(now).sent == 1


def _ses_message(from_address="klinik@cleanclear.example.go.id"):
    import boto3

    boto3.client("sesv2", region_name="ap-southeast-3").create_email_identity(EmailIdentity=from_address.split("@")[1])


def test_email_through_ses_with_moto(aws, monkeypatch, tmp_path):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    monkeypatch.setenv("SES_FROM_ADDRESS", "klinik@cleanclear.example.go.id")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path))
    _ses_message()
    make_clinic()
    reg = make_registration(email="nur@example.org")
    start = wib(clock.today() + timedelta(days=3), 9)
    session = make_session(reg, start)
    for model in events.on_session_scheduled(session, reg):
        outbox_store.put_new(model)
    summary = outbox.send_due()
    assert summary.sent == 2
    mail = next(r for r in records("cc_sesi_terjadwal") if r.channel == "email")
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-3"].sent_messages
    assert len(sent) == 1 and mail.provider_message_id == sent[0].id
    raw = sent[0].raw_data
    msg = email.message_from_string(raw, policy=email.policy.default)
    calendar = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")  # base64 on the wire
    assert "METHOD:REQUEST" in calendar.get_payload(decode=True).decode() and "nur@example.org" in raw


class FakeSes:
    """A sesv2 client that answers from a script: ClientErrors, timeouts, then success."""

    def __init__(self, script):
        self.script, self.calls = list(script), 0

    def send_email(self, **kwargs):
        from botocore.exceptions import ClientError, ReadTimeoutError

        assert kwargs["FromEmailAddress"] == "klinik@cleanclear.example.go.id" and "Raw" in kwargs["Content"]
        self.calls += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if step == "timeout":
            raise ReadTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com")
        if isinstance(step, tuple):
            code, status = step
            raise ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail")
        return {"MessageId": step}


@pytest.mark.parametrize("script,status,calls", [
    ([("TooManyRequestsException", 429), "timeout", ("InternalFailure", 500), "ses-ok-1"], "sent", 4),
    ([("MessageRejected", 400)], "failed", 1),
    ([("MailFromDomainNotVerifiedException", 400)], "failed", 1),
    # No answer after the request left: never "failed" (SES may have it); tried again only after
    # the wait for its events, and in the end left "unknown" for staff to see.
    (["timeout"], "unknown", outbox_records.MAX_ATTEMPTS),
])
def test_ses_faults_end_sent_once_or_failed(aws, monkeypatch, tmp_path, script, status, calls, failed_metric):
    from chalicelib.adapters import ses as email_ses

    monkeypatch.setenv("SES_FROM_ADDRESS", "klinik@cleanclear.example.go.id")
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path))
    fake = FakeSes(script)
    monkeypatch.setattr(email_ses.SesSender, "client", property(lambda self: fake))
    make_clinic()
    reg = make_registration(email="nur@example.org", status=rules.STATUS_WAITING)
    for model in events.on_registration_received(reg):
        outbox_store.put_new(model)
    drain(wib(clock.today(), 9) + timedelta(days=1))
    mail = next(r for r in records("cc_pendaftaran_diterima") if r.channel == "email")
    assert mail.status == status and fake.calls == calls
    assert (mail.provider_message_id == "ses-ok-1") == (status == "sent")
    assert failed_metric.count("FailedMessages") == (status == "failed")


def test_overlapping_runs_send_each_message_once(aws, local_outbox):
    now = wib(clock.today() + timedelta(days=1), 9)
    _visitors(4, now)
    sends = []

    class Counting:  # a ports.MessageSender
        label, timeout_seconds, adjustable_timeout = "counting", 1.0, False

        def send(self, to, to_name, rendered, message_id, timeout=None):
            sends.append(message_id)
            return f"wamid.{len(sends)}"

    stale = outbox.due_records(now)  # run A reads...
    first = outbox.send_due(now, senders={"whatsapp": Counting()})  # ...run B does everything...
    assert first.sent == 4
    for record in stale:  # ...then run A goes on with what it read.
        assert outbox.send_one(record, outbox.Run(now, Deadline.seconds(30), {"whatsapp": Counting()}, outbox.SendSummary())) == "busy"
    # A run that starts while another holds the claims finds nothing due.
    assert outbox.send_due(now + timedelta(seconds=30), senders={"whatsapp": Counting()}).due == 0
    assert sorted(sends) == sorted({r.message_id for r in stale}) and len(sends) == 4


def test_a_claimed_record_is_not_taken_by_a_second_run(aws, local_outbox):
    now = wib(clock.today() + timedelta(days=1), 9)
    _visitors(1, now)
    (record,) = outbox.due_records(now)
    assert outbox.claim(record, now) is not None  # run A holds it (e.g. waiting on WhatsApp)
    assert outbox.send_due(now).due == 0  # run B
    assert outbox.claim(OutboxRecord.get(record.message_id), now) is None, "the claim moved it: a stale read loses"
    # If run A died, the claim expires: A may have handed the message over before it died, so the
    # next run waits for the provider's status instead of sending a second copy at once...
    later = now + timedelta(seconds=outbox.CLAIM_SECONDS)
    assert outbox.send_due(later).unknown == 1
    assert OutboxRecord.get(record.message_id).status == "unknown"
    assert outbox.send_due(later + timedelta(minutes=10)).due == 0
    # ...and sends it again only when no status came in time, counted for staff to see.
    again = outbox.send_due(later + timedelta(seconds=outbox_records.UNKNOWN_WAIT_SECONDS))
    assert again.sent == 1 and again.resent == 1
    stored = OutboxRecord.get(record.message_id)
    assert stored.status == "sent" and stored.resends == 1


# --- what the message says, from current data -----------------------------------------------------------

def test_online_confirmation_waits_for_the_zoom_link(aws, local_outbox):
    make_clinic()
    reg = make_registration(mode=rules.MODE_DARING)
    now = wib(clock.today() + timedelta(days=1), 7)
    session = make_session(reg, now + timedelta(days=2), mode=rules.MODE_DARING, meeting_state=zoom_sync.TO_CREATE)
    for model in events.on_session_scheduled(session, reg, now):
        outbox_store.put_new(model)
    first = outbox.send_due(now)
    assert first.deferred == 1 and first.sent == 0
    (record,) = records("cc_sesi_terjadwal")
    assert record.attempts == 0 and record.status == "pending" and record.error is None
    # Staff see the wait as information (not as an error) in the Kotak keluar.
    view = kotak.staff_view(record, now=now)
    assert view["error"] is None and "menunggu tautan Zoom" in view["waiting_note"]
    session.update(actions=[SessionRecord.meeting_state.set(zoom_sync.READY),
                            SessionRecord.join_url.set("https://us06web.zoom.us/j/81234567890")])
    later = outbox.send_due(now + timedelta(minutes=1))
    assert later.sent == 1
    (record,) = records("cc_sesi_terjadwal")
    assert "https://us06web.zoom.us/j/81234567890" in json.loads(record.rendered)["text"]


def test_online_confirmation_goes_without_the_link_when_waiting_too_long(aws, local_outbox):
    make_clinic()
    reg = make_registration(mode=rules.MODE_DARING)
    now = wib(clock.today() + timedelta(days=1), 7)
    session = make_session(reg, now + timedelta(days=2), mode=rules.MODE_DARING, meeting_state=zoom_sync.TO_CREATE)
    for model in events.on_session_scheduled(session, reg, now):
        outbox_store.put_new(model)
    assert outbox.send_due(now + compose.LINK_WAIT + timedelta(minutes=1)).sent == 1
    (record,) = records("cc_sesi_terjadwal")
    assert "pengingat" in json.loads(record.rendered)["text"]


def scheduled_and_told(client, admin):
    """A visitor whose session is booked and confirmed, and a free koperasi seat on the next day
    offered: (days offered, reference, session id, that seat)."""
    days = client.http.get("/public/options").json_body["days"]
    reg = register(client, email="")
    reference = reg["reference"].replace("-", "")
    allocation.run()
    outbox.send_due()
    old = Registration.get(reference).session_id
    slots = admin.get(f"/staff/slots?from={days[1]}&to={days[1]}").json_body["slots"]
    return days, reference, old, next(s for s in slots if s["service"] == "koperasi")


def test_cancellation_and_move(client, clinic, admin, local_outbox):
    days, reference, old, seat = scheduled_and_told(client, admin)
    # Staff move it: one "changed" message; the released half's cancellation is replaced by it.
    assert admin.put(f"/staff/sessions/{old}", {"start": seat["start"], "consultant_id": seat["consultant_id"]}).status_code == 200
    drain(clock.wib_now() + timedelta(seconds=5), step=timedelta(minutes=1), runs=5)
    moved = records("cc_sesi_diubah", reference)
    assert [r.status for r in moved] == ["sent"]
    assert catalog.long_date(date.fromisoformat(days[1])) in json.loads(moved[0].rendered)["text"]
    (replaced,) = records("cc_sesi_dibatalkan", reference)
    assert replaced.status == "skipped" and "perubahan" in replaced.error
    # The office cancels: the visitor hears it, with their place in the queue kept.
    new = Registration.get(reference).session_id
    assert admin.post(f"/staff/sessions/{new}/cancel", {"requeue": True}).status_code == 200
    outbox.send_due()
    cancelled = [r for r in records("cc_sesi_dibatalkan", reference) if r.session_id == new]
    assert [r.status for r in cancelled] == ["sent"]
    assert "antrean di urutan semula" in json.loads(cancelled[0].rendered)["text"]


def test_a_move_whose_target_was_just_taken_tells_the_visitor_their_place_is_kept(client, clinic, admin, local_outbox,
                                                                                 monkeypatch):
    """The other half of "a move sends cc_sesi_diubah": when the new seat is taken between the check
    and the write, the old session is gone, and the visitor hears exactly that (never nothing)."""
    days, reference, old, seat = scheduled_and_told(client, admin)
    rival = register(client, name="Rahmat", phone="0813-2000-0099", email="")
    real_book = booking.book

    def taken_first(registration, slot, *args, **kwargs):
        if registration.reference == reference:  # a colleague books the same seat a moment earlier
            real_book(Registration.get(rival["reference"].replace("-", "")), slot, args[0], actor=ADMIN, fixed=True)
        return real_book(registration, slot, *args, **kwargs)

    monkeypatch.setattr(booking, "book", taken_first)
    answer = admin.put(f"/staff/sessions/{old}", {"start": seat["start"], "consultant_id": seat["consultant_id"]})
    assert answer.status_code == 409 and "antrean" in answer.json_body["errors"]["start"]
    monkeypatch.setattr(booking, "book", real_book)
    drain(clock.wib_now() + timedelta(seconds=5), step=timedelta(minutes=1), runs=5)
    assert records("cc_sesi_diubah", reference) == []
    (cancelled,) = records("cc_sesi_dibatalkan", reference)
    assert cancelled.status == "sent" and "antrean di urutan semula" in json.loads(cancelled.rendered)["text"]
    assert Registration.get(reference).status == rules.STATUS_WAITING


def test_a_session_cancelled_before_its_confirmation_went_out_sends_neither(client, clinic, admin, local_outbox):
    reg = register(client, email="")
    allocation.run()
    session_id = Registration.get(reg["reference"].replace("-", "")).session_id
    booking.cancel_by_office(ADMIN, session_id, requeue=False)
    outbox.send_due()
    statuses = {r.template: r.status for r in records(reference=reg["reference"].replace("-", ""))}
    assert statuses == {"cc_pendaftaran_diterima": "sent", "cc_sesi_terjadwal": "skipped", "cc_sesi_dibatalkan": "skipped"}


@pytest.mark.instants
def test_expired_registration_is_invited_to_offer_new_dates(client, clinic, local_outbox):
    reg = register(client, email="")
    reference = reg["reference"].replace("-", "")
    roster.add_exception(ADMIN, {"consultant_id": "K-SITI", "day": Registration.get(reference).days[0], "service": "koperasi", "kind": "cuti"})
    later = after_its_days(reference)
    assert allocation.run(now=later).expired == 1
    outbox.send_due(later)
    (expired,) = records("cc_tanggal_tidak_tersedia", reference)
    text = json.loads(expired.rendered)["text"]
    assert expired.status == "sent" and reg["reference"] in text and "tautan status" in text
    # The message carries the private link; what is kept for staff masks its token (only a hash is stored).
    assert f"status.html#ref={reg['reference']}&t=\u2026" in text and reg["token"] not in text
    sent = "".join(p.read_text() for p in local_outbox.glob("*.json"))
    assert f"status.html#ref={reg['reference']}&t={reg['token']}" in sent


@pytest.mark.instants
def test_visitor_new_days_and_cancel_are_confirmed(client, clinic, local_outbox):
    days = client.http.get("/public/options").json_body["days"]
    reg = register(client, email="", days=[days[0]])
    reference = reg["reference"].replace("-", "")
    headers = {"X-Registration-Token": reg["token"], "Content-Type": "application/json"}
    assert client.http.post(f"/registrations/{reg['reference']}/days", headers=headers, body=json.dumps({"days": [days[2]]})).status_code == 200
    assert client.http.post(f"/registrations/{reg['reference']}/cancel", headers=headers, body="{}").status_code == 200
    outbox.send_due()
    (new_days,) = records("cc_tanggal_baru_diterima", reference)
    (cancelled,) = records("cc_pendaftaran_dibatalkan", reference)
    assert new_days.status == cancelled.status == "sent"
    assert catalog.long_date(date.fromisoformat(days[2])) in json.loads(new_days.rendered)["text"]


# --- reminders, feedback, consultants' schedule ---------------------------------------------------------

@pytest.mark.instants
def test_reminders_are_queued_once_and_sent_on_time_even_when_the_job_runs_twice_and_late(aws, local_outbox):
    make_clinic()
    reg = make_registration(email="nur@example.org")
    day = clock.today() + timedelta(days=7)
    session = make_session(reg, wib(day, 10))
    eve = wib(day - timedelta(days=1), 16)

    assert reminders.queue(eve - timedelta(minutes=45)).queued == 0  # too early
    first = reminders.queue(eve - timedelta(minutes=20))
    again = reminders.queue(eve - timedelta(minutes=20))  # twice in a row
    late = reminders.queue(eve + timedelta(hours=1, minutes=30))  # and late
    # H-1 on two channels, plus Siti's schedule for tomorrow on two channels.
    assert first.queued == 4 and again.queued == 0 and again.already == 4 and late.queued == 0
    assert outbox.send_due(eve - timedelta(minutes=1)).sent == 0  # not before its moment
    assert outbox.send_due(eve).sent == 4
    h1 = records("cc_pengingat_besok")
    assert {r.status for r in h1} == {"sent"} and all(r.session_id == session.session_id for r in h1)
    text = json.loads(next(r for r in h1 if r.channel == "whatsapp").rendered)["text"]
    assert "10.00–10.30 WIB" in text and "besok" in text

    hour = wib(day, 9)
    for run in (hour - timedelta(minutes=25), hour - timedelta(minutes=10), hour + timedelta(minutes=20)):
        reminders.queue(run)
    assert len(records("cc_pengingat_sejam")) == 2
    assert outbox.send_due(hour).sent == 2
    schedule = [r for r in records("cc_jadwal_konsultan") if r.channel == "whatsapp"]
    assert len(schedule) == 1 and "Nurhayati" in json.loads(schedule[0].rendered)["text"]


def test_hour_reminder_is_skipped_once_the_session_is_near_or_started(aws, local_outbox):
    make_clinic()
    reg = make_registration()
    day = clock.today() + timedelta(days=7)
    make_session(reg, wib(day, 10))
    assert reminders.queue(wib(day, 10, 1)).queued == 0  # the job ran only after the start
    assert records("cc_pengingat_sejam") == []
    reminders.queue(wib(day, 8, 40))  # queued in time, but the sender was down until 09:50
    summary = outbox.send_due(wib(day, 9, 50))
    assert summary.skipped == 1 and summary.sent == 0
    assert "terlambat" in records("cc_pengingat_sejam")[0].error


def test_day_before_reminder_is_not_sent_for_a_session_booked_after_its_moment(aws, local_outbox):
    make_clinic()
    reg = make_registration()
    day = clock.today() + timedelta(days=7)
    make_session(reg, wib(day, 10), created=wib(day - timedelta(days=1), 16, 30))
    reminders.queue(wib(day - timedelta(days=1), 17))
    assert records("cc_pengingat_besok") == []


def test_feedback_request_after_an_attended_session_but_not_to_an_opted_out_number(aws, local_outbox):
    make_clinic()
    day = clock.today() + timedelta(days=7)
    came = make_registration("HADIR1", name="Hadir", phone="+6281320000011")
    stopped = make_registration("STOP11", name="Berhenti", phone="+6281320000012")
    absent = make_registration("ABSEN1", name="Absen", phone="+6281320000013")
    make_session(came, wib(day, 9), status=rules.SESSION_ATTENDED)
    make_session(stopped, wib(day, 9, 30), status=rules.SESSION_ATTENDED)
    make_session(absent, wib(day, 10), status=rules.SESSION_NO_SHOW)
    OptOutRecord("+6281320000012", keyword="berhenti", opted_out_at=rules.to_utc_iso(PAST)).save()
    after = wib(day, 10, 45)
    assert reminders.queue(after).queued == 2
    assert reminders.queue(after + timedelta(minutes=15)).queued == 0
    outbox.send_due(after)
    by_ref = {r.reference: r for r in records("cc_umpan_balik")}
    assert set(by_ref) == {"HADIR1", "STOP11"}
    assert by_ref["HADIR1"].status == "sent"
    text = json.loads(by_ref["HADIR1"].rendered)["text"]
    assert "https://cleanclear.example.go.id/umpan-balik.html#s=" in text
    assert by_ref["STOP11"].status == "skipped" and "BERHENTI" in by_ref["STOP11"].error


# --- webhooks through the API ---------------------------------------------------------------------------

def _signed(raw, secret=WA_ENV["WHATSAPP_APP_SECRET"]):
    from chalicelib.adapters import whatsapp_inbound

    return {"Content-Type": "application/json", "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, secret)}


def test_webhook_handshake(client, wa_env):
    ok = client.http.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-token-for-tests&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.body == b"1158201444"
    bad = client.http.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444")
    assert bad.status_code == 403 and b"1158201444" not in bad.body


def _sent_record(wamid="wamid.HBgLX1"):
    make_clinic()
    reg = make_registration(status=rules.STATUS_WAITING)
    (record,) = events.on_registration_received(reg)
    record.status, record.due, record.provider_message_id = "sent", None, wamid
    record.save()
    return record


def test_webhook_signature_good_bad_missing_and_tampered(client, wa_env):
    record = _sent_record()
    raw = webhook_statuses(("wamid.HBgLX1", "delivered"))
    assert client.http.post("/webhooks/whatsapp", headers={"Content-Type": "application/json"}, body=raw).status_code == 403
    assert client.http.post("/webhooks/whatsapp", headers=_signed(raw, "wrong-secret"), body=raw).status_code == 403
    tampered = raw.replace(b"delivered", b"read")
    assert client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=tampered).status_code == 403
    assert OutboxRecord.get(record.message_id).status == "sent", "a refused webhook changes nothing"
    good = client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw)
    assert good.status_code == 200 and good.json_body["statuses"] == 1
    assert OutboxRecord.get(record.message_id).status == "delivered"


def test_delivery_statuses_never_move_backwards(client, wa_env, failed_metric):
    record = _sent_record()
    for status, expected in (("read", "read"), ("delivered", "read"), ("sent", "read"), ("failed", "read")):
        raw = webhook_statuses(("wamid.HBgLX1", status))
        assert client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw).status_code == 200
        assert OutboxRecord.get(record.message_id).status == expected
    assert "FailedMessages" not in failed_metric
    unknown = webhook_statuses(("wamid.UNKNOWN", "delivered"))
    assert client.http.post("/webhooks/whatsapp", headers=_signed(unknown), body=unknown).json_body["statuses"] == 0


def test_async_failure_marks_the_message_failed(client, wa_env, failed_metric):
    record = _sent_record()
    raw = webhook_statuses(("wamid.HBgLX1", "failed"))
    client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw)
    stored = OutboxRecord.get(record.message_id)
    assert stored.status == "failed" and "131026" in stored.error and "FailedMessages" in failed_metric


def test_berhenti_stops_the_feedback_request_but_not_the_confirmation(client, wa_env):
    make_clinic()
    day = clock.today() + timedelta(days=7)
    reg = make_registration(phone="+6281320000001")
    for text in (" berhenti ", "MULAI", "Stop!"):
        raw = webhook_text("6281320000001", text)
        assert client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw).status_code == 200
    assert OptOutRecord.get("+6281320000001").keyword == "stop"
    upcoming = make_session(reg, wib(day, 9))
    for model in events.on_session_scheduled(upcoming, reg, wib(day, 9) - timedelta(days=3)):
        outbox_store.put_new(model)
    held = make_session(make_registration("DONE22", phone="+6281320000001"), wib(day, 10), status=rules.SESSION_ATTENDED)
    reminders.queue(wib(day, 11))
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_ok("wamid.CONF"), status=200)
        summary = outbox.send_due(wib(day, 11) - timedelta(days=2))
        summary2 = outbox.send_due(wib(day, 11))
    confirmation = records("cc_sesi_terjadwal")[0]
    feedback = records("cc_umpan_balik")[0]
    assert confirmation.status == "sent" and confirmation.provider_message_id == "wamid.CONF"
    assert feedback.status == "skipped" and feedback.session_id == held.session_id
    assert summary.sent == 1 and summary2.skipped >= 1
    raw = webhook_text("6281320000001", "mulai")
    client.http.post("/webhooks/whatsapp", headers=_signed(raw), body=raw)
    with pytest.raises(OptOutRecord.DoesNotExist):
        OptOutRecord.get("+6281320000001")


# --- staff: Kotak keluar ------------------------------------------------------------------------------

def test_failed_messages_are_listed_and_retried_by_staff(client, admin, konsultan, wa_env, failed_metric):
    now = wib(clock.today(), 9)
    _visitors(1, now)
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_error(131026, "Message undeliverable"), status=400)
        outbox.send_due(now)
    failed = admin.get("/staff/outbox?status=failed").json_body["items"]
    assert len(failed) == 1 and failed[0]["can_retry"] and "131026" in failed[0]["error"]
    assert failed[0]["preview"]["text"].startswith("Halo Peserta 0")
    assert konsultan.get("/staff/outbox?status=failed").status_code == 403
    assert admin.get("/staff/outbox?status=nope").status_code == 400
    retried = admin.post(f"/staff/outbox/{failed[0]['id']}/retry", {})
    assert retried.status_code == 200 and retried.json_body["status"] == "pending" and retried.json_body["attempts"] == 0
    assert admin.post(f"/staff/outbox/{failed[0]['id']}/retry", {}).status_code == 409
    assert admin.post("/staff/outbox/M-NOPE/retry", {}).status_code == 404
    with responses.RequestsMock() as rsps:
        rsps.post(GRAPH_URL, json=wa_ok("wamid.RETRY"), status=200)
        outbox.send_due()
    assert OutboxRecord.get(failed[0]["id"]).status == "sent"


def test_kotak_keluar_pages_newest_first(client, admin, local_outbox):
    now = clock.wib_now()
    make_clinic()
    for i in range(5):
        reg = make_registration(f"PAG{i:03d}"[:6], name=f"Peserta {i}", status=rules.STATUS_WAITING)
        for model in events.on_registration_received(reg, now + timedelta(seconds=i)):
            outbox_store.put_new(model)
    first = admin.get(f"/staff/outbox?day={now.date().isoformat()}&limit=2").json_body
    assert [i["reference"] for i in first["items"]] == ["PAG-004", "PAG-003"] and first["next_cursor"]
    second = admin.get(f"/staff/outbox?day={now.date().isoformat()}&limit=2&cursor={first['next_cursor']}").json_body
    assert [i["reference"] for i in second["items"]] == ["PAG-002", "PAG-001"] and second["next_cursor"]
    last = admin.get(f"/staff/outbox?day={now.date().isoformat()}&limit=1&cursor={second['next_cursor']}").json_body
    assert [i["reference"] for i in last["items"]] == ["PAG-000"]
    assert last["next_cursor"] is None  # the page that holds the last message says there is no more
    whole = admin.get(f"/staff/outbox?day={now.date().isoformat()}&limit=5").json_body
    assert len(whole["items"]) == 5 and whole["next_cursor"] is None
    assert admin.get("/staff/outbox?cursor=abc").status_code == 400
    item = first["items"][0]
    assert set(item) >= {"id", "created_at_wib", "channel_label", "recipient_label", "to", "template_label", "status_label",
                         "attempts", "error", "preview", "preview_note", "can_retry"}
