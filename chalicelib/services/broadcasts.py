"""WhatsApp broadcasts to past clients (the proposal's "personal WhatsApp broadcast").

Staff compose a broadcast from a registered WhatsApp template (MARKETING category, see
`messages.catalog.BROADCAST_KINDS`), fill its parameters, and choose who gets it: past clients (a
registration ended "selesai": they came to a session) of a service and/or some kecamatan, whose
number did not reply BERHENTI. The link in the message carries the campaign code
``wa-<broadcast id>`` (a CampaignRecord made with the broadcast), so the registrations that
follow are counted like any campaign's.

Recipients are not stored. Finding them never Scans: a Query on GSI by_kecamatan (one
partition per chosen kecamatan, filtered to status selesai and the service), else on
by_service, else on by_status = selesai; only registrations of the last RETENTION_MONTHS that
still hold a number. A number is messaged once per broadcast (several registrations of one
number give one message).

Pacing: the scheduled function `send_broadcasts` (every minute) continues each running
broadcast's Query from its stored cursor and queues at most BROADCAST_PER_MINUTE messages (default
20) into the outbox, and no more than BROADCAST_DAILY_LIMIT (default 250) a day over all
broadcasts. WhatsApp's own throughput (80 messages/s per number) is never the limit; what
matters is the business-initiated messaging limit of the number's tier (250 / 1,000 / 10,000
unique people per 24 h) and its quality rating, which a burst of marketing messages can lower.
The outbox sender (every minute, 50 a run) sends them like every other message.

Never twice: each outbox record's id is derived from the broadcast and the number (not the
number itself: a hash), written with attribute_not_exists in one transaction with the
broadcast's `queued` counter and the day's total. A retried run, two overlapping runs, or a
retried create request (same Idempotency-Key -> same broadcast id) cannot make a second message.
Delivery: the outbox ADDs sent/delivered/read/failed/not_sent to the broadcast as statuses change.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, settings
from ..budget import Deadline
from ..domain import counters, periods, rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..messages import catalog
from ..messages.catalog import VISITOR, WHATSAPP
from ..messages.records import new_record
from ..messages.render import render_whatsapp
from ..store import broadcasts as store
from ..store import campaigns as campaigns_store
from ..store import outbox as outbox_store
from ..store import registrations as registrations_store
from ..store import stats as stats_store
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import campaigns, flows, privacy

if TYPE_CHECKING:
    from ..store.models import BroadcastRecord, Registration

RUNNING, DONE, CANCELLED = store.RUNNING, "selesai", "dibatalkan"
STATUS_LABELS = {RUNNING: "Sedang dikirim", DONE: "Selesai", CANCELLED: "Dibatalkan"}
PAGE = 50
MAX_PAGES_PER_RUN = 100
DAILY_KEY = "BC#{day}"
PARAM_MAX = 300
PAGE_RESERVE = 5.0  # seconds kept to queue one page (at most PAGE transactions) and save the cursor


def per_minute() -> int:
    return settings.broadcast_per_minute()


def daily_limit() -> int:
    return settings.broadcast_daily_limit()



def campaign_code(broadcast_id: str) -> str:
    return f"wa-{broadcast_id}"


# --- composing -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    template: str
    params: dict
    service: str | None
    kecamatan: tuple[str, ...]


def templates() -> list[dict]:
    return [{"name": k.name, "label": k.label, "when": k.when,
             "params": [{"name": p, "label": catalog.BROADCAST_PARAM_LABELS.get(p, p)} for p in k.params
                        if p not in catalog.BROADCAST_FILLED],
             "preview": render_whatsapp(k, catalog.broadcast_sample(k)).text}
            for k in catalog.BROADCAST_KINDS]


def parse(payload: object) -> Draft:
    if not isinstance(payload, dict):
        raise InputError({"_form": "Data formulir tidak valid."})
    errors = validation.Errors()
    kinds = {k.name: k for k in catalog.BROADCAST_KINDS}
    template = payload.get("template")
    kind = kinds.get(template) if isinstance(template, str) else None
    if kind is None:
        errors.add("template", "Pilih templat siaran yang sudah terdaftar.")
    params: dict = {}
    raw = payload.get("params") if isinstance(payload.get("params"), dict) else {}
    for name in (kind.params if kind else ()):
        if name in catalog.BROADCAST_FILLED:
            continue
        value = validation.text_field(raw, errors, name, 3, PARAM_MAX, required=True,
                                       what=catalog.BROADCAST_PARAM_LABELS.get(name, name))
        if value:
            params[name] = value
    service = payload.get("service") or None
    if service is not None and not validation.one_of(service, rules.SERVICES):
        errors.add("service", "Layanan tidak dikenal.")
    kec = payload.get("kecamatan") or []
    if not isinstance(kec, list) or any(k not in rules.kecamatan_list() for k in kec):
        errors.add("kecamatan", "Ada kecamatan yang tidak dikenal.")
        kec = []
    if errors:
        raise InputError(errors)
    return Draft(template, params, service, tuple(sorted(set(kec))))


# --- recipients (Queries only) ---------------------------------------------------------------------------

def _partitions(d: Draft) -> list[tuple[str, str]]:
    if d.kecamatan:
        return [("kec", k) for k in d.kecamatan]
    if d.service:
        return [("svc", d.service)]
    return [("status", rules.STATUS_DONE)]


def _page(d: Draft, part: tuple[str, str], since: str, last_key: dict | None, size: int):
    kind, value = part
    if kind == "kec":
        return registrations_store.past_clients_page(index="by_kecamatan", partition=value, since=since,
                                                     status=rules.STATUS_DONE, service=d.service, size=size,
                                                     last_key=last_key)
    if kind == "svc":
        return registrations_store.past_clients_page(index="by_service", partition=value, since=since,
                                                     status=rules.STATUS_DONE, service=None, size=size,
                                                     last_key=last_key)
    return registrations_store.past_clients_page(index="by_status", partition=value, since=since, status=None,
                                                 service=None, size=size, last_key=last_key)


def _since(now: datetime) -> str:
    return rules.to_utc_iso(periods.months_back(now, privacy.retention_months()))


def _opted_out(phones: set[str]) -> set[str]:
    return outbox_store.opted_out_among(phones)


def preview(payload: object, now: datetime | None = None) -> dict:
    """How many numbers a broadcast would reach now (reads every matching registration: a staff
    action before sending, bounded by the number of past clients)."""
    d = parse(payload)
    since = _since(now or clock.now())
    names: dict[str, str] = {}  # phone -> the name the message will greet
    for part in _partitions(d):
        key = None
        while True:
            regs, key = _page(d, part, since, key, 200)
            for r in regs:
                if r.phone:
                    names.setdefault(r.phone, r.name)
            if key is None:
                break
    phones = set(names)
    out = _opted_out(phones)
    kind = next(k for k in catalog.BROADCAST_KINDS if k.name == d.template)
    # The preview greets one real recipient of this broadcast (staff see visitors' names anyway).
    reached = sorted(phones - out)
    sample_name = names[reached[0]] if reached else None
    params = {**catalog.broadcast_sample(kind), **d.params, "tautan": campaigns.link(campaign_code("B20260101090000XX"))}
    if sample_name:
        params["nama"] = sample_name
    sample = render_whatsapp(kind, params)
    return {"recipients": len(reached), "opted_out": len(phones & out), "text": sample.text,
            "sample_name": sample_name, "per_minute": per_minute(), "daily_limit": daily_limit()}


# --- the broadcast ----------------------------------------------------------------------------------------

def _new_id(now: datetime, idempotency_key: str | None) -> str:
    stamp = rules.wib_now(now).strftime("%Y%m%d%H%M%S")
    if idempotency_key:
        if not validation.IDEMPOTENCY_RE.match(idempotency_key):
            raise InputError({"_form": "Kunci pengiriman tidak valid; muat ulang halaman lalu kirim lagi."})
        digest = hashlib.sha256(f"broadcast|{idempotency_key}".encode()).hexdigest()[:6].upper()
        existing = _by_key(digest)
        if existing is not None:
            return existing
        return f"B{stamp}{digest}"
    return f"B{stamp}{secrets.token_hex(3).upper()}"


def _by_key(digest: str) -> str | None:
    """A broadcast made with the same Idempotency-Key (its id ends with the key's digest)."""
    for b in store.created_since("B" + rules.wib_now(clock.now() - timedelta(days=2)).strftime("%Y%m%d")):
        if b.broadcast_id.endswith(digest):
            return b.broadcast_id
    return None


def create(actor: str, payload: object, idempotency_key: str | None = None, now: datetime | None = None) -> tuple:
    """Store a broadcast (and its campaign); the runner sends it. (record, created?)"""
    d = parse(payload)
    now = now or clock.now()
    broadcast_id = _new_id(now, idempotency_key)
    existing = store.get(broadcast_id)
    if existing is not None:
        return existing, False
    stamp = rules.to_utc_iso(now)
    kind = next(k for k in catalog.BROADCAST_KINDS if k.name == d.template)
    record = store.build(broadcast_id, template=d.template, params=json.dumps(d.params, ensure_ascii=False),
                         service=d.service, kecamatan=list(d.kecamatan), status=RUNNING, created_at=stamp,
                         created_by=actor, updated_at=stamp)
    campaign = campaigns_store.build(campaign_code(broadcast_id),
                                     name=f"Siaran WhatsApp: {kind.label} {rules.wib_now(now):%d-%m-%Y %H.%M}",
                                     channel="whatsapp", created_at=stamp, created_by=actor, updated_at=stamp,
                                     posts=[], broadcast_id=broadcast_id)
    uow = UnitOfWork(actor, "siaran.buat", broadcast_id, {"template": d.template, "service": d.service,
                                                           "kecamatan": list(d.kecamatan)})
    store.add_new(uow, record)
    campaigns_store.add_new(uow, campaign)
    try:
        uow.commit()
    except Cancelled:
        return store.get(broadcast_id), False  # the same request won a race with us
    return record, True


def get(broadcast_id: str):
    record = store.get(broadcast_id)
    if record is None:
        raise NotFound({"_form": "Siaran tidak ditemukan."})
    return record


def cancel(actor: str, broadcast_id: str):
    b = get(broadcast_id)
    if b.status != RUNNING:
        raise Conflict({"_form": "Siaran ini sudah selesai atau dibatalkan."})
    uow = UnitOfWork(actor, "siaran.batal", broadcast_id, {})
    store.finish(uow, b, CANCELLED, rules.to_utc_iso(clock.now()))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Siaran ini sudah selesai atau dibatalkan."}) from None
    return store.get(broadcast_id)


def running() -> list:
    return store.running()


def view(b: BroadcastRecord, registrations: int | None = None) -> dict:
    kind = next((k for k in catalog.BROADCAST_KINDS if k.name == b.template), None)
    queued = int(b.queued or 0)
    created = rules.parse_utc_iso(b.created_at).astimezone(rules.WIB)
    return {
        "id": b.broadcast_id, "name": f"{kind.label if kind else b.template}, {created:%d-%m-%Y %H.%M} WIB",
        "template": b.template, "template_label": kind.label if kind else b.template,
        "recipients": queued, "delivered": int(b.delivered or 0),
        "params": json.loads(b.params or "{}"), "service": b.service, "kecamatan": list(b.kecamatan or []),
        "status": b.status, "status_label": STATUS_LABELS.get(b.status, b.status), "created_at": b.created_at,
        "created_by": b.created_by, "finished_at": b.finished_at, "campaign": campaign_code(b.broadcast_id),
        "link": campaigns.link(campaign_code(b.broadcast_id)),
        "counts": {"queued": queued, "skipped": int(b.skipped or 0), "sent": int(b.sent or 0),
                   "delivered": int(b.delivered or 0), "read": int(b.read or 0), "failed": int(b.failed or 0),
                   "not_sent": int(b.not_sent or 0)},
        "delivered_share": round(int(b.delivered or 0) / queued, 3) if queued else None,
        "registrations": registrations,
    }


def list_view(start: date | None = None, end: date | None = None, all_time: dict | None = None) -> list[dict]:
    """Broadcasts created in start..end (WIB), newest first: one Query on the team partition."""
    items = store.between(f"B{start:%Y%m%d}", f"B{end:%Y%m%d}99") if start and end else store.between(None, None)
    if all_time is None:
        all_time = stats_store.read_periods([counters.ALL]).get(counters.ALL, {})
    return [view(b, all_time.get(counters.reg_key(counters.BY_CAMPAIGN, campaign_code(b.broadcast_id)), 0)) for b in items]


# --- the paced runner -------------------------------------------------------------------------------------

def _subject(broadcast_id: str, phone: str) -> str:
    return f"{broadcast_id}#{hashlib.sha256(phone.encode()).hexdigest()[:20]}"


def _encode(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _decode(text: str | None) -> dict:
    if not text:
        return {"p": 0, "k": None}
    return json.loads(base64.urlsafe_b64decode(text.encode()))


@dataclass
class RunSummary:
    broadcasts: int = 0
    queued: int = 0
    duplicates: int = 0
    opted_out: int = 0
    finished: int = 0
    limited: bool = False

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _daily_count(day: str) -> int:
    """Messages queued today over all broadcasts (a counter item in the stats table)."""
    return stats_store.read_periods([DAILY_KEY.format(day=day)]).get(DAILY_KEY.format(day=day), {}).get("queued", 0)


def _enqueue(b: BroadcastRecord, reg: Registration, now: datetime, day: str, *, opted_out: bool = False) -> str:
    """One outbox record + the counters, in one transaction, within the pace and the daily limit
    (conditions of that write): queued | duplicate (this number already has it) | limited.

    A number that replied BERHENTI gets a record too, already "skipped" (never sent): the same
    deterministic id makes its count exact when a run is repeated, and staff see why."""
    params = {**json.loads(b.params or "{}"), "tautan": campaigns.link(campaign_code(b.broadcast_id)),
              "broadcast": b.broadcast_id}
    flow = None
    if catalog.BY_NAME[b.template].flow_button and not opted_out:
        # The FLOW button opens the signup Flow bound to this number and the broadcast's campaign;
        # its record is written with the message (a repeated run writes neither).
        flow, params["flow_token"] = flows.new_token(reg.phone, campaign_code(b.broadcast_id), True, now,
                                                     flows.BROADCAST_VALID)
    record = new_record(b.template, WHATSAPP, _subject(b.broadcast_id, reg.phone), recipient_kind=VISITOR, now=now,
                        reference=reg.reference, params=params)
    if opted_out:
        outbox_store.mark_skipped(record, "penerima membalas BERHENTI: siaran tidak dikirim")
    return store.enqueue(b, record, DAILY_KEY.format(day=day), skipped=opted_out, flow=flow,
                         minute="m" + rules.wib_now(now).strftime("%H%M"), per_minute=per_minute(),
                         daily_limit=daily_limit())


def run(now: datetime | None = None, *, deadline: Deadline | None = None) -> RunSummary:
    """Queue the next messages of every running broadcast, within the pace and the daily limit,
    and within the invocation's time (the cursor keeps where it stopped)."""
    now = now or clock.now()
    deadline = deadline or Deadline.seconds(50)
    summary = RunSummary()
    day = rules.wib_now(now).date().isoformat()
    # A first guess from what is already queued; the limits themselves are conditions of each write.
    budget = min(per_minute(), max(0, daily_limit() - _daily_count(day)))
    since = _since(now)
    started = time.monotonic()
    for b in sorted(running(), key=lambda b: b.broadcast_id):
        summary.broadcasts += 1
        d = Draft(b.template, json.loads(b.params or "{}"), b.service, tuple(b.kecamatan or []))
        parts = _partitions(d)
        state = _decode(b.cursor)
        pages = 0
        while budget > 0 and state["p"] < len(parts) and pages < MAX_PAGES_PER_RUN and deadline.allows(PAGE_RESERVE):
            regs, key = _page(d, parts[state["p"]], since, state["k"], min(PAGE, budget))
            pages += 1
            out = _opted_out({r.phone for r in regs if r.phone})
            limited = False
            for i, r in enumerate(regs):
                at = now + timedelta(seconds=time.monotonic() - started)  # the minute it is really queued in
                if r.phone in out:
                    summary.opted_out += _enqueue(b, r, at, day, opted_out=True) == store.QUEUED
                    continue
                outcome = _enqueue(b, r, at, day)
                if outcome == store.QUEUED:
                    summary.queued += 1
                    budget -= 1
                elif outcome == store.DUPLICATE:
                    summary.duplicates += 1
                else:  # another run used the minute's pace or the day's limit: stop, resume here next run
                    limited, budget = True, 0
                    break
            if limited:
                break
            state = {"p": state["p"], "k": key} if key is not None else {"p": state["p"] + 1, "k": None}
        finished = state["p"] >= len(parts)
        store.save_progress(b, _encode(state), rules.to_utc_iso(now), DONE if finished else None)
        summary.finished += finished
        if budget <= 0:
            summary.limited = True
            break
    return summary
