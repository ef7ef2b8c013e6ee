"""Feedback after a session: the signed link, one answer per session, field messages,
and the follow-up registration, through the API on moto."""
import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import clock
from chalicelib.domain import rules
from chalicelib.services import allocation, feedback, roster, team
from chalicelib.store.models import (
    AuditRecord,
    FeedbackRecord,
    Registration,
    SessionRecord,
)

ADMIN = "admin@demo.local"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def clinic(aws):
    """Siti serves cooperatives every weekday, face to face or online, in one room."""
    team.create_consultant(ADMIN, {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["tata_kelola_rat"],
                                   "modes": ["tatap_muka", "daring"], "staff_email": "siti@demo.local"}, consultant_id="K-SITI")
    team.create_room(ADMIN, {"name": "Ruang Klinik 1"}, room_id="R-1")
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])


def options(client):
    return client.http.get("/public/options").json_body["days"]


def register(client, name="Nurhayati", phone="0813-2000-0001", days=None):
    body = {"name": name, "whatsapp": phone, "kecamatan": "Ciawi", "service": "koperasi", "org_name": "Koperasi " + name,
            "coop_status": "aktif", "topics": ["tata_kelola_rat", "keuangan"],
            "description": "Kami ingin memperbaiki tata kelola dan persiapan RAT tahun depan.", "mode": "tatap_muka",
            "days": days or [options(client)[0]], "source": "teman", "consent": True, "email": "nur@contoh.com"}
    answer = client.http.post("/registrations", headers={**JSON, "Idempotency-Key": uuid.uuid4().hex}, body=json.dumps(body))
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def book_session(client, **kw) -> SessionRecord:
    reg = register(client, **kw)
    assert allocation.run().booked == 1
    return SessionRecord.get(Registration.get(reg["reference"].replace("-", "")).session_id)


def mark(admin, travel, session, status):
    travel.move_to(rules.parse_utc_iso(session.start) + timedelta(minutes=35))
    answer = admin.post(f"/staff/sessions/{session.session_id}/attendance", {"status": status})
    assert answer.status_code == 200, answer.json_body


@pytest.fixture
def held(client, clinic, admin, monkeypatch, travel):
    """A session the visitor attended (the consultant marked it hadir)."""
    session = book_session(client)
    mark(admin, travel, session, "hadir")
    return session


def link_parts(link: str) -> dict:
    parts = {k: v[0] for k, v in parse_qs(urlsplit(link).fragment).items()}
    assert set(parts) == {"s", "e", "t"}
    return parts


def view(client, session_id, e, t):
    return client.http.get(f"/feedback/{session_id}?e={e}&t={t}")


def send(client, session_id, parts, **answers):
    body = {"e": parts["e"], "t": parts["t"], **ANSWERS, **answers}
    body = {k: v for k, v in body.items() if v is not DROP}
    return client.http.post(f"/feedback/{session_id}", headers=JSON, body=json.dumps(body))


DROP = object()
ANSWERS = {"satisfaction": 5, "answered": "sebagian", "helpfulness": 4, "recommend": 9,
           "improve": "  Ruang tunggu\r\nperlu   kursi lebih banyak. ", "follow_up": False}


def feedback_items():
    return list(FeedbackRecord.by_month.query(clock.wib_now().strftime("%Y-%m")))


# --- the link ------------------------------------------------------------------------------------

def test_link_format_and_expiry(aws, monkeypatch):
    now = datetime(2026, 3, 2, 3, 0, tzinfo=rules.UTC)
    monkeypatch.delenv("SITE_URL", raising=False)
    link = feedback.link_for("S-ABC123DEF456", now=now)
    assert link.startswith("/umpan-balik.html#s=S-ABC123DEF456&e=")
    parts = link_parts(link)
    assert int(parts["e"]) == int((now + timedelta(days=14)).timestamp())
    assert len(parts["t"]) == 43
    assert feedback.verify("S-ABC123DEF456", parts["e"], parts["t"], now + timedelta(days=13, hours=23)) == int(parts["e"])

    monkeypatch.setenv("SITE_URL", "https://klinik.example.go.id/")
    monkeypatch.setenv("FEEDBACK_LINK_DAYS", "3")
    link = feedback.link_for("S-ABC123DEF456", now=now)
    assert link.startswith("https://klinik.example.go.id/umpan-balik.html#s=S-ABC123DEF456&e=")
    assert int(link_parts(link)["e"]) == int((now + timedelta(days=3)).timestamp())


def test_no_signing_key_means_no_link(aws, monkeypatch):
    monkeypatch.delenv("APP_SIGNING_KEY")
    with pytest.raises(RuntimeError):
        feedback.link_for("S-ABC123DEF456")


