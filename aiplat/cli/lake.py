"""aiplat lake: the Iceberg tables (offline features, feature/prediction logs, feedback).

pyiceberg and pyarrow are imported only inside the commands, so ``aiplat`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from aiplat.cli.common import FormatOption, OutOption, emit, emit_tables
from aiplat.lake.catalog import CatalogKind, Environment
from aiplat.render import OutputFormat, Table, to_json

app = typer.Typer(help="The Iceberg lake: standard tables, schema migration, ingest, time travel.")

CatalogOpt = Annotated[
    CatalogKind,
    typer.Option(
        "--catalog", "-c", help="Catalog type (sql is SQLite under .aiplat/lake by default)."
    ),
]
PropertyOpt = Annotated[
    list[str] | None,
    typer.Option("--property", "-p", help="pyiceberg catalog property key=value (repeatable)."),
]
WarehouseOpt = Annotated[
    str | None,
    typer.Option("--warehouse", help="Warehouse folder (sql) or location (s3://...)."),
]
EnvironmentOpt = Annotated[
    Environment,
    typer.Option("--environment", "-e", help="dev allows SQLite; staging and prod do not."),
]
TableArg = Annotated[str, typer.Argument(help="namespace.table, e.g. ml.prediction_log")]
StreamingOpt = Annotated[
    bool, typer.Option("--streaming", help="Also the streaming-ingestion table (advanced/expert).")
]


def _catalog(kind: CatalogKind, prop: list[str] | None, warehouse, environment) -> Any:
    from aiplat.lake.catalog import open_catalog, parse_properties

    return open_catalog(kind, parse_properties(prop), warehouse, environment)


def _records_table(title: str, records: list[dict[str, Any]], columns: list[str]) -> Table:
    return Table(title, columns, [[r.get(c) for c in columns] for r in records])


def _emit(tables: list[Table], data: Any, fmt: OutputFormat, out: Path | None) -> None:
    if fmt is OutputFormat.JSON:
        emit(to_json(data), out)
    else:
        emit_tables(tables, fmt, out)


@app.command()
def init(
    streaming: StreamingOpt = False,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Create the namespaces and the standard tables that are missing (idempotent)."""
    from aiplat.lake import ops
    from aiplat.lake.tables import standard_tables

    done = ops.init(_catalog(catalog, prop, warehouse, environment), standard_tables(streaming))
    records = [{"table": t, "status": s} for t, s in done]
    _emit([_records_table("Lake tables", records, ["table", "status"])], records, fmt, out)


