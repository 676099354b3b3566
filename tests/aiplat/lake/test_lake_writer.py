"""Ingest's write path: one data file per day, with Iceberg field ids and column statistics,
the table's write properties, one snapshot; rows round-trip exactly and scans prune days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.conversions import from_bytes
from pyiceberg.expressions import And, GreaterThanOrEqual, LessThan
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.transforms import DayTransform, IdentityTransform

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from aiplat.lake.tables import PREDICTION_LOG, TABLE_PROPERTIES, iceberg_schema

NAME = PREDICTION_LOG.identifier
DAY_ONE = datetime(2026, 3, 1, tzinfo=UTC)
EPOCH = date(1970, 1, 1)


def predictions(rows: int = 30, time_ordered: bool = False) -> pa.Table:
    """``rows`` predictions over three days; days interleaved unless ``time_ordered``."""
    order = sorted(range(rows), key=lambda i: (i % 3, i)) if time_ordered else range(rows)
    events = [DAY_ONE + timedelta(days=i % 3, minutes=i) for i in order]
    return pa.table(
        {
            "request_id": [f"r{i:03}" for i in order],
            "model_name": [["churn", "fraud"][i % 2] for i in order],
            "model_version": ["3"] * rows,
            "entity_id": [f"c{i}" for i in order],
            "prediction": [i / 100 if i % 7 else None for i in order],
            "prediction_label": [["yes", "no"][i % 2] for i in order],
            "latency_ms": [float(i) for i in order],
            "event_timestamp": pa.array(events, pa.timestamp("us", tz="UTC")),
            "created_at": pa.array(events, pa.timestamp("us", tz="UTC")),
        }
    )


@pytest.fixture
def lake(catalog):
    ops.init(catalog, [PREDICTION_LOG])
    return catalog


def _ingest(catalog, tmp_path, data: pa.Table, **kwargs):
    pq.write_table(data, tmp_path / "p.parquet")
    return ingestion.ingest(catalog, tmp_path / "p.parquet", NAME, **kwargs)


def _reads_back_exactly(catalog, data: pa.Table) -> bool:
    """The table's rows are ``data`` conformed to its schema: same values, same types."""
    expected = ingestion.conform(data, catalog.load_table(NAME), NAME)
    return ops.read(catalog, NAME).sort_by("request_id").equals(expected.sort_by("request_id"))


def _data_files(table):
    return sorted((t.file for t in table.scan().plan_files()), key=lambda f: f.partition[0])


@pytest.mark.parametrize("time_ordered", [False, True], ids=["days-interleaved", "time-ordered"])
def test_ingest_writes_one_file_per_day_and_every_row_comes_back_exactly(
    lake, tmp_path, time_ordered
):
    data = predictions(time_ordered=time_ordered)
    result = _ingest(lake, tmp_path, data)
    table = lake.load_table(NAME)
    files = _data_files(table)
    days = [(DAY_ONE + timedelta(days=d)).date() for d in range(3)]
    assert [EPOCH + timedelta(days=f.partition[0]) for f in files] == days
    assert [f.record_count for f in files] == [10, 10, 10]
    assert [s["snapshot_id"] for s in ops.snapshots(lake, NAME)] == [result["snapshot_id"]]
    assert _reads_back_exactly(lake, data)


def test_each_data_file_carries_iceberg_field_ids_and_bounds_for_every_column(lake, tmp_path):
    _ingest(lake, tmp_path, predictions())
    table = lake.load_table(NAME)
    schema = table.schema()
    first = _data_files(table)[0]
    with table.io.new_input(first.file_path).open() as stream:
        written = pq.read_schema(stream)
    assert {f.name: int(f.metadata[b"PARQUET:field_id"]) for f in written} == {
        f.name: f.field_id for f in schema.fields
    }

    def bound(bounds, name):
        field = schema.find_field(name)
        return from_bytes(field.field_type, bounds[field.field_id])

    assert set(first.lower_bounds) == set(first.upper_bounds) == {f.field_id for f in schema.fields}
    assert bound(first.lower_bounds, "request_id") == "r000"
    assert bound(first.upper_bounds, "request_id") == "r027"
    day_start = int(DAY_ONE.timestamp() * 1_000_000)
    assert bound(first.lower_bounds, "event_timestamp") == day_start
    assert bound(first.upper_bounds, "event_timestamp") == day_start + 27 * 60_000_000
    prediction = schema.find_field("prediction").field_id
    assert first.null_value_counts[prediction] == 2  # rows 0 and 21
    assert first.value_counts[prediction] == 10


def test_a_scan_for_one_day_reads_only_that_days_file(lake, tmp_path):
    _ingest(lake, tmp_path, predictions())
    day_two = DAY_ONE + timedelta(days=1)
    one_day = And(
        GreaterThanOrEqual("event_timestamp", day_two.isoformat()),
        LessThan("event_timestamp", (day_two + timedelta(days=1)).isoformat()),
    )
    scan = lake.load_table(NAME).scan(row_filter=one_day)
    (task,) = scan.plan_files()
    assert EPOCH + timedelta(days=task.file.partition[0]) == day_two.date()
    assert scan.to_arrow().num_rows == 10


def test_data_files_are_written_with_the_tables_declared_codec(lake, tmp_path):
    _ingest(lake, tmp_path, predictions())
    table = lake.load_table(NAME)
    assert table.properties["write.parquet.compression-codec"] == "snappy"
    assert table.properties["write.parquet.dict-size-bytes"] == "65536"
    with table.io.new_input(_data_files(table)[0].file_path).open() as stream:
        meta = pq.read_metadata(stream)
    assert meta.row_group(0).column(0).compression == "SNAPPY"


def test_a_small_target_file_size_splits_a_day_into_several_files_in_one_snapshot(lake, tmp_path):
    table = lake.load_table(NAME)
    with table.transaction() as tx:
        tx.set_properties({"write.target-file-size-bytes": "1"})
    _ingest(lake, tmp_path, predictions())
    files = lake.load_table(NAME).scan().plan_files()
    assert sum(1 for _ in files) > 3
    assert len(ops.snapshots(lake, NAME)) == 1
    assert ops.read(lake, NAME).num_rows == 30


@pytest.mark.parametrize(
    "spec",
    [
        PartitionSpec(),
        PartitionSpec(
            PartitionField(8, 1000, DayTransform(), "event_timestamp_day"),
            PartitionField(2, 1001, IdentityTransform(), "model_name"),
        ),
    ],
    ids=["unpartitioned", "day-and-model"],
)
def test_other_partition_specs_are_written_and_read_back_too(catalog, tmp_path, spec):
    catalog.create_namespace_if_not_exists("ml")
    schema = iceberg_schema(PREDICTION_LOG)
    catalog.create_table(NAME, schema=schema, partition_spec=spec, properties=TABLE_PROPERTIES)
    data = predictions()
    _ingest(catalog, tmp_path, data)
    files = list(catalog.load_table(NAME).scan().plan_files())
    assert len(files) == (1 if spec.is_unpartitioned() else 6)
    assert _reads_back_exactly(catalog, data)


def test_day_partitioned_tables_do_not_go_through_pyicebergs_per_partition_filter(
    lake, tmp_path, monkeypatch
):
    from pyiceberg.table import Transaction

    def refuse(*args, **kwargs):
        raise AssertionError("Transaction.append was called")

    monkeypatch.setattr(Transaction, "append", refuse)
    assert _ingest(lake, tmp_path, predictions())["rows"] == 30
