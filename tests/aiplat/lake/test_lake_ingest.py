"""Ingest appends CSV and Parquet files as snapshots; bad files change nothing; time travel."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyiceberg.exceptions import CommitFailedException, ValidationException

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from tiers.errors import SpecError


@pytest.fixture
def lake(catalog):
    ops.init(catalog)
    return catalog


def test_ingesting_a_csv_appends_its_rows_as_a_new_snapshot_cast_to_the_table_schema(
    lake, tmp_path, write_predictions
):
    seen = []
    csv = write_predictions(
        tmp_path / "p.csv",
        "r1,churn,3,c1,0.25,2026-01-01T10:00:00Z",
        "r2,churn,3,c2,0.75,2026-01-02 11:30:00",
        "r3,churn,3,c3,,2026-01-02T12:00:00+02:00",
    )
    result = ingestion.ingest(
        lake, csv, "ml.prediction_log", batch_rows=2, progress=lambda *a: seen.append(a)
    )
    assert result["rows"] == 3
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    made = ops.snapshots(lake, "ml.prediction_log")  # one snapshot per batch, one commit
    assert [s["added_records"] for s in made] == [2, 1]
    assert made[-1]["snapshot_id"] == result["snapshot_id"]
    assert made[-1]["total_records"] == 3
    rows = sorted(ops.read(lake, "ml.prediction_log").to_pylist(), key=lambda r: r["request_id"])
    assert [r["prediction"] for r in rows] == [0.25, 0.75, None]
    assert rows[1]["event_timestamp"] == datetime(2026, 1, 2, 11, 30, tzinfo=UTC)
    assert rows[2]["event_timestamp"] == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert all(r["created_at"] is not None for r in rows)


def test_ingesting_a_parquet_file_appends_its_rows_and_makes_a_snapshot(
    lake, tmp_path, write_predictions
):
    data = pa.table(
        {
            "customer_id": ["c1", "c2"],
            "event_timestamp": pa.array(
                [datetime(2026, 2, 1, 8), datetime(2026, 2, 2, 9)], pa.timestamp("ms")
            ),
            "tenure_days": pa.array([10, 400], pa.int64()),
            "total_spend_90d": [12.5, 99.99],
            "segment": ["new", "loyal"],
        }
    )
    pq.write_table(data, tmp_path / "customers.parquet")
    result = ingestion.ingest(lake, tmp_path / "customers.parquet", "features.customer_features")
    assert result["rows"] == 2
    assert [s["snapshot_id"] for s in ops.snapshots(lake, "features.customer_features")][
        -1
    ] == result["snapshot_id"]
    rows = ops.read(lake, "features.customer_features").sort_by("customer_id").to_pylist()
    assert [r["tenure_days"] for r in rows] == [10, 400]
    assert str(rows[1]["total_spend_90d"]) == "99.99"


def _snapshot_ids(catalog, name):
    return [s["snapshot_id"] for s in ops.snapshots(catalog, name)]


def test_a_malformed_csv_gives_one_clear_error_and_leaves_the_snapshots_unchanged(
    lake, tmp_path, write_predictions
):
    ingestion.ingest(
        lake,
        write_predictions(tmp_path / "ok.csv", "r1,m,1,e1,0.1,2026-01-01T00:00:00Z"),
        "ml.prediction_log",
    )
    before = _snapshot_ids(lake, "ml.prediction_log")
    bad = write_predictions(tmp_path / "bad.csv", "r2,m,1,e2,0.2,2026-01-01T00:00:00Z,extra")
    with pytest.raises(SpecError) as failed:
        ingestion.ingest(lake, bad, "ml.prediction_log")
    message = str(failed.value)
    assert message.startswith(
        "FILE: bad.csv is malformed: CSV parse error: Expected 6 columns, got 7"
    )
    assert "\n" not in message
    assert _snapshot_ids(lake, "ml.prediction_log") == before


def test_an_unconvertible_column_names_the_column_and_leaves_the_snapshots_unchanged(
    lake, tmp_path, write_predictions
):
    before = _snapshot_ids(lake, "ml.prediction_log")
    bad = write_predictions(
        tmp_path / "bad.csv",
        "r1,m,1,e1,0.5,2026-01-01T00:00:00Z",
        "r2,m,1,e2,high,2026-01-01T00:00:00Z",
    )
    with pytest.raises(SpecError) as failed:
        ingestion.ingest(lake, bad, "ml.prediction_log")
    assert str(failed.value).startswith(
        "column prediction: cannot convert string to double: Failed to parse string: 'high'"
    )
    assert _snapshot_ids(lake, "ml.prediction_log") == before == []


@pytest.mark.parametrize(
    ("header_row", "expected"),
    [
        (
            "request_id,model_name,model_version,entity_id,colour,event_timestamp",
            "column colour: is not a column of ml.prediction_log",
        ),
        (
            "request_id,model_name,model_version,prediction,event_timestamp",
            "column entity_id: is required in ml.prediction_log but missing from the file",
        ),
    ],
)
def test_unknown_or_missing_required_columns_are_refused_by_name(
    lake, tmp_path, header_row, expected
):
    path = tmp_path / "x.csv"
    path.write_text(header_row + "\n" + ",".join(["1"] * len(header_row.split(","))) + "\n")
    with pytest.raises(SpecError, match=f"^{expected}"):
        ingestion.ingest(lake, path, "ml.prediction_log")


def test_an_empty_required_value_is_refused(lake, tmp_path, write_predictions):
    bad = write_predictions(tmp_path / "b.csv", "r1,m,1,,0.5,2026-01-01T00:00:00Z")
    with pytest.raises(
        SpecError, match=r"^column entity_id: is required in ml.prediction_log but has 1 empty"
    ):
        ingestion.ingest(lake, bad, "ml.prediction_log")


@pytest.mark.parametrize("error", [CommitFailedException, ValidationException])
def test_a_commit_failure_is_retried_a_bounded_number_of_times_then_raised_with_the_table_named(
    lake, tmp_path, monkeypatch, error, write_predictions
):
    table = lake.load_table("ml.prediction_log")
    with table.transaction() as tx:  # keep the test fast: 2 retries, 1 ms apart
        tx.set_properties(
            {
                "commit.retry.num-retries": "2",
                "commit.retry.min-wait-ms": "1",
                "commit.retry.max-wait-ms": "1",
            }
        )
    attempts = []

    def conflict(*args, **kwargs):
        attempts.append(1)
        raise error("branch main has changed")

    monkeypatch.setattr(lake, "commit_table", conflict)
    csv = write_predictions(tmp_path / "p.csv", "r1,m,1,e1,0.5,2026-01-01T00:00:00Z")
    with pytest.raises(error) as failed:
        ingestion.ingest(lake, csv, "ml.prediction_log")
    assert "ingest of p.csv on ml.prediction_log was not committed" in failed.value.__notes__[0]
    assert len(attempts) == (3 if error is CommitFailedException else 1)
    monkeypatch.undo()
    assert ops.snapshots(lake, "ml.prediction_log") == []


def test_time_travel_reads_the_older_snapshot_by_id_and_by_time(lake, tmp_path, write_predictions):
    first = ingestion.ingest(
        lake,
        write_predictions(tmp_path / "a.csv", "r1,m,1,e1,0.1,2026-01-01T00:00:00Z"),
        "ml.prediction_log",
    )
    ingestion.ingest(
        lake,
        write_predictions(tmp_path / "b.csv", "r2,m,1,e2,0.2,2026-01-02T00:00:00Z"),
        "ml.prediction_log",
    )
    now = ops.read(lake, "ml.prediction_log")
    assert sorted(now.column("request_id").to_pylist()) == ["r1", "r2"]
    older = ops.read(lake, "ml.prediction_log", snapshot_id=first["snapshot_id"])
    assert older.column("request_id").to_pylist() == ["r1"]
    committed = ops.snapshots(lake, "ml.prediction_log")[0]["committed_at"]
    as_of = ops.read(lake, "ml.prediction_log", as_of=committed)
    assert as_of.column("request_id").to_pylist() == ["r1"]
    assert ops.read(lake, "ml.prediction_log", limit=1).num_rows == 1
    with pytest.raises(SpecError, match=r"^--snapshot: ml.prediction_log has no snapshot 42;"):
        ops.read(lake, "ml.prediction_log", snapshot_id=42)
    with pytest.raises(SpecError, match="has no snapshot at or before 2000-01-01"):
        ops.read(lake, "ml.prediction_log", as_of="2000-01-01T00:00:00Z")
