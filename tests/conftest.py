"""Test setup: AWS is moto (DynamoDB over its wire protocol, in process), never the network."""
import os
import tempfile

# Must be set before chalicelib.store.models is imported: table names live in Meta.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3",
        "TABLE_PREFIX": "cleanclear-test",
        "STAGE": "test",
        "APP_STAGE": "test",
        "AUTH_MODE": "local",
        "APP_SIGNING_KEY": "test-signing-key-not-secret-0123456789abcdef",
        "BACKGROUND_JOBS": "inline",  # a job started by staff runs before the answer, inside the test
        # moto is not thread-safe (a transaction deep-copies tables another thread may be changing):
        # on moto, one send and one Zoom call at a time unless a test asks for more. Concurrency is
        # tested and measured on DynamoDB Local (tests/store, bench/).
        "SEND_WORKERS_WHATSAPP": "1",
        "SEND_WORKERS_EMAIL": "1",
        "MEETING_WORKERS": "1",
        "LOCAL_ISSUER_KEY_FILE": os.path.join(tempfile.mkdtemp(prefix="cc-issuer-"), "key.pem"),
    }
)
os.environ.pop("DYNAMODB_ENDPOINT", None)

from datetime import datetime, timedelta, timezone  # noqa: E402

import pytest  # noqa: E402
import time_machine  # noqa: E402
from moto import mock_aws  # noqa: E402
from pynamodb.connection.base import Connection  # noqa: E402

# --- the clock ------------------------------------------------------------------------------------
# A test never depends on the day it runs. A test that depends on the date is marked
# `@pytest.mark.instants` (or its module sets `pytestmark`): it runs at the real time AND at each of
# these instants (WIB), the ones that showed bugs before: a weekend night, the last minute of a
# Sunday, a Monday before opening, a Friday after the last session, the last working day before the
# Idul Fitri 2027 cuti bersama, and New Year's Eve.
INSTANTS = {
    "sat-0145": "2027-01-09T01:45:00+07:00",
    "sun-2359": "2027-01-10T23:59:00+07:00",
    "mon-0659": "2027-01-11T06:59:00+07:00",
    "fri-1605": "2027-01-15T16:05:00+07:00",
    "pre-lebaran": "2027-03-05T16:05:00+07:00",
    "new-year-eve": "2026-12-31T23:50:00+07:00",
}
# Subprocesses (the browser tests' local stack) follow the same clock through this variable
# (tests/support/travel/sitecustomize.py).
OFFSET_VARIABLE = "CC_CLOCK_OFFSET_SECONDS"


def instant_of(name: str) -> datetime:
    return datetime.fromisoformat(INSTANTS.get(name, name))


def pytest_addoption(parser):
    parser.addoption("--at", default=os.environ.get("CC_TEST_AT"),
                     help="run the whole suite with the clock starting at this instant: one of "
                          f"{', '.join(INSTANTS)} or ISO 8601 (e.g. 2027-03-05T16:05+07:00)")


def pytest_configure(config):
    config.addinivalue_line("markers", "instants: the test depends on the date; it also runs at each of INSTANTS")
    at = config.getoption("--at")
    if at:  # the whole session on that day, as if the suite were run then (time goes on)
        target = instant_of(at)
        os.environ[OFFSET_VARIABLE] = str(target.timestamp() - datetime.now(timezone.utc).timestamp())
        travel_path = os.path.join(os.path.dirname(__file__), "support", "travel")
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (travel_path, os.environ.get("PYTHONPATH")) if p)
        config._cc_travel = time_machine.travel(target, tick=True)
        config._cc_travel.start()


def pytest_unconfigure(config):
    travel = getattr(config, "_cc_travel", None)
    if travel is not None:
        travel.stop()


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("instants"):
        metafunc.parametrize("instant", ["now", *INSTANTS], indirect=True)


@pytest.fixture(autouse=True)
def instant(request):
    """The instant a test starts at: the real one, or one of INSTANTS for a test marked `instants`."""
    name = getattr(request, "param", "now")
    if name == "now":
        yield None
        return
    with time_machine.travel(instant_of(name), tick=True) as traveller:
        yield traveller


