"""Cold-start proxy: how long `import app` takes in a fresh interpreter (aim: under 250 ms median).

Prints the median and the spread over N fresh processes, so runs can be compared over time.
Usage: python bench/cold_start.py [N]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNIPPET = "import time; t=time.perf_counter(); import app; print((time.perf_counter()-t)*1000)"


def measure(n: int) -> list[float]:
    # The production configuration: what a Lambda container of the prod stage imports.
    env = dict(os.environ, TABLE_PREFIX="bench", AWS_DEFAULT_REGION="ap-southeast-3", PYTHONDONTWRITEBYTECODE="0",
               STAGE="prod", APP_STAGE="prod", AUTH_MODE="cognito", COGNITO_REGION="ap-southeast-3",
               COGNITO_USER_POOL_ID="ap-southeast-3_bench", COGNITO_APP_CLIENT_ID="bench")
    # One warm-up so .pyc files exist, as they do in a Lambda package.
    subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=env, check=True, capture_output=True)
    out = []
    for _ in range(n):
        res = subprocess.run([sys.executable, "-c", SNIPPET], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    times = measure(n)
    print(f"cold start (import app), {n} fresh processes: median {statistics.median(times):.0f} ms, "
          f"min {min(times):.0f} ms, max {max(times):.0f} ms  (aim < 250 ms)")
