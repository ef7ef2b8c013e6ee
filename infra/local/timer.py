"""Run the app's scheduled functions on a local timer (chalice local does not fire them).

Every N seconds each `@app.schedule` function runs once with a CloudWatch-shaped event, in
this process, against the local DynamoDB. A failure is printed and the timer goes on.
"""
from __future__ import annotations

import sys
import time
import traceback
from datetime import datetime, timezone


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


def event(now: datetime) -> dict:
    return {
        "version": "0", "id": "local-timer", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "000000000000", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "ap-southeast-3",
        "resources": ["arn:aws:events:ap-southeast-3:000000000000:rule/local-timer"], "detail": {},
    }


def main(interval: int) -> None:
    from app import app

    functions = scheduled_functions(app)
    print(f"timer: {len(functions)} scheduled function(s) every {interval} s: {', '.join(sorted(functions)) or '-'}", flush=True)
    while True:
        time.sleep(interval)
        for name, handler in sorted(functions.items()):
            try:
                handler(event(datetime.now(timezone.utc)), None)
            except Exception:  # noqa: BLE001 - keep the demo moving; report and go on
                print(f"timer: {name} failed\n{traceback.format_exc()}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
