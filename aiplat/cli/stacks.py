"""aiplat stacks: every stack file with its tier, environment and target."""

from __future__ import annotations

import typer

from aiplat.cli.common import FormatOption, OutOption, emit_tables
from aiplat.render import OutputFormat

app = typer.Typer(help="The stacks in stacks/ and what they resolve to.")


@app.callback(invoke_without_command=True)
def stacks(fmt: FormatOption = OutputFormat.TABLE, out: OutOption = None) -> None:
    """List every stack file, validated and resolved."""
    from aiplat.views.stacks import stacks_table

    emit_tables([stacks_table()], fmt, out)
