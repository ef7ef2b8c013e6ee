"""The unit of work: one transaction with its audit entry, the 10-item guard, the conflict retry,
labelled cancellations, and one connection per process for all of it."""
from types import SimpleNamespace

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib import clock
from chalicelib.store import audit, connection, stats
from chalicelib.store import unit_of_work as uow_module
from chalicelib.store.models import TEAM, ConsultantRecord, RoomRecord
from chalicelib.store.unit_of_work import MAX_ITEMS, Cancelled, UnitOfWork


def _room(room_id: str) -> RoomRecord:
    return RoomRecord(TEAM, room_id, name=f"Ruang {room_id}", active=True, updated_at="2026-12-01T00:00:00Z")


def test_a_change_and_its_audit_entry_are_written_together(aws):
    uow = UnitOfWork("admin@demo.local", "ruang.tambah", "R-1", {"name": "Ruang R-1"})
    uow.put(_room("R-1"), RoomRecord.room_id.does_not_exist(), label="room")
    uow.commit()
    entries = audit.list_day(clock.today().isoformat())
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [("admin@demo.local", "ruang.tambah", "R-1")]

    again = UnitOfWork("admin@demo.local", "ruang.tambah", "R-1", {})
    again.put(_room("R-1"), RoomRecord.room_id.does_not_exist(), label="room")
    with pytest.raises(Cancelled) as refused:
        again.commit()
    assert refused.value.failed == {"room"}
    # Nothing of the refused transaction was written: still one entry.
    assert len(audit.list_day(clock.today().isoformat())) == 1


def test_the_labels_name_exactly_the_writes_whose_condition_failed(aws):
    ConsultantRecord(TEAM, "K-1", name="Siti", services=["koperasi"], topics=["keuangan"], modes=["daring"],
                     updated_at="x").save()
    uow = UnitOfWork()
    uow.put(_room("R-2"), RoomRecord.room_id.does_not_exist(), label="room")  # would succeed
    uow.check(ConsultantRecord, TEAM, "K-1", ConsultantRecord.active == False, label="consultant")  # noqa: E712
    uow.update(RoomRecord(TEAM, "R-9"), [RoomRecord.name.set("x")], RoomRecord.room_id.exists(), label="missing")
    with pytest.raises(Cancelled) as refused:
        uow.commit()
    assert refused.value.failed == {"consultant", "missing"}
    assert refused.value.on("missing") and not refused.value.on("room")


def test_more_than_ten_items_is_refused_before_anything_is_sent(aws, dynamo_ops):
    uow = UnitOfWork("admin@demo.local", "uji", "X", {})  # the audit entry is one of the ten
    for n in range(MAX_ITEMS - 1):
        uow.put(_room(f"R-{n}"))
    assert uow.room == 0
    uow.put(_room("R-extra"))
    with pytest.raises(ValueError, match="exceeds 10"):
        uow.commit()
    assert "TransactWriteItems" not in dynamo_ops


def test_a_transaction_conflict_on_the_shared_counters_is_retried_and_nothing_else_is(aws, monkeypatch):
    def cancelled(code):
        class CancelledByDynamo(TransactWriteError):
            cancellation_reasons = [SimpleNamespace(code=code), SimpleNamespace(code="None")]
        return CancelledByDynamo("cancelled")

    calls, real = [], UnitOfWork._send
    failures = [cancelled("TransactionConflict")]

    def flaky(self):
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return real(self)

    monkeypatch.setattr(UnitOfWork, "_send", flaky)
    monkeypatch.setattr(uow_module, "conflict_pause", lambda attempt: None)
    uow = UnitOfWork("tester", "uji", "X", {})
    stats.add(uow, {"W#2026-W48": {"reg": 1}})
    uow.commit()
    assert len(calls) == 2 and stats.read_periods(["W#2026-W48"])["W#2026-W48"] == {"reg": 1}

    calls.clear()
    failures.append(cancelled("ConditionalCheckFailed"))
    uow = UnitOfWork("tester", "uji", "X", {})
    stats.add(uow, {"W#2026-W48": {"reg": 1}})
    with pytest.raises(Cancelled):
        uow.commit()
    assert len(calls) == 1 and stats.read_periods(["W#2026-W48"])["W#2026-W48"] == {"reg": 1}


def test_every_table_and_transaction_shares_one_connection(aws, monkeypatch):
    """Building a connection loads botocore's models (50-85 ms): a process builds one and keeps it."""
    from botocore.session import Session

    made = []
    real_create = Session.create_client

    def counting(self, service_name, *args, **kwargs):
        made.append(service_name)
        return real_create(self, service_name, *args, **kwargs)

    monkeypatch.setattr(Session, "create_client", counting)
    monkeypatch.setattr(connection, "_shared", None)  # as in a fresh Lambda container
    for n in range(5):
        uow = UnitOfWork("admin@demo.local", "ruang.tambah", f"R-{n}", {})
        uow.put(_room(f"R-{n}"))
        uow.commit()
    assert len(list(RoomRecord.query(TEAM))) == 5
    stats.read_periods(["W#2026-W48"])
    assert made == ["dynamodb"]
