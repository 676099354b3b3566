"""migrate applies the declared schemas: adds and widens, keeps old rows, refuses destruction."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from aiplat.lake.tables import CUSTOMER_FEATURES, Column
from tiers.errors import SpecError

NAME = "features.customer_features"


@pytest.fixture
def lake(catalog, tmp_path):
    """customer_features as first declared, with two rows in it."""
    ops.init(catalog, [CUSTOMER_FEATURES])
    (tmp_path / "c.csv").write_text(
        "customer_id,event_timestamp,tenure_days,churn_score,total_spend_90d,segment\n"
        "c1,2026-01-01T00:00:00Z,10,0.5,12.34,new\n"
        "c2,2026-01-02T00:00:00Z,2000000000,0.25,99.99,loyal\n"
    )
    ingestion.ingest(catalog, tmp_path / "c.csv", NAME)
    return catalog


EVOLVED = CUSTOMER_FEATURES.with_columns(
    Column("tenure_days", "long"),
    Column("churn_score", "double"),
    Column("total_spend_90d", "decimal(24, 2)"),
    Column("lifetime_value", "double", doc="Added later"),
)


def test_migrate_adds_a_column_and_widens_types_while_every_old_row_stays_readable(lake):
    changes = ops.migrate(lake, [EVOLVED])
    assert {(c.column, c.change, c.detail) for c in changes} == {
        ("tenure_days", "widen", "int -> long"),
        ("churn_score", "widen", "float -> double"),
        ("total_spend_90d", "widen", "decimal(18, 2) -> decimal(24, 2)"),
        ("lifetime_value", "add column", "double"),
    }
    schema = lake.load_table(NAME).schema()
    assert str(schema.find_type("tenure_days")) == "long"
    assert str(schema.find_type("total_spend_90d")) == "decimal(24, 2)"
    old = ops.read(lake, NAME).sort_by("customer_id")
    assert old.schema.field("tenure_days").type == pa.int64()
    rows = old.to_pylist()
    assert [r["tenure_days"] for r in rows] == [10, 2_000_000_000]
    assert [r["churn_score"] for r in rows] == [0.5, 0.25]
    assert [r["total_spend_90d"] for r in rows] == [Decimal("12.34"), Decimal("99.99")]
    assert [r["lifetime_value"] for r in rows] == [None, None]
    assert [r["segment"] for r in rows] == ["new", "loyal"]


def test_migrate_is_idempotent(lake):
    ops.migrate(lake, [EVOLVED])
    location = lake.load_table(NAME).metadata_location
    assert ops.migrate(lake, [EVOLVED]) == []
    assert lake.load_table(NAME).metadata_location == location


def test_migrate_creates_a_declared_table_that_is_missing(lake):
    changes = ops.migrate(lake)  # the standard tables
    assert {c.table for c in changes if c.change == "create table"} == {
        "features.transaction_features",
        "ml.feature_log",
        "ml.prediction_log",
        "ml.feedback",
    }
    assert ops.migrate(lake) == []


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            CUSTOMER_FEATURES.without_columns("segment"),
            "features.customer_features.segment: is in the table but not declared; dropping a "
            "column is destructive and migrate refuses it; fix: keep the column in the "
            "declaration (it may stay unused)",
        ),
        (
            CUSTOMER_FEATURES.with_columns(Column("avg_order_value", "float")),
            "features.customer_features.avg_order_value: changing double to float narrows or "
            "converts the column; migrate only widens (int->long, float->double, decimal "
            "precision up); fix: declare it as double or a wider type, or add a new column",
        ),
        (
            CUSTOMER_FEATURES.with_columns(Column("segment", "int")),
            "features.customer_features.segment: changing string to int narrows or converts the "
            "column; migrate only widens (int->long, float->double, decimal precision up); fix: "
            "declare it as string or a wider type, or add a new column",
        ),
        (
            CUSTOMER_FEATURES.with_columns(Column("segment", "string", required=True)),
            "features.customer_features.segment: making an optional column required is "
            "destructive and migrate refuses it; fix: declare it optional (required=False)",
        ),
        (
            CUSTOMER_FEATURES.with_columns(Column("region", "string", required=True)),
            "features.customer_features.region: a new column cannot be required: existing rows "
            "have no value for it; fix: declare it optional (required=False)",
        ),
    ],
    ids=["drop", "narrow", "convert", "make-required", "add-required"],
)
def test_migrate_refuses_a_destructive_change_with_the_exact_message(lake, declared, message):
    location = lake.load_table(NAME).metadata_location
    with pytest.raises(SpecError) as refused:
        ops.migrate(lake, [declared])
    assert str(refused.value) == message
    assert lake.load_table(NAME).metadata_location == location


def test_migrate_refuses_narrowing_a_column_it_widened_before(lake):
    ops.migrate(lake, [EVOLVED])
    with pytest.raises(
        SpecError, match=r"^features\.customer_features\.tenure_days: changing long to int"
    ):
        ops.migrate(lake, [EVOLVED.with_columns(Column("tenure_days", "int"))])


def test_migrate_sets_the_declared_write_properties_on_a_table_made_without_them(catalog):
    old = CUSTOMER_FEATURES.with_columns()
    old.properties.pop("write.parquet.dict-size-bytes")
    old.properties["write.parquet.compression-codec"] = "zstd"
    ops.init(catalog, [old])
    planned = ops.plan_migration(catalog, [CUSTOMER_FEATURES])
    assert [(c.change, c.detail) for c in planned] == [
        ("set property", "write.parquet.compression-codec: zstd -> snappy"),
        ("set property", "write.parquet.dict-size-bytes: unset -> 65536"),
    ]
    assert ops.migrate(catalog, [CUSTOMER_FEATURES]) == planned
    properties = catalog.load_table(NAME).properties
    assert properties["write.parquet.compression-codec"] == "snappy"
    assert properties["write.parquet.dict-size-bytes"] == "65536"
    assert ops.migrate(catalog, [CUSTOMER_FEATURES]) == []
