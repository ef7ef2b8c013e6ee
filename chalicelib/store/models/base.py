"""What every model shares: the process's one connection, the table names, the GSI helper."""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from ... import settings
from ..connection import CONNECT_TIMEOUT_SECONDS, MAX_RETRY_ATTEMPTS, READ_TIMEOUT_SECONDS, connection

TEAM = "clinic"  # the one partition of the small team tables (tens of items)


class BaseMeta:
    region = settings.aws_region()
    billing_mode = "PAY_PER_REQUEST"
    connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = READ_TIMEOUT_SECONDS
    max_retry_attempts = MAX_RETRY_ATTEMPTS


class BaseModel(Model):
    """A model whose requests go through the process's one connection (store/connection.py)."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        shared = connection()
        if table.connection is not shared:
            # The schema pynamodb derived from the model, so no DescribeTable is needed. Another
            # model of the same table (the infra's copy of the models) may have added it already.
            try:
                shared.add_meta_table(table.connection.get_meta_table(cls.Meta.table_name))
            except ValueError:
                pass
            table.connection = shared
        return table

    @classmethod
    def get_or_none(cls, hash_key, range_key=None, *, consistent: bool = False):
        """The item with these keys, or None: the one way the store reads "maybe there is one"."""
        try:
            return cls.get(hash_key, range_key, consistent_read=consistent)
        except cls.DoesNotExist:
            return None


def _meta(name: str):
    return type("Meta", (BaseMeta,), {"table_name": f"{settings.table_prefix()}-{name}"})


def _gsi(index: str, hash_attr: str, range_attr: str = "created_at"):
    """A GSI with ALL projection: list views need most fields and read one page at a time."""
    meta = type("Meta", (), {"index_name": index, "projection": AllProjection()})
    attrs = {"Meta": meta, hash_attr: UnicodeAttribute(hash_key=True)}
    if range_attr:
        attrs[range_attr] = UnicodeAttribute(range_key=True)
    return type(f"{index.title().replace('_', '')}Index", (GlobalSecondaryIndex,), attrs)()
