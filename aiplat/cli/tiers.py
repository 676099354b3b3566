"""aiplat tiers: what each maturity tier contains."""

from __future__ import annotations

import typer

from aiplat.cli.common import FormatOption, OutOption, emit_tables
from aiplat.render import OutputFormat

app = typer.Typer(help="The four maturity tiers and what each contains.")


@app.callback(invoke_without_command=True)
def tiers(fmt: FormatOption = OutputFormat.TABLE, out: OutOption = None) -> None:
    """Show the tiers side by side (team, GPU pools, platform stacks, regions)."""
    from aiplat.views.tiers import tiers_table

    emit_tables([tiers_table()], fmt, out)
