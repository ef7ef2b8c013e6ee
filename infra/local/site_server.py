"""Serve static_site/_build and proxy /api/* to `chalice local`: one origin, like CloudFront, with
the security headers of CloudFront's response-headers policy (infra/cleanclear_infra/headers.py)."""
from __future__ import annotations

import http.client
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infra.cleanclear_infra.headers import security_headers

SITE = Path(__file__).resolve().parents[2] / "static_site" / "_build"
# The local issuer signs staff in on this same origin: no sign-in domain to allow.
SECURITY_HEADERS = security_headers()
OURS = {name.lower() for name in SECURITY_HEADERS}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate", "host"}


class Handler(SimpleHTTPRequestHandler):
    api_port = 8000

    def log_message(self, fmt, *args):  # keep the console quiet; no URLs with personal data
        pass

    def end_headers(self):
        # Every answer, pages and /api alike, as CloudFront's response-headers policy sends them.
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if not self.path.startswith("/api/"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _proxy(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=60)
        try:
            conn.request(self.command, self.path[len("/api"):] or "/", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError:
            self.send_response(502)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errors": {"_form": "API lokal belum siap."}}')
            return
        finally:
            conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length" and k.lower() not in OURS:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/api/"):
            return self._proxy()
        return super().do_GET()

    def do_HEAD(self):
        if self.path.startswith("/api/"):
            return self._proxy()
        return super().do_HEAD()

    def do_POST(self):
        return self._proxy() if self.path.startswith("/api/") else self.send_error(405)

    do_PUT = do_PATCH = do_DELETE = do_POST


def main(port: int, api_port: int) -> None:
    Handler.api_port = api_port
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=str(SITE)))
    server.serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
