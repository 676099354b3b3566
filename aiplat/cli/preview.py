"""aiplat preview: run the real Pulumi program offline and show what it would create."""

from __future__ import annotations

from typing import Annotated

import typer

from aiplat.cli.common import FormatOption, OutOption, emit
from aiplat.render import OutputFormat

app = typer.Typer(help="Offline preview of a stack (no cloud account needed).")

StackOption = Annotated[
    str,
    typer.Option(
        "--stack", "-s", help="Stack name (intermediate-dev) or a Pulumi.<stack>.yaml path."
    ),
]


@app.callback(invoke_without_command=True)
def preview(
    stack: StackOption, fmt: FormatOption = OutputFormat.TABLE, out: OutOption = None
) -> None:
    """Every resource `pulumi up` would create for the stack, grouped by component."""
    from aiplat.preview import build_preview
    from aiplat.preview_render import render_preview
    from aiplat.stackfiles import load

    report = build_preview(load(stack))
    emit(render_preview(report, fmt), out)
