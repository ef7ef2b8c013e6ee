"""The visitors' WhatsApp replies (table `inbound`): each handled message once, by its wamid.

`add` puts the record into the transaction of what the message changed, with
``attribute_not_exists``: Meta delivering the same webhook twice (or two deliveries at once)
cannot make a second change; the transaction of the second one is cancelled on the label
`INBOUND`. A message whose change was made by a use case with its own, full transaction (a
cancellation, new dates) is stored after it; that change carries the wamid itself
(Registration.inbound_id), so a second delivery finds it there.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain import rules
from .models import InboundRecord
from .outbox import RETENTION_DAYS
from .unit_of_work import UnitOfWork

INBOUND = "inbound"
TEXT_MAX = 500


def build(message_id: str, *, kind: str, text: str | None, action: str, outcome: str, received_at: datetime,
          now: datetime, reference: str | None = None, session_id: str | None = None,
          in_reply_to: str | None = None) -> InboundRecord:
    return InboundRecord(
        message_id, reference=reference, session_id=session_id, in_reply_to=in_reply_to, kind=kind,
        text=(text or "")[:TEXT_MAX] or None, action=action, outcome=outcome,
        received_at=rules.to_utc_iso(received_at), handled_at=rules.to_utc_iso_precise(now),
        day=rules.wib_now(received_at).date().isoformat(), expires_at=now + timedelta(days=RETENTION_DAYS))


def get(message_id: str) -> InboundRecord | None:
    return InboundRecord.get_or_none(message_id, consistent=True)


def add(uow: UnitOfWork, record: InboundRecord) -> None:
    uow.put(record, InboundRecord.message_id.does_not_exist(), label=INBOUND)


def of_reference(reference: str, limit: int = 200) -> list[InboundRecord]:
    """A registration's replies, oldest first."""
    return list(InboundRecord.by_reference.query(reference, limit=limit))


def latest_of_reference(reference: str, since: str, limit: int = 20) -> list[InboundRecord]:
    """Its replies received since a UTC instant, newest first."""
    return list(InboundRecord.by_reference.query(reference, InboundRecord.received_at >= since,
                                                 scan_index_forward=False, limit=limit))


def of_day(day: str, limit: int = 100) -> list[InboundRecord]:
    """The replies received on one WIB day, newest first."""
    return list(InboundRecord.by_day.query(day, scan_index_forward=False, limit=limit))


def scrub(record: InboundRecord) -> None:
    """The visitor's words go (services/privacy.py); what the system did stays, without them."""
    record.update(actions=[InboundRecord.text.remove()])
