"""Message texts, iCalendar, MIME, the WhatsApp request/answer shapes and the webhook edge."""
import email
import email.policy
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import responses
from jinja2 import UndefinedError

from chalicelib.adapters import send_errors, senders
from chalicelib.messages import catalog, ical, render, templates_doc
from chalicelib.adapters import whatsapp_cloud as whatsapp
from chalicelib.adapters import whatsapp_inbound
from chalicelib.adapters.ses import build_mime
from tests.support.messages import GRAPH_URL, WA_ENV, wa_error, wa_ok

ROOT = Path(__file__).resolve().parents[2]


# --- templates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", catalog.KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("online", [False, True], ids=["kantor", "daring"])
def test_every_template_renders_with_sample_data(kind, online):
    ctx = templates_doc.sample_context(kind, online=online)
    wa = render.render_whatsapp(kind, ctx)
    mail = render.render_email(kind, ctx)
    assert len(wa.parameters) == len(kind.params)
    assert ctx["nama"] in wa.text and ctx["nama"] in mail.text
    assert "{{" not in wa.text and "{%" not in mail.text and "{{" not in mail.html
    assert mail.subject and "\n" not in mail.subject
    assert mail.html.startswith("<!doctype html>") and "Clean &amp; Clear" in mail.html
    assert len(wa.text) <= 1024, "WhatsApp template bodies hold at most 1024 characters"
    for p in wa.parameters:
        assert "\n" not in p and "\t" not in p and "    " not in p


@pytest.mark.parametrize("kind", catalog.KINDS, ids=lambda k: k.name)
def test_a_missing_value_is_an_error_not_a_gap(kind):
    ctx = templates_doc.sample_context(kind)
    del ctx["nama"]
    with pytest.raises((UndefinedError, KeyError)):
        render.render_whatsapp(kind, ctx)
    with pytest.raises(UndefinedError):
        render.render_email(kind, ctx)


@pytest.mark.parametrize("kind", catalog.KINDS, ids=lambda k: k.name)
def test_whatsapp_body_uses_exactly_its_parameters_in_order(kind):
    used = render.template_variables(f"{kind.name}.wa.j2")
    assert used - set(catalog.SITE_CONSTANTS) == set(kind.params)
    body = render.whatsapp_body_for_meta(kind)
    numbers = [int(n) for n in re.findall(r"\{\{(\d+)\}\}", body)]
    assert sorted(set(numbers)) == list(range(1, len(kind.params) + 1))
    firsts = list(dict.fromkeys(numbers))
    assert firsts == sorted(firsts), "parameters appear in the order {{1}}, {{2}}, ..."
    assert not body.startswith("{{") and not body.rstrip(".").endswith("}}"), "Meta refuses a body starting or ending with a parameter"
    assert re.fullmatch(r"[a-z0-9_]+", kind.name)


def test_template_document_is_current():
    doc = (ROOT / "chalicelib" / "templates" / "messages" / "WHATSAPP_TEMPLATES.md").read_text(encoding="utf-8")
    assert doc.strip() == templates_doc.whatsapp_templates_doc().strip(), (
        "regenerate: python -m chalicelib.messages.templates_doc > chalicelib/templates/messages/WHATSAPP_TEMPLATES.md")
    for kind in catalog.KINDS:
        assert f"## `{kind.name}`" in doc


def test_one_template_folder_holds_every_text():
    folder = ROOT / "chalicelib" / "templates" / "messages"
    for kind in catalog.KINDS:
        assert (folder / f"{kind.name}.wa.j2").exists() and (folder / f"{kind.name}.email.j2").exists()


def test_office_details_in_the_lambda_package_match_the_site():
    assert (ROOT / "chalicelib" / "data" / "site.json").read_text() == (ROOT / "static_site" / "site.json").read_text(), (
        "copy static_site/site.json to chalicelib/data/site.json (the Lambda package holds only chalicelib/)")


def test_confirmation_text_for_the_office_and_for_zoom():
    kind = catalog.BY_NAME["cc_sesi_terjadwal"]
    office = render.render_whatsapp(kind, templates_doc.sample_context(kind)).text
    assert "Senin, 9 November 2026" in office and "09.00–09.30 WIB" in office
    assert "Ruang Klinik 1" in office and render.site()["address"] in office and render.site()["address_hint"] in office
    online = render.render_whatsapp(kind, templates_doc.sample_context(kind, online=True)).text
    assert "https://us06web.zoom.us/j/81234567890" in online and "ruang tunggu" in online


