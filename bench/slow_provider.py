"""Benchmark: the send_messages function when WhatsApp answers slowly.

One run of the scheduled function through the Chalice app, on DynamoDB Local, with its deployed
timeout, against the local WhatsApp stand-in (bench/provider_standin.py) answering every call in
150-300 ms (fast) and then in 10 s (slow). A slow answer must slow only its own message: the slow
run should send about workers x run time / 10 s messages. Printed beside the fast run of the same
process, as a ratio. Run: .venv/bin/python bench/slow_provider.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import jobs_run  # noqa: E402  (sets the bench environment)

SLOW_SECONDS = 10.0


def main(n: int = 2000) -> None:
    from chalicelib import settings

    workers = settings.send_workers("whatsapp")
    print(f"send_messages through the app on DynamoDB Local, one run, {n} due WhatsApp messages, {workers} workers")
    print(f"{'provider':<22}{'sent':>6}{'wall s':>8}{'timeout s':>10}{'msg/s':>7}{'ideal':>7}{'of ideal':>10}")
    figures = {}
    for label, delay in (("fast (0.15-0.30 s)", (0.15, 0.30)), (f"slow ({SLOW_SECONDS:.0f} s)", (SLOW_SECONDS, SLOW_SECONDS))):
        run = jobs_run.one_job("send_messages", n, delay=delay, max_runs=1)[0]
        per_call = sum(delay) / 2
        # every worker busy the whole run, in whole answers (a call that cannot finish is not started)
        ideal = workers * max(1, int(run["wall"] // per_call)) if per_call > 1 else workers * run["wall"] / per_call
        figures[label] = run
        print(f"{label:<22}{run['done']:>6}{run['wall']:>8.1f}{run['timeout']:>10}{run['done'] / run['wall']:>7.1f}"
              f"{ideal:>7.0f}{run['done'] / ideal:>9.0%}")
        print(f"{'':<22}sent twice: {run['twice']}; unknown: {run['result'].get('unknown')}; "
              f"provider calls {run['calls']}; run {run['result']}")
    fast, slow = figures.values()
    print(f"slow/fast messages per second: {slow['done'] / slow['wall'] / (fast['done'] / fast['wall']):.3f} "
          f"(the answer time ratio is {0.225 / SLOW_SECONDS:.3f})")


if __name__ == "__main__":
    os.environ.setdefault("SEND_WORKERS_WHATSAPP", "16")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
