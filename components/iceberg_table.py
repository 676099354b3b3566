"""Pulumi dynamic resources for the lake: ``IcebergNamespace`` and ``IcebergTable``.

Their providers use pyiceberg (through :mod:`aiplat.lake`) to create a namespace or a
table, evolve a table's schema on update (add optional columns, widen types, make columns
optional; destructive changes are refused with one line naming the table, the column and
the fix), keep the declared properties (format-version 2, ``commit.retry.*``) and **keep
the data on delete** unless ``drop_on_delete`` is set.

A dynamic provider runs inside the Pulumi engine's process, pickled with its module, so
this module imports only pure modules (``aiplat.lake.*``, ``tiers.*``, ``pulumi``) and
never ``aiplat.harness``. Inputs are plain JSON-able dicts:

- ``catalog``: ``{"kind": "sql"|"glue"|"rest", "properties": {...}, "warehouse": ...,
  "environment": "dev"|"staging"|"prod"}`` (see :func:`aiplat.lake.catalog.open_catalog`;
  DATA-02 applies: a sqlite catalog is refused outside dev);
- ``identifier``: ``namespace.table`` (or ``namespace`` for ``IcebergNamespace``);
- ``table``: a :class:`~aiplat.lake.tables.TableDef` as a dict (:func:`table_to_dict`);
- ``drop_on_delete``: ``False`` unless the data may go with the resource.

These resources are not wired into ``AiPlatform``: a real deployment's catalog endpoint
is only known once the lake exists, so they are declared by a program that has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.dynamic as dynamic

from aiplat.lake import ops
from aiplat.lake.catalog import open_catalog
from aiplat.lake.tables import Column, TableDef
from tiers.errors import SpecError

FORMAT_VERSION = "format-version"

# ---- plain-dict forms ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CatalogSettings:
    """How to reach the catalog: ``kind`` sql|glue|rest and pyiceberg ``properties``."""

    kind: str = "sql"
    properties: dict[str, str] = field(default_factory=dict)
    warehouse: str | None = None
    environment: str = "dev"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "properties": dict(self.properties),
            "environment": self.environment,
        }
        if self.warehouse is not None:
            out["warehouse"] = str(self.warehouse)
        return out


def open_from(settings: dict[str, Any]) -> Any:
    """A pyiceberg catalog from a ``catalog`` input dict."""
    return open_catalog(
        settings.get("kind", "sql"),
        dict(settings.get("properties") or {}),
        settings.get("warehouse"),
        settings.get("environment", "dev"),
    )


def table_to_dict(table: TableDef) -> dict[str, Any]:
    """A TableDef, less its identifier, as JSON-able data."""
    return {
        "columns": [
            {"name": c.name, "type": c.type, "required": c.required, "doc": c.doc or ""}
            for c in table.columns
        ],
        "partition_by": table.partition_by,
        "sort_by": list(table.sort_by),
        "properties": dict(sorted(table.properties.items())),
        "doc": table.doc,
    }


def table_from_dict(identifier: str, data: dict[str, Any]) -> TableDef:
    """The inverse of :func:`table_to_dict`; a malformed dict raises SpecError."""
    try:
        columns = tuple(
            Column(
                str(c["name"]), str(c["type"]), bool(c.get("required", False)), c.get("doc") or None
            )
            for c in data["columns"]
        )
        return TableDef(
            identifier,
            columns,
            str(data.get("partition_by", "event_timestamp")),
            tuple(str(s) for s in data.get("sort_by") or ()),
            {str(k): str(v) for k, v in (data.get("properties") or {}).items()},
            str(data.get("doc") or ""),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SpecError(
            f"{identifier}: table",
            f"is not a table definition ({exc.__class__.__name__}: {exc})",
            "build it with components.iceberg_table.table_to_dict(TableDef(...))",
        ) from None


def definition_of(table: Any) -> dict[str, Any]:
    """The live table's definition, in the form of :func:`table_to_dict`."""
    schema = table.schema()
    spec = table.spec().fields
    properties = {k: v for k, v in table.properties.items()}
    properties[FORMAT_VERSION] = str(table.metadata.format_version)
    return {
        "columns": [
            {"name": f.name, "type": str(f.field_type), "required": f.required, "doc": f.doc or ""}
            for f in schema.fields
        ],
        "partition_by": schema.find_column_name(spec[0].source_id) if spec else "",
        "sort_by": [schema.find_column_name(f.source_id) for f in table.sort_order().fields],
        "properties": dict(sorted(properties.items())),
        "doc": "",
    }


