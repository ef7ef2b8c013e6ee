"""One DynamoDB connection per process, shared by every table and every transaction.

Building a pynamodb Connection means building a botocore session and client, which loads
botocore's JSON service models: 50-85 ms each time. A Lambda container serves one invocation
at a time and lives for many, so the first request pays once and every later one reuses it.
Every model (`models.BaseModel`) and the unit of work (`unit_of_work.UnitOfWork`) go through
`connection()`.

The endpoint is part of the key: a process that points DYNAMODB_ENDPOINT elsewhere (a test
that starts its own DynamoDB Local) gets a connection to the new endpoint.
"""
from __future__ import annotations

import threading

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException

from .. import settings

# What the store raises when DynamoDB could not be reached or refused for now (throttling, a
# timeout): worth a retry later, unlike a bug or bad data.
UNAVAILABLE: tuple[type[Exception], ...] = (PynamoDBException,)

# Fail fast and let the caller retry rather than hang until the function's timeout.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 5
MAX_RETRY_ATTEMPTS = 3
# Senders and the allocation run use a few threads; each holds one HTTP connection at a time.
MAX_POOL_CONNECTIONS = 32

class _Connection(Connection):
    """pynamodb asks DynamoDB for the consumed capacity of every request; nothing here reads it,
    and computing it is work on every call (on-demand tables are billed per request anyway)."""

    def get_consumed_capacity_map(self, return_consumed_capacity: str) -> dict:
        return {}


_lock = threading.Lock()
_shared: tuple[tuple, Connection] | None = None
_builds = 0


def _key() -> tuple:
    return settings.aws_region(), settings.dynamodb_endpoint()


def connection() -> Connection:
    """The process's connection (made on first use)."""
    global _shared, _builds
    key = _key()
    current = _shared
    if current is not None and current[0] == key:
        return current[1]
    with _lock:
        if _shared is None or _shared[0] != key:
            region, host = key
            _shared = (key, _Connection(region=region, host=host, connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
                                       read_timeout_seconds=READ_TIMEOUT_SECONDS,
                                       max_retry_attempts=MAX_RETRY_ATTEMPTS,
                                       max_pool_connections=MAX_POOL_CONNECTIONS))
            _builds += 1
        return _shared[1]


def builds() -> int:
    """How many connections this process has built (one per endpoint it talked to)."""
    return _builds


