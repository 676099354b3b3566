"""init creates every standard table, partitioned by day, sorted, v2, with commit retries."""

from __future__ import annotations

import pytest

from aiplat.lake import ops
from aiplat.lake.tables import COMMIT_RETRY_PROPERTIES, standard_tables

STANDARD = [
    "features.customer_features",
    "features.transaction_features",
    "ml.feature_log",
    "ml.prediction_log",
    "ml.feedback",
]


def test_the_standard_tables_are_the_feature_tables_and_the_three_serving_write_backs():
    assert [t.identifier for t in standard_tables()] == STANDARD
    assert [t.identifier for t in standard_tables(streaming=True)] == [
        *STANDARD,
        "streaming.events",
    ]


def test_the_write_back_tables_carry_the_appendix_b3_fields():
    tables = {t.identifier: {c.name for c in t.columns} for t in standard_tables()}
    serving = {"model_name", "model_version", "request_id", "entity_id", "event_timestamp"}
    assert serving | {"features"} <= tables["ml.feature_log"]
    assert serving | {"prediction"} <= tables["ml.prediction_log"]
    assert serving | {"label", "feedback_value"} <= tables["ml.feedback"]


@pytest.mark.parametrize("streaming", [False, True])
def test_init_creates_every_standard_table_with_day_partitioning_sort_order_v2_and_retries(
    catalog, streaming
):
    created = ops.init(catalog, standard_tables(streaming))
    assert all(status == "created" for _, status in created)
    for declared in standard_tables(streaming):
        table = catalog.load_table(declared.identifier)
        schema = table.schema()
        (field,) = table.spec().fields
        assert str(field.transform) == "day"
        assert schema.find_column_name(field.source_id) == "event_timestamp"
        sorted_by = [schema.find_column_name(f.source_id) for f in table.sort_order().fields]
        assert sorted_by == list(declared.sort_by) and sorted_by
        assert table.metadata.format_version == 2
        for key, value in COMMIT_RETRY_PROPERTIES.items():
            assert table.properties[key] == value
        assert set(COMMIT_RETRY_PROPERTIES) == {
            "commit.retry.num-retries",
            "commit.retry.min-wait-ms",
            "commit.retry.max-wait-ms",
            "commit.retry.total-timeout-ms",
        }


def test_init_is_idempotent_and_leaves_existing_tables_alone(catalog):
    ops.init(catalog)
    before = {n: catalog.load_table(n).metadata_location for n in STANDARD}
    again = ops.init(catalog)
    assert again == [(n, "exists") for n in STANDARD]
    assert {n: catalog.load_table(n).metadata_location for n in STANDARD} == before


def test_describe_shows_schema_partitioning_sort_order_properties_and_snapshot(catalog):
    ops.init(catalog)
    info = ops.describe(catalog, "ml.prediction_log")
    assert info["partitioning"] == "day(event_timestamp)"
    assert info["sort_order"][0] == "model_name asc nulls first"
    assert info["properties"]["commit.retry.num-retries"] == "8"
    assert info["format_version"] == 2
    assert info["current_snapshot"] is None
    assert [f["name"] for f in info["schema"]][:4] == [
        "request_id",
        "model_name",
        "model_version",
        "entity_id",
    ]