def test_html_part_escapes_and_links():
    html = str(render.text_to_html("Halo <b>A&B</b>,\nlihat https://x.example/a?b=1&c=2.\n\n*Kode*: X"))
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in html
    assert '<a href="https://x.example/a?b=1&amp;c=2">' in html
    assert html.count("<p>") == 2 and "<strong>Kode</strong>" in html


# --- iCalendar and MIME -------------------------------------------------------------------------------

def _invite(method="REQUEST", **kw):
    start = datetime(2026, 11, 9, 2, 0, tzinfo=timezone.utc)
    values = dict(method=method, uid="KPB7QX@cleanclear.example.go.id", sequence=ical.sequence_for(start - timedelta(days=3)),
                  start=start, end=start + timedelta(minutes=30), stamp=start - timedelta(days=3),
                  summary="Konsultasi Clean & Clear (Konsultasi koperasi)",
                  location="Ruang Klinik 1, Diskopukm Kabupaten Bogor, Kompleks Perkantoran; Cibinong",
                  description="Kode: KPB-7QX.\nNarasumber: Siti Rahmawati. " + "Panjang sekali " * 10,
                  organizer_email="klinik@cleanclear.example.go.id", organizer_name="Clean & Clear",
                  attendee_email="nur@example.org", attendee_name="Nurhayati")
    values.update(kw)
    return ical.Invite(**values)


def test_icalendar_request_is_well_formed():
    text = ical.render(_invite())
    raw_lines = text.split("\r\n")
    assert text.endswith("\r\n") and all(len(line.encode()) <= 75 for line in raw_lines)
    lines = ical.unfold(text)
    assert "METHOD:REQUEST" in lines and "STATUS:CONFIRMED" in lines
    assert "DTSTART:20261109T020000Z" in lines and "DTEND:20261109T023000Z" in lines
    assert "UID:KPB7QX@cleanclear.example.go.id" in lines
    location = next(line for line in lines if line.startswith("LOCATION:"))
    assert location == "LOCATION:Ruang Klinik 1\\, Diskopukm Kabupaten Bogor\\, Kompleks Perkantoran\\; Cibinong"
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\n" in description and "\n" not in description


def test_icalendar_cancel_keeps_the_uid_and_raises_the_sequence():
    first = ical.unfold(ical.render(_invite()))
    later = datetime(2026, 11, 7, 3, 0, tzinfo=timezone.utc)
    cancel = ical.unfold(ical.render(_invite("CANCEL", sequence=ical.sequence_for(later), stamp=later)))
    assert "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel
    uid = [line for line in first if line.startswith("UID:")]
    assert uid == [line for line in cancel if line.startswith("UID:")]
    seq = lambda lines: int(next(line for line in lines if line.startswith("SEQUENCE:")).split(":")[1])  # noqa: E731
    assert seq(cancel) > seq(first)
    assert "BEGIN:VALARM" not in cancel


def test_folding_never_splits_a_utf8_character():
    text = ical.render(_invite(summary="Konsultasi – " + "é" * 80))
    for line in text.split("\r\n"):
        line.encode("utf-8").decode("utf-8")
        assert len(line.encode()) <= 75


def test_mime_has_text_html_and_calendar_parts():
    kind = catalog.BY_NAME["cc_sesi_terjadwal"]
    rendered = render.render_email(kind, templates_doc.sample_context(kind), ical.render(_invite()))
    raw = build_mime(from_address="klinik@cleanclear.example.go.id", to_address="nur@example.org", to_name="Nurhayati",
                     subject=rendered.subject, text=rendered.text, html=rendered.html, calendar=rendered.calendar,
                     calendar_method="REQUEST", reply_to="cleanandclear@example.go.id", message_id="M-1")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == rendered.subject and "Nurhayati" in msg["To"]
    types = [part.get_content_type() for part in msg.walk()]
    assert types[0] == "multipart/mixed"
    assert {"multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"} <= set(types)
    calendar = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    assert "BEGIN:VCALENDAR" in calendar.get_content()
    plain = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    assert "09.00–09.30 WIB" in plain.get_content()
    # Indonesian text (the dash above) travels quoted-printable or base64, never as raw 8-bit:
    # the whole message is ASCII, and the invitation decodes to exactly its bytes.
    assert all(byte < 128 for byte in raw)
    encodings = {p.get_content_type(): p["Content-Transfer-Encoding"] for p in msg.walk() if not p.is_multipart()}
    assert encodings == {"text/plain": "quoted-printable", "text/html": "quoted-printable",
                         "text/calendar": "base64", "application/ics": "base64"}
    assert calendar.get_payload(decode=True) == rendered.calendar.encode("utf-8")
    attachment = next(p for p in msg.walk() if p.get_content_type() == "application/ics")
    assert attachment.get_payload(decode=True) == rendered.calendar.encode("utf-8")


