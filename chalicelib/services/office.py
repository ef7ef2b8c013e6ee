"""What staff change in a day's sessions from the admin page: cancel one session (the visitor back
in the queue at their place, or the registration closed) and move one to another seat. The change
is services/booking.py's; the seat it frees goes to the waiting list at once
(services/allocation.refill), as after a visitor's own cancellation, never back to the visitor
the office took it from."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import clock
from ..domain.errors import Conflict
from . import allocation, booking

if TYPE_CHECKING:
    from ..store.models import SessionRecord


def cancel_session(actor: str, session_id: str, requeue: bool = True) -> SessionRecord | None:
    """Cancel; returns the session that took the freed seat, if anyone waiting could. A visitor put
    back in the queue is booked at once on another free seat of their days, if there is one."""
    now = clock.now()
    released = booking.cancel_by_office(actor, session_id, requeue=requeue)
    if not requeue:
        return allocation.quietly(allocation.refill, released, now)
    booked = allocation.quietly(allocation.requeued, released.reference, released, now) or []
    return next((s for s in booked if s.seat_id == released.seat_id), None)


def move_session(actor: str, session_id: str, start: object, consultant_id: object) -> SessionRecord:
    """Move to another seat; the old seat goes to the queue. Returns the moved session. When the
    target was taken meanwhile, the visitor waits again at their place and is booked at once on
    any free seat of their days (their old one included: nobody took it from them)."""
    old = booking.get_session(session_id)
    now = clock.now()
    try:
        moved = booking.move_session(actor, session_id, start, consultant_id)
    except Conflict:
        if booking.get_session(session_id).status != old.status:  # released, then the target was lost
            allocation.quietly(allocation.requeued, old.reference, None, now)
        raise
    allocation.quietly(allocation.refill, old, now)
    return moved
