"""Browser tests: the real local stack (DynamoDB Local, chalice local, site server) driven by
headless Debian Chromium through Playwright."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    def __init__(self):
        self.data = Path(tempfile.mkdtemp(prefix="cc-stack-"))
        self.site_port, self.api_port, self.dynamodb_port = free_port(), free_port(), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def site(self) -> str:
        return f"http://127.0.0.1:{self.site_port}"

    def start(self, timer_seconds: int = 0) -> None:
        env = dict(os.environ)
        for k in ("TABLE_PREFIX", "STAGE", "APP_STAGE", "DYNAMODB_ENDPOINT"):
            env.pop(k, None)
        env.update(
            SITE_PORT=str(self.site_port), API_PORT=str(self.api_port), DYNAMODB_PORT=str(self.dynamodb_port),
            LOCAL_DATA_DIR=str(self.data), LOCAL_TIMER_SECONDS=str(timer_seconds), SEED_DEMO="1", LOCAL_AUTORELOAD="0",
        )
        self.log = open(self.data / "stack.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("local stack exited:\n" + (self.data / "stack.log").read_text())
            if "berjalan" in (self.data / "stack.log").read_text():
                return
            time.sleep(0.3)
        raise RuntimeError("local stack did not start:\n" + (self.data / "stack.log").read_text())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()

    def table(self, name: str):
        dynamodb = boto3.resource(
            "dynamodb", endpoint_url=f"http://127.0.0.1:{self.dynamodb_port}", region_name="ap-southeast-3",
            aws_access_key_id="local", aws_secret_access_key="local",
        )
        return dynamodb.Table(f"cleanclear-local-{name}")


@pytest.fixture(scope="session")
def stack():
    s = LocalStack()
    s.start()
    yield s
    s.stop()
    shutil.rmtree(s.data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    # SCREENSHOT_WIDTH=1280 runs the same tests on a desktop-sized window (to look at both sizes).
    width = int(os.environ.get("SCREENSHOT_WIDTH") or PHONE["width"])
    viewport = PHONE if width == PHONE["width"] else {"width": width, "height": 900}
    context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta")
    if os.environ.get("CC_CLOCK_OFFSET_SECONDS"):  # `pytest --at ...`: the page's clock on the suite's day
        context.clock.install(time=time.time())
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def call(stack, method, path, body=None, token=None, headers=None):
    """The API through the site server's /api proxy (the page's origin). Returns (status, json)."""
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json", **(headers or {})}
    if token:
        h["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(stack.site + "/api" + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else {}


def allocate_now(stack, token, timeout: float = 60.0) -> dict:
    """Staff's "run now": it starts in the background (202); wait until the run has finished."""
    status, run = call(stack, "POST", "/staff/allocation/run", {}, token=token)
    assert status == 202, run
    deadline = time.monotonic() + timeout
    while not run.get("finished"):
        assert time.monotonic() < deadline, f"the allocation run did not finish: {run}"
        time.sleep(0.3)
        status, run = call(stack, "GET", f"/staff/allocation/runs/{run['run_id']}", token=token)
        assert status == 200, run
    return run


def book_in_the_past(stack, token, reference: str, past_seat: dict, mode: str = "daring") -> dict:
    """A session at a seat whose time has passed, as if booked earlier and the clock moved on.

    Nobody can book a slot that has begun (the API refuses it), so: book a coming seat of the same
    consultant and service, then move the stored session and its seat lock back to `past_seat`.
    """
    from datetime import timedelta

    from chalicelib import clock

    today = clock.today()
    status, body = call(stack, "GET", f"/staff/slots?from={today}&to={today + timedelta(days=20)}", token=token)
    assert status == 200, body
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    coming = next(s for s in body["slots"] if not s["taken"] and s["consultant_id"] == past_seat["consultant_id"]
                  and s["service"] == past_seat["service"] and mode in s["modes"] and s["start"] > now)
    status, session = call(stack, "POST", "/staff/sessions", {"reference": reference, "start": coming["start"],
                                                              "consultant_id": coming["consultant_id"], "mode": mode},
                           token=token)
    assert status == 201, session
    old_seat, new_seat = f"{coming['start']}#{coming['consultant_id']}", f"{past_seat['start']}#{past_seat['consultant_id']}"
    stack.table("sessions").update_item(
        Key={"session_id": session["id"]}, UpdateExpression="SET #st = :s, #d = :d, seat_id = :seat",
        ExpressionAttributeNames={"#st": "start", "#d": "day"},
        ExpressionAttributeValues={":s": past_seat["start"], ":d": past_seat["day"], ":seat": new_seat})
    locks = stack.table("locks")
    lock = locks.get_item(Key={"lock_id": "seat#" + old_seat})["Item"]
    locks.put_item(Item={**lock, "lock_id": "seat#" + new_seat})
    locks.delete_item(Key={"lock_id": "seat#" + old_seat})
    return {**session, "start": past_seat["start"], "day": past_seat["day"], "start_wib": past_seat["start_wib"]}


def fire(stack, *names):
    """Run scheduled functions once, by their schedule name, with a CloudWatch-shaped event (the
    browser tests' stack runs without the local timer)."""
    import json
    import subprocess
    import sys

    from infra.local.run import local_env

    env = local_env({"dynamodb_port": stack.dynamodb_port, "data": stack.data, "site_port": stack.site_port})
    code = ("import json, sys; import app as m; "
            "from chalicelib import clock; from infra.local.timer import event, scheduled_functions; "
            "fns = scheduled_functions(m.app); "
            "print(json.dumps({n: fns[n](event(clock.now()), None) for n in sys.argv[1:]}))")
    out = subprocess.run([sys.executable, "-c", code, *names], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def screenshot(pg, name: str) -> None:
    """Keep a phone-sized screenshot when SCREENSHOT_DIR is set (to look at what visitors see)."""
    target = os.environ.get("SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)
