"""The staff's "Kotak keluar": every message as its recipient sees (or will see) it, with its
status; a failed one can be sent again."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from .. import clock
from ..adapters.senders import provider_label
from ..domain import replies, rules
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.message_status import FAILED, PENDING, STATUS_LABELS, UNKNOWN
from ..domain.references import normalize_reference
from ..messages.catalog import AUDIENCE_LABELS, BY_NAME, CHANNEL_LABELS, Defer, Skip, format_reference
from ..messages.compose import Data, build, render
from ..messages.records import UNKNOWN_WAIT_SECONDS
from ..store import inbox as inbox_store
from ..store import outbox as store
from ..store.paging import decode_cursor, encode_cursor
from ..store.unit_of_work import Cancelled, UnitOfWork

if TYPE_CHECKING:
    from ..store.models import OutboxRecord

PAGE_MAX = 100



def staff_list(*, day: date | None = None, status: str | None = None, cursor: str | None = None,
               limit: int = 25, now: datetime | None = None) -> dict:
    """A page of messages, newest first: of one WIB day (default today), optionally one status;
    or, with a status and no day, of every day (e.g. all failed messages)."""
    if status and status not in STATUS_LABELS:
        raise InputError({"status": "Status tidak dikenal."})
    if not 1 <= limit <= PAGE_MAX:
        raise InputError({"limit": f"Antara 1 dan {PAGE_MAX}."})
    now = now or clock.now()
    start_key = decode_cursor(cursor) if cursor else None
    if day is None and not status:
        day = rules.wib_now(now).date()
    records, last_key = store.staff_page(day=day.isoformat() if day else None, status=status, limit=limit,
                                         start_key=start_key)
    data = Data()
    return {"items": [staff_view(r, data, now) for r in records], "next_cursor": encode_cursor(last_key),
            "day": day.isoformat() if day else None, "status": status}


def staff_view(record: OutboxRecord, data: Data | None = None, now: datetime | None = None) -> dict:
    kind = BY_NAME.get(record.template)
    out = {
        "id": record.message_id,
        "created_at": record.created_at,
        "created_at_wib": rules.parse_utc_iso(record.created_at).astimezone(rules.WIB).strftime("%Y-%m-%d %H:%M"),
        "day": record.day,
        "channel": record.channel,
        "channel_label": CHANNEL_LABELS.get(record.channel, record.channel),
        "recipient_kind": record.recipient_kind,
        "recipient_label": AUDIENCE_LABELS.get(record.recipient_kind, record.recipient_kind),
        "to": record.recipient,
        "reference": format_reference(record.reference) if record.reference else None,
        "session_id": record.session_id,
        "consultant_id": record.consultant_id,
        "template": record.template,
        "template_label": kind.label if kind else record.template,
        "essential": bool(kind and kind.essential),
        "status": record.status,
        "status_label": STATUS_LABELS.get(record.status, record.status),
        "attempts": int(record.attempts or 0),
        "next_attempt_at": record.next_attempt_at if record.status in (PENDING, UNKNOWN) and record.due else None,
        "resends": int(record.resends or 0),
        "resend_note": (f"Dikirim lagi {int(record.resends)}\u00d7 karena tidak ada kabar status dari penyedia "
                        f"dalam {UNKNOWN_WAIT_SECONDS // 60} menit; penerima mungkin menerima lebih dari satu."
                        if record.resends else None),
        "unknown_note": ("Jawaban penyedia tidak sampai; status menunggu kabar dari WhatsApp/SES."
                         if record.status == UNKNOWN else None),
        "sent_at": record.sent_at,
        "provider_message_id": record.provider_message_id,
        "provider_label": provider_label(record.channel, record.provider_message_id),
        "error": record.error,
        # Not an error: the message waits for something that is on its way (the Zoom link).
        "waiting_note": (f"Belum dikirim: {record.waiting}; dicoba lagi otomatis."
                         if record.status == PENDING and record.waiting else None),
        "can_retry": record.status == FAILED,
        "preview": None,
        "preview_note": None,
    }
    if record.rendered:
        snapshot = json.loads(record.rendered)
        out["to"] = out["to"] or snapshot.get("to")
        out["preview"] = {k: snapshot.get(k) for k in ("subject", "text", "parameters", "calendar", "buttons")}
        out["preview_note"] = "Seperti yang terkirim."
        return out
    now = now or clock.now()
    try:
        built = build(record, data or Data(), now)
        out["to"] = built.to
        out["preview"] = render(record, built, now).preview()
        out["preview_note"] = "Pratinjau dari data saat ini."
    except Defer as wait:
        out["preview_note"] = f"Belum dapat dikirim: {wait}."
    except Skip as reason:
        out["preview_note"] = f"Tidak akan dikirim: {reason}."
    except Exception as exc:  # noqa: BLE001 - a preview must never break the list
        out["preview_note"] = f"Pratinjau tidak tersedia ({type(exc).__name__})."
    return out


def reply_view(x) -> dict:
    """A visitor's WhatsApp message as staff see it: their words, what the system understood and did."""
    return {"direction": "masuk", "id": x.message_id, "at": x.received_at,
            "at_wib": rules.parse_utc_iso(x.received_at).astimezone(rules.WIB).strftime("%Y-%m-%d %H:%M"),
            "reference": format_reference(x.reference) if x.reference else None, "session_id": x.session_id,
            "kind": x.kind, "kind_label": {"button": "Tombol", "interactive": "Pilihan"}.get(x.kind, "Pesan"),
            "text": x.text, "action": x.action, "action_label": replies.ACTIONS.get(x.action, x.action),
            "outcome": x.outcome, "outcome_label": replies.OUTCOMES.get(x.outcome, x.outcome)}


