"""The evaluation counters' items (`stats` table): ADDed in the transaction of each change.

The counters themselves (what a change counts, and where) are pure: chalicelib/domain/counters.py.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from ..domain.counters import Changes
from .models import StatsRecord
from .unit_of_work import UnitOfWork

APPLY_CHUNK = 50  # an update expression may hold at most 4 KB


def _updates(changes: Changes) -> list[tuple]:
    out = []
    for period, counters in sorted(changes.items()):
        if counters:
            out.append((StatsRecord(period),
                        [NumberAttribute(attr_name=name).add(delta) for name, delta in sorted(counters.items())]))
    return out


def add(uow: UnitOfWork, changes: Changes) -> None:
    """ADD the changes in `uow` (one update per period; ADD creates missing items and counters)."""
    for model, actions in _updates(changes):
        uow.update(model, actions)


def items(changes: Changes) -> int:
    """How many transaction items `add` would use."""
    return sum(1 for counters in changes.values() if counters)


def apply(changes: Changes) -> None:
    """Write changes on their own (tests, the bench and back-fills; requests use `add`)."""
    for model, actions in _updates(changes):
        for i in range(0, len(actions), APPLY_CHUNK):
            model.update(actions=actions[i:i + APPLY_CHUNK])


def add_one(period: str, counter: str, delta: int = 1) -> None:
    StatsRecord(period).update(actions=[NumberAttribute(attr_name=counter).add(delta)])


def read_periods(periods: list[str]) -> dict[str, dict[str, int]]:
    """The counters of the given periods with BatchGetItem (100 keys a call): period -> counters.
    A period nobody counted in is simply absent (all zeros)."""
    table = StatsRecord.Meta.table_name
    conn = StatsRecord._get_connection()
    out: dict[str, dict[str, int]] = {}
    pending = list(dict.fromkeys(periods))
    while pending:
        keys, pending = pending[:100], pending[100:]
        while keys:
            answer = conn.batch_get_item([{"period": k} for k in keys])
            for raw in answer.get("Responses", {}).get(table, []):
                out[raw["period"]["S"]] = {name: int(float(value["N"])) for name, value in raw.items() if "N" in value}
            keys = [k["period"]["S"] for k in answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])]
    return out


def watermark(period: str) -> str | None:
    """The `through` mark of a bookkeeping item (e.g. RETENTION), or None."""
    record = StatsRecord.get_or_none(period, consistent=True)
    return record.through if record else None


def set_watermark(period: str, through: str) -> None:
    StatsRecord(period).update(actions=[StatsRecord.through.set(through)])
