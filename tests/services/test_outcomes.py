"""Outcomes three months on: one WhatsApp question per attended session about 90 days later, with
answers suited to the service, handled once through the signed webhook, honouring opt-outs; per
cohort in Evaluasi with the answer rate beside every figure. The Graph API answered by `responses`
in Meta's shapes; DynamoDB on moto; the clock frozen at the question's moment."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

import pytest

from chalicelib.domain import outcomes, rules
from chalicelib.messages import reminders, send
from chalicelib.store import outbox as outbox_store
from chalicelib.store.models import InboundRecord, OutboxRecord, SessionRecord
from tests.services.test_whatsapp_replies import graph, post  # noqa: F401 (fixture)
from tests.support.messages import make_clinic, make_registration, make_session, webhook_messages

DAY = date(2026, 8, 10)  # the session (a Monday); the question goes out 90 days later at 10.00 WIB
PHONE = "6281320000001"


@pytest.fixture
def clinic(aws):
    make_clinic()


def attended(reference: str, phone: str = "+" + PHONE, day: date = DAY, status: str = rules.SESSION_ATTENDED):
    reg = make_registration(reference, phone=phone, status=rules.STATUS_DONE, days=(day.isoformat(),))
    return make_session(reg, datetime.combine(day, time(9, 0), tzinfo=rules.WIB), status=status)


def question_of(graph, to: str = PHONE) -> dict:
    sent = [m for m in graph if m["to"] == to and m.get("template", {}).get("name") == "cc_hasil_koperasi"]
    assert len(sent) == 1, sent
    return sent[0]


def tap(client, message: dict, position: int, *, number: str = PHONE, wamid: str | None = None):
    """The visitor taps the quick reply at `position` (1..6) of the question."""
    button = next(c for c in message["template"]["components"] if c["type"] == "button" and c["index"] == str(position - 1))
    title = outcomes.titles(rules.SERVICE_KOPERASI)[position - 1]
    raw = webhook_messages(number, [{"type": "button", "context": {"from": "628120000000", "id": message["_wamid"]},
                                     "button": {"payload": button["parameters"][0]["payload"], "text": title}}], wamid)
    return post(client, raw)


def test_one_question_at_its_moment_answered_once_and_counted_per_cohort(client, clinic, graph, travel, admin):
    session = attended("KPB7QX")
    travel.move_to(outcomes.moment(DAY) - timedelta(hours=2))
    assert reminders.queue().queued == 0  # not yet
    travel.move_to(outcomes.moment(DAY))
    assert reminders.queue().queued == 1
    assert reminders.queue().queued == 0  # a second run adds nothing
    send.send_due(outcomes.moment(DAY) + timedelta(minutes=1))
    message = question_of(graph)
    buttons = [c for c in message["template"]["components"] if c["type"] == "button"]
    assert len(buttons) == 6 and all(c["sub_type"] == "quick_reply" for c in buttons)
    assert tap(client, message, 4).status_code == 200  # "Terdaftar koperasi aktif"
    assert SessionRecord.get(session.session_id).outcome == "aktif"
    thanks = [m for m in graph if m["to"] == PHONE and m["type"] == "text"]
    assert len(thanks) == 1 and "sudah kami catat" in thanks[0]["text"]["body"]
    wamid = "wamid.T" + secrets.token_hex(6).upper()
    tap(client, message, 5, wamid=wamid)  # a second tap, another answer: nothing changes, nothing said
    assert SessionRecord.get(session.session_id).outcome == "aktif" and InboundRecord.get(wamid).outcome == "hasil_sudah"
    assert len([m for m in graph if m["to"] == PHONE and m["type"] == "text"]) == 1
    cohort = next(c for c in admin.get("/staff/outcomes").json_body["cohorts"] if c["month"] == "2026-08")
    koperasi = next(s for s in cohort["services"] if s["service"] == "koperasi")
    assert (koperasi["asked"], koperasi["answered"], koperasi["answer_rate"]) == (1, 1, 1.0)
    assert {a["code"]: (a["count"], a["share"]) for a in koperasi["answers"]}["aktif"] == (1, 1.0)


def test_opted_out_numbers_no_shows_and_late_runs_are_not_asked(client, clinic, graph, travel):
    attended("AAAAA2", phone="+6281320000011")
    attended("BBBBB2", phone="+6281320000012", status=rules.SESSION_NO_SHOW)
    attended("CCCCC2", phone="+6281320000013")
    outbox_store.opt_out("+6281320000011", "berhenti", outcomes.moment(DAY))
    travel.move_to(outcomes.moment(DAY) + outcomes.LATE + timedelta(hours=1))
    assert reminders.queue().queued == 0  # too late for all of them
    travel.move_to(outcomes.moment(DAY) + timedelta(minutes=5))
    assert reminders.queue().queued == 1  # only Citra: Andi said BERHENTI, Beni did not come
    assert [r.reference for r in OutboxRecord.by_reference.query("CCCCC2") if r.template == "cc_hasil_koperasi"]


def test_jangan_tanya_lagi_keeps_the_number_from_later_questions(client, clinic, graph, travel):
    attended("KPB7QX")
    later = DAY + timedelta(days=14)
    attended("KPB7QY", day=later)
    travel.move_to(outcomes.moment(DAY))
    reminders.queue()
    send.send_due(outcomes.moment(DAY) + timedelta(minutes=1))
    tap(client, question_of(graph), 6)  # "Jangan tanya lagi"
    stopped = [m for m in graph if m["to"] == PHONE and m["type"] == "text"]
    assert "tidak akan bertanya" in stopped[-1]["text"]["body"]
    travel.move_to(outcomes.moment(later))
    assert reminders.queue().queued == 0
    assert not [r for r in OutboxRecord.by_reference.query("KPB7QY") if r.template == "cc_hasil_koperasi"]


def test_every_answer_fits_a_template_button():
    for service, options in outcomes.CHOICES.items():
        assert len(options) <= 10 and all(len(title) <= outcomes.BUTTON_MAX for _, title, _ in options)
        assert outcomes.choice(service, "7") is None and outcomes.choice(service, "x") is None
        assert outcomes.choice(service, "6") == outcomes.STOP
