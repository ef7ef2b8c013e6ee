"""What a visitor changes themselves, from the status page or from WhatsApp: cancelling, and
offering other dates. The change is services/booking.py's (the same messages, counters and
audit whichever way the visitor came); a seat it frees goes to the waiting list at once
(services/allocation.refill), so it is not left empty until the next run.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import clock
from . import allocation, booking

if TYPE_CHECKING:
    from ..store.models import Registration

def _refill(released, now):
    return allocation.quietly(allocation.refill, released, now)


def cancel(registration: Registration, *, inbound_id: str | None = None):
    """Cancel the registration (and its session); returns the session that took the freed seat, if any."""
    now = clock.now()
    return _refill(booking.visitor_cancel(registration, inbound_id=inbound_id, now=now), now)


def new_days(registration: Registration, raw_days: object, *, inbound_id: str | None = None,
             confirm: bool = False):
    """Back to the queue with other dates and the place kept; returns the session that took the
    freed seat, if any. A booked seat is given up only with `confirm` (the status page asks first;
    a pick from WhatsApp's "Minta jadwal lain" list is that confirmation)."""
    now = clock.now()
    return _refill(booking.visitor_new_days(registration, raw_days, now, inbound_id=inbound_id, confirm=confirm), now)
