"""DynamoDB tables derived from the PynamoDB models, so a model added to ALL_MODELS gets a table.

The models are the single source of truth for table names, keys, attribute types, indexes and
TTL: the same schema `chalicelib.store.tables.create_tables()` uses locally is read here through
`Model._get_schema()` and turned into `dynamodb.Table` constructs.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parents[2]

_ATTR_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def table_prefix(stage: str) -> str:
    return f"cleanclear-{stage}"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None
    projection: str
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """What a table needs, read from one PynamoDB model."""

    model_name: str
    table_name: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None
    ttl_attribute: str | None
    global_indexes: tuple[IndexSpec, ...] = field(default=())
    local_indexes: tuple[IndexSpec, ...] = field(default=())


def load_models(stage: str) -> list[Any]:
    """`chalicelib.store.models.ALL_MODELS` with table names for `stage`.

    The models compute `<TABLE_PREFIX>-<name>` when the module is imported, so TABLE_PREFIX is
    set first and the module is executed afresh (under a private name inside the chalicelib.store
    package) even if this process imported chalicelib.store.models earlier with another prefix.
    """
    os.environ["TABLE_PREFIX"] = table_prefix(stage)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import chalicelib.store  # noqa: F401  (the parent package, for the models' relative imports)

    name = f"chalicelib.store._models_for_infra_{stage}"
    package = REPO_ROOT / "chalicelib" / "store" / "models"
    spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return list(module.ALL_MODELS)


def _key_pair(key_schema: Iterable[dict], types: dict[str, str], kind: str):
    for key in key_schema:
        if key["KeyType"] == kind:
            return key["AttributeName"], types[key["AttributeName"]]
    return None


def _index_specs(indexes: Iterable[dict], types: dict[str, str]) -> tuple[IndexSpec, ...]:
    specs = []
    for index in indexes:
        for attr in index.get("attribute_definitions", []):
            types.setdefault(attr["AttributeName"], attr["AttributeType"])
        projection = index.get("projection") or {"ProjectionType": "ALL"}
        specs.append(
            IndexSpec(
                name=index["index_name"],
                hash_key=_key_pair(index["key_schema"], types, "HASH"),
                range_key=_key_pair(index["key_schema"], types, "RANGE"),
                projection=projection["ProjectionType"],
                non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
            )
        )
    return tuple(sorted(specs, key=lambda s: s.name))


def table_spec(model: Any, prefix: str) -> TableSpec:
    table_name = model.Meta.table_name
    if not table_name.startswith(prefix + "-"):
        raise ValueError(
            f"{model.__name__}.Meta.table_name={table_name!r} does not start with {prefix!r}-: "
            "name every table `<TABLE_PREFIX>-<name>` so the Lambda's TABLE_PREFIX finds it"
        )
    schema = model._get_schema()
    types = {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    global_indexes = _index_specs(schema.get("global_secondary_indexes", []), types)
    local_indexes = _index_specs(schema.get("local_secondary_indexes", []), types)
    ttl = model._ttl_attribute()
    return TableSpec(
        model_name=model.__name__,
        table_name=table_name,
        hash_key=_key_pair(schema["key_schema"], types, "HASH"),
        range_key=_key_pair(schema["key_schema"], types, "RANGE"),
        ttl_attribute=ttl.attr_name if ttl is not None else None,
        global_indexes=global_indexes,
        local_indexes=local_indexes,
    )


def table_specs(models: Iterable[Any], prefix: str) -> list[TableSpec]:
    specs = [table_spec(m, prefix) for m in models]
    names = [s.table_name for s in specs]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"two models share a table name: {sorted(duplicates)}")
    return specs


def _attribute(pair: tuple[str, str] | None) -> dynamodb.Attribute | None:
    if pair is None:
        return None
    return dynamodb.Attribute(name=pair[0], type=_ATTR_TYPES[pair[1]])


class ModelTables(Construct):
    """One on-demand, PITR-protected table per model; deletion protection and RETAIN in prod."""

    def __init__(self, scope: Construct, id: str, *, specs: list[TableSpec], protect: bool) -> None:
        super().__init__(scope, id)
        self.specs = specs
        self.tables: dict[str, dynamodb.Table] = {}
        for spec in specs:
            table = dynamodb.Table(
                self,
                spec.model_name,
                table_name=spec.table_name,
                partition_key=_attribute(spec.hash_key),
                sort_key=_attribute(spec.range_key),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=protect,
                removal_policy=cdk.RemovalPolicy.RETAIN if protect else cdk.RemovalPolicy.DESTROY,
                time_to_live_attribute=spec.ttl_attribute,
            )
            for index in spec.global_indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.hash_key),
                    sort_key=_attribute(index.range_key),
                    projection_type=_PROJECTIONS[index.projection],
                    non_key_attributes=list(index.non_key_attributes) or None,
                )
            for index in spec.local_indexes:
                table.add_local_secondary_index(
                    index_name=index.name,
                    sort_key=_attribute(index.range_key),
                    projection_type=_PROJECTIONS[index.projection],
                    non_key_attributes=list(index.non_key_attributes) or None,
                )
            self.tables[spec.table_name] = table
