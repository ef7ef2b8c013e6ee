"""Run the app's scheduled functions on a local timer (chalice local does not fire them).

Every N seconds each `@app.schedule` function runs once with a CloudWatch-shaped event and a
Lambda-like context whose remaining time counts down from the function's timeout in
.chalice/config.json, in this process, against the local DynamoDB. A failure is printed and the
timer goes on.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from chalicelib import clock

CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"


def scheduled_functions(app) -> dict:
    """name -> handler of every `@app.schedule` function of the Chalice app."""
    import importlib

    from chalice.app import ScheduledEventConfig

    out = {}
    for src in getattr(app, "event_sources", []):
        if isinstance(src, ScheduledEventConfig):
            module, _, attr = src.handler_string.rpartition(".")
            out[src.name] = getattr(importlib.import_module(module), attr)
    return out


def timeouts() -> dict[str, int]:
    """function name -> lambda_timeout (seconds), as the deploy gives them."""
    config = json.loads(CONFIG.read_text())
    default = int(config.get("lambda_timeout", 30))
    return {name: int(fn.get("lambda_timeout", default)) for name, fn in config.get("lambda_functions", {}).items()}


class Context:
    """What a handler reads of its Lambda context: the time left before the timeout."""

    def __init__(self, name: str, timeout: float):
        self.function_name = f"local-{name}"
        self._end = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._end - time.monotonic()) * 1000))


def event(now: datetime, detail: dict | None = None) -> dict:
    return {
        "version": "0", "id": "local-timer", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "000000000000", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "ap-southeast-3",
        "resources": ["arn:aws:events:ap-southeast-3:000000000000:rule/local-timer"], "detail": detail or {},
    }


def fire(handler, name: str, now: datetime | None = None):
    return handler(event(now or clock.now()), Context(name, timeouts().get(name, 30)))


def main(interval: int) -> None:
    from app import app

    functions = scheduled_functions(app)
    print(f"timer: {len(functions)} scheduled function(s) every {interval} s: {', '.join(sorted(functions)) or '-'}", flush=True)
    while True:
        time.sleep(interval)
        for name, handler in sorted(functions.items()):
            try:
                fire(handler, name)
            except Exception:  # noqa: BLE001 - keep the demo moving; report and go on
                print(f"timer: {name} failed\n{traceback.format_exc()}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
