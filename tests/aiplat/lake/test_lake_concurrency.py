"""Concurrent appends to one table: conflicts are retried, and every failure is raised, not lost.

About 30 s (200 serialized SQLite commits): marked ``slow``, and part of ``make test`` and CI;
skip it in a quick local loop with ``pytest -m "not slow"``.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pyarrow as pa
import pytest

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from aiplat.lake.catalog import open_catalog

WORKERS = 8
APPENDS = 25
NAME = "ml.feedback"


def _append_many(warehouse: str, worker: int) -> tuple[int, list[str]]:
    """Append APPENDS one-row batches; return rows committed and the errors raised."""
    from datetime import UTC, datetime

    catalog = open_catalog("sql", warehouse=Path(warehouse))
    committed, errors = 0, []
    for i in range(APPENDS):
        now = datetime.now(UTC)
        row = pa.table(
            {
                "request_id": [f"w{worker}-{i}"],
                "model_name": ["churn"],
                "model_version": ["3"],
                "entity_id": [f"c{i}"],
                "label": [1.0],
                "event_timestamp": [now],
                "created_at": [now],
            }
        )
        try:
            table = catalog.load_table(NAME)
            table.append(ingestion.conform(row, table, NAME))
            committed += 1
        except Exception as exc:  # counted and reported: the point is that none is silent
            errors.append(f"{type(exc).__name__}: {exc}")
    return committed, errors


@pytest.mark.slow
def test_eight_processes_appending_25_times_lose_no_committed_row(tmp_path):
    warehouse = tmp_path / "lake"
    catalog = open_catalog("sql", warehouse=warehouse)
    ops.init(catalog)
    with catalog.load_table(NAME).transaction() as tx:
        tx.set_properties(
            {
                "commit.retry.num-retries": "100",
                "commit.retry.min-wait-ms": "5",
                "commit.retry.max-wait-ms": "200",
                "commit.retry.total-timeout-ms": "120000",
            }
        )
    context = multiprocessing.get_context("forkserver")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_append_many, [(str(warehouse), w) for w in range(WORKERS)])
    committed = sum(c for c, _ in results)
    errors = [e for _, errs in results for e in errs]
    rows = ops.read(catalog, NAME).num_rows
    assert rows == committed
    assert committed + len(errors) == WORKERS * APPENDS
    assert committed == WORKERS * APPENDS, errors[:3]
    assert len(ops.snapshots(catalog, NAME)) == committed
