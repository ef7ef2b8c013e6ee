"""The audit trail: every staff write is stored together with who made it, in one transaction.

`write(actor, action, target, details, save=[...], delete=[...], conditions=...)` commits the
change and its audit entry atomically, so there is never a change without its entry (or an
entry for a change that did not happen).
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import rules
from .models import AuditRecord, BaseMeta


def connection() -> Connection:
    return Connection(region=BaseMeta.region, host=BaseMeta.host)


def entry(actor: str, action: str, target: str, details: dict | None = None, now: datetime | None = None) -> AuditRecord:
    now = now or datetime.now(rules.UTC)
    return AuditRecord(
        rules.wib_now(now).date().isoformat(),
        f"{rules.to_utc_iso(now)}#{secrets.token_hex(4)}",
        actor=actor,
        action=action,
        target=target,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
    )


# DynamoDB takes up to 100 items per transaction, but the DynamoDB Local build behind
# `make run` takes only 10: every transaction of the system stays within 10 items, so the local
# stack behaves like AWS. Callers with more changes split them (see team.set_weekly_pattern).
MAX_TRANSACTION_ITEMS = 10


def write(actor: str, action: str, target: str, details: dict | None = None, *, save=(), delete=(), update=(), condition_checks=()) -> None:
    """Apply saves/deletes/updates and the audit entry in one DynamoDB transaction.

    `save` holds models or (model, condition) pairs; `delete` likewise; `update` holds
    (model, actions, condition) triples; `condition_checks` (model_class, hash, range, condition).

    A transaction cancelled only by TransactionConflict (another transaction touched one of the
    items at that instant, typically the shared evaluation counters of chalicelib/stats.py) wrote
    nothing and is retried a few times after a short pause; any other failure is raised.
    """
    size = len(save) + len(delete) + len(update) + len(condition_checks) + 1
    if size > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction of {size} items exceeds {MAX_TRANSACTION_ITEMS}: split it")
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            return _write_once(actor, action, target, details, save, delete, update, condition_checks)
        except TransactWriteError as exc:
            codes = {getattr(r, "code", None) for r in (exc.cancellation_reasons or [])} - {None, "None"}
            if codes != {"TransactionConflict"} or attempt == TRANSACTION_ATTEMPTS - 1:
                raise
            from .stats import conflict_pause

            conflict_pause(attempt)


TRANSACTION_ATTEMPTS = 4


def _write_once(actor, action, target, details, save, delete, update, condition_checks) -> None:
    with TransactWrite(connection=connection()) as tx:
        for item in save:
            model, cond = item if isinstance(item, tuple) else (item, None)
            tx.save(model, condition=cond)
        for item in delete:
            model, cond = item if isinstance(item, tuple) else (item, None)
            tx.delete(model, condition=cond)
        for model, actions, cond in update:
            tx.update(model, actions=actions, condition=cond)
        for model_cls, hash_key, range_key, cond in condition_checks:
            tx.condition_check(model_cls, hash_key, range_key, condition=cond)
        tx.save(entry(actor, action, target, details))


def list_day(day: str) -> list[dict]:
    return [
        {
            "at": item.sk.split("#", 1)[0],
            "actor": item.actor,
            "action": item.action,
            "target": item.target,
            "details": json.loads(item.details or "{}"),
        }
        for item in AuditRecord.query(day, scan_index_forward=False)
    ]