def _check_definition(table: TableDef) -> None:
    """Validate a definition offline: known types, partition and sort columns declared."""
    from aiplat.lake.tables import iceberg_type

    names = {c.name for c in table.columns}
    for column in table.columns:
        try:
            iceberg_type(column.type)
        except (KeyError, ValueError):
            raise SpecError(
                f"{table.identifier}.{column.name}",
                f"unknown type '{column.type}'",
                "use an Iceberg primitive: string, int, long, float, double, boolean, date, "
                "timestamp, timestamptz, binary or decimal(P, S)",
            ) from None
    for role, name in [("partition_by", table.partition_by)] + [
        ("sort_by", s) for s in table.sort_by
    ]:
        if name not in names:
            raise SpecError(
                f"{table.identifier}: {role}",
                f"'{name}' is not a declared column",
                "declare it, or name a declared column",
            )


# ---- providers ------------------------------------------------------------------------------


def _replaces(olds: dict[str, Any], news: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if olds.get(k) != news.get(k)]


class IcebergNamespaceProvider(dynamic.ResourceProvider):
    """A namespace: created if missing; on delete it is kept unless ``drop_on_delete``
    (and dropping a namespace that still holds tables fails, so no table is lost)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures = []
        namespace = news.get("identifier")
        if not isinstance(namespace, str) or not namespace or "." in namespace:
            failures.append(dynamic.CheckFailure("identifier", "give one namespace, e.g. 'ml'"))
        if not isinstance(news.get("catalog"), dict):
            failures.append(dynamic.CheckFailure("catalog", "give the catalog settings dict"))
        return dynamic.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = _replaces(olds, news, ("identifier", "catalog"))
        changed = bool(replaces) or olds.get("drop_on_delete") != news.get("drop_on_delete")
        return dynamic.DiffResult(changes=changed, replaces=replaces)

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        open_from(props["catalog"]).create_namespace_if_not_exists(props["identifier"])
        return dynamic.CreateResult(props["identifier"], dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        if not open_from(props["catalog"]).namespace_exists(id_):
            return dynamic.ReadResult(None, {})
        return dynamic.ReadResult(id_, {**props, "identifier": id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Keeps the namespace unless ``drop_on_delete``."""
        if not props.get("drop_on_delete"):
            return
        catalog = open_from(props["catalog"])
        if catalog.namespace_exists(id_):
            catalog.drop_namespace(id_)