# --- WhatsApp Cloud API --------------------------------------------------------------------------

@responses.activate
def test_whatsapp_template_request_shape_and_success():
    responses.post(GRAPH_URL, json=wa_ok("wamid.ABC"), status=200)
    client = whatsapp.WhatsAppClient("EAAG-test-token", "1098765432")
    wamid = client.send_template("+6281320000001", "cc_sesi_terjadwal", ["Nurhayati", "KPB-7QX"])
    assert wamid == "wamid.ABC"
    (call,) = responses.calls
    assert call.request.url == GRAPH_URL
    assert call.request.headers["Authorization"] == "Bearer EAAG-test-token"
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281320000001", "type": "template",
        "template": {"name": "cc_sesi_terjadwal", "language": {"code": "id"},
                     "components": [{"type": "body", "parameters": [{"type": "text", "text": "Nurhayati"},
                                                                    {"type": "text", "text": "KPB-7QX"}]}]}}


@pytest.mark.parametrize("status,body,headers,kind,retry_after,throttled", [
    (400, wa_error(131026, "Message undeliverable"), {}, send_errors.Permanent, None, False),
    (400, wa_error(132001, "Template name does not exist in the translation"), {}, send_errors.Permanent, None, False),
    (401, wa_error(190, "Error validating access token: Session has expired"), {}, send_errors.Paused, None, False),
    (429, wa_error(130429, "Rate limit hit"), {"Retry-After": "120"}, send_errors.Retryable, 120.0, True),
    (400, wa_error(131056, "(Business Account, Consumer Account) pair rate limit hit"), {}, send_errors.Retryable, None, True),
    (500, wa_error(131000, "Something went wrong"), {}, send_errors.Retryable, None, False),
    (503, {"error": {"message": "Service unavailable", "code": 2}}, {}, send_errors.Retryable, None, False),
])
@responses.activate
def test_whatsapp_errors_are_classified(status, body, headers, kind, retry_after, throttled):
    responses.post(GRAPH_URL, json=body, status=status, headers=headers)
    with pytest.raises(kind) as caught:
        whatsapp.WhatsAppClient("t", "1098765432").send_template("+6281320000001", "cc_umpan_balik", ["x"])
    assert caught.value.retry_after == retry_after and caught.value.throttled == throttled
    assert str(body["error"]["code"]) in caught.value.short()


