"""CloudWatch metrics through the Embedded Metric Format: one JSON log line, no API call.

The alarms in infra/ watch the `CleanClear` namespace (e.g. AllocationFailures, FailedMessages).
"""
from __future__ import annotations

import json
import os
import sys

from .. import clock

NAMESPACE = "CleanClear"


def emit(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    dims = {"Stage": os.environ.get("STAGE", "local"), **dimensions}
    record = {
        "_aws": {
            "Timestamp": int(clock.epoch_seconds() * 1000),
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [sorted(dims)], "Metrics": [{"Name": name, "Unit": unit}]}],
        },
        name: value,
        **dims,
    }
    print(json.dumps(record), file=sys.stdout, flush=True)
