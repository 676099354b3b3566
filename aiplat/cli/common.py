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
    import sys

    from rich.console import Console

    handle = out.open("w") if out else sys.stdout
    wide = out is not None or not handle.isatty()  # files and pipes: never squeeze to 80
    console = Console(file=handle, width=160 if wide else None)
    for item in rendered:
        console.print(item)
        console.print()
    if out is not None:
        handle.close()


def emit_tables(tables: list[Table], fmt: OutputFormat, out: Path | None = None) -> None:
    emit(render_tables(tables, fmt), out)
