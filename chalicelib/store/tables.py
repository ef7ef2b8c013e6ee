"""Creating the tables of the models, for the local stack and the tests (AWS tables come from
infra/, derived from the same models)."""
from __future__ import annotations

from .models import ALL_MODELS, BaseModel


def create_tables(wait: bool = True) -> None:
    """Create every missing table (local stack and tests; AWS tables come from infra/)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=wait, billing_mode="PAY_PER_REQUEST")
            model.update_ttl(ignore_update_ttl_errors=True)
        else:
            _add_missing_indexes(model)


def _add_missing_indexes(model: type[BaseModel]) -> None:
    """A GSI added to a model after its table was made (a kept local database gets it too)."""
    existing = {i["IndexName"] for i in model.describe_table().get("GlobalSecondaryIndexes", [])}
    schema = model._get_schema()
    for index in schema.get("global_secondary_indexes", []):
        if index["index_name"] in existing:
            continue
        model._get_connection().connection.client.update_table(
            TableName=model.Meta.table_name,
            AttributeDefinitions=index["attribute_definitions"],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": index["index_name"], "Projection": index["projection"],
                "KeySchema": sorted(index["key_schema"], key=lambda k: k["KeyType"] != "HASH")}}],
        )
