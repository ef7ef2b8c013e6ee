"""Staff's notes kept with a reporting period (table `report_notes`)."""
from __future__ import annotations

from pynamodb.exceptions import PutError

from .conditions import failed_condition
from .models import TEAM, MonthlyReportRecord, ReportNoteRecord
from .unit_of_work import UnitOfWork


def get(key: str) -> ReportNoteRecord | None:
    return ReportNoteRecord.get_or_none(TEAM, key)


def put(uow: UnitOfWork, key: str, text: str, by: str, at: str) -> None:
    uow.put(ReportNoteRecord(TEAM, key, text=text, updated_by=by, updated_at=at))


# --- the monthly reports ---------------------------------------------------------------------------

def build_monthly(month: str, **fields) -> MonthlyReportRecord:
    return MonthlyReportRecord(month, **fields)


def monthly(month: str) -> MonthlyReportRecord | None:
    return MonthlyReportRecord.get_or_none(month, consistent=True)


def keep_monthly(record: MonthlyReportRecord, *, replace: bool) -> bool:
    """Keep a month's report; without `replace` only when none is kept (False: one was)."""
    try:
        record.save(condition=None if replace else MonthlyReportRecord.month.does_not_exist())
    except PutError as exc:
        if failed_condition(exc):
            return False
        raise
    return True


def mark_emailed(record: MonthlyReportRecord, stamp: str) -> None:
    record.update(actions=[MonthlyReportRecord.emailed_at.set(stamp)])