@pytest.mark.instants
def test_good_link_shows_the_session_and_takes_one_answer(client, held):
    parts = link_parts(feedback.link_for(held.session_id))
    shown = view(client, held.session_id, parts["e"], parts["t"])
    assert shown.status_code == 200, shown.json_body
    assert shown.json_body["answered"] is False
    session = shown.json_body["session"]
    assert session["consultant_name"] == "Siti Rahmawati"
    assert session["date_wib"] == held.day and session["time_wib"] == "09.00"
    assert session["service_label"] == "Konsultasi koperasi"

    sent = send(client, held.session_id, parts)
    assert sent.status_code == 201, sent.json_body
    assert sent.json_body["follow_up"] is None
    record = FeedbackRecord.get(held.session_id)
    assert (record.satisfaction, record.answered, record.helpfulness, record.recommend) == (5, "sebagian", 4, 9)
    assert record.improve == "Ruang tunggu\nperlu kursi lebih banyak."
    assert record.consultant_id == "K-SITI" and record.service == "koperasi" and record.reference == held.reference
    assert record.topics == ["tata_kelola_rat", "keuangan"] and record.session_day == held.day
    assert record.follow_up is None
    # The evaluation reads it by month and by consultant, without Scan.
    assert [r.session_id for r in feedback_items()] == [held.session_id]
    assert [r.session_id for r in FeedbackRecord.by_consultant.query("K-SITI")] == [held.session_id]

    again = send(client, held.session_id, parts, satisfaction=1, improve="Ganti jawaban")
    assert again.status_code == 409
    assert again.json_body["errors"] == {"_form": "Umpan balik untuk sesi ini sudah kami terima. Terima kasih!"}
    assert FeedbackRecord.get(held.session_id).satisfaction == 5
    shown = view(client, held.session_id, parts["e"], parts["t"])
    assert shown.status_code == 200 and shown.json_body["answered"] is True


def test_the_answer_is_audited_without_personal_data(client, held):
    parts = link_parts(feedback.link_for(held.session_id))
    assert send(client, held.session_id, parts).status_code == 201
    entries = [a for a in AuditRecord.query(clock.today().isoformat()) if a.action == "umpan_balik.kirim"]
    assert len(entries) == 1 and entries[0].target == held.reference
    assert "Ruang" not in entries[0].details and "Nurhayati" not in entries[0].details


def test_tampered_links_are_refused_and_nothing_is_stored(client, clinic, admin, monkeypatch, travel):
    held = book_session(client)
    other = book_session(client, name="Dedi", phone="0857-1000-0003")
    mark(admin, travel, held, "hadir")
    mark(admin, travel, other, "hadir")
    parts = link_parts(feedback.link_for(held.session_id))
    theirs = link_parts(feedback.link_for(other.session_id))
    flipped = parts["t"][:-1] + ("A" if parts["t"][-1] != "A" else "B")
    longer = str(int(parts["e"]) + 86400 * 365)
    cases = {
        "altered signature": (held.session_id, parts["e"], flipped),
        "longer expiry": (held.session_id, longer, parts["t"]),
        "another session's signature": (held.session_id, theirs["e"], theirs["t"]),
        "own signature on another session": (other.session_id, parts["e"], parts["t"]),
        "no signature": (held.session_id, parts["e"], ""),
        "no expiry": (held.session_id, "", parts["t"]),
        "garbage": (held.session_id, "soon", "x" * 43),
    }
    for what, (sid, e, t) in cases.items():
        shown = view(client, sid, e, t)
        assert shown.status_code == 403, what
        assert "tidak valid" in shown.json_body["errors"]["_form"], what
        sent = send(client, sid, {"e": e, "t": t})
        assert sent.status_code == 403, what
    assert feedback_items() == []


def test_a_genuine_link_for_an_unknown_session_is_not_found(client, clinic):
    parts = link_parts(feedback.link_for("S-000000000000"))
    shown = view(client, "S-000000000000", parts["e"], parts["t"])
    assert shown.status_code == 404 and "tidak ditemukan" in shown.json_body["errors"]["_form"]


def test_expired_link_is_refused_and_the_period_is_configurable(client, held, monkeypatch):
    parts = link_parts(feedback.link_for(held.session_id, now=datetime.now(rules.UTC) - timedelta(days=15)))
    shown = view(client, held.session_id, parts["e"], parts["t"])
    assert shown.status_code == 410
    assert "kedaluwarsa" in shown.json_body["errors"]["_form"]
    assert send(client, held.session_id, parts).status_code == 410
    assert feedback_items() == []

    monkeypatch.setenv("FEEDBACK_LINK_DAYS", "30")
    parts = link_parts(feedback.link_for(held.session_id, now=datetime.now(rules.UTC) - timedelta(days=15)))
    assert send(client, held.session_id, parts).status_code == 201


