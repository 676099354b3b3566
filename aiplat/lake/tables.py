"""The standard lake tables, as data: schemas, day partitioning, sort orders and properties.

Offline feature tables for the tiers' entities (customers, transactions) and the three
tables serving writes back (seed design, appendix B.3): ``ml.feature_log`` (the features a
model was served), ``ml.prediction_log`` (what it predicted) and ``ml.feedback`` (the label
or user feedback that came back later). Every table is partitioned by day on its event
timestamp, sorted by entity and time, format-version 2, carries explicit
``commit.retry.*`` properties (DATA-03) and the ``write.*`` properties its data files are
written with (Parquet, snappy, 64 KiB dictionary pages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Column types are written as Iceberg primitive type strings ("string", "long",
# "timestamptz", "decimal(18, 2)") so the declarations stay plain data and importing
# this module needs no pyiceberg.

COMMIT_RETRY_PROPERTIES: dict[str, str] = {
    "commit.retry.num-retries": "8",
    "commit.retry.min-wait-ms": "100",
    "commit.retry.max-wait-ms": "60000",
    "commit.retry.total-timeout-ms": "1800000",
}

# How data files are written (pyiceberg's writer reads them; `aiplat lake init` sets them on
# new tables and `migrate` on existing ones). Snappy, like pyarrow and Spark by default:
# about 25% less CPU than zstd per file, for files about 1.5x larger. A 64 KiB dictionary
# page still holds every low-cardinality column (model names, versions, labels: thousands
# of values), while ids, scores and timestamps fall back to plain encoding after 64 KiB
# instead of being hashed into a 2 MiB dictionary (pyiceberg's default) in every file; that
# halves the CPU of writing one file per day (see docs/lake.md, "Ingest").
WRITE_PROPERTIES: dict[str, str] = {
    "write.format.default": "parquet",
    "write.parquet.compression-codec": "snappy",
    "write.parquet.dict-size-bytes": "65536",
}

TABLE_PROPERTIES: dict[str, str] = {
    "format-version": "2",
    **WRITE_PROPERTIES,
    **COMMIT_RETRY_PROPERTIES,
}

NAMESPACES = ("features", "ml")
STREAMING_NAMESPACE = "streaming"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    doc: str | None = None


@dataclass(frozen=True)
class TableDef:
    """One standard table: ``partition_by`` is day-partitioned; ``sort_by`` is ascending."""

    identifier: str
    columns: tuple[Column, ...]
    partition_by: str = "event_timestamp"
    sort_by: tuple[str, ...] = ()
    properties: dict[str, str] = field(default_factory=lambda: dict(TABLE_PROPERTIES))
    doc: str = ""

    @property
    def namespace(self) -> str:
        return self.identifier.split(".", 1)[0]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def with_columns(self, *columns: Column) -> TableDef:
        """A copy whose columns are replaced (by name) or appended; for schema evolution."""
        by_name = {c.name: c for c in columns}
        kept = tuple(by_name.pop(c.name, c) for c in self.columns)
        return TableDef(
            self.identifier,
            kept + tuple(by_name.values()),
            self.partition_by,
            self.sort_by,
            dict(self.properties),
            self.doc,
        )

    def without_columns(self, *names: str) -> TableDef:
        return TableDef(
            self.identifier,
            tuple(c for c in self.columns if c.name not in names),
            self.partition_by,
            self.sort_by,
            dict(self.properties),
            self.doc,
        )


def _ts(name: str, required: bool = True, doc: str | None = None) -> Column:
    return Column(name, "timestamptz", required, doc)


EVENT = _ts("event_timestamp", doc="When the event happened (partition source)")
CREATED = _ts("created_at", doc="When the row was written")

CUSTOMER_FEATURES = TableDef(
    "features.customer_features",
    (
        Column("customer_id", "string", True, "Entity id"),
        EVENT,
        Column("tenure_days", "int"),
        Column("orders_30d", "int"),
        Column("total_spend_90d", "decimal(18, 2)"),
        Column("avg_order_value", "double"),
        Column("churn_score", "float"),
        Column("segment", "string"),
        CREATED,
    ),
    sort_by=("customer_id", "event_timestamp"),
    doc="Offline features per customer, point-in-time by event_timestamp.",
)

TRANSACTION_FEATURES = TableDef(
    "features.transaction_features",
    (
        Column("transaction_id", "string", True, "Entity id"),
        Column("customer_id", "string"),
        EVENT,
        Column("amount", "decimal(18, 2)"),
        Column("merchant_category", "string"),
        Column("txn_count_1h", "int"),
        Column("amount_zscore_30d", "double"),
        Column("is_foreign", "boolean"),
        CREATED,
    ),
    sort_by=("customer_id", "event_timestamp"),
    doc="Offline features per transaction, point-in-time by event_timestamp.",
)

FEATURE_LOG = TableDef(
    "ml.feature_log",
    (
        Column("request_id", "string", True, "Serving request id"),
        Column("model_name", "string", True),
        Column("model_version", "string", True),
        Column("entity_id", "string", True),
        Column("features", "string", True, "The served feature vector, as JSON"),
        Column("feature_set_version", "string"),
        EVENT,
        CREATED,
    ),
    sort_by=("model_name", "entity_id", "event_timestamp"),
    doc="The features each model was served, logged by inference (via Kafka).",
)

PREDICTION_LOG = TableDef(
    "ml.prediction_log",
    (
        Column("request_id", "string", True, "Serving request id"),
        Column("model_name", "string", True),
        Column("model_version", "string", True),
        Column("entity_id", "string", True),
        Column("prediction", "double", doc="Score or regression value"),
        Column("prediction_label", "string", doc="Class label, when the model gives one"),
        Column("latency_ms", "double"),
        EVENT,
        CREATED,
    ),
    sort_by=("model_name", "model_version", "event_timestamp"),
    doc="Every prediction, for evaluation, drift and retraining.",
)

FEEDBACK = TableDef(
    "ml.feedback",
    (
        Column("request_id", "string", True, "Joins to the prediction it answers"),
        Column("model_name", "string", True),
        Column("model_version", "string", True),
        Column("entity_id", "string", True),
        Column("label", "double", doc="Ground truth, when it is numeric"),
        Column("feedback_value", "string", doc="User feedback (thumbs, class, text)"),
        Column("feedback_source", "string"),
        EVENT,
        CREATED,
    ),
    sort_by=("model_name", "request_id", "event_timestamp"),
    doc="Labels and user feedback written back, to trigger incremental updates.",
)

STREAM_EVENTS = TableDef(
    "streaming.events",
    (
        Column("event_id", "string", True),
        Column("topic", "string", True),
        Column("partition", "int", True),
        Column("offset", "long", True),
        Column("key", "string"),
        Column("payload", "string", doc="The record value, as JSON"),
        EVENT,
        Column("ingested_at", "timestamptz", True),
    ),
    sort_by=("topic", "event_timestamp"),
    doc="Raw streamed records landed by streaming ingestion (advanced/expert tiers).",
)


def standard_tables(streaming: bool = False) -> list[TableDef]:
    """The tables ``aiplat lake init`` creates; ``streaming`` adds the ingestion table."""
    tables = [CUSTOMER_FEATURES, TRANSACTION_FEATURES, FEATURE_LOG, PREDICTION_LOG, FEEDBACK]
    return [*tables, STREAM_EVENTS] if streaming else tables


def namespaces(tables: list[TableDef]) -> list[str]:
    return sorted({t.namespace for t in tables})


# ---- conversions to pyiceberg objects (imported only when called) -------------------------


def iceberg_type(text: str) -> Any:
    from pyiceberg.types import DecimalType, PrimitiveType

    text = text.strip().lower()
    if text.startswith("decimal"):
        precision, scale = (int(p) for p in text[text.index("(") + 1 : -1].split(","))
        return DecimalType(precision, scale)
    from pyiceberg.types import (
        BinaryType,
        BooleanType,
        DateType,
        DoubleType,
        FloatType,
        IntegerType,
        LongType,
        StringType,
        TimestampType,
        TimestamptzType,
    )

    known: dict[str, PrimitiveType] = {
        "string": StringType(),
        "int": IntegerType(),
        "long": LongType(),
        "float": FloatType(),
        "double": DoubleType(),
        "boolean": BooleanType(),
        "date": DateType(),
        "timestamp": TimestampType(),
        "timestamptz": TimestamptzType(),
        "binary": BinaryType(),
    }
    return known[text]


def iceberg_schema(table: TableDef) -> Any:
    from pyiceberg.schema import Schema
    from pyiceberg.types import NestedField

    return Schema(
        *(
            NestedField(i, c.name, iceberg_type(c.type), required=c.required, doc=c.doc)
            for i, c in enumerate(table.columns, start=1)
        )
    )


def partition_spec(table: TableDef, schema: Any) -> Any:
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.transforms import DayTransform

    source = schema.find_field(table.partition_by)
    return PartitionSpec(
        PartitionField(
            source_id=source.field_id,
            field_id=1000,
            transform=DayTransform(),
            name=f"{table.partition_by}_day",
        )
    )


def sort_order(table: TableDef, schema: Any) -> Any:
    from pyiceberg.table.sorting import NullOrder, SortDirection, SortField, SortOrder
    from pyiceberg.transforms import IdentityTransform

    return SortOrder(
        *(
            SortField(
                source_id=schema.find_field(name).field_id,
                transform=IdentityTransform(),
                direction=SortDirection.ASC,
                null_order=NullOrder.NULLS_FIRST,
            )
            for name in table.sort_by
        )
    )