@responses.activate
def test_whatsapp_no_answer_after_sending_is_unknown_but_no_connection_is_retryable():
    client = whatsapp.WhatsAppClient("t", "1098765432")
    responses.post(GRAPH_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(send_errors.Unknown, match="ReadTimeout"):
        client.send_template("+62813", "cc_umpan_balik", ["x"])
    responses.replace(responses.POST, GRAPH_URL, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(send_errors.Unknown):
        client.send_template("+62813", "cc_umpan_balik", ["x"])
    responses.replace(responses.POST, GRAPH_URL, json={"messaging_product": "whatsapp"})  # 200, but no id
    with pytest.raises(send_errors.Unknown):
        client.send_template("+62813", "cc_umpan_balik", ["x"])
    responses.replace(responses.POST, GRAPH_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(send_errors.Retryable):
        client.send_template("+62813", "cc_umpan_balik", ["x"])


def test_whatsapp_refused_connection_is_retryable():
    """A real refused connection (nothing listens on the port): the request never left."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = whatsapp.WhatsAppClient("t", "1098765432")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHATSAPP_API_BASE", f"http://127.0.0.1:{port}")
        with pytest.raises(send_errors.Retryable, match="tidak terhubung"):
            client.send_template("+62813", "cc_umpan_balik", ["x"])


@responses.activate
def test_every_whatsapp_message_names_its_outbox_record():
    responses.post(GRAPH_URL, json={"messages": [{"id": "wamid.X"}]})
    whatsapp.WhatsAppClient("t", "1098765432").send_template("+62813", "cc_umpan_balik", ["x"],
                                                              callback_data="M-0123456789ABCDEF01234567")
    assert json.loads(responses.calls[0].request.body)["biz_opaque_callback_data"] == "M-0123456789ABCDEF01234567"


def test_error_texts_carry_no_phone_numbers_or_addresses():
    err = send_errors.Permanent("WhatsApp: recipient +62 813-2000-0001 (nur@example.org) not allowed", status=400, code=131030)
    assert "813" not in err.short() and "@" not in err.short()


def test_the_local_provider_is_used_only_without_credentials(monkeypatch, tmp_path):
    for key in WA_ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("WHATSAPP_SECRET_ARN", raising=False)
    monkeypatch.delenv("SES_FROM_ADDRESS", raising=False)
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path))
    assert type(senders.for_channel("whatsapp")).__name__ == "LocalOutbox"
    assert type(senders.for_channel("email")).__name__ == "LocalOutbox"
    monkeypatch.setenv("SES_FROM_ADDRESS", "klinik@cleanclear.example.go.id")
    assert type(senders.for_channel("email")).__name__ == "SesSender"
    for key, value in WA_ENV.items():
        monkeypatch.setenv(key, value)
    assert isinstance(senders.for_channel("whatsapp"), whatsapp.WhatsAppClient)
    for key in WA_ENV:
        monkeypatch.delenv(key)
    monkeypatch.delenv("LOCAL_OUTBOX_DIR")
    with pytest.raises(send_errors.Retryable, match="belum dikonfigurasi"):
        senders.for_channel("whatsapp").send("+62813", "x", None, "M-1")


# --- webhook signature and handshake (pure) ------------------------------------------------------------

def test_signature_is_the_hmac_of_the_raw_body():
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    good = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert whatsapp_inbound.verify_signature(raw, good, "s3cret")
    assert not whatsapp_inbound.verify_signature(raw + b" ", good, "s3cret")
    assert not whatsapp_inbound.verify_signature(raw, good.replace("sha256=", "sha1="), "s3cret")
    assert not whatsapp_inbound.verify_signature(raw, None, "s3cret")
    assert not whatsapp_inbound.verify_signature(raw, good, None)


def test_handshake_echoes_the_challenge_only_for_the_right_token():
    assert whatsapp_inbound.handshake("subscribe", "tok", "1158201444", "tok") == "1158201444"
    assert whatsapp_inbound.handshake("subscribe", "wrong", "1158201444", "tok") is None
    assert whatsapp_inbound.handshake("unsubscribe", "tok", "1", "tok") is None
    assert whatsapp_inbound.handshake("subscribe", "tok", "1", None) is None


def test_webhook_parsing_reads_statuses_texts_and_buttons():
    """Meta's documented shapes: a text, a template's quick-reply `button` (payload + text, and the
    `context` of the message tapped), an `interactive` button_reply and list_reply; an image is
    read as an empty text (the number gets the help answer); an item without a wamid is skipped."""
    ctx = {"from": "15550783881", "id": "wamid.OURS"}
    payload = {"entry": [{"changes": [{"value": {
        "statuses": [{"id": "wamid.A", "status": "delivered"}, {"id": "wamid.B", "status": "failed",
                                                                 "errors": [{"code": 131026, "title": "Message undeliverable"}]}],
        "messages": [{"from": "6281320000001", "id": "wamid.T1", "timestamp": "1796130000", "type": "text",
                      "text": {"body": " Berhenti "}},
                     {"from": "6281320000002", "id": "wamid.T2", "timestamp": "1796130001", "type": "button",
                      "context": ctx, "button": {"text": "Saya hadir", "payload": "cc1|hadir|S-1|M-2||sig"}},
                     {"from": "6281320000003", "id": "wamid.T3", "timestamp": "1796130002", "type": "interactive",
                      "context": ctx, "interactive": {"type": "button_reply", "button_reply": {"id": "b-1", "title": "Tidak"}}},
                     {"from": "6281320000004", "id": "wamid.T4", "timestamp": "1796130003", "type": "interactive",
                      "context": ctx, "interactive": {"type": "list_reply", "list_reply": {
                          "id": "row-1", "title": "Senin, 14 Des", "description": "Masih ada kursi kosong"}}},
                     {"from": "6281320000005", "id": "wamid.T5", "timestamp": "1796130004", "type": "image",
                      "image": {"id": "1"}},
                     {"from": "6281320000006", "type": "text", "text": {"body": "tanpa id"}}]}}]}]}
    parsed = whatsapp_inbound.parse_webhook(payload)
    statuses, inbound = parsed.statuses, parsed.inbound
    assert [(s.provider_message_id, s.status) for s in statuses] == [("wamid.A", "delivered"), ("wamid.B", "failed")]
    assert "131026" in statuses[1].error
    assert [(m.phone, m.message_id, m.kind, m.text.strip(), m.payload, m.context_id) for m in inbound] == [
        ("+6281320000001", "wamid.T1", "text", "Berhenti", None, None),
        ("+6281320000002", "wamid.T2", "button", "Saya hadir", "cc1|hadir|S-1|M-2||sig", "wamid.OURS"),
        ("+6281320000003", "wamid.T3", "interactive", "Tidak", "b-1", "wamid.OURS"),
        ("+6281320000004", "wamid.T4", "interactive", "Senin, 14 Des", "row-1", "wamid.OURS"),
        ("+6281320000005", "wamid.T5", "text", "", None, None)]
    assert inbound[0].received_at == datetime(2026, 12, 1, 13, 0, tzinfo=timezone.utc)
    assert parsed.skipped == 1
    nothing = whatsapp_inbound.parse_webhook({"entry": "nonsense"})
    assert (nothing.statuses, nothing.inbound) == ([], [])


def test_every_answer_to_a_visitor_renders_within_whatsapps_limits():
    """Each free-form answer (catalog.REPLY_KINDS), and every 'what is true now' wording, renders
    to words (no gap, no template syntax) within WhatsApp's limits for text and interactive parts."""
    from chalicelib.domain import flows, replies
    from chalicelib.messages.catalog import BY_NAME, REPLY_KINDS
    from chalicelib.messages.render import render_answer

    sesi = {"tanggal": "Senin, 14 Desember 2026", "jam": "09.00–09.30 WIB", "daring": False, "tempat": "Ruang Klinik 1"}
    base = {"nama": "Nurhayati", "kode": "KPB-7QX", "sesi": sesi, "kode_kode": ["KPB-7QX", "MNP-4RT"],
            "pendaftaran": [{"kode": "KPB-7QX", "status": "Terjadwal", "tautan": "https://x.example/status.html"}],
            "buttons": [{"id": "cc1|a|S-1|M-1||sig", "title": "Ya, batalkan"}, {"id": "cc1|b|S-1|M-1||sig", "title": "Tidak"}],
            "list_button": "Pilih tanggal", "list_title": "Tanggal yang bisa dipilih",
            "rows": [{"id": f"cc1|hari|K|M-1|2026-12-{d}|sig", "title": f"Senin, {d} Des", "description": "Masih ada kursi kosong"}
                     for d in range(14, 24)],
            "keadaan": replies.NOW_MOVED, "baru": sesi, "tanggal_pilihan": "Senin, 14 Desember 2026", "maks": 5,
            "tautan_status": "https://x.example/status.html", "ulang": False, "berhenti": False, "terbuka": ["KPB-7QX", "MNP-4RT", "QRS-8TU"],
            "flow": flows.message_parameters("cf1." + "x" * 22 + ".IG-POSTER-DESEMBER." + "y" * 22, "1234567890")}
    for kind in REPLY_KINDS:
        rendered = render_answer(kind, base)
        assert rendered.reply and rendered.text and "{" not in rendered.text and len(rendered.text) <= 1024, kind.name
        if kind.reply == "buttons":
            assert all(len(b["reply"]["title"]) <= 20 for b in rendered.interactive["action"]["buttons"])
        if kind.reply == "list":
            assert len(rendered.interactive["action"]["sections"][0]["rows"]) <= 10
        if kind.reply == "flow":  # Cloud API: flow_cta at most 20 characters, flow_token at most 200 (see README)
            parameters = rendered.interactive["action"]["parameters"]
            assert len(parameters["flow_cta"]) <= 20 and len(parameters["flow_token"]) <= 200
            assert render_answer(kind, {**base, "terbuka": [], "ulang": True}).text.startswith("Pendaftaran dari formulir")
    for code in replies.NOW_CODES:
        text = render_answer(BY_NAME["cc_balas_keadaan"], {**base, "keadaan": code}).text
        assert text.strip() and "{" not in text, code


def test_the_calendar_names_the_consultant_without_a_second_full_stop():
    titled = render.phrase("kalender_keterangan", kode="KPB-7QX", narasumber="Siti Rahmawati, S.E.", petunjuk="")
    assert "Narasumber: Siti Rahmawati, S.E. " in titled and ".." not in titled
    plain = render.phrase("kalender_keterangan", kode="KPB-7QX", narasumber="Siti Rahmawati", petunjuk="")
    assert "Narasumber: Siti Rahmawati. " in plain