# --- who may answer ------------------------------------------------------------------------------

def test_only_a_session_that_took_place_can_be_answered(client, clinic, admin, monkeypatch, travel):
    session = book_session(client)
    parts = link_parts(feedback.link_for(session.session_id))
    not_yet = view(client, session.session_id, parts["e"], parts["t"])
    assert not_yet.status_code == 409 and "belum dicatat" in not_yet.json_body["errors"]["_form"]

    mark(admin, travel, session, "tidak_hadir")
    no_show = send(client, session.session_id, parts)
    assert no_show.status_code == 409 and "sudah berlangsung" in no_show.json_body["errors"]["_form"]
    assert feedback_items() == []

    # Staff correct a wrongly recorded no-show: the same link now works.
    mark(admin, travel, session, "hadir")
    assert send(client, session.session_id, parts).status_code == 201


def test_a_cancelled_session_cannot_be_answered(client, clinic, admin):
    session = book_session(client)
    assert admin.post(f"/staff/sessions/{session.session_id}/cancel", {"requeue": False}).status_code == 200
    parts = link_parts(feedback.link_for(session.session_id))
    sent = send(client, session.session_id, parts)
    assert sent.status_code == 409 and "sudah berlangsung" in sent.json_body["errors"]["_form"]


# --- bad input -----------------------------------------------------------------------------------

def test_every_bad_field_gets_its_own_message_and_nothing_is_stored(client, held):
    parts = link_parts(feedback.link_for(held.session_id))
    days = options(client)
    saturday = next(d for d in (datetime.fromisoformat(days[0]) + timedelta(days=i) for i in range(7)) if d.weekday() == 5)
    cases = [
        ("satisfaction", DROP, "Pilih tingkat kepuasan"),
        ("satisfaction", 0, "antara 1 dan 5"),
        ("satisfaction", 6, "antara 1 dan 5"),
        ("satisfaction", "5", "angka bulat 1–5"),
        ("satisfaction", 4.5, "angka bulat 1–5"),
        ("satisfaction", True, "angka bulat 1–5"),
        ("answered", DROP, "Pilih apakah masalah Anda terjawab"),
        ("answered", "mungkin", "Pilihan tidak dikenal"),
        ("answered", 1, "Pilihan tidak dikenal"),
        ("helpfulness", None, "Pilih seberapa membantu"),
        ("helpfulness", 0, "antara 1 dan 5"),
        ("helpfulness", 6, "antara 1 dan 5"),
        ("recommend", DROP, "merekomendasikan"),
        ("recommend", -1, "antara 0 dan 10"),
        ("recommend", 11, "antara 0 dan 10"),
        ("recommend", "10", "angka bulat 0–10"),
        ("improve", "x" * 1001, "terlalu panjang (maksimal 1000 karakter)"),
        ("improve", 123, "Harus berupa teks"),
        ("improve", ["a"], "Harus berupa teks"),
        ("follow_up", "ya", "Pilih ya atau tidak"),
    ]
    for field, value, message in cases:
        sent = send(client, held.session_id, parts, **{field: value})
        assert sent.status_code == 400, (field, value, sent.json_body)
        assert message in sent.json_body["errors"].get(field, ""), (field, value, sent.json_body)
        assert set(sent.json_body["errors"]) == {field}, (field, value)

    day_cases = [
        (DROP, "minimal satu tanggal"),
        ([], "minimal satu tanggal"),
        ("2030-01-01", "minimal satu tanggal"),
        (["2020-01-06"], "sudah lewat"),
        ([saturday.date().isoformat()], "akhir pekan"),
        (["besok"], "Format tanggal"),
        (days[:6], "paling banyak 5"),
    ]
    for value, message in day_cases:
        sent = send(client, held.session_id, parts, follow_up=True, days=value)
        assert sent.status_code == 400, (value, sent.json_body)
        assert message in sent.json_body["errors"]["days"], (value, sent.json_body)

    several = send(client, held.session_id, parts, satisfaction=9, answered="?", recommend=None)
    assert set(several.json_body["errors"]) == {"satisfaction", "answered", "recommend"}

    not_json = client.http.post(f"/feedback/{held.session_id}", headers=JSON, body="satisfaction=5")
    assert not_json.status_code == 400 and "JSON" in not_json.json_body["errors"]["_form"]

    assert feedback_items() == []
    assert len(list(Registration.by_phone.query("+6281320000001"))) == 1
    # A long but allowed text is kept whole.
    assert send(client, held.session_id, parts, improve="y" * 1000).status_code == 201
    assert FeedbackRecord.get(held.session_id).improve == "y" * 1000


# --- follow-up -----------------------------------------------------------------------------------

