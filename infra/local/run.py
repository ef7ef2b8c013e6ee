"""The whole system on one machine: `make run`.

Starts DynamoDB Local (AWS's own emulator, persisting to .local/dynamodb), creates the tables,
loads demo data, starts the API with `chalice local`, serves the built static site with
`/api/*` proxied to the API (one origin, as CloudFront does in AWS), and runs the scheduled
functions on a local timer. Ctrl-C stops everything it started.

Settings (environment): SITE_PORT (8080), API_PORT (8000), DYNAMODB_PORT (8001),
LOCAL_DATA_DIR (.local), LOCAL_TIMER_SECONDS (60; 0 turns the timer off), LOCAL_TIMER_SCHEDULE
(deployed: each function on its AWS schedule; always: all of them at every tick), SEED_DEMO (1),
LOCAL_AUTORELOAD (1: the API restarts when code changes). While it runs, <LOCAL_DATA_DIR>/stack.json
says its ports (the local helpers read it).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from infra.local import dynamodb
from infra.local.dynamodb import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def settings() -> dict:
    data = Path(os.environ.get("LOCAL_DATA_DIR", ROOT / ".local")).resolve()
    return {
        "site_port": int(os.environ.get("SITE_PORT", "8080")),
        "api_port": int(os.environ.get("API_PORT", "8000")),
        "dynamodb_port": int(os.environ.get("DYNAMODB_PORT", "8001")),
        "data": data,
        "timer": int(os.environ.get("LOCAL_TIMER_SECONDS", "60")),
        # "deployed": each scheduled function on its AWS schedule; "always": every one at every tick.
        "timer_schedule": "always" if os.environ.get("LOCAL_TIMER_SCHEDULE") == "always" else "deployed",
        "seed": os.environ.get("SEED_DEMO", "1") == "1",
        "autoreload": os.environ.get("LOCAL_AUTORELOAD", "1") == "1",
    }


def stack_file(data: Path) -> Path:
    """<LOCAL_DATA_DIR>/stack.json: the ports of the stack running on that data, while it runs."""
    return data / "stack.json"


def local_env(cfg: dict) -> dict:
    """Environment of every process of the local stack (stage `local` of .chalice/config.json)."""
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "ap-southeast-3",
            "AWS_REGION": "ap-southeast-3",
            "DYNAMODB_ENDPOINT": f"http://127.0.0.1:{cfg['dynamodb_port']}",
            "TABLE_PREFIX": "cleanclear-local",
            "STAGE": "local",
            "APP_STAGE": "local",
            "AUTH_MODE": "local",
            "LOCAL_ISSUER_KEY_FILE": str(cfg["data"] / "issuer-key.pem"),
            "LOCAL_OUTBOX_DIR": str(cfg["data"] / "outbox"),
            "APP_SIGNING_KEY": local_signing_key(cfg["data"]),
            # The webhook checks Meta's signature; locally infra/local/whatsapp_reply.py signs with this.
            "WHATSAPP_APP_SECRET": local_signing_key(cfg["data"], "whatsapp-app-secret"),
            # The signup Flow's endpoint decrypts with this key; infra/local/whatsapp_flow.py
            # encrypts with its public half, as WhatsApp does with the key uploaded to Meta.
            "WHATSAPP_FLOW_PRIVATE_KEY": local_flow_key(cfg["data"]),
            "SITE_URL": f"http://localhost:{cfg['site_port']}",  # absolute links in messages
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def local_signing_key(data: Path, name: str = "signing-key") -> str:
    """A local secret (the signing key of links; the WhatsApp app secret): random once, kept in
    <data>/<name>."""
    import secrets

    path = data / name
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()




def local_flow_key(data: Path) -> str:
    """The signup Flow's RSA private key (PEM): generated once, kept in <data>/flow-private-key.pem."""
    from chalicelib.adapters.flow_crypto import new_private_key_pem

    path = data / "flow-private-key.pem"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_private_key_pem())
    return path.read_text()


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Stack:
    def __init__(self, cfg: dict):
        self.cfg = cfg
        self.env = local_env(cfg)
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], **kw) -> subprocess.Popen:
        # Own process group: Ctrl-C and stop() reach the children (chalice's reloader forks).
        proc = subprocess.Popen(args, env=self.env, cwd=ROOT, start_new_session=True, **kw)
        self.procs.append((name, proc))
        return proc

    def up(self) -> None:
        cfg = self.cfg
        for key in ("site_port", "api_port", "dynamodb_port"):
            if not port_free(cfg[key]):
                sys.exit(f"Port {cfg[key]} is in use; set {key.upper()} to another port.")
        (cfg["data"] / "dynamodb").mkdir(parents=True, exist_ok=True)
        if not dynamodb.JAR.exists():
            sys.exit(f"DynamoDB Local is missing ({dynamodb.JAR}); run `make setup` first.")
        dynamo = self.start("dynamodb", dynamodb.command(cfg["dynamodb_port"], cfg["data"] / "dynamodb"),
                            stdout=subprocess.DEVNULL)
        wait_for_port(cfg["dynamodb_port"], proc=dynamo)
        subprocess.run([PY, "-m", "infra.local.seed"] + ([] if cfg["seed"] else ["--tables-only"]),
                       env=self.env, cwd=ROOT, check=True)
        reload = [] if cfg["autoreload"] else ["--no-autoreload"]
        api = self.start("api", [str(Path(PY).parent / "chalice"), "local", "--stage", "local",
                                 "--host", "127.0.0.1", "--port", str(cfg["api_port"])] + reload)
        site = self.start("site", [PY, "-m", "infra.local.site_server", str(cfg["site_port"]), str(cfg["api_port"])])
        wait_for_port(cfg["api_port"], proc=api)
        wait_for_port(cfg["site_port"], proc=site)
        if cfg["timer"] > 0:
            self.start("timer", [PY, "-m", "infra.local.timer", str(cfg["timer"]), cfg["timer_schedule"]])
        # Where this stack answers, for the local helpers (infra.local.whatsapp_reply) to find it.
        stack_file(cfg["data"]).write_text(json.dumps({k: cfg[k] for k in ("api_port", "site_port", "dynamodb_port")}
                                                      | {"pid": os.getpid()}))

    def stop(self) -> None:
        stack_file(self.cfg["data"]).unlink(missing_ok=True)
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def main() -> int:
    cfg = settings()
    stack = Stack(cfg)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # Ctrl-C, or SIGINT to the whole process group, even when started where SIGINT was ignored
    # (a background job of a script): it stops everything, quietly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack.up()
        print(
            "\nClean & Clear berjalan:\n"
            f"  Pendaftaran  http://localhost:{cfg['site_port']}/\n"
            f"  Admin        http://localhost:{cfg['site_port']}/admin/\n"
            f"  API          http://localhost:{cfg['api_port']}/\n"
            f"  DynamoDB     http://localhost:{cfg['dynamodb_port']}/ (data: {cfg['data'] / 'dynamodb'})\n"
            "Tekan Ctrl-C untuk berhenti.\n",
            flush=True,
        )
        while True:
            for name, proc in stack.procs:
                if proc.poll() is not None and name != "timer":
                    print(f"{name} stopped unexpectedly (exit {proc.returncode}); shutting down.", flush=True)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
