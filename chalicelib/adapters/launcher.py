"""Starting a job in the background: an asynchronous invocation of its Lambda function in AWS, a
thread beside the API under `make run`, or at once in tests (BACKGROUND_JOBS=inline).

The function gets a CloudWatch-shaped event (the shape its schedule sends) whose `detail`
says what to do, e.g. {"run_id": "R2026..."}.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from functools import lru_cache
from typing import Callable

from .. import clock, settings

logger = logging.getLogger(__name__)


def event(kind: str, detail: dict, now: datetime | None = None) -> dict:
    now = now or clock.now()
    return {"version": "0", "id": str(detail.get("run_id") or kind), "detail-type": "Clean & Clear: jalankan sekarang",
            "source": "cleanclear.staff", "account": "", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": settings.aws_region(), "resources": [], "detail": detail}


@lru_cache(maxsize=1)
def _lambda():
    import boto3  # in the Lambda runtime; only for a job started by staff

    return boto3.client("lambda", region_name=settings.aws_region())


def launch(kind: str, detail: dict, runner: Callable[[], object]) -> str:
    """Start the job; returns how ("lambda", "thread" or "inline")."""
    function = settings.job_function(kind)
    if function:
        _lambda().invoke(FunctionName=function, InvocationType="Event",
                         Payload=json.dumps(event(kind, detail)).encode())
        return "lambda"
    if settings.background_mode() == "inline":
        runner()
        return "inline"

    def guarded() -> None:
        try:
            runner()
        except Exception:  # noqa: BLE001 - a background run reports through its run record and logs
            logger.exception("background %s failed", kind)

    threading.Thread(target=guarded, name=f"job-{kind}", daemon=True).start()
    return "thread"
