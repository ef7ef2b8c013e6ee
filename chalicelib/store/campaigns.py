"""Outreach campaigns (table `campaigns`, one partition): posts live inside the campaign item."""
from __future__ import annotations

from .models import TEAM, CampaignPost, CampaignRecord
from .unit_of_work import UnitOfWork

LABEL = "campaign"


def all() -> list[CampaignRecord]:  # noqa: A001 - the aggregate's "every campaign"
    return list(CampaignRecord.query(TEAM))


def get(code: str) -> CampaignRecord | None:
    return CampaignRecord.get_or_none(TEAM, code)


def build(code: str, **fields) -> CampaignRecord:
    return CampaignRecord(TEAM, code, **fields)


def build_post(**fields) -> CampaignPost:
    return CampaignPost(**fields)


def add_new(uow: UnitOfWork, record: CampaignRecord) -> None:
    uow.put(record, CampaignRecord.code.does_not_exist(), label=LABEL)


def update(uow: UnitOfWork, record: CampaignRecord, fields: dict) -> None:
    actions = [getattr(CampaignRecord, k).set(v) if v is not None else getattr(CampaignRecord, k).remove()
               for k, v in fields.items()]
    uow.update(record, actions, CampaignRecord.code.exists(), label=LABEL)


def save_posts(uow: UnitOfWork, record: CampaignRecord, posts: list, stamp: str) -> None:
    """Optimistic: the write holds only if nobody saved the campaign since it was read."""
    uow.update(record, [CampaignRecord.posts.set(posts), CampaignRecord.updated_at.set(stamp)],
               CampaignRecord.updated_at == record.updated_at, label=LABEL)
