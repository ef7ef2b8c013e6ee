"""WhatsApp as the visitor's remote control, end to end: Meta's documented webhook payloads (a
template's quick-reply `button`, `interactive` button and list replies, texts), signed with the
app secret, through the API's webhook, against DynamoDB (moto), with the Graph API answered by
`responses` in its real shapes. Each test checks what a visitor or the office would notice: the
session, the queue, the messages that go out, the counters."""
from __future__ import annotations

import json
import secrets
import time
from datetime import date

import pytest
import responses

from chalicelib import clock
from chalicelib.domain import counters as stats
from chalicelib.domain import replies, rules
from chalicelib.adapters import whatsapp_inbound
from chalicelib.services import allocation, whatsapp_inbox
from chalicelib.store import inbox as inbox_store
from chalicelib.store import stats as stats_store
from chalicelib.store.models import (
    InboundRecord,
    OutboxRecord,
    Registration,
    SessionRecord,
)
from tests.support.clinic import after_start, bookable_days, make_clinic, register
from tests.support.messages import GRAPH_URL, WA_ENV, webhook_messages, webhook_text

PHONE = "6281320000001"  # register()'s default number, as Meta writes it
OTHER = "6281320000002"


@pytest.fixture
def graph(monkeypatch, tmp_path):
    """The WhatsApp Cloud API: every POST answered like Meta does (a new wamid each), recorded."""
    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SES_FROM_ADDRESS", raising=False)
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))  # e-mail stays local
    monkeypatch.setenv("SITE_URL", "https://cleanclear.example.go.id")
    sent: list[dict] = []

    def answer(request):
        body = json.loads(request.body)
        wamid = "wamid.OUT" + secrets.token_hex(8).upper()
        sent.append({**body, "_wamid": wamid})
        return 200, {}, json.dumps({"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                    "messages": [{"id": wamid}]})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, GRAPH_URL, callback=answer)
        yield sent


@pytest.fixture
def clinic(aws):
    make_clinic()


def post(client, raw: bytes):
    headers = {"Content-Type": "application/json",
               "X-Hub-Signature-256": whatsapp_inbound.signature_for(raw, WA_ENV["WHATSAPP_APP_SECRET"])}
    return client.http.post("/webhooks/whatsapp", headers=headers, body=raw)


def tap_button(client, sent_message: dict, title: str, *, number: str = PHONE, message_id: str | None = None,
               payload: str | None = None):
    """The visitor taps a quick-reply button of a template we sent (Meta's `button` message)."""
    if payload is None:
        payload = next(c["parameters"][0]["payload"] for c in sent_message["template"]["components"]
                       if c["type"] == "button" and int(c["index"]) == sent_message["_titles"].index(title))
    raw = webhook_messages(number, [{"type": "button", "context": {"from": "628120000000", "id": sent_message["_wamid"]},
                                     "button": {"payload": payload, "text": title}}], message_id)
    return post(client, raw), raw


def tap_reply(client, sent_message: dict, title: str, *, number: str = PHONE):
    """The visitor taps a reply button or a list row of an interactive answer (Meta's `interactive`)."""
    action = sent_message["interactive"]["action"]
    if "buttons" in action:
        chosen = next(b["reply"] for b in action["buttons"] if b["reply"]["title"] == title)
        reply = {"type": "button_reply", "button_reply": {"id": chosen["id"], "title": chosen["title"]}}
    else:
        row = next(r for s in action["sections"] for r in s["rows"] if r["title"] == title)
        reply = {"type": "list_reply", "list_reply": {"id": row["id"], "title": row["title"],
                                                        "description": row["description"]}}
    raw = webhook_messages(number, [{"type": "interactive", "interactive": reply,
                                     "context": {"from": "628120000000", "id": sent_message["_wamid"]}}])
    return post(client, raw), raw


def booked_and_confirmed(client, graph, **kw) -> tuple[dict, SessionRecord, dict]:
    """A visitor registered, allocated and sent the confirmation with its three buttons."""
    reg = register(client, **kw)
    allocation.run()
    session = SessionRecord.get(Registration.get(reg["ref"]).session_id)
    client.lambda_.invoke("send_messages", client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=["arn:aws:events:ap-southeast-3:0:rule/send"]))
    confirmation = next(m for m in graph if m.get("template", {}).get("name") == "cc_sesi_terjadwal"
                        and m["to"] == "62" + kw.get("phone", "0813-2000-0001").replace("-", "")[1:])
    confirmation["_titles"] = ["Saya hadir", "Batalkan", "Minta jadwal lain"]
    return reg, session, confirmation


def answers(graph, kind: str | None = None, to: str = PHONE) -> list[dict]:
    return [m for m in graph if m["to"] == to and m["type"] in ("text", "interactive")
            and (kind is None or m["type"] == kind)]


def counters(session) -> dict:
    """The evaluation counters of the session's week."""
    key = stats.week_key(date.fromisoformat(session.day))
    return stats_store.read_periods([key]).get(key, {})


# --- the buttons --------------------------------------------------------------------------------------

def test_the_confirmation_carries_three_signed_buttons_bound_to_its_session(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    buttons = [c for c in confirmation["template"]["components"] if c["type"] == "button"]
    assert [(b["sub_type"], b["index"]) for b in buttons] == [("quick_reply", "0"), ("quick_reply", "1"), ("quick_reply", "2")]
    payloads = [b["parameters"][0]["payload"] for b in buttons]
    assert all(p.startswith("cc1|") and session.session_id in p and len(p) <= 128 for p in payloads)
    record = next(r for r in OutboxRecord.by_reference.query(reg["ref"]) if r.template == "cc_sesi_terjadwal"
                  and r.channel == "whatsapp")
    assert all(record.message_id in p for p in payloads)  # bound to the message that carries them
    assert confirmation["biz_opaque_callback_data"] == record.message_id


def test_saya_hadir_confirms_once_thanks_once_and_staff_see_it(client, clinic, graph, admin):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    answer, raw = tap_button(client, confirmation, "Saya hadir")
    assert answer.status_code == 200 and answer.json_body["messages"] == {"dikonfirmasi": 1}
    confirmed = SessionRecord.get(session.session_id)
    assert confirmed.visitor_confirmed_at and confirmed.status == rules.SESSION_SCHEDULED
    thanks = answers(graph, "text")
    assert len(thanks) == 1 and "Terima kasih" in thanks[0]["text"]["body"] and "sudah kami catat" in thanks[0]["text"]["body"]

    # Meta delivers the same webhook again, then the visitor taps a second time: nothing changes.
    assert post(client, raw).json_body["messages"] == {"duplikat": 1}
    again, _ = tap_button(client, confirmation, "Saya hadir")
    assert again.json_body["messages"] == {"sudah_dikonfirmasi": 1}
    assert len(answers(graph)) == 1
    assert counters(session).get("s|wa_confirm") == 1

    day = admin.get(f"/staff/sessions?from={session.day}&to={session.day}").json_body
    listed = next(s for s in day["items"] if s["id"] == session.session_id)
    assert listed["visitor_confirmed_at"] == confirmed.visitor_confirmed_at


def test_batalkan_asks_first_and_tidak_keeps_the_session(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Batalkan")
    question = answers(graph, "interactive")[-1]
    assert [b["reply"]["title"] for b in question["interactive"]["action"]["buttons"]] == ["Ya, batalkan", "Tidak"]
    assert SessionRecord.get(session.session_id).status == rules.SESSION_SCHEDULED  # asking changes nothing
    tap_reply(client, question, "Tidak")
    assert SessionRecord.get(session.session_id).status == rules.SESSION_SCHEDULED
    assert "tetap" in answers(graph, "text")[-1]["text"]["body"]


@pytest.mark.instants
def test_ya_batalkan_cancels_like_the_status_page_and_the_seat_goes_to_the_queue_at_once(client, clinic, graph):
    first, session, confirmation = booked_and_confirmed(client, graph)
    # A second visitor asks for the same day after the run: they wait for the next run.
    second = register(client, name="Ahmad Fauzi", phone="0813-2000-0002", days=[session.day])
    assert Registration.get(second["ref"]).status == rules.STATUS_WAITING

    tap_button(client, confirmation, "Batalkan")
    question = answers(graph, "interactive")[-1]
    answer, raw = tap_reply(client, question, "Ya, batalkan")
    assert answer.json_body["messages"] == {"dibatalkan": 1}

    # The visitor's side: cancelled as the status page does, and told at once with the usual template.
    assert Registration.get(first["ref"]).status == rules.STATUS_CANCELLED
    assert SessionRecord.get(session.session_id).status == rules.SESSION_CANCELLED_VISITOR
    told = [m for m in graph if m["to"] == PHONE and m.get("template", {}).get("name") == "cc_sesi_dibatalkan"]
    assert len(told) == 1

    # The queue's side: the freed seat went to the waiting visitor in the same request.
    waiting = Registration.get(second["ref"])
    refill = SessionRecord.get(waiting.session_id)
    assert waiting.status == rules.STATUS_SCHEDULED and refill.seat_id == session.seat_id and refill.refill_of
    pending = [r for r in OutboxRecord.by_reference.query(second["ref"]) if r.template == "cc_sesi_terjadwal"]
    assert {r.channel for r in pending} == {"whatsapp"}  # their usual confirmation is on its way
    c = counters(session)
    assert (c.get("s|cancel_wa"), c.get("s|cancel_v"), c.get("s|refill")) == (1, 1, 1)
    assert 0 < c.get("s|refill_ms", 0) < 60_000  # the time from release to booking, in ms

    # Meta delivers "Ya, batalkan" again: nothing is cancelled, booked or sent twice.
    before = len(graph)
    assert post(client, raw).json_body["messages"] == {"duplikat": 1}
    assert len(graph) == before and counters(session).get("s|cancel_wa") == 1


def test_a_crash_after_the_cancellation_is_not_cancelled_or_answered_twice(client, clinic, graph, monkeypatch):
    """The cancellation committed, then DynamoDB went away before the reply was recorded: the POST
    fails, and Meta's redelivery finds the wamid on the registration and does nothing more."""
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Batalkan")
    question = answers(graph, "interactive")[-1]
    original = whatsapp_inbox._send_told_at_once

    def crash(r, registration, session=None):
        from pynamodb.exceptions import PutError

        raise PutError("DynamoDB timed out")  # the store went away before the reply was recorded

    monkeypatch.setattr(whatsapp_inbox, "_send_told_at_once", crash)
    answer, raw = tap_reply(client, question, "Ya, batalkan")
    assert answer.status_code == 500  # Meta will deliver it again
    assert Registration.get(reg["ref"]).status == rules.STATUS_CANCELLED
    monkeypatch.setattr(whatsapp_inbox, "_send_told_at_once", original)
    before = len(answers(graph))
    assert post(client, raw).json_body["messages"] == {"dibatalkan": 1}
    assert len(answers(graph)) == before  # no "already cancelled" answer to its own cancellation
    assert counters(session).get("s|cancel_wa") == 1
    assert InboundRecord.get(json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]["id"]).outcome == "dibatalkan"


def test_two_deliveries_at_once_confirm_and_answer_once(client, clinic, graph, monkeypatch):
    """Both deliveries pass the "seen before?" read; the write's own condition decides."""
    reg, session, confirmation = booked_and_confirmed(client, graph)
    monkeypatch.setattr(inbox_store, "get", lambda message_id: None)
    wamid = "wamid.IN" + secrets.token_hex(8).upper()
    first, _ = tap_button(client, confirmation, "Saya hadir", message_id=wamid)
    second, _ = tap_button(client, confirmation, "Saya hadir", message_id=wamid)
    assert first.json_body["messages"] == {"dikonfirmasi": 1} and second.json_body["messages"] == {"duplikat": 1}
    assert len(answers(graph)) == 1 and counters(session).get("s|wa_confirm") == 1


@pytest.mark.instants
def test_minta_jadwal_lain_lists_days_and_each_pick_is_kept_in_the_queue(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    queued_at = Registration.get(reg["ref"]).queued_at
    tap_button(client, confirmation, "Minta jadwal lain")
    listing = answers(graph, "interactive")[-1]
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    days = [d for d in bookable_days(client) if d != session.day]  # not the day being given up
    assert 1 <= len(rows) <= 10 and len(rows) == min(10, len(days))
    assert [r["id"].split("|")[4] for r in rows] == days[:len(rows)]
    assert all(len(r["title"]) <= 24 and len(r["description"]) <= 72 and len(r["id"]) <= 200 for r in rows)

    tap_reply(client, listing, rows[2]["title"])
    after = Registration.get(reg["ref"])
    assert after.status == rules.STATUS_WAITING and after.days == [days[2]] and after.queued_at == queued_at
    assert SessionRecord.get(session.session_id).status == rules.SESSION_OTHER_DATES  # given up, not cancelled
    assert [m["template"]["name"] for m in graph if m.get("template") and m["to"] == PHONE][-1] == "cc_tanggal_baru_diterima"

    tap_reply(client, listing, rows[4]["title"])  # a second pick from the same list adds a day
    assert Registration.get(reg["ref"]).days == [days[2], days[4]]


@pytest.mark.instants
def test_day_names_written_after_the_list_are_understood(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Minta jadwal lain")
    days = [date.fromisoformat(d) for d in bookable_days(client)[:10]]
    current = date.fromisoformat(Registration.get(reg["ref"]).days[0])
    wanted = next(d for d in days if d.weekday() != current.weekday())  # a weekday they did not offer
    name = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat")[wanted.weekday()]
    post(client, webhook_text(PHONE, f"{name} saja, terima kasih"))
    assert Registration.get(reg["ref"]).days == [wanted.isoformat()]


# --- words -------------------------------------------------------------------------------------------------

def test_status_sends_the_private_link_to_that_number_only(client, clinic, graph):
    reg = register(client)
    post(client, webhook_text(PHONE, "status"))
    link = answers(graph, "text")[-1]
    assert link["to"] == PHONE and f"status.html#ref={reg['reference']}&t={reg['token']}" in link["text"]["body"]
    post(client, webhook_text("6281399990000", "LINK"))
    stranger = answers(graph, "text", to="6281399990000")
    assert len(stranger) == 1 and "tidak punya pendaftaran" in stranger[0]["text"]["body"]
    assert reg["token"] not in stranger[0]["text"]["body"]


def test_batal_in_words_starts_the_same_cancellation(client, clinic, graph):
    reg = register(client)  # still waiting: no session yet
    post(client, webhook_text(PHONE, "Batal."))
    question = answers(graph, "interactive")[-1]
    assert reg["reference"] in question["interactive"]["body"]["text"]
    tap_reply(client, question, "Ya, batalkan")
    assert Registration.get(reg["ref"]).status == rules.STATUS_CANCELLED


def test_anything_else_gets_the_help_once_a_day_and_berhenti_still_works(client, clinic, graph):
    register(client)
    post(client, webhook_text(PHONE, "Halo, apakah besok buka?"))
    post(client, webhook_text(PHONE, "halo?"))
    helps = answers(graph, "text")
    assert len(helps) == 1 and "STATUS" in helps[0]["text"]["body"] and "BATAL" in helps[0]["text"]["body"]
    post(client, webhook_text(PHONE, "BERHENTI"))
    from chalicelib.store.models import OptOutRecord

    assert OptOutRecord.get("+" + PHONE).keyword == "berhenti"
    said = answers(graph, "text")
    assert len(said) == 2 and "MULAI" in said[-1]["text"]["body"]  # one line: what it means, how to undo
    post(client, webhook_text(PHONE, "berhenti"))  # changes nothing: nothing said
    post(client, webhook_text(PHONE, "MULAI"))
    said = answers(graph, "text")
    assert len(said) == 3 and "BERHENTI" in said[-1]["text"]["body"]
    assert len(said[-1]["text"]["body"]) <= 160 and len(said[-2]["text"]["body"]) <= 200


# --- what cannot be done ---------------------------------------------------------------------------------

def test_a_forged_or_moved_payload_and_another_number_change_nothing(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    other, other_session, _ = booked_and_confirmed(client, graph, name="Ahmad Fauzi", phone="0813-2000-0002")
    genuine = next(c["parameters"][0]["payload"] for c in confirmation["template"]["components"]
                   if c["type"] == "button" and c["index"] == "1")
    moved = genuine.replace(session.session_id, other_session.session_id)  # onto another session
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    for payload in (moved, forged):
        answer, _ = tap_button(client, confirmation, "Batalkan", payload=payload, number=OTHER)
        assert answer.json_body["messages"] == {"tanda_tidak_sah": 1}
    # The genuine button of the first visitor, tapped from the second visitor's number.
    answer, _ = tap_button(client, confirmation, "Saya hadir", number=OTHER)
    assert answer.json_body["messages"] == {"nomor_lain": 1}
    assert SessionRecord.get(session.session_id).visitor_confirmed_at is None
    assert SessionRecord.get(other_session.session_id).status == rules.SESSION_SCHEDULED
    assert answers(graph, to=OTHER) == []


def test_an_unsigned_webhook_is_refused(client, clinic, graph):
    raw = webhook_text(PHONE, "status")
    assert client.http.post("/webhooks/whatsapp", headers={"Content-Type": "application/json"}, body=raw).status_code == 403
    assert answers(graph) == []


def test_a_tap_on_a_session_that_changed_gets_what_is_true_now(client, clinic, graph, admin):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    start = rules.parse_utc_iso(session.start)
    target = next(s for s in admin.get(f"/staff/slots?from={session.day}&to={session.day}").json_body["slots"]
                  if s["service"] == "koperasi" and rules.parse_utc_iso(s["start"]) > start)
    assert admin.put(f"/staff/sessions/{session.session_id}",
                     {"start": target["start"], "consultant_id": target["consultant_id"]}).status_code == 200
    tap_button(client, confirmation, "Saya hadir")  # on the old confirmation
    said = answers(graph, "text")[-1]["text"]["body"]
    assert "sudah diganti" in said and rules.parse_utc_iso(target["start"]).astimezone(rules.WIB).strftime("%H.%M") in said
    assert SessionRecord.get(session.session_id).visitor_confirmed_at is None
    moved_to = SessionRecord.get(Registration.get(reg["ref"]).session_id)
    assert moved_to.visitor_confirmed_at is None  # a tap on the old message never confirms the new time


def test_an_answer_older_than_the_24_hour_window_is_not_sent(client, clinic, graph):
    """A free-form answer may only go within 24 hours of the visitor's message (WhatsApp refuses
    it after): one that could not go in time is skipped with the reason, never sent late."""
    reg = register(client)
    old = int(time.time()) - 25 * 3600
    post(client, webhook_text(PHONE, "status", timestamp=old))
    assert answers(graph) == []
    record = next(r for r in OutboxRecord.by_reference.query(reg["ref"]) if r.template == "cc_balas_tautan")
    assert record.status == "skipped" and "24 jam" in record.error


def test_payloads_cannot_be_altered(aws):
    from chalicelib import links

    p = replies.Payload(replies.BATAL, "S-1A2B3C4D5E6F", "M-" + "A" * 24)
    text = replies.encode(p, links.reply_signature)
    assert replies.decode(text, links.reply_signature) == p
    for i in range(len(text)):
        if text[i] == "|":
            continue
        changed = text[:i] + ("B" if text[i] != "B" else "C") + text[i + 1:]
        assert replies.decode(changed, links.reply_signature) is None, changed


def test_the_dashboard_counts_taps_refills_and_no_shows_of_confirmed_and_unconfirmed(client, clinic, graph, admin, monkeypatch, travel):
    confirmer, confirmed_session, confirmation = booked_and_confirmed(client, graph)
    silent, silent_session, _ = booked_and_confirmed(client, graph, name="Ahmad Fauzi", phone="0813-2000-0002")
    tap_button(client, confirmation, "Saya hadir")
    # The visitor who confirmed does not come; the one who did not confirm does.
    after_start(travel, max(confirmed_session, silent_session, key=lambda s: s.start))
    assert admin.post(f"/staff/sessions/{confirmed_session.session_id}/attendance", {"status": "tidak_hadir"}).status_code == 200
    assert admin.post(f"/staff/sessions/{silent_session.session_id}/attendance", {"status": "hadir"}).status_code == 200
    day = confirmed_session.day
    wa = admin.get(f"/staff/dashboard?from={day}&to={day}").json_body["whatsapp"]
    assert (wa["confirmed"], wa["confirmed_recorded"], wa["unconfirmed_recorded"]) == (1, 1, 1)
    assert (wa["no_show_rate_confirmed"], wa["no_show_rate_unconfirmed"]) == (1.0, 0.0)
    assert (wa["cancelled"], wa["refilled"], wa["refill_seconds_avg"]) == (0, 0, None)


def test_a_cancellation_on_the_status_page_refills_the_seat_at_once_too(client, clinic, graph):
    first, session, _ = booked_and_confirmed(client, graph)
    second = register(client, name="Ahmad Fauzi", phone="0813-2000-0002", days=[session.day])
    headers = {"X-Registration-Token": first["token"], "Content-Type": "application/json"}
    assert client.http.post(f"/registrations/{first['reference']}/cancel", headers=headers, body="{}").status_code == 200
    taken = SessionRecord.get(Registration.get(second["ref"]).session_id)
    assert taken.seat_id == session.seat_id and taken.refill_of
    c = counters(session)
    assert (c.get("s|cancel_v"), c.get("s|cancel_wa"), c.get("s|refill")) == (1, None, 1)


def test_a_visitor_asking_for_other_dates_never_gets_their_own_seat_back_at_once(client, clinic, graph):
    """They asked for another date; offering the same day again must not book the seat they left."""
    reg, session, _ = booked_and_confirmed(client, graph)
    headers = {"X-Registration-Token": reg["token"], "Content-Type": "application/json"}
    other = next(d for d in bookable_days(client) if d != session.day)
    answer = client.http.post(f"/registrations/{reg['reference']}/days", headers=headers,
                              body=json.dumps({"days": [session.day, other], "confirm": True}))
    assert answer.status_code == 200
    after = Registration.get(reg["ref"])
    assert after.status == rules.STATUS_WAITING and SessionRecord.get(session.session_id).status != rules.SESSION_SCHEDULED


def test_taps_on_a_cancelled_session_say_so_and_change_nothing(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Batalkan")
    tap_reply(client, answers(graph, "interactive")[-1], "Ya, batalkan")
    for title in ("Saya hadir", "Batalkan", "Minta jadwal lain"):
        answer, _ = tap_button(client, confirmation, title)
        assert answer.json_body["messages"] == {"keadaan": 1}
        assert "sudah dibatalkan" in answers(graph, "text")[-1]["text"]["body"]
    assert SessionRecord.get(session.session_id).visitor_confirmed_at is None
    assert counters(session).get("s|cancel_v") == 1 and Registration.get(reg["ref"]).status == rules.STATUS_CANCELLED


def test_the_conversation_reads_in_the_order_it_happened_even_within_one_second(client, clinic, graph, admin):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Saya hadir")
    post(client, webhook_text(PHONE, "Terima kasih, sampai besok"))
    items = admin.get(f"/staff/outbox/conversations/{reg['reference']}").json_body["items"]
    whatsapp = [(i["direction"], i.get("template") or i["action"]) for i in items if i.get("channel", "whatsapp") == "whatsapp"]
    assert whatsapp == [("keluar", "cc_pendaftaran_diterima"), ("keluar", "cc_sesi_terjadwal"), ("masuk", "hadir"),
                        ("keluar", "cc_balas_hadir"), ("masuk", "bantuan"), ("keluar", "cc_balas_bantuan")]
    assert next(i for i in items if i["direction"] == "masuk")["text"] == "Saya hadir"
    assert admin.get("/staff/outbox/conversations/bukan-kode").status_code == 400


def test_the_messages_a_change_makes_later_in_the_request_still_go_at_once(client, clinic, graph, monkeypatch, travel):
    """The change's own messages are made after the handling began (a slow request crosses a
    second): they are due by the time they are sent, and go in the same request."""
    from chalicelib.services import booking

    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Batalkan")
    cancel = booking.visitor_cancel

    def slow_cancel(*args, **kwargs):
        travel.shift(2)  # the request has been going on for two seconds when the change is made
        return cancel(*args, **kwargs)

    monkeypatch.setattr(booking, "visitor_cancel", slow_cancel)
    tap_reply(client, answers(graph, "interactive")[-1], "Ya, batalkan")
    assert [m["template"]["name"] for m in graph if m.get("template") and m["to"] == PHONE][-1] == "cc_sesi_dibatalkan"


def test_a_button_that_is_not_ours_is_read_by_its_words(client, clinic, graph):
    """Meta's own marketing opt-out button ("Stop promotions") still stops the non-essential messages."""
    from chalicelib.store.models import OptOutRecord

    register(client)
    raw = webhook_messages(PHONE, [{"type": "button", "context": {"from": "628120000000", "id": "wamid.OURS"},
                                    "button": {"payload": "Stop promotions", "text": "Stop promotions"}}])
    assert post(client, raw).json_body["messages"] == {"berhenti": 1}
    assert OptOutRecord.get("+" + PHONE)


# --- what the replies say is true -------------------------------------------------------------------------

def test_day_names_written_after_a_pick_from_the_list_add_to_it(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Minta jadwal lain")
    listing = answers(graph, "interactive")[-1]
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    picked = rows[0]["id"].split("|")[4]
    tap_reply(client, listing, rows[0]["title"])
    assert Registration.get(reg["ref"]).days == [picked]
    wanted = next(date.fromisoformat(r["id"].split("|")[4]) for r in rows
                  if date.fromisoformat(r["id"].split("|")[4]).weekday() != date.fromisoformat(picked).weekday())
    post(client, webhook_text(PHONE, ("Senin", "Selasa", "Rabu", "Kamis", "Jumat")[wanted.weekday()] + " juga bisa"))
    assert Registration.get(reg["ref"]).days == [picked, wanted.isoformat()]  # added, as the list says
    post(client, webhook_text(PHONE, ("Senin", "Selasa", "Rabu", "Kamis", "Jumat")[wanted.weekday()]))
    assert Registration.get(reg["ref"]).days == [picked, wanted.isoformat()]  # the same again: nothing changes
    assert "sudah termasuk pilihan Anda" in answers(graph, "text")[-1]["text"]["body"]


def test_tidak_after_the_registration_changed_says_what_is_true_now(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    tap_button(client, confirmation, "Batalkan")
    question = answers(graph, "interactive")[-1]
    headers = {"X-Registration-Token": reg["token"], "Content-Type": "application/json"}
    assert client.http.post(f"/registrations/{reg['reference']}/cancel", headers=headers, body="{}").status_code == 200
    tap_reply(client, question, "Tidak")
    said = answers(graph, "text")[-1]["text"]["body"]
    assert "tetap dalam antrean" not in said and "sesi Anda tetap" not in said
    assert "dibatalkan" in said


def test_a_tap_without_the_message_it_was_on_changes_nothing(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    payload = next(c["parameters"][0]["payload"] for c in confirmation["template"]["components"] if c["type"] == "button")
    raw = webhook_messages(PHONE, [{"type": "button", "button": {"payload": payload, "text": "Saya hadir"}}])
    assert post(client, raw).json_body["messages"] == {"tanda_tidak_sah": 1}
    assert not SessionRecord.get(session.session_id).visitor_confirmed_at
    listing_tap = webhook_messages(PHONE, [{"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": payload, "title": "Saya hadir"}}}])
    assert post(client, listing_tap).json_body["messages"] == {"tanda_tidak_sah": 1}


def test_a_freed_seat_goes_to_someone_else_not_to_the_same_numbers_other_registration(client, clinic, graph):
    reg, session, confirmation = booked_and_confirmed(client, graph)
    # The same number also waits for that very day (another topic), and so does another visitor.
    same = register(client, name="Nurhayati", days=[session.day], topics=["simpan_pinjam"])
    someone = register(client, name="Bu Rini", phone="0813-2000-0009", days=[session.day])
    for r in Registration.by_status.query(rules.STATUS_WAITING):  # the same number queued first
        assert r.reference in (same["ref"], someone["ref"])
    tap_button(client, confirmation, "Batalkan")
    tap_reply(client, answers(graph, "interactive")[-1], "Ya, batalkan")
    taken = next(s for s in SessionRecord.by_day.query(session.day) if s.status == rules.SESSION_SCHEDULED
                 and s.seat_id == session.seat_id)
    assert taken.reference == someone["ref"] and Registration.get(same["ref"]).status == rules.STATUS_WAITING


def test_a_message_with_an_impossible_timestamp_is_read_as_arriving_now(client, clinic, graph, admin):
    """Meta's timestamps far in the future (year 9999) or far in the past (year 1000) are read as
    'now': the batch is answered whole, every message is handled once, and the staff's
    conversation view still opens."""
    regs = [register(client, name=f"Waktu Aneh {i}", phone=f"0813-2900-000{i}") for i in range(3)]
    raw = json.loads(webhook_messages(PHONE, [{"type": "text", "text": {"body": "status"}}] * 3))
    items = raw["entry"][0]["changes"][0]["value"]["messages"]
    for item, number, stamp in zip(items, ("6281329000000", "6281329000001", "6281329000002"),
                                   (None, "253402300799", "-30610224001")):
        item["from"] = number
        if stamp:
            item["timestamp"] = stamp
    body = json.dumps(raw).encode()
    answer = post(client, body)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["messages"] == {"tautan": 3}
    for i in range(3):
        assert len(answers(graph, "text", to=f"628132900000{i}")) == 1  # the link, at once
    assert post(client, body).json_body["messages"] == {"duplikat": 3}  # a redelivery changes nothing
    today = clock.now().astimezone(rules.WIB).strftime("%Y-%m-%d")
    for reg in regs[1:]:
        talk = admin.get(f"/staff/outbox/conversations/{reg['reference']}")
        assert talk.status_code == 200
        assert [i["at_wib"][:10] for i in talk.json_body["items"] if i["direction"] == "masuk"] == [today]


@pytest.mark.parametrize("action", sorted(replies.BUTTON_ACTIONS))
def test_a_signed_tap_that_names_a_registration_without_a_session_is_answered_politely(client, clinic, graph, action):
    """Every action of a genuine payload whose subject is the registration (not a session), on the
    registration's own message: an answer, never a crash, and a redelivery changes nothing."""
    from chalicelib import links

    reg, session, confirmation = booked_and_confirmed(client, graph)
    carrier = replies.decode(next(c["parameters"][0]["payload"] for c in confirmation["template"]["components"]
                                  if c["type"] == "button"), links.reply_signature).message_id
    extra = session.day if action == replies.HARI else ""
    payload = replies.encode(replies.Payload(action, reg["ref"], carrier, extra), links.reply_signature)
    before = len([m for m in graph if m["to"] == PHONE])
    answer, raw = tap_button(client, confirmation, "Saya hadir", payload=payload)
    assert answer.status_code == 200, answer.json_body
    assert sum(answer.json_body["messages"].values()) == 1
    assert len([m for m in graph if m["to"] == PHONE]) > before  # the visitor is answered
    if action == replies.HADIR:
        assert "Jadwal Anda sekarang" in answers(graph, "text")[-1]["text"]["body"]
        assert SessionRecord.get(session.session_id).visitor_confirmed_at is None  # nothing confirmed blindly
    assert post(client, raw).json_body["messages"] == {"duplikat": 1}


def test_one_message_that_cannot_be_handled_never_fails_the_batch(client, clinic, graph, monkeypatch):
    """A bug on one message (not the store being away): it is left and counted; the others of the
    batch are answered, and the POST succeeds, so Meta does not deliver the batch again for days."""
    register(client)
    register(client, name="Ahmad Fauzi", phone="0813-2000-0002")
    real = whatsapp_inbox._text

    def broken_for_one(r):
        if r.m.phone == "+6281320000002":
            raise KeyError("a rule nobody expected")
        return real(r)

    monkeypatch.setattr(whatsapp_inbox, "_text", broken_for_one)
    raw = json.loads(webhook_messages(PHONE, [{"type": "text", "text": {"body": "status"}}] * 2))
    raw["entry"][0]["changes"][0]["value"]["messages"][1]["from"] = "6281320000002"
    answer = post(client, json.dumps(raw).encode())
    assert answer.status_code == 200 and answer.json_body["messages"] == {"tautan": 1, "gagal": 1}
    assert len(answers(graph, "text")) == 1


def test_a_tap_reads_after_the_message_it_was_on_even_when_two_clocks_disagree(client, clinic, graph, admin, travel):
    """The confirmation was made by one machine and the tap handled by another whose clock is a few
    seconds behind: the conversation still shows the tap after the message it was on."""
    from datetime import timedelta

    reg, session, confirmation = booked_and_confirmed(client, graph)
    made = next(r.made_at for r in OutboxRecord.by_reference.query(reg["ref"]) if r.template == "cc_sesi_terjadwal")
    travel.move_to(rules.parse_utc_iso(made[:19] + "Z") - timedelta(seconds=3))  # this machine's clock is behind
    tap_button(client, confirmation, "Saya hadir")
    items = admin.get(f"/staff/outbox/conversations/{reg['reference']}").json_body["items"]
    order = [(i["direction"], i.get("template") or i["action"]) for i in items if i.get("channel", "whatsapp") == "whatsapp"]
    assert order.index(("keluar", "cc_sesi_terjadwal")) < order.index(("masuk", "hadir")) < order.index(("keluar", "cc_balas_hadir"))
