"""The team: consultants, rooms, the duty roster and office closures (tables `consultants`,
`rooms`, `roster`, `closures`). The team tables hold tens of items in one partition each: one
Query lists them.

Roster sort keys: weekly pattern ``rule#<consultant_id>#<weekday>#<service>``; dated exception
``exc#<YYYY-MM-DD>#<consultant_id>#<service>`` (a date range is one Query with ``between``).
Closures: partition = year, sort key ``<YYYY-MM-DD>#<service|all>``.
"""
from __future__ import annotations

from datetime import date

from .models import TEAM, ClosureRecord, ConsultantRecord, RoomRecord, RosterRecord
from .unit_of_work import UnitOfWork

# --- consultants ------------------------------------------------------------------------------------

def consultants() -> list[ConsultantRecord]:
    return list(ConsultantRecord.query(TEAM))


def consultant(consultant_id: str) -> ConsultantRecord | None:
    return ConsultantRecord.get_or_none(TEAM, consultant_id)


def build_consultant(consultant_id: str, **fields) -> ConsultantRecord:
    return ConsultantRecord(TEAM, consultant_id, **fields)


def put_consultant(uow: UnitOfWork, record: ConsultantRecord, *, new: bool) -> None:
    cond = ConsultantRecord.consultant_id.does_not_exist() if new else ConsultantRecord.consultant_id.exists()
    uow.put(record, cond, label="consultant")


# --- rooms -------------------------------------------------------------------------------------------------

def rooms() -> list[RoomRecord]:
    return list(RoomRecord.query(TEAM))


def build_room(room_id: str, **fields) -> RoomRecord:
    return RoomRecord(TEAM, room_id, **fields)


def put_room(uow: UnitOfWork, record: RoomRecord, *, new: bool) -> None:
    uow.put(record, RoomRecord.room_id.does_not_exist() if new else RoomRecord.room_id.exists(), label="room")


# --- roster ------------------------------------------------------------------------------------------------

def rule_key(consultant_id: str, weekday: int, service: str) -> str:
    return f"rule#{consultant_id}#{weekday}#{service}"


def exception_key(day: date, consultant_id: str, service: str) -> str:
    return f"exc#{day.isoformat()}#{consultant_id}#{service}"


def roster_rules() -> list[RosterRecord]:
    return list(RosterRecord.query(TEAM, RosterRecord.sk.startswith("rule#")))


def roster_exceptions(start: date, end: date) -> list[RosterRecord]:
    return list(RosterRecord.query(TEAM, RosterRecord.sk.between(f"exc#{start.isoformat()}", f"exc#{end.isoformat()}#~")))


def build_rule(consultant_id: str, weekday: int, service: str, stamp: str) -> RosterRecord:
    return RosterRecord(TEAM, rule_key(consultant_id, weekday, service), consultant_id=consultant_id,
                        weekday=weekday, service=service, updated_at=stamp)


def build_exception(day: date, consultant_id: str, service: str, kind: str, stamp: str) -> RosterRecord:
    return RosterRecord(TEAM, exception_key(day, consultant_id, service), consultant_id=consultant_id,
                        service=service, day=day.isoformat(), kind=kind, updated_at=stamp)


def roster_entry(sort_key: str) -> RosterRecord:
    return RosterRecord(TEAM, sort_key)


def put_roster(uow: UnitOfWork, record: RosterRecord) -> None:
    uow.put(record, label="roster")


def delete_roster(uow: UnitOfWork, record: RosterRecord, *, must_exist: bool = False) -> None:
    uow.delete(record, RosterRecord.sk.exists() if must_exist else None, label="roster")


# --- closures ----------------------------------------------------------------------------------------------

def closure_key(day: date, service: str | None) -> str:
    return f"{day.isoformat()}#{service or 'all'}"


def closures(start: date, end: date) -> list[ClosureRecord]:
    out = []
    for year in range(start.year, end.year + 1):
        out.extend(ClosureRecord.query(str(year), ClosureRecord.sk.between(start.isoformat(), end.isoformat() + "#~")))
    return out


def build_closure(day: date, service: str | None, **fields) -> ClosureRecord:
    return ClosureRecord(str(day.year), closure_key(day, service), day=day.isoformat(), service=service, **fields)


def put_closure(uow: UnitOfWork, record: ClosureRecord) -> None:
    uow.put(record, ClosureRecord.sk.does_not_exist(), label="closure")


def delete_closure(uow: UnitOfWork, day: date, service: str | None) -> None:
    uow.delete(ClosureRecord(str(day.year), closure_key(day, service)), ClosureRecord.sk.exists(), label="closure")
