"""The signup Flows sent to visitors (table `flow_tokens`): one record per `flow_token`."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain import rules
from .models import FlowTokenRecord
from .unit_of_work import UnitOfWork

LABEL = "flow_token"
KEEP_DAYS = 30  # kept a while after it stops working: a late completion still finds its number


def build(token_id: str, phone: str, campaign: str | None, another: bool, now: datetime,
          valid: timedelta) -> FlowTokenRecord:
    return FlowTokenRecord(token_id, phone=phone, campaign=campaign, another=another,
                           created_at=rules.to_utc_iso(now), valid_until=rules.to_utc_iso(now + valid),
                           expires_at=now + valid + timedelta(days=KEEP_DAYS))


def add(uow: UnitOfWork, record: FlowTokenRecord) -> None:
    uow.put(record, FlowTokenRecord.token_id.does_not_exist(), label=LABEL)


def get(token_id: str) -> FlowTokenRecord | None:
    return FlowTokenRecord.get_or_none(token_id)
