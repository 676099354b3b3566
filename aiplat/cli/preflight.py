"""aiplat preflight: instance offerings and EC2 vCPU quotas checked before deploy."""

from __future__ import annotations

from typing import Annotated

import typer

from aiplat.cli.common import FormatOption, OutOption, emit_tables
from aiplat.render import OutputFormat

app = typer.Typer(help="Check instance offerings and vCPU quotas for a stack's peak size.")

StackOption = Annotated[
    str,
    typer.Option(
        "--stack", "-s", help="Stack name (intermediate-dev) or a Pulumi.<stack>.yaml path."
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", "-r", help="Check one of the stack's regions (default: all)."),
]


@app.callback(invoke_without_command=True)
def preflight(
    stack: StackOption,
    region: RegionOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Every pool at its maximum size: offered in the stack's zones, and within the account's
    EC2 vCPU quotas (on-demand or spot, per family). Exit 1 when a pool cannot be satisfied."""
    from aiplat.preflight import run, table
    from aiplat.stackfiles import load

    platform = load(stack).resolve()
    rows = run(platform, (region,) if region else platform.regions)
    emit_tables([table(rows)], fmt, out)
    if not all(r.ok for r in rows):
        raise typer.Exit(1)
