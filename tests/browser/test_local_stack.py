"""`make run` as an operator meets it: a quiet log, and SIGTERM (as from a service manager or
`kill`) stops every process it started, like Ctrl-C."""
from __future__ import annotations

import shutil
import socket
import time
import urllib.request

from .conftest import LocalStack

NOISE = ("Found credentials", "Override settings for pynamo", "Using Default settings value")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_everything_and_the_log_has_no_library_chatter():
    stack = LocalStack()
    stack.start()
    try:
        for _ in range(5):  # requests through the site's /api proxy and straight to the API
            with urllib.request.urlopen(stack.site + "/api/public/options", timeout=30) as r:
                assert r.status == 200
            with urllib.request.urlopen(f"http://127.0.0.1:{stack.api_port}/public/options", timeout=30) as r:
                assert r.status == 200
        ports = (stack.site_port, stack.api_port, stack.dynamodb_port)
        assert all(port_open(p) for p in ports)

        stack.proc.terminate()  # SIGTERM to the runner alone: it must take its children down
        assert stack.proc.wait(timeout=45) is not None
        deadline = time.monotonic() + 15
        while any(port_open(p) for p in ports) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not any(port_open(p) for p in ports), "a process of the local stack kept running"

        log = (stack.data / "stack.log").read_text()
        assert "Stopping" in log or "Berhenti" in log
        assert [line for line in log.splitlines() if any(n in line for n in NOISE)] == []
    finally:
        stack.stop()
        shutil.rmtree(stack.data, ignore_errors=True)


def test_stopping_the_process_group_prints_no_traceback_and_the_helpers_find_the_stack():
    """Ctrl-C in a terminal (SIGINT to the whole foreground group) or `kill -- -<pgid>`: every
    process stops quietly. While it runs, <LOCAL_DATA_DIR>/stack.json says where it answers."""
    import json
    import os
    import signal

    stack = LocalStack()
    stack.start(timer_seconds=60)
    try:
        found = json.loads((stack.data / "stack.json").read_text())
        assert (found["api_port"], found["site_port"]) == (stack.api_port, stack.site_port)
        from infra.local.whatsapp_reply import running_api

        assert running_api(stack.data) == f"http://127.0.0.1:{stack.api_port}"
        deadline = time.monotonic() + 30  # the timer says what it runs when (on each function's AWS schedule)
        while "deployed schedule" not in (stack.data / "stack.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.3)
        os.killpg(stack.proc.pid, signal.SIGINT)  # the runner's group, as a terminal's Ctrl-C
        assert stack.proc.wait(timeout=45) is not None
        time.sleep(1)
        log = (stack.data / "stack.log").read_text()
        assert "Traceback" not in log and "KeyboardInterrupt" not in log, log[-2000:]
        assert "deployed schedule" in log and "allocate cron(0/15 0-10 ? * MON-FRI *) UTC" in log
        assert not (stack.data / "stack.json").exists()
    finally:
        stack.stop()
        shutil.rmtree(stack.data, ignore_errors=True)
