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
        "LOCAL_ISSUER_KEY_FILE": os.path.join(tempfile.mkdtemp(prefix="cc-issuer-"), "key.pem"),
    }
)
os.environ.pop("DYNAMODB_ENDPOINT", None)

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402
from pynamodb.connection.base import Connection  # noqa: E402


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


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    # Stage "local": the local issuer verifies tokens, as under `make run`.
    with Client(app, stage_name="local") as c:
        yield c


@pytest.fixture
def tokens():
    """Signed tokens for the demo accounts, as the sign-in route issues them."""
    from chalicelib.staff_auth import local_issuer

    return {
        "admin": local_issuer.issue_token("admin@demo.local", "demo12345"),
        "konsultan": local_issuer.issue_token("siti@demo.local", "demo12345"),
    }


@pytest.fixture
def admin(client, tokens):
    """Call the API as the demo admin: admin.get(path), admin.post(path, json), ..."""
    return StaffClient(client, tokens["admin"])


@pytest.fixture
def konsultan(client, tokens):
    return StaffClient(client, tokens["konsultan"])


class StaffClient:
    def __init__(self, client, token):
        self.client, self.token = client, token

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