def test_follow_up_creates_one_linked_waiting_registration_even_when_retried(client, held, monkeypatch):
    parts = link_parts(feedback.link_for(held.session_id))
    new_days = options(client)[1:3]
    sent = send(client, held.session_id, parts, follow_up=True, days=new_days)
    assert sent.status_code == 201, sent.json_body
    follow = sent.json_body["follow_up"]
    reference = follow["reference"].replace("-", "")

    first = Registration.get(held.reference)
    again = Registration.get(reference)
    assert again.status == "menunggu" and again.follow_up_of == held.reference
    assert again.days == new_days
    for attr in ("name", "phone", "email", "kecamatan", "service", "org_name", "coop_status", "mode", "topics", "description"):
        assert getattr(again, attr) == getattr(first, attr), attr
    assert FeedbackRecord.get(held.session_id).follow_up == reference

    # The visitor's private status link for the follow-up works.
    status = client.http.get(f"/registrations/{follow['reference']}", headers={"X-Registration-Token": follow["token"]})
    assert status.status_code == 200 and status.json_body["status"] == "menunggu"

    # A retry (lost answer, double click) creates nothing and shows the same follow-up.
    retried = send(client, held.session_id, parts, follow_up=True, days=new_days)
    assert retried.status_code == 409
    assert retried.json_body["answered"] is True and retried.json_body["follow_up"] == follow
    # Two submits racing past the "already answered?" read: the transaction keeps one.
    real_existing, reads = feedback._existing, []

    def first_read_misses(session_id):  # the other submit commits between our read and our write
        reads.append(session_id)
        return None if len(reads) == 1 else real_existing(session_id)

    monkeypatch.setattr(feedback, "_existing", first_read_misses)
    raced = send(client, held.session_id, parts, follow_up=True, days=new_days)
    assert raced.status_code == 409 and raced.json_body["follow_up"] == follow
    assert sorted(r.reference for r in Registration.by_phone.query("+6281320000001")) == sorted([held.reference, reference])

    # The page, opened again, says it was answered and shows the follow-up.
    monkeypatch.undo()
    shown = view(client, held.session_id, parts["e"], parts["t"]).json_body
    assert shown["answered"] is True and shown["follow_up"] == follow


@pytest.mark.instants
def test_follow_up_is_served_by_the_allocator(client, held):
    parts = link_parts(feedback.link_for(held.session_id))
    sent = send(client, held.session_id, parts, follow_up=True, days=options(client)[1:2])
    reference = sent.json_body["follow_up"]["reference"].replace("-", "")
    assert allocation.run().booked == 1
    again = Registration.get(reference)
    assert again.status == "terjadwal"
    assert SessionRecord.get(again.session_id).day == options(client)[1]


def test_follow_up_respects_the_open_registrations_limit(client, held, monkeypatch):
    monkeypatch.setenv("MAX_OPEN_PER_PHONE", "1")
    register(client, days=[options(client)[2]])  # the same number already waits elsewhere
    parts = link_parts(feedback.link_for(held.session_id))
    refused = send(client, held.session_id, parts, follow_up=True, days=options(client)[1:2])
    assert refused.status_code == 429
    assert "sudah punya 1 pendaftaran" in refused.json_body["errors"]["follow_up"]
    assert feedback_items() == []
    # The visitor can still send the feedback alone.
    assert send(client, held.session_id, parts, follow_up=False).status_code == 201
    assert FeedbackRecord.get(held.session_id).follow_up is None


def test_a_taken_reference_is_drawn_again(client, held, monkeypatch):
    drawn = iter([held.reference, "ZZZ999"])
    monkeypatch.setattr(feedback, "new_reference", lambda: next(drawn))
    parts = link_parts(feedback.link_for(held.session_id))
    sent = send(client, held.session_id, parts, follow_up=True, days=options(client)[1:2])
    assert sent.status_code == 201 and sent.json_body["follow_up"]["reference"] == "ZZZ-999"
    assert Registration.get(held.reference).follow_up_of is None  # the first one is untouched
    assert Registration.get("ZZZ999").follow_up_of == held.reference


def test_attendance_changed_while_answering_stores_nothing(client, clinic, admin, monkeypatch, travel):
    session = book_session(client)
    mark(admin, travel, session, "tidak_hadir")
    monkeypatch.setattr(feedback, "_check_held", lambda s: None)  # the read saw "hadir"; the write must not
    parts = link_parts(feedback.link_for(session.session_id))
    sent = send(client, session.session_id, parts, follow_up=True, days=options(client)[1:2])
    assert sent.status_code == 409 and "Status sesi berubah" in sent.json_body["errors"]["_form"]
    assert feedback_items() == []
    assert len(list(Registration.by_phone.query("+6281320000001"))) == 1
