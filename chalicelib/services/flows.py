"""Registering inside WhatsApp: the signup Flow's tokens, its data-exchange endpoint, and its
completion (domain/flows.py has the screens; adapters/flow_crypto.py the encryption).

The endpoint does what Meta documents (WhatsApp Flows, "Implementing your endpoint"; Meta's sample
endpoint in WhatsApp/WhatsApp-Flows-Tools, examples/endpoint/):

  - a request whose ``X-Hub-Signature-256`` is not the app secret's HMAC of the raw body: 432;
  - a request we cannot decrypt (another public key, a broken body): 421, so WhatsApp fetches our
    current public key and tries again;
  - ``ping``: ``{"data": {"status": "active"}}``; an error notification (``data.error``):
    ``{"data": {"acknowledged": true}}``;
  - a ``flow_token`` that is not ours, not for this number's record, expired, or whose Flow has
    already registered (a new round on an old Flow): 427 with ``error_msg`` (WhatsApp then closes
    the Flow with that message);
  - ``INIT`` and ``data_exchange``: the next screen and its data, or the same screen with an
    ``error_message``.

The registration itself is stored by the same use case as the web form
(registrations.create_registration, origin FLOW), under the idempotency key ``flow-<token id>``:
one Flow makes at most one registration, however often it is submitted or its completion is
delivered. The per-number limit is that use case's write condition.
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import date, datetime, timedelta

from .. import clock, links
from ..adapters import flow_crypto, metrics, whatsapp_inbound
from ..domain import flows, rules, validation
from ..store import flow_tokens
from ..store import registrations as registrations_store
from ..store.unit_of_work import UnitOfWork
from . import capacity, estimates, registrations

logger = logging.getLogger(__name__)

VALID = timedelta(hours=24)  # a Flow answering DAFTAR works for a day after it was sent
BROADCAST_VALID = timedelta(days=7)  # one in a broadcast (cc_siaran_daftar), for a week
MSG_NOT_OURS = "Formulir ini tidak dikenali. Tulis DAFTAR di chat untuk membuka formulir pendaftaran."
MSG_EXPIRED = "Formulir ini sudah tidak berlaku. Tulis DAFTAR di chat untuk membuka formulir yang baru."
MSG_DONE = "Pendaftaran dari formulir ini sudah terkirim. Tulis DAFTAR di chat bila ingin mendaftar lagi."
MSG_NO_DAYS = ("Belum ada konsultan untuk pilihan ini dalam beberapa minggu ke depan. Pilih cara konsultasi "
               "yang lain, atau coba lagi minggu depan.")
MSG_CHOOSE = "Pilih layanan dan cara konsultasi."
NO_ESTIMATE = "Jadwal Anda kami kabari lewat WhatsApp setelah diatur."
MSG_FILLED = ("Kursi pada tanggal pilihan Anda baru saja terisi. Anda tetap tercatat di antrean sesuai urutan "
              "daftar, dan kami kabari bila ada kursi kosong atau tanggal lain.")


class Refused(Exception):
    """A flow_token we do not honour (HTTP 427 with this message)."""


def start(uow: UnitOfWork, phone: str, campaign: str | None, another: bool, now: datetime) -> str:
    """A new Flow for `phone` (written in the caller's transaction): its token."""
    record, token = new_token(phone, campaign, another, now)
    flow_tokens.add(uow, record)
    return token


def new_token(phone: str, campaign: str | None, another: bool, now: datetime, valid: timedelta = VALID):
    """(record, token) of a new Flow for `phone`; the caller writes the record (store/flow_tokens.add)."""
    token_id = secrets.token_urlsafe(16)
    return (flow_tokens.build(token_id, phone, campaign, another, now, valid),
            links.flow_token(token_id, phone, campaign))


def idempotency_key(token_id: str) -> str:
    return f"flow-{token_id}"


def token_record(token: object, *, now: datetime | None = None, late_ok: bool = False):
    """The record behind a token, or Refused: unknown, forged (its signature covers the number
    and the campaign), or (unless `late_ok`: a completion arriving late) past its day."""
    parts = links.flow_token_parts(token)
    record = flow_tokens.get(parts[0]) if parts else None
    if record is None or not links.flow_token_matches(token, record.token_id, record.phone, parts[1]) \
            or record.campaign != parts[1]:
        raise Refused(MSG_NOT_OURS)
    if not late_ok and rules.to_utc_iso(now or clock.now()) > record.valid_until:
        raise Refused(MSG_EXPIRED)
    return record


def registered(record) -> dict | None:
    """The answer of the registration this Flow made, or None."""
    return registrations_store.replay("registration#" + idempotency_key(record.token_id))


# --- the endpoint --------------------------------------------------------------------------------

def endpoint(raw_body: bytes | None, signature: str | None, now: datetime | None = None) -> tuple[int, str]:
    """(HTTP status, body) for one data-exchange request, as Meta documents it."""
    app_secret, _ = whatsapp_inbound.webhook_settings()
    if not whatsapp_inbound.verify_signature(raw_body, signature, app_secret):
        metrics.emit("FlowRefused")
        return 432, ""
    try:
        request = flow_crypto.decrypt_request(json.loads(raw_body or b""))
    except (ValueError, flow_crypto.CannotDecrypt):
        metrics.emit("FlowRefused")
        return 421, ""
    status, answer = handle(request.body, now or clock.now())
    return status, flow_crypto.encrypt_response(answer, request.key, request.iv)


def handle(body: dict, now: datetime) -> tuple[int, dict]:
    """The decrypted request's answer (status, JSON)."""
    action = body.get("action")
    if action == "ping":
        return 200, {"data": {"status": "active"}}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    if data.get("error") is not None:
        logger.warning("flow client error: %s", str(data.get("error"))[:80])  # never the visitor's data
        return 200, {"data": {"acknowledged": True}}
    screen = body.get("screen")
    try:
        record = token_record(body.get("flow_token"), now=now)
        if action == "INIT" or (action == "data_exchange" and screen == flows.FIRST_SCREEN):
            if registered(record) is not None:
                raise Refused(MSG_DONE)
        if action in ("INIT", "BACK") and screen in (None, flows.FIRST_SCREEN):
            return 200, {"screen": flows.FIRST_SCREEN, "data": {}}
        handler = EXCHANGES.get(screen) if action == "data_exchange" else None
        if handler is None:
            return 400, {"error_msg": "Permintaan tidak dikenal."}
        return 200, handler(record, data, now)
    except Refused as exc:
        metrics.emit("FlowRefused")
        return 427, {"error_msg": str(exc)}


def _choice(data: dict) -> tuple[str | None, str | None]:
    service, mode = data.get("service"), data.get("mode")
    ok = validation.one_of(service, rules.SERVICES) and validation.one_of(mode, rules.MODES)
    return (service, mode) if ok else (None, None)


def _hari_data(service: str, mode: str, now: datetime) -> dict:
    days = registrations.bookable_days(rules.wib_now(now).date())[:flows.OFFERED_DAYS]
    cells = capacity.day_offer(days, now)[service][mode]
    offer = [(d, cells[d.isoformat()]["seats"], cells[d.isoformat()]["free"]) for d in days]
    return flows.hari_data(service, mode, offer)


def _layanan(record, data: dict, now: datetime) -> dict:
    service, mode = _choice(data)
    if service is None:
        return {"screen": "LAYANAN", "data": {"error_message": MSG_CHOOSE}}
    hari = _hari_data(service, mode, now)
    if not hari["days"]:
        return {"screen": "LAYANAN", "data": {"error_message": MSG_NO_DAYS}}
    return {"screen": "HARI", "data": hari}


def _hari(record, data: dict, now: datetime) -> dict:
    service, mode = _choice(data)
    if service is None:
        return {"screen": "LAYANAN", "data": {"error_message": MSG_CHOOSE}}
    today = rules.wib_now(now).date()
    days, problem = validation.validate_days(data.get("days"), today, registrations.closed_days(today))
    topics = data.get("topics")
    allowed = rules.topics_for(service)
    if problem is None and (not isinstance(topics, list) or not 1 <= len(topics) <= 4
                            or any(t not in allowed for t in topics)):
        problem = "Pilih 1 sampai 4 topik konsultasi."
    if problem is None:
        problem = registrations.servable(service, mode, days).get("days")
    if problem:
        return {"screen": "HARI", "data": {**_hari_data(service, mode, now), "error_message": problem}}
    picked = [d.isoformat() for d in days]
    estimate = estimates.text_for(service, mode, picked) or NO_ESTIMATE
    return {"screen": "DATA_DIRI", "data": {"service": service, "mode": mode, "days": picked,
                                            "topics": list(dict.fromkeys(topics)), "estimate": estimate,
                                            **flows.organisation(service)}}


def _persetujuan(record, data: dict, now: datetime) -> dict:
    payload = {**flows.registration_payload(data, record.phone, record.campaign), "another": record.another}
    outcome = registrations.create_registration(payload, idempotency_key(record.token_id), now,
                                                origin=registrations.FLOW)
    if outcome.status == 201:
        metrics.emit("FlowRegistrations")
        estimate = outcome.body.get("estimate") or NO_ESTIMATE
        if not _any_free(payload, now):
            estimate = MSG_FILLED
        return {"screen": "SELESAI", "data": {
            "reference": outcome.body["reference"],
            "message": f"{estimate} Konfirmasi dan tautan status pribadi Anda kami kirim di chat ini."}}
    errors = outcome.body.get("errors") or {"_form": registrations.BUSY}
    service = data.get("service") if validation.one_of(data.get("service"), rules.SERVICES) else rules.SERVICE_UKM
    echo = {k: data.get(k) for k in flows.CARRY_USAHA + flows.FORM_FIELDS if k in data}
    return {"screen": "PERSETUJUAN", "data": {**echo, **flows.organisation(service),
                                              "error_message": flows.error_text(errors)}}


def _any_free(payload: dict, now: datetime) -> bool:
    """Whether a seat for the visitor's choice is still free on one of the days picked (they were
    offered with seats; another visitor may have taken the last one meanwhile)."""
    days = sorted(payload["days"])
    wanted = set(days)
    return any(s.service == payload["service"] and payload["mode"] in s.modes and s.start > now
               and s.start.astimezone(rules.WIB).date().isoformat() in wanted
               for s in capacity.free_slots(date.fromisoformat(days[0]), date.fromisoformat(days[-1])))


EXCHANGES = {"LAYANAN": _layanan, "HARI": _hari, "PERSETUJUAN": _persetujuan}
