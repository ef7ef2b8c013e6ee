"""The unit of work: one DynamoDB transaction, built by the store's functions per aggregate.

A use case opens a `UnitOfWork`, lets the store functions of each aggregate add their writes
(the registration, its session and locks, the outbox records that tell about it, the evaluation
counters), and commits. Everything is written together or not at all.

What the unit of work adds to every transaction:
  * the audit entry, when it is opened with an actor (staff and visitor actions): a change is
    never stored without who made it, and never the other way round;
  * the 10-item guard: DynamoDB takes 100 items, the DynamoDB Local build behind `make run`
    only 10, so every transaction stays within 10 and the local stack behaves as AWS does;
  * the conflict retry: a transaction cancelled only by TransactionConflict (another one touched
    a shared item, typically a week's counters, at that instant) wrote nothing and is sent again
    after a short random pause;
  * labels: each write may carry a label, and a cancelled transaction raises `Cancelled` with
    the labels whose condition failed, so callers tell "the seat was taken" from "the
    registration changed" without counting positions.
"""
from __future__ import annotations

import json
import random
import secrets
import time
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from .. import clock
from ..domain import rules
from .connection import connection
from .models import AuditRecord

MAX_ITEMS = 10
ATTEMPTS = 4
CONFLICT = "TransactionConflict"
CONDITION_FAILED = "ConditionalCheckFailed"


class Cancelled(Exception):
    """The transaction was cancelled: nothing was written.

    `failed` holds the labels of the writes whose condition failed; `codes` the cancellation
    reason of every item in the order the store sent them (for logs)."""

    def __init__(self, failed: set[str], codes: list[str | None]):
        super().__init__(", ".join(sorted(failed)) or ", ".join(str(c) for c in codes))
        self.failed = failed
        self.codes = codes

    def on(self, *labels: str) -> bool:
        return bool(self.failed & set(labels))


def audit_entry(actor: str, action: str, target: str, details: dict | None = None,
                now: datetime | None = None) -> AuditRecord:
    now = now or clock.now()
    return AuditRecord(rules.wib_now(now).date().isoformat(), f"{rules.to_utc_iso(now)}#{secrets.token_hex(4)}",
                       actor=actor, action=action, target=target,
                       details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True))


def conflict_pause(attempt: int) -> None:
    """Back off before resending a transaction cancelled with TransactionConflict."""
    time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))


class UnitOfWork:
    def __init__(self, actor: str | None = None, action: str | None = None, target: str | None = None,
                 details: dict | None = None, *, now: datetime | None = None):
        self._checks: list[tuple] = []
        self._deletes: list[tuple] = []
        self._puts: list[tuple] = []
        self._updates: list[tuple] = []
        self._audit = (actor, action, target, details, now) if actor else None

    # --- what the store functions add ---------------------------------------------------------
    def put(self, model, condition=None, label: str | None = None) -> None:
        self._puts.append((model, condition, label))

    def update(self, model, actions: list, condition=None, label: str | None = None) -> None:
        self._updates.append((model, actions, condition, label))

    def delete(self, model, condition=None, label: str | None = None) -> None:
        self._deletes.append((model, condition, label))

    def check(self, model_cls, hash_key, range_key=None, condition=None, label: str | None = None) -> None:
        self._checks.append((model_cls, hash_key, range_key, condition, label))

    def __len__(self) -> int:
        return len(self._checks) + len(self._deletes) + len(self._puts) + len(self._updates) + bool(self._audit)

    @property
    def room(self) -> int:
        """How many more items this transaction can take."""
        return MAX_ITEMS - len(self)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    # --- commit ------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Write everything in one transaction, or raise `Cancelled` (nothing written)."""
        size = len(self)
        if size > MAX_ITEMS:
            raise ValueError(f"a transaction of {size} items exceeds {MAX_ITEMS}: split it")
        if size == 0:
            return
        for attempt in range(ATTEMPTS):
            try:
                self._send()
                return
            except TransactWriteError as exc:
                codes = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
                if not codes:
                    raise  # not a cancellation (throttling, network): the caller's error path
                failed_codes = {c for c in codes if c not in (None, "None")}
                if failed_codes == {CONFLICT} and attempt < ATTEMPTS - 1:
                    conflict_pause(attempt)
                    continue
                labels = self._labels()
                failed = {label for label, code in zip(labels, codes) if code == CONDITION_FAILED and label}
                raise Cancelled(failed, codes) from None

    def _labels(self) -> list[str | None]:
        """Labels in the order pynamodb sends the items: checks, deletes, puts (audit last), updates."""
        labels = [c[4] for c in self._checks] + [d[2] for d in self._deletes] + [p[2] for p in self._puts]
        if self._audit:
            labels.append("audit")
        return labels + [u[3] for u in self._updates]

    def _send(self) -> None:
        with TransactWrite(connection=connection()) as tx:
            for model_cls, hash_key, range_key, condition, _ in self._checks:
                tx.condition_check(model_cls, hash_key, range_key, condition=condition)
            for model, condition, _ in self._deletes:
                tx.delete(model, condition=condition)
            for model, condition, _ in self._puts:
                tx.save(model, condition=condition)
            if self._audit:
                # A fresh entry per attempt: its key carries the time and a random suffix.
                tx.save(audit_entry(*self._audit))
            for model, actions, condition, _ in self._updates:
                tx.update(model, actions=actions, condition=condition)
