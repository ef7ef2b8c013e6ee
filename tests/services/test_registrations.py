"""POST /registrations and the visitor's private link, through chalice.test.Client on moto."""
import json
import uuid
from datetime import datetime, timezone

import pytest

from chalicelib.store.models import IdempotencyRecord, Registration
from tests.support.clinic import make_clinic

HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def days(client):
    make_clinic()  # consultants on duty every weekday: a registration must have a seat to wait for
    answer = client.http.get("/public/options")
    assert answer.status_code == 200
    offered = answer.json_body["days"]
    assert offered, "the signup page must always have days to offer"
    return offered


def payload(offered, **overrides):
    body = {
        "name": "Budi Santoso",
        "whatsapp": "0813 1111 2222",
        "email": "",
        "kecamatan": "Ciawi",
        "service": "koperasi",
        "org_name": "Koperasi Tani Makmur",
        "coop_status": "tidak_aktif",
        "topics": ["tata_kelola_rat"],
        "description": "Koperasi kami tiga tahun tidak RAT, bagaimana mengaktifkan kembali?",
        "mode": "tatap_muka",
        "days": offered[:2],
        "source": "whatsapp",
        "consent": True,
        "another": True,  # a second registration for the number is meant (see test_a_second_registration...)
    }
    body.update(overrides)
    return body


def post(client, body, key=None, raw=None):
    headers = dict(HEADERS)
    if key:
        headers["Idempotency-Key"] = key
    return client.http.post("/registrations", headers=headers, body=raw if raw is not None else json.dumps(body))


def registrations_for(phone):
    return list(Registration.by_phone.query(phone))


@pytest.mark.instants
def test_registration_is_stored_waiting_with_e164_phone(client, days):
    answer = post(client, payload(days), key=uuid.uuid4().hex)
    assert answer.status_code == 201
    body = answer.json_body
    assert body["status"] == "menunggu"
    ref = body["reference"]
    assert len(ref) == 7 and ref[3] == "-"
    assert not set(ref) & set("0O1IL")
    stored = Registration.get(ref.replace("-", ""))
    assert stored.phone == "+6281311112222"
    assert stored.status == "menunggu"
    assert stored.days == days[:2]
    assert stored.token_hash != body["token"]  # only a hash is kept


def test_private_link_shows_the_registration_only_with_its_token(client, days):
    body = post(client, payload(days), key=uuid.uuid4().hex).json_body
    ref, token = body["reference"], body["token"]
    ok = client.http.get(f"/registrations/{ref}", headers={"X-Registration-Token": token})
    assert ok.status_code == 200
    assert ok.json_body["name"] == "Budi Santoso"
    assert ok.json_body["status_label"] == "Menunggu jadwal"
    assert ok.json_body["mode_label"].startswith("Tatap muka")
    assert "phone" not in ok.json_body and "token_hash" not in ok.json_body

    wrong = client.http.get(f"/registrations/{ref}", headers={"X-Registration-Token": "x" + token})
    missing = client.http.get(f"/registrations/{ref}")
    unknown = client.http.get("/registrations/ABC-DEF", headers={"X-Registration-Token": token})
    garbage = client.http.get("/registrations/%3Cscript%3E", headers={"X-Registration-Token": token})
    for answer in (wrong, missing, unknown, garbage):
        assert answer.status_code == 404
        assert answer.json_body == wrong.json_body  # indistinguishable


def test_retried_submission_returns_first_answer_and_stores_one(client, days):
    key = uuid.uuid4().hex
    first = post(client, payload(days), key=key)
    second = post(client, payload(days), key=key)
    assert first.status_code == second.status_code == 201
    assert first.json_body == second.json_body
    assert len(registrations_for("+6281311112222")) == 1


def test_different_keys_make_different_registrations(client, days):
    a = post(client, payload(days), key=uuid.uuid4().hex).json_body
    b = post(client, payload(days), key=uuid.uuid4().hex).json_body
    assert a["reference"] != b["reference"]
    assert len(registrations_for("+6281311112222")) == 2


def test_open_registrations_per_phone_are_limited(client, days):
    for _ in range(3):
        assert post(client, payload(days), key=uuid.uuid4().hex).status_code == 201
    fourth = post(client, payload(days), key=uuid.uuid4().hex)
    assert fourth.status_code == 429
    assert "whatsapp" in fourth.json_body["errors"]
    assert len(registrations_for("+6281311112222")) == 3
    # Another number is not affected.
    assert post(client, payload(days, whatsapp="0857-0000-1111"), key=uuid.uuid4().hex).status_code == 201