class Travel:
    """Move the one clock (chalicelib/clock.py) within a test: `travel.move_to(instant)`,
    `travel.shift(timedelta(...))`; time goes on from there (`tick=False`: it stands still)."""

    def __init__(self):
        from chalicelib import clock

        self._traveller = time_machine.travel(clock.now(), tick=True)
        self._coordinates = self._traveller.start()

    def move_to(self, when: datetime, tick: bool = True) -> None:
        self._coordinates.move_to(when, tick=tick)

    def shift(self, delta: timedelta | float) -> None:
        self._coordinates.shift(delta)

    def stop(self) -> None:
        self._traveller.stop()


@pytest.fixture
def travel(instant):
    t = Travel()
    yield t
    t.stop()


@pytest.fixture(autouse=True)
def fresh_container():
    """Each test starts like a fresh Lambda container: no channel known to be healthy."""
    from chalicelib.messages import send

    send.forget_channel_health()
    yield


@pytest.fixture
def dynamo_ops(monkeypatch):
    """Every DynamoDB operation the code under test issues, by name."""
    ops: list[str] = []
    original = Connection.dispatch

    def recording(self, operation_name, operation_kwargs):
        ops.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", recording)
    return ops


@pytest.fixture
def aws(dynamo_ops):
    """A fresh moto AWS with every table created; fails the test if anything Scans."""
    with mock_aws():
        from chalicelib.store.tables import create_tables

        create_tables()
        dynamo_ops.clear()
        yield
    assert "Scan" not in dynamo_ops, "a request path used Scan"


def _lambda_context_with_the_deployed_timeout():
    """chalice.test gives every invocation a context with 3 s left; a real invocation has its
    function's timeout (.chalice/config.json), which the scheduled functions budget their work by."""
    import chalice.test
    from chalice.local import LambdaContext

    from infra.local.timer import timeouts

    limits = timeouts()

    class DeployedContext(LambdaContext):
        def __init__(self, function_name, memory_size, max_runtime_ms=None, time_source=None):
            super().__init__(function_name, memory_size, max_runtime_ms=limits.get(function_name, 30) * 1000)

    chalice.test.LambdaContext = DeployedContext


_lambda_context_with_the_deployed_timeout()


def _environment_patched_in_place():
    """chalice.test swaps `os.environ` for a copy during each request and invocation, so code that
    looks at os.environ then, and a monkeypatch afterwards, may hold different objects. Lambda never
    swaps it: the function's variables go into the one os.environ, and back out afterwards."""
    import contextlib

    import chalice.test

    @contextlib.contextmanager
    def patched(self, environment_variables):
        saved = dict(os.environ)
        os.environ.update(environment_variables)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    chalice.test.BaseClient._patched_env_vars = patched


_environment_patched_in_place()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    # Stage "local": the local issuer verifies tokens, as under `make run`.
    with Client(app, stage_name="local") as c:
        yield c


class FreshTokens(dict):
    """Signed tokens for the demo accounts, as the sign-in route issues them: issued when read, so
    a test that moves the clock days ahead still calls as a signed-in user."""

    ACCOUNTS = {"admin": "admin@demo.local", "konsultan": "siti@demo.local"}

    def __getitem__(self, role: str) -> str:
        from chalicelib.staff_auth import local_issuer

        return local_issuer.issue_token(self.ACCOUNTS[role], "demo12345")


@pytest.fixture
def tokens():
    return FreshTokens()


@pytest.fixture
def admin(client, tokens):
    """Call the API as the demo admin: admin.get(path), admin.post(path, json), ..."""
    return StaffClient(client, lambda: tokens["admin"])


@pytest.fixture
def konsultan(client, tokens):
    return StaffClient(client, lambda: tokens["konsultan"])


class StaffClient:
    def __init__(self, client, token):
        self.client, self._token = client, token

    @property
    def token(self) -> str:
        return self._token() if callable(self._token) else self._token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def get(self, path):
        return self.client.http.get(path, headers=self._headers())

    def delete(self, path):
        return self.client.http.delete(path, headers=self._headers())

    def post(self, path, data):
        import json

        return self.client.http.post(path, headers=self._headers(), body=json.dumps(data))

    def put(self, path, data):
        import json

        return self.client.http.put(path, headers=self._headers(), body=json.dumps(data))
