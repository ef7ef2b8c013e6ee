"""Feedback answers (table `feedback`): one per session, a conditional put on the session id."""
from __future__ import annotations

from typing import Iterable

from .models import FeedbackRecord
from .unit_of_work import UnitOfWork

LABEL = "feedback"


def get(session_id: str, *, consistent: bool = True) -> FeedbackRecord | None:
    return FeedbackRecord.get_or_none(session_id, consistent=consistent)


def get_many(session_ids: Iterable[str]) -> dict[str, FeedbackRecord]:
    ids = sorted(set(session_ids))
    return {f.session_id: f for f in FeedbackRecord.batch_get(ids)} if ids else {}


def build(session_id: str, **fields) -> FeedbackRecord:
    return FeedbackRecord(session_id, **fields)


def add_new(uow: UnitOfWork, record: FeedbackRecord) -> None:
    uow.put(record, FeedbackRecord.session_id.does_not_exist(), label=LABEL)


def of_month(month: str) -> list[FeedbackRecord]:
    return list(FeedbackRecord.by_month.query(month))


def comments_page(month: str, lo: str, hi: str, size: int) -> list[FeedbackRecord]:
    """One page (newest first) of the month's answers in lo..hi that carry a suggestion."""
    pages = FeedbackRecord.by_month.query(
        month, FeedbackRecord.created_at.between(lo, hi), filter_condition=FeedbackRecord.improve.exists(),
        scan_index_forward=False, page_size=size).page_iter
    page = next(pages, None) or {}
    return [FeedbackRecord.from_raw_data(raw) for raw in page.get("Items", [])]


def remove_comment(record: FeedbackRecord) -> None:
    record.update(actions=[FeedbackRecord.improve.remove(), FeedbackRecord.profile.remove()])