def test_honeypot_stores_nothing(client, days):
    answer = post(client, payload(days, kontak_lain="http://spam.example"), key=uuid.uuid4().hex)
    assert answer.status_code == 400
    assert registrations_for("+6281311112222") == []


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"", 400),
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b"\xff\xfe", 400),
        (json.dumps({"name": "x" * 20000}).encode(), 413),
    ],
)
def test_unreadable_bodies_get_4xx_with_indonesian_message(client, raw, status):
    answer = post(client, None, key=uuid.uuid4().hex, raw=raw)
    assert answer.status_code == status
    assert "_form" in answer.json_body["errors"]


def test_field_errors_come_back_per_field_and_nothing_is_written(client, days, dynamo_ops):
    dynamo_ops.clear()
    answer = post(client, payload(days, whatsapp="12", kecamatan="Atlantis", days=["2020-01-01"], topics=[1]), key=uuid.uuid4().hex)
    assert answer.status_code == 400
    errors = answer.json_body["errors"]
    assert set(errors) >= {"whatsapp", "kecamatan", "days", "topics"}
    assert not {"PutItem", "TransactWriteItems", "UpdateItem"} & set(dynamo_ops)


def test_wrong_types_never_500(client, days):
    weird = {k: {"nested": [1]} for k in payload(days)}
    answer = post(client, weird, key=uuid.uuid4().hex)
    assert answer.status_code == 400
    assert len(answer.json_body["errors"]) >= 8


def test_bad_idempotency_key_is_refused(client, days):
    answer = post(client, payload(days), key="short")
    assert answer.status_code == 400
    assert registrations_for("+6281311112222") == []


def test_idempotency_record_expires(client, days):
    key = uuid.uuid4().hex
    post(client, payload(days), key=key)
    record = IdempotencyRecord.get(f"registration#{key}")
    assert record.expires_at is not None


@pytest.mark.instants
def test_public_options_offer_only_working_days(client, days):
    from datetime import date

    assert all(date.fromisoformat(d).weekday() < 5 for d in days)


# --- the per-number limit is a condition of the write, not only a read before it -------------------

