"""Runs of the jobs staff can start and watch, and the lease that keeps two runs of one job from
working at once (table `runs`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, PutError

from ..domain import rules
from .conditions import failed_condition
from .models import RunRecord

KEEP = timedelta(days=30)
COUNTS = ("waiting", "booked", "conflicts", "expired")


def create(run_id: str, kind: str, requested_by: str | None, status: str, now: datetime) -> RunRecord:
    stamp = rules.to_utc_iso(now)
    record = RunRecord(run_id, kind=kind, status=status, requested_by=requested_by, started_at=stamp,
                       updated_at=stamp, expires_at=now + KEEP)
    record.save(condition=RunRecord.run_id.does_not_exist())
    return record


def get(run_id: str) -> RunRecord | None:
    return RunRecord.get_or_none(run_id, consistent=True)


def record_progress(run_id: str, kind: str, status: str, counts: dict, now: datetime, *, finished: bool = False,
                    error: str | None = None) -> None:
    """The run's status and counts so far (an upsert: a scheduled run has no record until now)."""
    stamp = rules.to_utc_iso(now)
    actions = [RunRecord.kind.set(kind), RunRecord.status.set(status), RunRecord.updated_at.set(stamp),
               RunRecord.expires_at.set(now + KEEP)]
    actions += [getattr(RunRecord, name).set(int(counts.get(name) or 0)) for name in COUNTS if name in counts]
    if finished:
        actions.append(RunRecord.finished_at.set(stamp))
    if error:
        actions.append(RunRecord.error.set(error[:300]))
    RunRecord(run_id).update(actions=actions)


def take_lease(kind: str, run_id: str, now: datetime, seconds: float) -> bool:
    """Hold the job's lease for `seconds`: only when nobody holds it, it ran out, or this run has it."""
    stamp = rules.to_utc_iso(now)
    lease = RunRecord(f"lease#{kind}", kind=kind, holder=run_id,
                      lease_until=rules.to_utc_iso(now + timedelta(seconds=seconds)), updated_at=stamp,
                      expires_at=now + KEEP)
    try:
        lease.save(condition=RunRecord.run_id.does_not_exist() | (RunRecord.lease_until < stamp)
                   | (RunRecord.holder == run_id))
        return True
    except PutError as exc:
        if failed_condition(exc):
            return False
        raise


def release_lease(kind: str, run_id: str) -> None:
    try:
        RunRecord(f"lease#{kind}").delete(condition=RunRecord.holder == run_id)
    except DeleteError as exc:
        if not failed_condition(exc):
            raise


def lease_holder(kind: str, now: datetime) -> str | None:
    """The run holding the job's lease now, if any."""
    lease = get(f"lease#{kind}")
    if lease is None or not lease.lease_until or lease.lease_until < rules.to_utc_iso(now):
        return None
    return lease.holder