def _moment(stamp: str | None) -> str:
    """A stored instant with microseconds, so that ones of either precision sort together."""
    return (stamp or "").replace("Z", ".000000Z") if len(stamp or "") == 20 else (stamp or "")


def conversation(raw_reference: object, now: datetime | None = None) -> dict:
    """One registration's messages and the visitor's replies, in the order they happened: our
    messages by when they were made, the visitor's by when they were handled (both to the
    microsecond where stored so; older records to the second), a tap after the message it was on,
    an answer right after the message it answers."""
    reference = normalize_reference(raw_reference)
    if reference is None:
        raise InputError({"reference": "Kode pendaftaran tidak valid (contoh: KPB-7QX)."})
    now = now or clock.now()
    data = Data()
    events, answers = [], {}
    for r in store.of_reference(reference):
        view = {**staff_view(r, data, now), "direction": "keluar", "at": r.sent_at or r.created_at}
        answers_to = json.loads(r.params or "{}").get("answers")
        if answers_to:
            answers.setdefault(answers_to, []).append(view)
        else:
            events.append(((_moment(r.made_at or r.created_at), 1), view))
    made = {view["id"]: key for key, view in events}
    for x in inbox_store.of_reference(reference):
        key, tapped = (_moment(x.handled_at), 0), made.get(x.in_reply_to or "")
        if tapped is not None and tapped > key:  # a tap comes after the message it was on, whatever
            key = (tapped[0], 2)                 # two machines' clocks said (they may differ by a second)
        events.append((key, reply_view(x)))
    known = {view["id"] for _, view in events if view["direction"] == "masuk"}
    for key, views in answers.items():
        if key not in known:  # its message is gone (TTL): by its own time
            events += [((_moment(v["created_at"]), 1), v) for v in views]
    out = []
    for _, view in sorted(events, key=lambda e: e[0]):
        out.append(view)
        if view["direction"] == "masuk":
            out += sorted(answers.get(view["id"], []), key=lambda v: v["created_at"])
    return {"reference": format_reference(reference), "items": out,
            "replies": sum(1 for item in out if item["direction"] == "masuk")}


def replies_of_day(day: date | None = None, now: datetime | None = None) -> dict:
    """The visitors' WhatsApp messages received on one WIB day (default today), newest first."""
    day = day or rules.wib_now(now or clock.now()).date()
    return {"day": day.isoformat(), "items": [reply_view(x) for x in inbox_store.of_day(day.isoformat())]}


def retry(actor: str, message_id: str, now: datetime | None = None) -> dict:
    """Staff send a failed message again: back to pending, attempts from zero."""
    now = now or clock.now()
    record = store.get(message_id)
    if record is None:
        raise NotFound({"_form": "Pesan tidak ditemukan."})
    if record.status != FAILED:
        raise Conflict({"_form": "Hanya pesan yang gagal yang dapat dikirim ulang."})
    uow = UnitOfWork(actor, "pesan.kirim_ulang", record.reference or message_id,
                     {"message": message_id, "template": record.template, "channel": record.channel})
    store.reset_failed(uow, record, rules.to_utc_iso(now))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Status pesan baru saja berubah; muat ulang daftar."}) from None
    return staff_view(store.get(message_id, consistent=True), now=now)