@app.command("tables")
def tables_(
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Every table in the catalog with its partitioning, snapshots and row count."""
    from aiplat.lake import ops

    records = ops.list_tables(_catalog(catalog, prop, warehouse, environment))
    columns = ["table", "columns", "partitioning", "snapshots", "rows", "current_snapshot"]
    _emit([_records_table("Lake tables", records, columns)], records, fmt, out)


@app.command()
def describe(
    table: TableArg,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Schema, partition spec, sort order, properties and current snapshot of a table."""
    from aiplat.lake import ops

    info = ops.describe(_catalog(catalog, prop, warehouse, environment), table)
    snapshot = info["current_snapshot"] or {}
    overview = Table(
        f"{table}",
        ["key", "value"],
        [
            ["location", info["location"]],
            ["format-version", info["format_version"]],
            ["partitioning", info["partitioning"]],
            ["sort order", ", ".join(info["sort_order"])],
            ["current snapshot", snapshot.get("snapshot_id")],
            ["total records", snapshot.get("total_records", 0)],
        ],
    )
    schema = _records_table(
        f"{table}: schema", info["schema"], ["id", "name", "type", "required", "doc"]
    )
    properties = Table(
        f"{table}: properties", ["property", "value"], [list(i) for i in info["properties"].items()]
    )
    _emit([overview, schema, properties], info, fmt, out)


@app.command()
def migrate(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only.")] = False,
    streaming: StreamingOpt = False,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Apply the declared schemas and table properties: add optional columns, widen types,
    set write properties; refuse destructive changes."""
    from aiplat.lake import ops
    from aiplat.lake.tables import standard_tables

    cat = _catalog(catalog, prop, warehouse, environment)
    declared = standard_tables(streaming)
    changes = ops.plan_migration(cat, declared) if dry_run else ops.migrate(cat, declared)
    records = [vars(c) for c in changes]
    if not records:
        typer.echo("lake: every table already matches its declaration", err=True)
    columns = ["table", "column", "change", "detail"]
    _emit([_records_table("Schema changes", records, columns)], records, fmt, out)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="A .csv or .parquet file.")],
    table: TableArg,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            "--batch-rows",
            min=1,
            help="Append in batches of this many rows, one snapshot each (default: one append).",
        ),
    ] = None,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Append a CSV or Parquet file, cast to the table's schema, in one atomic commit."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from aiplat.lake import ingest as ingestion

    cat = _catalog(catalog, prop, warehouse, environment)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(f"ingest {file.name} -> {table}", total=None)

    def progress(done: int, total: int) -> None:
        # Started on the first report: by then the file has been read and checked, so a
        # bad file leaves stderr with its one error line only.
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        result = ingestion.ingest(cat, file, table, batch_rows=batch_rows, progress=progress)
    finally:
        if bar.live.is_started:
            bar.stop()
    columns = ["table", "rows", "snapshot_id"]
    _emit([_records_table("Ingested", [result], columns)], result, fmt, out)


@app.command()
def snapshots(
    table: TableArg,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """The table's snapshots, oldest first: the points time travel can read."""
    from aiplat.lake import ops

    records = ops.snapshots(_catalog(catalog, prop, warehouse, environment), table)
    columns = [
        "snapshot_id",
        "parent_id",
        "committed_at",
        "operation",
        "added_records",
        "total_records",
    ]
    _emit([_records_table(f"{table}: snapshots", records, columns)], records, fmt, out)


@app.command()
def read(
    table: TableArg,
    snapshot: Annotated[int | None, typer.Option("--snapshot", help="Snapshot id.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="ISO time: the snapshot current then.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N rows.")] = 20,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Rows of the table now, at --snapshot ID, or --as-of a time (time travel)."""
    from aiplat.lake import ops

    cat = _catalog(catalog, prop, warehouse, environment)
    data = ops.read(cat, table, snapshot_id=snapshot, as_of=as_of, limit=limit)
    records = data.to_pylist()
    _emit([_records_table(table, records, data.column_names)], records, fmt, out)


@app.command("serve-logs")
def serve_logs(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8080,
    batch_rows: Annotated[
        int, typer.Option("--batch-rows", min=1, help="Flush after this many rows.")
    ] = 500,
    flush_seconds: Annotated[
        float, typer.Option("--flush-seconds", min=0.1, help="Flush at least this often.")
    ] = 10.0,
    catalog: CatalogOpt = CatalogKind.SQL,
    prop: PropertyOpt = None,
    warehouse: WarehouseOpt = None,
    environment: EnvironmentOpt = Environment.DEV,
    kafka_bootstrap: Annotated[
        str | None,
        typer.Option(
            "--kafka-bootstrap",
            envvar="KAFKA_BOOTSTRAP_SERVERS",
            help="Keep events in the log topics on these brokers (host:port[,host:port]).",
        ),
    ] = None,
    request_topic: Annotated[
        str,
        typer.Option(
            "--kafka-request-topic", envvar="KAFKA_REQUEST_TOPIC", help="Topic of requests."
        ),
    ] = "ml.feature_log",
    response_topic: Annotated[
        str,
        typer.Option(
            "--kafka-response-topic", envvar="KAFKA_RESPONSE_TOPIC", help="Topic of responses."
        ),
    ] = "ml.prediction_log",
    kafka_ca_file: Annotated[
        Path | None,
        typer.Option("--kafka-ca-file", envvar="KAFKA_CA_FILE", help="TLS: the cluster CA."),
    ] = None,
    kafka_group: Annotated[
        str, typer.Option("--kafka-group", help="Consumer group (offsets are kept per group).")
    ] = "serving-log-writer",
) -> None:
    """The serving log writer: request/response CloudEvents to ml.feature_log and
    ml.prediction_log (what the serving-log-writer Deployment runs). With --kafka-bootstrap
    the events received over HTTP are produced to the log topics (answered once the brokers
    have them) and the topics are consumed into the lake (offsets committed after each
    append); without, they are buffered and appended in batches. Stops on Ctrl-C or SIGTERM
    after a last flush."""
    import signal
    import sys

    from aiplat.lake.log_writer import serve

    source = sink = relay = None
    if kafka_bootstrap:
        from aiplat.lake.log_consumer import KafkaSource, start
        from aiplat.lake.log_relay import KafkaSink, Relay

        sink = KafkaSink(
            bootstrap=kafka_bootstrap,
            request_topic=request_topic,
            response_topic=response_topic,
            ca_file=kafka_ca_file,
        )
        source = KafkaSource(
            bootstrap=kafka_bootstrap,
            topics=tuple(sink.topics.values()),
            group=kafka_group,
            ca_file=kafka_ca_file,
        )
    lake = _catalog(catalog, prop, warehouse, environment)
    if sink is not None:
        relay = Relay.connect(sink)
    accept = relay.accept if relay else None
    server, writer, stop = serve(lake, host, port, batch_rows, flush_seconds, accept)
    print(f"log writer listening on {host}:{port}", file=sys.stderr)
    consumer = None
    if source is not None:
        consumer = start(source, lake, batch_rows, flush_seconds, stop)
        print(f"log writer relaying to and consuming {', '.join(source.topics)}", file=sys.stderr)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        stop.set()
    server.shutdown()
    writer.flush()
    if relay is not None:
        relay.close()
    if consumer is not None:
        consumer.join(timeout=30)  # its last flush and commit
