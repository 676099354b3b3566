"""What every command shares: the --format option and printing rendered output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiplat.render import OutputFormat, Table, render_tables

FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write to this file instead of stdout.", dir_okay=False),
]


def emit(rendered, out: Path | None = None) -> None:
    """Send data to stdout (or --out): text as is, Rich renderables through a console."""
    if isinstance(rendered, str):
        if out is not None:
            out.write_text(rendered if rendered.endswith("\n") else rendered + "\n")
            return
        typer.echo(rendered.rstrip("\n"))
        return
    from rich.console import Console

    console = Console(file=out.open("w") if out else None, width=200 if out else None)
    for item in rendered:
        console.print(item)
        console.print()


def emit_tables(tables: list[Table], fmt: OutputFormat, out: Path | None = None) -> None:
    emit(render_tables(tables, fmt), out)