class IcebergTableProvider(dynamic.ResourceProvider):
    """A table. ``create`` makes the namespace (if missing) and the table with its schema,
    day partitioning, sort order and properties (an existing table is migrated to the
    definition instead). ``update`` evolves the schema with ``ops.migrate`` (additive only:
    a destructive change raises :class:`SpecError` naming the table, the column and the fix,
    before anything changes) and sets the declared properties. ``diff`` replaces only when
    the identifier or catalog changes. ``delete`` **keeps the table and its data** unless
    ``drop_on_delete`` is true; then it drops the table from the catalog."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.CheckResult:
        failures = []
        try:
            ops._ident(str(news.get("identifier", "")))
        except SpecError as exc:
            failures.append(dynamic.CheckFailure("identifier", str(exc)))
            return dynamic.CheckResult(news, failures)
        if not isinstance(news.get("catalog"), dict):
            failures.append(dynamic.CheckFailure("catalog", "give the catalog settings dict"))
        try:
            _check_definition(table_from_dict(news["identifier"], news.get("table") or {}))
        except SpecError as exc:
            failures.append(dynamic.CheckFailure("table", str(exc)))
        return dynamic.CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = _replaces(olds, news, ("identifier", "catalog"))
        changed = bool(replaces) or any(
            olds.get(k) != news.get(k) for k in ("table", "drop_on_delete")
        )
        return dynamic.DiffResult(changes=changed, replaces=replaces)

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        ident = props["identifier"]
        definition = table_from_dict(ident, props["table"])
        catalog = open_from(props["catalog"])
        catalog.create_namespace_if_not_exists(definition.namespace)
        if catalog.table_exists(ident):
            self._evolve(catalog, definition)
        else:
            ops.init(catalog, [definition])
        return dynamic.CreateResult(ident, self._outs(catalog, props))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        catalog = open_from(news["catalog"])
        self._evolve(catalog, table_from_dict(news["identifier"], news["table"]))
        return dynamic.UpdateResult(self._outs(catalog, news))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        """The live definition (schema, partitioning, sort order, properties)."""
        catalog = open_from(props["catalog"])
        if not catalog.table_exists(id_):
            return dynamic.ReadResult(None, {})
        table = catalog.load_table(id_)
        outs = {**props, "identifier": id_, "table": definition_of(table)}
        outs["location"] = table.location()
        return dynamic.ReadResult(id_, outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Leaves the table and its data in place unless ``drop_on_delete`` is true."""
        if not props.get("drop_on_delete"):
            return
        catalog = open_from(props["catalog"])
        if catalog.table_exists(id_):
            catalog.drop_table(id_)

    # ---- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _outs(catalog: Any, props: dict[str, Any]) -> dict[str, Any]:
        table = catalog.load_table(props["identifier"])
        return {**props, "location": table.location()}

    @staticmethod
    def _evolve(catalog: Any, definition: TableDef) -> None:
        """Check everything first (nothing is written if any check fails), then apply."""
        ident = definition.identifier
        table = catalog.load_table(ident)
        live = definition_of(table)
        ops.plan_migration(catalog, [definition])  # raises SpecError on a destructive change
        if live["partition_by"] != definition.partition_by:
            raise SpecError(
                f"{ident}: partition_by",
                f"changing the partitioning ({live['partition_by']} -> "
                f"{definition.partition_by}) is not supported by IcebergTable",
                f"keep partition_by='{live['partition_by']}' or create a new table",
            )
        wanted = dict(definition.properties)
        version = wanted.pop(FORMAT_VERSION, None)
        current = table.metadata.format_version
        if version is not None and int(version) < current:
            raise SpecError(
                f"{ident}: properties.{FORMAT_VERSION}",
                f"cannot downgrade format-version {current} to {version}",
                f"declare format-version {current}",
            )
        ops.migrate(catalog, [definition])
        table = catalog.load_table(ident)
        with ops._committing(ident, "set properties"), table.transaction() as tx:
            if version is not None and int(version) > current:
                tx.upgrade_table_version(int(version))
            changed = {k: v for k, v in wanted.items() if table.properties.get(k) != v}
            if changed:
                tx.set_properties(changed)


# ---- resources -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IcebergNamespaceArgs:
    catalog: CatalogSettings
    namespace: str
    drop_on_delete: bool = False


@dataclass(frozen=True, kw_only=True)
class IcebergTableArgs:
    catalog: CatalogSettings
    table: TableDef
    drop_on_delete: bool = False


class IcebergNamespace(dynamic.Resource):
    """An Iceberg namespace; kept on delete unless ``drop_on_delete``."""

    identifier: pulumi.Output[str]

    def __init__(
        self, name: str, args: IcebergNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {
            "catalog": args.catalog.to_dict(),
            "identifier": args.namespace,
            "drop_on_delete": args.drop_on_delete,
        }
        super().__init__(IcebergNamespaceProvider(), name, props, opts)


class IcebergTable(dynamic.Resource):
    """An Iceberg table from a TableDef; schema evolves additively; data kept on delete
    unless ``drop_on_delete``."""

    identifier: pulumi.Output[str]
    location: pulumi.Output[str]

    def __init__(
        self, name: str, args: IcebergTableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {
            "catalog": args.catalog.to_dict(),
            "identifier": args.table.identifier,
            "table": table_to_dict(args.table),
            "drop_on_delete": args.drop_on_delete,
            "location": None,
        }
        super().__init__(IcebergTableProvider(), name, props, opts)
