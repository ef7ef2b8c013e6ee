"""A local stand-in for the WhatsApp Cloud API and the Zoom API, for the benchmarks: real HTTP on
127.0.0.1, the providers' request and answer shapes, an answer delay of 150-300 ms per call (as
from Jakarta), and a count of what it received (to check that nothing is sent twice)."""
from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Standin:
    def __init__(self, delay=(0.15, 0.30), seed: int = 7):
        self.delay = delay
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.whatsapp_to: Counter = Counter()  # recipient number -> messages received
        self.zoom_created: Counter = Counter()  # session marker -> meetings created
        self.calls: Counter = Counter()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict | None = None) -> None:
                body = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}") if length else {}

            def do_POST(self):
                body = self._body()
                if self.path.startswith("/oauth/token"):
                    return self._answer(200, {"access_token": "standin", "token_type": "bearer", "expires_in": 3599})
                standin.pause()
                if self.path.endswith("/messages"):
                    with standin.lock:
                        standin.whatsapp_to[body.get("to")] += 1
                        standin.calls["whatsapp"] += 1
                    return self._answer(200, {"messaging_product": "whatsapp",
                                              "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                              "messages": [{"id": "wamid." + uuid.uuid4().hex}]})
                if self.path.endswith("/meetings"):
                    with standin.lock:
                        standin.zoom_created[body.get("topic", "").rsplit(" ", 1)[-1]] += 1
                        standin.calls["zoom_create"] += 1
                    mid = str(80000000000 + standin.calls["zoom_create"])
                    return self._answer(201, {"id": int(mid), "join_url": f"https://zoom.example/j/{mid}",
                                              "topic": body.get("topic"), "agenda": body.get("agenda"),
                                              "start_time": body.get("start_time")})
                return self._answer(404, {"code": 404, "message": "not found"})

            def do_GET(self):
                standin.pause()
                with standin.lock:
                    standin.calls["zoom_list"] += 1
                return self._answer(200, {"meetings": [], "next_page_token": ""})

            def do_PATCH(self):
                self._body()
                standin.pause()
                return self._answer(204)

            def do_DELETE(self):
                standin.pause()
                return self._answer(204)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def pause(self) -> None:
        with self.lock:
            seconds = self.random.uniform(*self.delay)
        time.sleep(seconds)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