def test_limit_holds_when_the_read_before_the_write_is_out_of_date(client, days, monkeypatch):
    """What parallel requests do to a read-then-write check: each one reads "0 open" before any
    of them wrote. The transaction's own condition must still refuse the fourth."""
    from chalicelib.services import registrations as service

    monkeypatch.setattr(service, "open_count", lambda phone: 0)
    answers = [post(client, payload(days), key=uuid.uuid4().hex) for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert "3 pendaftaran" in answers[3].json_body["errors"]["whatsapp"]
    assert len(registrations_for("+6281311112222")) == 3


def test_a_closed_registration_frees_its_place_under_the_limit(client, days, monkeypatch):
    from chalicelib.services import booking
    from chalicelib.services import registrations as service
    from chalicelib.store import registrations as store

    first = [post(client, payload(days), key=uuid.uuid4().hex).json_body for _ in range(3)]
    monkeypatch.setattr(service, "open_count", lambda phone: 0)  # only the written limit decides
    assert post(client, payload(days), key=uuid.uuid4().hex).status_code == 429
    booking.visitor_cancel(store.get(first[0]["reference"].replace("-", "")))
    assert post(client, payload(days), key=uuid.uuid4().hex).status_code == 201
    assert post(client, payload(days), key=uuid.uuid4().hex).status_code == 429
    open_now = [r for r in registrations_for("+6281311112222") if r.status in ("menunggu", "terjadwal")]
    assert len(open_now) == 3


def test_registrations_made_before_the_limit_record_existed_still_count(client, days, monkeypatch):
    from chalicelib.services import registrations as service
    from chalicelib.store.models import PhoneLimitRecord

    for _ in range(2):
        assert post(client, payload(days), key=uuid.uuid4().hex).status_code == 201
    # As in a table from before the record was introduced:
    PhoneLimitRecord(service.PhoneLimit("+6281311112222", datetime.now(timezone.utc)).key).delete()
    monkeypatch.setattr(service, "open_count", lambda phone: 2)  # what parallel requests all read
    answers = [post(client, payload(days), key=uuid.uuid4().hex).status_code for _ in range(3)]
    assert answers == [201, 429, 429]
    assert len(registrations_for("+6281311112222")) == 3


def test_the_limit_record_holds_no_phone_number(client, days):
    from chalicelib.services import registrations as service
    from chalicelib.store.models import PhoneLimitRecord

    post(client, payload(days), key=uuid.uuid4().hex)
    record = PhoneLimitRecord.get(service.PhoneLimit("+6281311112222", datetime.now(timezone.utc)).key)
    assert "81311112222" not in json.dumps({k: sorted(v) if isinstance(v, set) else v
                                            for k, v in record.attribute_values.items()}, default=str)
    assert record.n == 1 and len(record.refs) == 1


# --- text that breaks answers, or shows nothing --------------------------------------------------------

@pytest.mark.parametrize("name, message", [
    ("Budi \ud800 Santoso", "karakter"),  # a lone surrogate: no UTF-8 can carry it
    ("\ufdd0Budi", "karakter"),  # a noncharacter
    ("\u200b\u200b\u200b\u200b", "Wajib"),  # four zero-width spaces: nothing to read
    ("\u3164\u3164\u3164", "Wajib"),  # Hangul fillers look like nothing too
])
def test_names_a_person_cannot_read_or_that_break_answers_are_refused(client, days, name, message):
    raw = json.dumps(payload(days, name=name))  # json.dumps escapes the surrogate as \\ud800
    answer = post(client, None, key=uuid.uuid4().hex, raw=raw)
    assert answer.status_code == 400 and message in answer.json_body["errors"]["name"]
    assert registrations_for("+6281311112222") == []


def test_hidden_direction_and_zero_width_characters_are_taken_out(client, days):
    answer = post(client, payload(days, name="Budi\u200b \u202eSantoso"), key=uuid.uuid4().hex)
    assert answer.status_code == 201
    assert Registration.get(answer.json_body["reference"].replace("-", "")).name == "Budi Santoso"


def test_a_stored_lone_surrogate_never_stops_an_answer(client, days, admin, monkeypatch):
    """Data from before the check (or written by another path) must not break the visitor's page
    or the staff's list: every answer still goes out, as valid UTF-8 JSON."""
    from chalicelib.services import registrations as service
    from chalicelib.store import registrations as store

    body = post(client, payload(days), key=uuid.uuid4().hex).json_body
    # moto (like botocore) cannot even send such a value, so the reads hand it over instead.
    real_get, real_item = store.get, service.staff_item

    def with_surrogate(registration):
        if registration is not None:
            registration.name = "Budi \ud800"
        return registration

    monkeypatch.setattr(store, "get", lambda *a, **k: with_surrogate(real_get(*a, **k)))
    monkeypatch.setattr(service, "staff_item", lambda r: real_item(with_surrogate(r)))
    mine = client.http.get(f"/registrations/{body['reference']}", headers={"X-Registration-Token": body["token"]})
    assert mine.status_code == 200
    assert json.loads(mine.body.decode("utf-8"))["name"] == "Budi \ud800"
    listed = admin.get("/staff/registrations")
    assert listed.status_code == 200 and json.loads(listed.body.decode("utf-8"))["items"][0]["name"] == "Budi \ud800"


# --- a lost private link ---------------------------------------------------------------------------------

def _link_records(reference):
    from chalicelib.store.models import OutboxRecord

    day = datetime.now(timezone.utc)
    from chalicelib.domain import rules

    return [r for r in OutboxRecord.by_day.query(rules.wib_now(day).date().isoformat())
            if r.template == "cc_tautan_status" and r.reference == reference]


def test_a_lost_link_is_sent_to_the_registrations_own_number_only(client, days, monkeypatch, tmp_path):
    from chalicelib import links

    body = post(client, payload(days, email="budi@example.org"), key=uuid.uuid4().hex).json_body
    reference = body["reference"].replace("-", "")
    wrong = client.http.post("/registration-link", headers=HEADERS,
                             body=json.dumps({"reference": body["reference"], "whatsapp": "0813 9999 8888"}))
    right = client.http.post("/registration-link", headers=HEADERS,
                             body=json.dumps({"reference": body["reference"].lower(), "whatsapp": "+62 813-1111-2222"}))
    unknown = client.http.post("/registration-link", headers=HEADERS,
                               body=json.dumps({"reference": "ZZZ-ZZZ", "whatsapp": "0813 1111 2222"}))
    assert wrong.status_code == right.status_code == unknown.status_code == 202
    assert wrong.json_body == right.json_body == unknown.json_body  # nothing tells whether the pair exists
    assert body["token"] not in right.body.decode()
    sent = _link_records(reference)
    assert {r.channel for r in sent} == {"whatsapp", "email"}
    # The link in the message is the visitor's own: it opens their registration.
    assert links.status_token(reference) == body["token"]
    assert client.http.get(f"/registrations/{body['reference']}",
                           headers={"X-Registration-Token": links.status_token(reference)}).status_code == 200


def test_at_most_three_link_messages_a_day_per_registration(client, days):
    body = post(client, payload(days), key=uuid.uuid4().hex).json_body
    for _ in range(5):
        answer = client.http.post("/registration-link", headers=HEADERS,
                                  body=json.dumps({"reference": body["reference"], "whatsapp": "081311112222"}))
        assert answer.status_code == 202
    assert len(_link_records(body["reference"].replace("-", ""))) == 3


def test_a_registration_from_before_derived_tokens_gets_a_new_working_link(client, days):
    from chalicelib import links
    from chalicelib.domain.references import hash_token

    body = post(client, payload(days), key=uuid.uuid4().hex).json_body
    reference = body["reference"].replace("-", "")
    Registration.get(reference).update(actions=[Registration.token_hash.set(hash_token("an-old-random-token"))])
    client.http.post("/registration-link", headers=HEADERS,
                     body=json.dumps({"reference": body["reference"], "whatsapp": "081311112222"}))
    assert _link_records(reference)
    assert client.http.get(f"/registrations/{body['reference']}",
                           headers={"X-Registration-Token": links.status_token(reference)}).status_code == 200


def test_a_link_request_with_bad_fields_says_which(client):
    answer = client.http.post("/registration-link", headers=HEADERS, body=json.dumps({"reference": "12", "whatsapp": "x"}))
    assert answer.status_code == 400 and set(answer.json_body["errors"]) == {"reference", "whatsapp"}


def test_a_second_registration_for_an_open_number_offers_the_first_one(client, days):
    first = post(client, payload(days, another=None), key=uuid.uuid4().hex)
    assert first.status_code == 201
    again = post(client, payload(days, another=None), key=uuid.uuid4().hex)
    assert again.status_code == 409 and again.json_body["open_registration"] is True
    assert "sudah punya pendaftaran" in again.json_body["errors"]["whatsapp"]
    assert len(registrations_for("+6281311112222")) == 1  # nothing was stored
    # The visitor asks for the link of what they have: it goes to the number's WhatsApp.
    sent = client.http.post("/registration-link", headers=HEADERS, body=json.dumps({"whatsapp": "0813 1111 2222"}))
    assert sent.status_code == 202 and _link_records(first.json_body["reference"].replace("-", ""))
    # Or registers another topic on purpose.
    assert post(client, payload(days, topics=["keuangan"]), key=uuid.uuid4().hex).status_code == 201


def test_where_they_heard_of_us_may_be_left_empty(client, days):
    answer = post(client, payload(days, source=""), key=uuid.uuid4().hex)
    assert answer.status_code == 201
    assert Registration.get(answer.json_body["reference"].replace("-", "")).source == "tidak_disebut"
    wrong = post(client, payload(days, source="radio"), key=uuid.uuid4().hex)
    assert wrong.status_code == 400 and "source" in wrong.json_body["errors"]


def test_days_that_can_never_be_served_are_refused_and_nothing_is_stored(client, days, dynamo_ops):
    """UKM face to face: nobody on the roster takes it (Budi works online only). A queue that
    cannot move is not a queue: the visitor is told at once, at the days field."""
    options = client.http.get("/public/options").json_body
    first = options["days"][0]
    assert options["offer"]["ukm"]["tatap_muka"][first] == {"seats": 0, "free": 0}
    assert options["offer"]["ukm"]["daring"][first]["seats"] > 0
    dynamo_ops.clear()
    refused = post(client, payload(days, service="ukm", business_sector="kuliner", coop_status=None,
                                   topics=["pemasaran"], mode="tatap_muka"), key=uuid.uuid4().hex)
    assert refused.status_code == 400
    assert "belum ada konsultan untuk konsultasi UKM tatap muka di kantor Diskopukm" in refused.json_body["errors"]["days"]
    assert not {"PutItem", "TransactWriteItems", "UpdateItem"} & set(dynamo_ops)
    online = post(client, payload(days, service="ukm", business_sector="kuliner", coop_status=None,
                                  topics=["pemasaran"], mode="daring"), key=uuid.uuid4().hex)
    assert online.status_code == 201


def test_the_same_key_sent_many_times_at_once_always_answers_the_first_registration(client, days):
    """A retry with the same Idempotency-Key replays the first answer, even when the retry arrives
    while the first try is being stored (it then sees the number's registration: not a 409)."""
    from concurrent.futures import ThreadPoolExecutor

    key, body = uuid.uuid4().hex, payload(days, whatsapp="0813 1111 9090", another=False)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(client, body, key=key), range(24)))
    assert {a.status_code for a in answers} == {201}, [a.json_body for a in answers if a.status_code != 201]
    assert len({a.json_body["reference"] for a in answers}) == 1
    assert len(registrations_for("+6281311119090")) == 1
