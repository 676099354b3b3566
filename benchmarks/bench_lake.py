"""Time `aiplat lake ingest`'s path against a plain Parquet write of the same data.

Generates 1,000,000 rows shaped like ``ml.prediction_log`` (numpy, seeded), writes them to
a Parquet file, then times (best of 3):

- ``aiplat.lake.ingest.ingest`` of that file into a fresh SQLite-catalog table in a temp
  warehouse (read, conform to the schema, append, commit);
- ``pyarrow.parquet.write_table`` of the same Arrow table to a temp file.

Prints both times and the ratio. Target: ratio <= 1.3. Usage:
``.venv/bin/python benchmarks/bench_lake.py [rows]``.

The ingest timed is the function ``aiplat lake ingest`` calls, on a table made by ``aiplat
lake init`` (so with the declared ``write.*`` properties: snappy, 64 KiB dictionary
pages): it reads the file, conforms it, splits the rows into their days with Arrow, writes
one Parquet file per day in parallel with pyiceberg's writer (field ids, column
statistics) and commits them as one snapshot (see ``aiplat/lake/writer.py``). The
baseline is a plain ``pq.write_table`` with pyarrow's defaults, single-threaded, of data
already in memory. The rows are time-ordered, like a prediction log. On the shared 2-core
machine the numbers move with the load, so the 1-minute load average is printed too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiplat.lake import ingest as ingestion  # noqa: E402
from aiplat.lake import ops  # noqa: E402
from aiplat.lake.catalog import open_catalog  # noqa: E402
from aiplat.lake.tables import PREDICTION_LOG  # noqa: E402

TARGET = 1.3
RUNS = 3


def prediction_rows(rows: int, seed: int = 7) -> pa.Table:
    """``rows`` predictions over 7 days, three models, 100,000 entities."""
    rng = np.random.default_rng(seed)
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
    event = np.sort(rng.integers(start, start + 7 * 86_400 * 1_000_000, rows))
    models = np.array(["churn", "fraud", "ltv"])
    labels = np.array(["yes", "no"])
    ts = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "request_id": pa.array(np.char.add("r", np.arange(rows).astype(str))),
            "model_name": pa.array(models[rng.integers(0, 3, rows)]),
            "model_version": pa.array(rng.integers(1, 5, rows).astype(str)),
            "entity_id": pa.array(np.char.add("c", rng.integers(0, 100_000, rows).astype(str))),
            "prediction": pa.array(rng.random(rows)),
            "prediction_label": pa.array(labels[rng.integers(0, 2, rows)]),
            "latency_ms": pa.array(rng.gamma(2.0, 5.0, rows)),
            "event_timestamp": pa.array(event, ts),
            "created_at": pa.array(event + 1_000_000, ts),
        }
    )


def best_of(runs: int, fn, setup=lambda i: None) -> float:
    """The fastest of ``runs`` calls of ``fn(setup(i))``; ``setup`` is not timed."""
    best = float("inf")
    for i in range(runs):
        arg = setup(i)
        started = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - started)
    return best


def main(rows: int = 1_000_000) -> None:
    data = prediction_rows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = tmp / "predictions.parquet"
        pq.write_table(data, source)

        def fresh_table(i: int):
            catalog = open_catalog("sql", warehouse=tmp / f"lake{i}")
            ops.init(catalog, [PREDICTION_LOG])
            return catalog

        def via_ingest(catalog, batch_rows: int | None = None) -> None:
            result = ingestion.ingest(
                catalog, source, PREDICTION_LOG.identifier, batch_rows=batch_rows
            )
            assert result["rows"] == rows

        def via_parquet(i: int) -> None:
            pq.write_table(data, tmp / f"plain{i}.parquet")

        ingest_s = best_of(RUNS, via_ingest, fresh_table)
        batched_s = best_of(
            RUNS,
            lambda cat: via_ingest(cat, ingestion.DEFAULT_BATCH_ROWS),
            lambda i: fresh_table(RUNS + i),
        )
        parquet_s = best_of(RUNS, via_parquet, lambda i: i)
    ratio = ingest_s / parquet_s
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"rows: {rows:,} (ml.prediction_log), best of {RUNS}; {load}")
    batched = f"ingest (batch_rows={ingestion.DEFAULT_BATCH_ROWS:,}, --batch-rows)"
    print(f"{'ingest (one append: the CLI and API default)':44} {ingest_s:7.3f} s")
    print(f"{batched:44} {batched_s:7.3f} s  (ratio {batched_s / parquet_s:.2f})")
    print(f"{'pyarrow.parquet.write_table':44} {parquet_s:7.3f} s")
    print(f"ratio: {ratio:.2f}  target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
