"""The layout keeps its shape: the import contracts (.importlinter), small modules, thin routes,
and the store as the only place that talks to DynamoDB."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "chalicelib"
ROUTE_MODULES = ["public", "staff", "staff_team", "staff_registrations", "staff_sessions", "staff_messages",
                 "staff_evaluation", "webhooks", "schedules"]


def python_files():
    skip = ("node_modules", "_build", ".venv", "cdk.out")
    for base in (PACKAGE, ROOT / "infra", ROOT / "bench", ROOT / "static_site"):
        for path in sorted(base.rglob("*.py")):
            if not any(part in skip for part in path.parts):
                yield path
    yield ROOT / "app.py"


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    answer = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert answer.returncode == 0, answer.stdout[-4000:] + answer.stderr[-2000:]
    assert "0 broken" in answer.stdout and "kept" in answer.stdout


def test_app_py_only_wires_things():
    text = (ROOT / "app.py").read_text()
    assert len(text.splitlines()) <= 150
    tree = ast.parse(text)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)], "app.py defines no handlers"


@pytest.mark.parametrize("path", list(python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_python_module_is_over_500_lines(path):
    assert len(path.read_text().splitlines()) <= 500


def test_no_javascript_file_is_over_800_lines():
    for path in sorted((ROOT / "static_site").rglob("*.js")):
        if "_build" not in path.parts:
            assert len(path.read_text().splitlines()) <= 800, path


@pytest.mark.parametrize("module", ROUTE_MODULES)
def test_routes_stay_at_most_15_lines(module):
    tree = ast.parse((PACKAGE / "api" / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            lines = node.end_lineno - node.lineno + 1
            assert lines <= 15, f"{module}.{node.name} is {lines} lines"


# What only the store may do with a model: read it by key or index, write it, build a transaction.
STORE_ONLY = re.compile(r"\.(refresh|batch_get|from_raw_data|delete_table|create_table)\(|\.update\(actions="
                        r"|\.save\((condition=[^)]*)?\)|TransactWrite|\.by_[a-z_]+\.query\(")


def test_nothing_outside_the_store_reads_or_writes_models():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "store" in path.relative_to(PACKAGE).parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if STORE_ONLY.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_the_code_tells_what_it_does_not_its_history():
    history = re.compile(r"\b(issue|stage|tahap)\s+\d|not wired yet|might not exist yet", re.I)
    offenders = []
    for base in ("chalicelib", "tests", "infra", "static_site", "bench"):
        for path in sorted((ROOT / base).rglob("*")):
            if path.suffix in (".py", ".js", ".j2", ".html", ".css") and not any(
                    p in path.parts for p in ("node_modules", "_build", "cdk.out")):
                for n, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
                    if history.search(line) and path.name != "test_architecture.py":
                        offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


def test_one_reader_of_environment_integers():
    """Every number the environment sets goes through settings.integer (one validation)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "settings.py":
            continue
        text = path.read_text()
        if re.search(r"int\(\s*os\.environ|int\(\s*env\.get|os\.environ\.get\(\"[A-Z_]+\", \"\d", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# The calls that read the wall clock; only chalicelib/clock.py may make them (durations use
# time.monotonic, which is not business time).
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def _clock_reads(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in CLOCK_READS:
                lines.append(node.lineno)
    return lines


def test_time_has_one_owner():
    """Every "what time is it" in the code and the local stack is chalicelib/clock.py's."""
    offenders = []
    for path in python_files():
        if path == PACKAGE / "clock.py" or "bench" in path.relative_to(ROOT).parts[:1]:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n in _clock_reads(ast.parse(path.read_text()))]
    assert offenders == []


def test_the_clock_check_finds_a_clock_read():
    """The check above can fail: it finds each way of asking the wall clock."""
    code = "import time, datetime\nfrom datetime import date\ndatetime.datetime.now()\ndate.today()\ntime.time()\n"
    assert _clock_reads(ast.parse(code)) == [3, 4, 5]


# Functions longer than 80 lines, by "path:name". The list may only shrink: a reader holds a
# function in view, and a long one is split into named steps instead.
LONG_FUNCTIONS: set[str] = set()
MAX_FUNCTION_LINES = 80


def _long_functions(tree: ast.AST, where: str) -> set[str]:
    return {f"{where}:{n.name}" for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES}


def test_no_function_is_over_80_lines():
    found = set()
    for path in python_files():
        if path.relative_to(ROOT).parts[0] in ("chalicelib", "infra", "app.py"):
            found |= _long_functions(ast.parse(path.read_text()), str(path.relative_to(ROOT)))
    assert found <= LONG_FUNCTIONS, sorted(found - LONG_FUNCTIONS)
    assert not LONG_FUNCTIONS - found, f"shorter now: take {sorted(LONG_FUNCTIONS - found)} off the list"


def test_the_length_check_finds_a_long_function():
    code = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert _long_functions(ast.parse(code), "m.py") == {"m.py:f"}
