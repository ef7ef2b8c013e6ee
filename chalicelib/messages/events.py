"""Hooks that turn a change into outbox records, for the SAME transaction as the change.

Each hook RETURNS the new records; the use case adds them to its unit of work
(`store.outbox.add(uow, records)`), which writes them with ``attribute_not_exists``. Nothing
here writes. A visitor gets WhatsApp always and e-mail too when
they gave an address. Ids are deterministic (a hash of ``<template>#<subject>#<channel>``), so a
retried transaction never makes a second message; subjects are unique per change (a session id, a reference, or a reference plus the
change's time), so a legitimate change is never refused because of an old message.

Texts are rendered when the message is sent (messages/compose.py), from the data of that
moment; `params` keeps only facts of the event that the data will not remember.

Each hook adds at most two records (two channels): far below DynamoDB's 100 items per
transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock
from ..domain import rules
from . import catalog
from .catalog import EMAIL, VISITOR, WHATSAPP
from .records import new_record

if TYPE_CHECKING:
    from ..store.models import Registration, SessionRecord

MOVE_GRACE = timedelta(minutes=2)  # a move's cancellation waits for the new booking's message
DESK_HOLD = timedelta(minutes=3)  # a walk-in's "received" waits for the desk to seat them



def _visitor(template: str, reg: Registration, subject: str, now: datetime | None, *, session_id: str | None = None,
             params: dict | None = None, not_before: datetime | None = None) -> list:
    now = now or clock.now()
    channels = [WHATSAPP] + ([EMAIL] if reg.email else [])
    return [new_record(template, channel, subject, recipient_kind=VISITOR, now=now, reference=reg.reference,
                       session_id=session_id, params=params, not_before=not_before)
            for channel in channels]


def on_registration_received(reg: Registration, now: datetime | None = None, estimate: str | None = None,
                             *, desk_hold: bool = False) -> list:
    """`estimate`: the words of the waiting-time estimate published when the visitor registered.
    `desk_hold`: stored at the walk-in desk before seating the visitor; the message waits
    DESK_HOLD and is skipped if a session was booked meanwhile (messages/compose.py), so a desk
    that loses its seat, or a crash before the booking, still leaves the visitor told."""
    now = now or clock.now()
    # Held at the desk: the days and estimate are read when it is sent (the desk may still queue
    # the visitor for other days: services/desk.queue).
    params = {"desk": True} if desk_hold else {"days": list(reg.days)}
    if estimate and not desk_hold:
        params["estimate"] = estimate
    return _visitor(catalog.PENDAFTARAN_DITERIMA, reg, reg.reference, now, params=params,
                    not_before=now + DESK_HOLD if desk_hold else None)


def on_link_requested(reg: Registration, slot: str, now: datetime | None = None) -> list:
    """The private status link, sent again on the visitor's request; `slot` makes the id (one
    message per slot: the day's allowance is a condition of the write)."""
    return _visitor(catalog.TAUTAN_STATUS, reg, f"{reg.reference}#{slot}", now)


def on_session_scheduled(session: SessionRecord, reg: Registration, now: datetime | None = None,
                         *, moved: bool = False) -> list:
    """A booking: "scheduled", or "changed" when it is the new half of a move by staff."""
    template = catalog.SESI_DIUBAH if moved else catalog.SESI_TERJADWAL
    return _visitor(template, reg, session.session_id, now, session_id=session.session_id)


def on_session_cancelled(session: SessionRecord, reg: Registration, by: str, *, requeue: bool,
                         moving: bool = False, now: datetime | None = None) -> list:
    """A released session. `moving`: the first half of a move; the message waits a little and is
    skipped when the new booking's "changed" message took its place."""
    now = now or clock.now()
    params = {"by": by, "requeue": requeue}
    if moving:
        params["moving"] = True
    return _visitor(catalog.SESI_DIBATALKAN, reg, session.session_id, now, session_id=session.session_id,
                    params=params, not_before=now + MOVE_GRACE if moving else None)


def on_session_moved(session: SessionRecord, reg: Registration, now: datetime | None = None) -> list:
    return on_session_scheduled(session, reg, now, moved=True)


def on_new_days(reg: Registration, days: list[str], now: datetime | None = None,
                released: SessionRecord | None=None) -> list:
    """The visitor offered other dates (a scheduled session, if any, was released for them)."""
    now = now or clock.now()
    return _visitor(catalog.TANGGAL_BARU_DITERIMA, reg, f"{reg.reference}#{rules.to_utc_iso_precise(now)}", now,
                    session_id=released.session_id if released else None, params={"days": list(days)})


def on_registration_cancelled(reg: Registration, now: datetime | None = None) -> list:
    """The visitor cancelled a registration that had no session."""
    return _visitor(catalog.PENDAFTARAN_DIBATALKAN, reg, reg.reference, now)


def on_expired(reg: Registration, now: datetime | None = None) -> list:
    """No offered day could be served: invite the visitor to offer new dates."""
    now = now or clock.now()
    return _visitor(catalog.TANGGAL_TIDAK_TERSEDIA, reg, f"{reg.reference}#{rules.to_utc_iso_precise(now)}", now,
                    params={"days": list(reg.days)})


RELEASE_ACTIONS = {
    # services/booking.release action -> who released it
    "sesi.batal_pengunjung": "pengunjung",
    "sesi.minta_tanggal_lain": "pengunjung",
}


def on_release(session: SessionRecord, reg: Registration, *, action: str, requeue: bool, moving: bool,
               details: dict | None = None, now: datetime | None = None) -> list:
    """The messages of a released session (services/booking.release), chosen by its action."""
    if action == "sesi.minta_tanggal_lain":
        return on_new_days(reg, list((details or {}).get("days") or reg.days), now, released=session)
    return on_session_cancelled(session, reg, RELEASE_ACTIONS.get(action, "kantor"), requeue=requeue,
                                moving=moving, now=now)


# --- answers to the visitor's own WhatsApp message (services/whatsapp_inbox.py) ----------------------

def answer(template: str, *, to: str, subject: str, received_at: datetime, answers_to: str,
           now: datetime | None = None, reference: str | None = None, session_id: str | None = None,
           params: dict | None = None):
    """One free-form WhatsApp answer to the number that wrote (`to`), to its message `answers_to`.
    `subject` makes the id: the inbound message's id (one answer per message), or a number and a
    day (the help: once a day)."""
    return new_record(template, WHATSAPP, subject, recipient_kind=VISITOR, now=now or clock.now(), reference=reference,
                      session_id=session_id,
                      params={**(params or {}), "to": to, "received_at": rules.to_utc_iso(received_at),
                              "answers": answers_to})
