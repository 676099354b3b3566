"""Ingest: read a CSV or Parquet file, conform it to a table's schema, append it in batches
in one atomic commit. A column that will not convert, or a malformed file, raises
:class:`tiers.errors.SpecError` before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiplat.lake.ops import Progress, _committing, load_table
from aiplat.lake.writer import append
from tiers.errors import SpecError

DEFAULT_BATCH_ROWS = 50_000  # the CLI's --batch-rows; ingest() itself defaults to one append


# ---- ingest ------------------------------------------------------------------------------


def read_file(path: Path) -> Any:
    """A CSV or Parquet file as a pyarrow Table; CSV columns are read as text, cast later."""
    import pyarrow as pa

    path = Path(path)
    if not path.is_file():
        raise SpecError("FILE", f"{path} does not exist", "give the path of a CSV or Parquet file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            from pyarrow import csv

            header = csv.read_csv(path, read_options=csv.ReadOptions(block_size=1 << 16))
            names = header.column_names
            return csv.read_csv(
                path,
                convert_options=csv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=True
                ),
            )
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        problem = str(exc).strip().splitlines()[0]
        raise SpecError("FILE", f"{path.name} is malformed: {problem}", "fix the file") from None
    raise SpecError("FILE", f"{path.name}: unknown format '{suffix}'", "use .csv or .parquet")


def _cast_column(values: Any, target: Any, name: str, iceberg: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if pa.types.is_timestamp(target) and target.tz and pa.types.is_string(values.type):
            # Text timestamps without a zone offset are read as UTC.
            zoned = pc.match_substring_regex(values, r"(Z|[+-]\d\d(:?\d\d)?)$")
            values = pc.if_else(zoned, values, pc.binary_join_element_wise(values, "Z", ""))
        return pc.cast(values, target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        problem = str(exc).strip().splitlines()[0]
        raise SpecError(
            f"column {name}",
            f"cannot convert {values.type} to {iceberg}: {problem}",
            f"make every value of {name} a valid {iceberg} (or empty, if it is optional)",
        ) from None


def conform(data: Any, table: Any, name: str) -> Any:
    """Cast ``data`` to the table's schema: missing ``created_at`` is filled with now;
    unknown columns, missing required columns, nulls in required ones and values that will
    not convert raise SpecError."""
    import pyarrow as pa

    schema = table.schema()
    target = schema.as_arrow()
    known = {f.name for f in schema.fields}
    extra = [c for c in data.column_names if c not in known]
    if extra:
        raise SpecError(
            f"column {extra[0]}",
            f"is not a column of {name}",
            "remove it or run `aiplat lake migrate` with it declared",
        )
    columns = []
    for field in schema.fields:
        arrow_field = target.field(field.name)
        if field.name in data.column_names:
            values = _cast_column(
                data.column(field.name), arrow_field.type, field.name, field.field_type
            )
        elif field.name == "created_at":
            values = pa.array([datetime.now(UTC)] * data.num_rows, arrow_field.type)
        elif field.required:
            raise SpecError(
                f"column {field.name}",
                f"is required in {name} but missing from the file",
                f"add a {field.name} column",
            )
        else:
            values = pa.nulls(data.num_rows, arrow_field.type)
        if field.required and values.null_count:
            raise SpecError(
                f"column {field.name}",
                f"is required in {name} but has {values.null_count} empty value(s)",
                f"give every row a {field.name}",
            )
        columns.append(values)
    return pa.Table.from_arrays(columns, schema=target)


def ingest(
    catalog: Any,
    path: Path,
    name: str,
    batch_rows: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Append a CSV or Parquet file to a table, in batches, in one atomic commit.

    Each batch of ``batch_rows`` rows (the last may be shorter) makes one snapshot; all of
    them are committed together or not at all. ``batch_rows=None`` (the default) appends
    the whole file as one snapshot, which is much faster for large files: every snapshot
    in a transaction copies the table metadata, and each append writes its own files. ``progress(done, total)`` is called with 0 once the file
    is read and conformed, then after each batch is appended.
    """
    table = load_table(catalog, name)
    data = conform(read_file(Path(path)), table, name)
    total = data.num_rows
    if progress:
        progress(0, total)
    if total:
        step = total if batch_rows is None else max(1, batch_rows)
        with _committing(name, f"ingest of {Path(path).name}"), table.transaction() as tx:
            for done in range(0, total, step):
                # A zero-copy slice, so a batch is exactly ``step`` rows whatever the
                # file's row groups (``to_batches`` would also split at chunk boundaries).
                append(tx, data.slice(done, step), table.io)
                if progress:
                    progress(min(done + step, total), total)
    current = table.current_snapshot()  # the commit updated ``table``: this is our snapshot
    return {
        "table": name,
        "rows": total,
        "snapshot_id": current.snapshot_id if current else None,
    }
