"""Ingest's write path: append an Arrow table to an Iceberg table as one snapshot, fast.

pyiceberg's ``Transaction.append`` finds the partitions by filtering the whole table once
per partition value. Here the rows are split with Arrow in one pass: the partition
transform is applied once and run-end encoded; when every partition value is one run
(time-ordered logs, the usual case) the partitions are zero-copy slices, otherwise the rows
are grouped once with a stable sort. The files are then written by pyiceberg's own writer
(``write_file``: Iceberg field ids, column statistics, the table's ``write.parquet.*``
properties, its location provider), in parallel on pyiceberg's thread pool (pyarrow
releases the GIL), and added in one snapshot. Specs with more than one partition field, or
a partition source that is not a top-level column, go through ``Transaction.append``.
"""

from __future__ import annotations

import itertools
from typing import Any


def _partitions(data: Any, spec: Any, schema: Any) -> list[tuple[Any, Any]] | None:
    """``[(PartitionKey or None, rows)]``, one entry per partition value, or ``None`` when
    the spec is one this module does not split (more than one field, a nested source)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyiceberg.partitioning import PartitionFieldValue, PartitionKey

    if spec.is_unpartitioned():
        return [(None, data)]
    if len(spec.fields) != 1:
        return None
    (field,) = spec.fields
    column = schema.find_column_name(field.source_id)
    if column not in data.column_names:
        return None
    source_type = schema.find_field(field.source_id).field_type
    keys = field.transform.pyarrow_transform(source_type)(data.column(column))
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    runs = pc.run_end_encode(keys)
    values = runs.values.to_pylist()
    if len(set(values)) != len(values):  # a value in several runs: group the rows first
        order = pc.sort_indices(keys)  # stable: rows keep their order within a partition
        data, runs = data.take(order), pc.run_end_encode(keys.take(order))
        values = runs.values.to_pylist()
    parts, start = [], 0
    for value, end in zip(values, runs.run_ends.to_pylist(), strict=True):
        key = PartitionKey(
            field_values=[PartitionFieldValue(field=field, value=value)],
            partition_spec=spec,
            schema=schema,
        )
        parts.append((key, data.slice(start, end - start)))
        start = end
    return parts


def write_data_files(
    io: Any, metadata: Any, parts: list[tuple[Any, Any]], write_uuid: Any
) -> list[Any]:
    """Write each partition's rows (bin-packed to ``write.target-file-size-bytes``) as
    Parquet data files, in parallel, with pyiceberg's writer; their ``DataFile`` entries."""
    from pyiceberg.io.pyarrow import bin_pack_arrow_table, pyarrow_to_schema, write_file
    from pyiceberg.table import TableProperties, WriteTask
    from pyiceberg.utils.properties import property_as_int

    target = property_as_int(
        metadata.properties,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT,
    )
    task_ids = itertools.count()
    schema = pyarrow_to_schema(parts[0][1].schema, name_mapping=metadata.schema().name_mapping)
    tasks = [
        WriteTask(
            write_uuid=write_uuid,
            task_id=next(task_ids),
            schema=schema,
            record_batches=batches,
            partition_key=key,
        )
        for key, rows in parts
        if rows.num_rows
        for batches in bin_pack_arrow_table(rows, target)
    ]
    return list(write_file(io=io, table_metadata=metadata, tasks=iter(tasks)))


def append(tx: Any, data: Any, io: Any) -> None:
    """``tx.append(data)``, with the partitions split and the files written (through the
    table's ``io``) as above: one snapshot (a fast append, or a merge append when
    ``commit.manifest-merge.enabled``)."""
    from pyiceberg.io.pyarrow import _check_pyarrow_schema_compatible
    from pyiceberg.table import TableProperties
    from pyiceberg.utils.properties import property_as_bool

    metadata = tx.table_metadata
    parts = _partitions(data, metadata.spec(), metadata.schema())
    if parts is None:
        tx.append(data)
        return
    _check_pyarrow_schema_compatible(metadata.schema(), provided_schema=data.schema)
    merge = property_as_bool(
        metadata.properties,
        TableProperties.MANIFEST_MERGE_ENABLED,
        TableProperties.MANIFEST_MERGE_ENABLED_DEFAULT,
    )
    update = tx.update_snapshot()
    with update.merge_append() if merge else update.fast_append() as snapshot:
        for data_file in write_data_files(io, metadata, parts, snapshot.commit_uuid):
            snapshot.append_data_file(data_file)
