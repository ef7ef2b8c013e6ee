"""Test setup: AWS is moto (DynamoDB over its wire protocol, in process), never the network."""
import os

# Must be set before chalicelib.models is imported: table names and endpoint live in Meta.
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
        from chalicelib.models import create_tables

        create_tables()
        dynamo_ops.clear()
        yield
    assert "Scan" not in dynamo_ops, "a request path used Scan"


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c
