"""The service calendar: which sessions the clinic can offer, as a pure function.

Inputs are plain frozen dataclasses (built from the database by the caller); the output is a
sorted list of `Slot`. No I/O, no Chalice imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .rules import DEFAULT_RULES, MODE_DARING, MODE_TATAP_MUKA, ServiceRules


@dataclass(frozen=True)
class Consultant:
    id: str
    name: str
    services: frozenset  # subset of rules.SERVICES keys
    topics: frozenset  # subset of rules.TOPICS keys
    modes: frozenset  # subset of {MODE_TATAP_MUKA, MODE_DARING}
    active: bool = True


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class RosterRule:
    """Weekly pattern: consultant is on duty every `weekday` (0=Monday) for `service`'s block."""

    consultant_id: str
    weekday: int
    service: str


@dataclass(frozen=True)
class RosterException:
    """A dated change to the pattern: kind "cuti" (off duty) or "tambahan" (extra duty)."""

    consultant_id: str
    day: date
    service: str
    kind: str  # "cuti" | "tambahan"


@dataclass(frozen=True)
class Closure:
    """No service on `day`: a public holiday, cuti bersama, or an office closure.

    `service` None closes the whole day; otherwise only that service's block.
    """

    day: date
    reason: str
    service: str | None = None


@dataclass(frozen=True)
class Slot:
    """One bookable seat: a consultant on duty at one start time.

    `modes` is what the seat can take: MODE_DARING if the consultant works online,
    MODE_TATAP_MUKA if the consultant works face to face AND a room was reserved for this
    consultant at this time (`room_id`). A seat holds one session whatever its mode.
    """

    start: datetime  # timezone-aware, UTC
    service: str
    consultant_id: str
    modes: frozenset
    room_id: str | None

    @property
    def seat_id(self) -> str:
        """Stable identity of the (consultant, start) seat, used as a lock key."""
        return f"{self.start.strftime('%Y-%m-%dT%H:%M:%SZ')}#{self.consultant_id}"


EXCEPTION_OFF = "cuti"
EXCEPTION_EXTRA = "tambahan"
ALL_MODES = frozenset({MODE_TATAP_MUKA, MODE_DARING})
