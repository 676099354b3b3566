"""Operations on the lake: init, list, describe, migrate, ingest, snapshots, time travel.

Bad input (unknown table, malformed file, a column that will not convert, a destructive
schema change) raises :class:`tiers.errors.SpecError` before anything is written, so the
table is left as it was. Commit failures (``CommitFailedException``,
``ValidationException``) are re-raised with the table named in a note: never swallowed
(DATA-03).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiplat.lake.tables import (
    TableDef,
    iceberg_schema,
    iceberg_type,
    namespaces,
    partition_spec,
    sort_order,
    standard_tables,
)
from tiers.errors import SpecError

Progress = Callable[[int, int], None]


# ---- helpers ----------------------------------------------------------------------------


def _ident(name: str) -> str:
    if name.count(".") != 1 or not all(name.split(".")):
        raise SpecError("TABLE", f"'{name}' is not namespace.table", "e.g. ml.prediction_log")
    return name


def load_table(catalog: Any, name: str) -> Any:
    from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError

    try:
        return catalog.load_table(_ident(name))
    except (NoSuchTableError, NoSuchNamespaceError):
        raise SpecError(
            "TABLE",
            f"no table '{name}' in the catalog",
            "run `aiplat lake tables` to list them (or `aiplat lake init` to create them)",
        ) from None


@contextmanager
def _committing(name: str, action: str) -> Iterator[None]:
    """Re-raise commit conflicts with the table and the action named; never swallow them."""
    from pyiceberg.exceptions import CommitFailedException, ValidationException

    try:
        yield
    except (CommitFailedException, ValidationException) as exc:
        exc.add_note(f"aiplat lake: {action} on {name} was not committed; retry or reconcile")
        raise


# ---- init / list / describe --------------------------------------------------------------


def init(catalog: Any, tables: list[TableDef] | None = None) -> list[tuple[str, str]]:
    """Create the namespaces and tables that are missing; existing ones are left alone."""
    tables = standard_tables() if tables is None else tables
    for namespace in namespaces(tables):
        catalog.create_namespace_if_not_exists(namespace)
    done = []
    for table in tables:
        if catalog.table_exists(table.identifier):
            done.append((table.identifier, "exists"))
            continue
        schema = iceberg_schema(table)
        with _committing(table.identifier, "create"):
            catalog.create_table(
                table.identifier,
                schema=schema,
                partition_spec=partition_spec(table, schema),
                sort_order=sort_order(table, schema),
                properties=dict(table.properties),
            )
        done.append((table.identifier, "created"))
    return done


def list_tables(catalog: Any) -> list[dict[str, Any]]:
    rows = []
    for namespace in sorted(catalog.list_namespaces()):
        for ident in sorted(catalog.list_tables(namespace)):
            name = ".".join(ident)
            table = catalog.load_table(name)
            current = table.current_snapshot()
            rows.append(
                {
                    "table": name,
                    "columns": len(table.schema().fields),
                    "partitioning": _spec_text(table),
                    "snapshots": len(table.snapshots()),
                    "rows": int(current.summary.get("total-records", 0)) if current else 0,
                    "current_snapshot": current.snapshot_id if current else None,
                }
            )
    return rows


def _spec_text(table: Any) -> str:
    schema = table.schema()
    return ", ".join(
        f"{f.transform}({schema.find_column_name(f.source_id)})" for f in table.spec().fields
    )


def _sort_text(table: Any) -> list[str]:
    schema = table.schema()
    return [
        f"{schema.find_column_name(f.source_id)} {f.direction.name.lower()} "
        f"{f.null_order.name.lower().replace('_', ' ')}"
        for f in table.sort_order().fields
    ]


def describe(catalog: Any, name: str) -> dict[str, Any]:
    table = load_table(catalog, name)
    current = table.current_snapshot()
    return {
        "table": name,
        "location": table.location(),
        "format_version": table.metadata.format_version,
        "schema": [
            {
                "id": f.field_id,
                "name": f.name,
                "type": str(f.field_type),
                "required": f.required,
                "doc": f.doc or "",
            }
            for f in table.schema().fields
        ],
        "partitioning": _spec_text(table),
        "sort_order": _sort_text(table),
        "properties": dict(sorted(table.properties.items())),
        "current_snapshot": _snapshot_row(current) if current else None,
    }


# ---- migrate -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    table: str
    column: str
    change: str  # "create table", "add column", "widen", "make optional", "set property"
    detail: str


def _property_changes(table: TableDef, live: dict[str, str]) -> dict[str, str]:
    """The declared properties the live table lacks or holds another value for (the
    format version is the table's metadata, not a property: migrate leaves it alone)."""
    return {
        key: value
        for key, value in sorted(table.properties.items())
        if key != "format-version" and live.get(key) != value
    }


def _widening(old: Any, new: Any) -> bool:
    from pyiceberg.types import DecimalType, DoubleType, FloatType, IntegerType, LongType

    if isinstance(old, IntegerType) and isinstance(new, LongType):
        return True
    if isinstance(old, FloatType) and isinstance(new, DoubleType):
        return True
    return (
        isinstance(old, DecimalType)
        and isinstance(new, DecimalType)
        and old.scale == new.scale
        and new.precision > old.precision
    )


def plan_migration(catalog: Any, tables: list[TableDef] | None = None) -> list[Change]:
    """What ``migrate`` would do; a destructive change raises SpecError naming it."""
    tables = standard_tables() if tables is None else tables
    changes: list[Change] = []
    for table in tables:
        if not catalog.table_exists(table.identifier):
            changes.append(Change(table.identifier, "*", "create table", "missing"))
            continue
        live = catalog.load_table(table.identifier)
        current = live.schema()
        declared = {c.name: c for c in table.columns}
        for existing in current.fields:
            where = f"{table.identifier}.{existing.name}"
            column = declared.get(existing.name)
            if column is None:
                raise SpecError(
                    where,
                    "is in the table but not declared; dropping a column is destructive "
                    "and migrate refuses it",
                    "keep the column in the declaration (it may stay unused)",
                )
            wanted = iceberg_type(column.type)
            if wanted != existing.field_type:
                if not _widening(existing.field_type, wanted):
                    raise SpecError(
                        where,
                        f"changing {existing.field_type} to {wanted} narrows or converts the "
                        "column; migrate only widens (int->long, float->double, decimal "
                        "precision up)",
                        f"declare it as {existing.field_type} or a wider type, or add a new column",
                    )
                changes.append(
                    Change(
                        table.identifier,
                        existing.name,
                        "widen",
                        f"{existing.field_type} -> {wanted}",
                    )
                )
            if column.required and not existing.required:
                raise SpecError(
                    where,
                    "making an optional column required is destructive and migrate refuses it",
                    "declare it optional (required=False)",
                )
            if existing.required and not column.required:
                changes.append(Change(table.identifier, existing.name, "make optional", ""))
        known = {f.name for f in current.fields}
        for column in table.columns:
            if column.name in known:
                continue
            if column.required:
                raise SpecError(
                    f"{table.identifier}.{column.name}",
                    "a new column cannot be required: existing rows have no value for it",
                    "declare it optional (required=False)",
                )
            changes.append(Change(table.identifier, column.name, "add column", column.type))
        for key, value in _property_changes(table, live.properties).items():
            was = live.properties.get(key, "unset")
            changes.append(
                Change(table.identifier, "*", "set property", f"{key}: {was} -> {value}")
            )
    return changes


def migrate(catalog: Any, tables: list[TableDef] | None = None) -> list[Change]:
    """Apply the declared schemas and properties: checks every table first, then applies,
    each table in one commit. Idempotent."""
    tables = standard_tables() if tables is None else tables
    changes = plan_migration(catalog, tables)
    by_table = {t.identifier: t for t in tables}
    for ident in dict.fromkeys(c.table for c in changes):
        table_changes = [c for c in changes if c.table == ident]
        if table_changes[0].change == "create table":
            init(catalog, [by_table[ident]])
            continue
        declared = by_table[ident]
        table = catalog.load_table(ident)
        with _committing(ident, "migrate"), table.transaction() as tx:
            if properties := _property_changes(declared, table.properties):
                tx.set_properties(properties)
            columns = [c for c in table_changes if c.change != "set property"]
            if columns:
                with tx.update_schema() as update:
                    for change in columns:
                        column = declared.column(change.column)
                        if change.change == "add column":
                            update.add_column(
                                column.name, iceberg_type(column.type), doc=column.doc
                            )
                        elif change.change == "widen":
                            update.update_column(column.name, field_type=iceberg_type(column.type))
                        elif change.change == "make optional":
                            update.make_column_optional(column.name)
    return changes


# ---- snapshots / time travel -------------------------------------------------------------


def _snapshot_row(snapshot: Any) -> dict[str, Any]:
    summary = snapshot.summary
    return {
        "snapshot_id": snapshot.snapshot_id,
        "parent_id": snapshot.parent_snapshot_id,
        "committed_at": datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC).isoformat(),
        "operation": summary.operation.value if summary else None,
        "added_records": int(summary.get("added-records", 0)) if summary else 0,
        "total_records": int(summary.get("total-records", 0)) if summary else 0,
    }


