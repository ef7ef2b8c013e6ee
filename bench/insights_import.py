"""Benchmark of the daily `import_insights` scheduled function as it runs in production: through the
Chalice app's handler with its deployed timeout (120 s, .chalice/config.json), on DynamoDB Local,
against a local stand-in of Meta's Graph API (real HTTP on 127.0.0.1, the documented answer shapes
and usage headers, 150-300 ms per answer as from Jakarta).

N campaign posts linked (three quarters Instagram: insights + comments, a quarter Facebook:
insights + counts + comments). Baseline, measured in the same run: the same HTTP calls made bare,
one after another (what the import would cost with no decisions, no writes and no concurrency).
Prints the posts read, the requests made, the run's wall time against its timeout, the ratio to
the bare calls, and the snapshots written (one per post).
Run: .venv/bin/python bench/insights_import.py [N]
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from common import app_environment  # noqa: E402

app_environment(APP_SIGNING_KEY="bench",
                META_INSIGHTS_ACCESS_TOKEN="bench",
                META_INSIGHTS_IG_USER_ID="17841400000000001",
                META_INSIGHTS_PAGE_ID="100064000000001")

from infra.local import dynamodb  # noqa: E402

ADMIN = "bench@demo.local"


class GraphStandin:
    """GET /<version>/<id>/insights | /<id>/comments | /<id> answered like the Graph API."""

    def __init__(self, delay=(0.15, 0.30)):
        self.random, self.lock, self.calls = random.Random(7), threading.Lock(), 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with standin.lock:
                    standin.calls += 1
                    pause = standin.random.uniform(*delay)
                time.sleep(pause)
                parts = urlparse(self.path).path.strip("/").split("/")
                if parts[-1] == "insights":
                    names = ("post_media_view", "post_total_media_view_unique") if "_" in parts[-2] else \
                        ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
                    body = {"data": [{"name": n, "period": "lifetime", "values": [{"value": 40 + i}]} for i, n in enumerate(names)]}
                elif parts[-1] == "comments":
                    body = {"data": [{"id": "c1", "text": "Daftarnya gimana?", "message": "Kapan lagi?"},
                                     {"id": "c2", "text": "Mantap", "message": "Terima kasih"}], "paging": {"cursors": {"after": "X"}}}
                else:
                    body = {"id": parts[-1], "shares": {"count": 3}, "reactions": {"data": [], "summary": {"total_count": 20}},
                            "comments": {"data": [], "summary": {"total_count": 2}}}
                raw = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-App-Usage", json.dumps({"call_count": 12, "total_cputime": 3, "total_time": 4}))
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def _campaigns(n: int) -> list[tuple[str, str, str, str]]:
    """Campaigns of up to 100 posts, linked straight in the store (the import reads them)."""
    from chalicelib import clock
    from chalicelib.domain import rules
    from chalicelib.services import campaigns
    from chalicelib.store import campaigns as store
    from chalicelib.store.unit_of_work import UnitOfWork

    made, stamp = [], rules.to_utc_iso(clock.now())
    for c in range(0, n, 100):
        code = f"bench-{c // 100}"
        record = campaigns.create(ADMIN, {"code": code, "name": f"Kampanye {c // 100}", "channel": "instagram"})
        posts = []
        for i in range(c, min(n, c + 100)):
            platform = "facebook" if i % 4 == 3 else "instagram"
            media = f"100064000000001_{i}" if platform == "facebook" else f"1790{i:06d}"
            posts.append(store.build_post(post_id=f"P{i - c + 1}", platform=platform, url=f"https://x/{i}", likes=0,
                                          comments=0, questions=0, updated_at=stamp, updated_by=ADMIN, media_id=media))
            made.append((code, f"P{i - c + 1}", platform, media))
        uow = UnitOfWork()
        store.save_posts(uow, record, posts, stamp)
        uow.commit()
    return made


def run(n: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from chalicelib.adapters import meta_graph
    from chalicelib.store.models import PostInsightRecord
    from chalicelib.store.tables import create_tables
    from infra.local import timer

    proc, endpoint = dynamodb.start()
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        with GraphStandin() as standin, Client(app, stage_name="local"):
            os.environ["META_GRAPH_BASE"] = standin.url
            create_tables()
            posts = _campaigns(n)
            bare = meta_graph.GraphClient("bench", "17841400000000001", "100064000000001")
            started = time.perf_counter()
            for _code, _post, platform, media in posts:  # the baseline: the same calls, bare, one by one
                if platform == "instagram":
                    bare.get(f"{media}/insights", {"metric": "views"})
                    bare.get(f"{media}/comments", {"fields": "text"})
                else:
                    bare.get(f"{media}/insights", {"metric": "post_media_view"})
                    bare.get(media, {"fields": "shares"})
                    bare.get(f"{media}/comments", {"fields": "message"})
            bare_seconds, bare_calls = time.perf_counter() - started, bare.calls
            timeout = timer.timeouts()["import_insights"]
            handler = timer.scheduled_functions(app)["import_insights"]
            before = standin.calls
            started = time.perf_counter()
            summary = handler(timer.event(clock.now()), timer.Context("import_insights", timeout))
            seconds = time.perf_counter() - started
            snapshots = sum(len(list(PostInsightRecord.query(f"{code}#{post}"))) for code, post, _p, _m in posts)
            return {"n": n, "summary": summary, "seconds": seconds, "timeout": timeout, "requests": standin.calls - before,
                    "bare_seconds": bare_seconds, "bare_calls": bare_calls, "snapshots": snapshots}
    finally:
        dynamodb.stop(proc)


def main(n: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' metric lines (EMF on stdout)
        r = run(n)
    s = r["summary"]
    print(f"import_insights through the app on DynamoDB Local, {n} linked posts (3/4 Instagram, 1/4 Facebook); "
          "Graph API stand-in answering in 150-300 ms")
    print(f"{'':<44}{'posts':>7}{'requests':>10}{'seconds':>9}{'÷bare':>8}")
    print(f"{'baseline: the same calls, bare, one by one':<44}{n:>7}{r['bare_calls']:>10}{r['bare_seconds']:>9.1f}{1:>8.2f}")
    print(f"{'the scheduled function (6 posts at a time)':<44}{s['read']:>7}{r['requests']:>10}{r['seconds']:>9.1f}"
          f"{r['seconds'] / r['bare_seconds']:>8.2f}")
    print(f"status {s['status']} in {r['seconds']:.1f} s of its {r['timeout']} s timeout; usage {s['usage_percent']}%; "
          f"snapshots written {r['snapshots']} (one per post); requests per post {r['requests'] / max(1, s['read']):.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
