"""Staff's notes kept with a reporting period (table `report_notes`)."""
from __future__ import annotations

from .models import TEAM, ReportNoteRecord
from .unit_of_work import UnitOfWork


def get(key: str) -> ReportNoteRecord | None:
    return ReportNoteRecord.get_or_none(TEAM, key)


def put(uow: UnitOfWork, key: str, text: str, by: str, at: str) -> None:
    uow.put(ReportNoteRecord(TEAM, key, text=text, updated_by=by, updated_at=at))