def snapshots(catalog: Any, name: str) -> list[dict[str, Any]]:
    return [_snapshot_row(s) for s in load_table(catalog, name).snapshots()]


def _as_of_ms(as_of: datetime | str) -> int:
    if isinstance(as_of, str):
        try:
            as_of = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            raise SpecError(
                "--as-of", f"'{as_of}' is not an ISO timestamp", "e.g. 2026-01-31T12:00:00Z"
            ) from None
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    return int(as_of.timestamp() * 1000)


def read(
    catalog: Any,
    name: str,
    snapshot_id: int | None = None,
    as_of: datetime | str | None = None,
    limit: int | None = None,
) -> Any:
    """The table's rows (a pyarrow Table) now, at a snapshot, or as of a time."""
    table = load_table(catalog, name)
    if snapshot_id is not None and as_of is not None:
        raise SpecError("--snapshot", "give --snapshot or --as-of, not both", "drop one")
    if as_of is not None:
        snapshot = table.snapshot_as_of_timestamp(_as_of_ms(as_of))
        if snapshot is None:
            raise SpecError(
                "--as-of", f"{name} has no snapshot at or before {as_of}", "use a later time"
            )
        snapshot_id = snapshot.snapshot_id
    if snapshot_id is not None and table.snapshot_by_id(snapshot_id) is None:
        raise SpecError(
            "--snapshot",
            f"{name} has no snapshot {snapshot_id}",
            f"run `aiplat lake snapshots {name}`",
        )
    return table.scan(snapshot_id=snapshot_id, limit=limit).to_arrow()
