"""Run the app's scheduled functions on a local timer (chalice local does not fire them).

Every N seconds the timer looks at each `@app.schedule` function and runs it when its deployed
schedule (the same `cron(...)`/`rate(...)`, in UTC: infra/local/schedule.py) came round since the
last look: the allocation only on working days 07.00-17.45 WIB, as in AWS. With
LOCAL_TIMER_SCHEDULE=always every function runs at every tick instead, and the log says so. A
function runs with a CloudWatch-shaped event and a Lambda-like context whose remaining time counts
down from its timeout in .chalice/config.json, in this process, against the local DynamoDB. A
failure is printed and the timer goes on.
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


def schedules(app) -> dict:
    """name -> the deployed Schedule of every `@app.schedule` function."""
    from chalice.app import ScheduledEventConfig

    from infra.local import schedule

    return {src.name: schedule.of(src) for src in getattr(app, "event_sources", []) if isinstance(src, ScheduledEventConfig)}


def fire(handler, name: str, now: datetime | None = None):
    return handler(event(now or clock.now()), Context(name, timeouts().get(name, 30)))


def main(interval: int, always: bool = False) -> None:
    from app import app

    functions, when = scheduled_functions(app), schedules(app)
    if always:
        print(f"timer: {len(functions)} scheduled function(s) every {interval} s, OUTSIDE their deployed schedule "
              f"(LOCAL_TIMER_SCHEDULE=always): {', '.join(sorted(functions)) or '-'}", flush=True)
    else:
        print(f"timer: {len(functions)} scheduled function(s) on their deployed schedule, checked every {interval} s: "
              + "; ".join(f"{n} {when[n].words()}" for n in sorted(functions)), flush=True)
    last = clock.now()
    while True:
        time.sleep(interval)
        now = clock.now()
        for name, handler in sorted(functions.items()):
            if not always and not when[name].due(now, last):
                continue
            try:
                fire(handler, name, now)
            except Exception:  # noqa: BLE001 - keep the demo moving; report and go on
                print(f"timer: {name} failed\n{traceback.format_exc()}", flush=True)
        last = now


if __name__ == "__main__":
    main(int(sys.argv[1]), always=len(sys.argv) > 2 and sys.argv[2] == "always")
