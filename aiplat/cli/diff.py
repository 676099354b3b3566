"""aiplat diff: what changes, and what it costs, between two stacks (or a stack and a
modified stack file)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from aiplat.cli.common import OutOption, emit
from aiplat.cli.preview import choose


class DiffFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MD = "md"


app = typer.Typer(
    help="Resources added, removed and changed between two stacks, with cost delta.",
    context_settings={"allow_interspersed_args": True},
)


@app.callback(invoke_without_command=True)
def diff(
    a: Annotated[str, typer.Argument(help="Stack name or Pulumi.<stack>.yaml path (before).")],
    b: Annotated[str, typer.Argument(help="Stack name or Pulumi.<stack>.yaml path (after).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or md.")] = "table",
    out: OutOption = None,
    fail_on_violation: Annotated[
        bool,
        typer.Option("--fail-on-violation", help="Exit 1 when B has mandatory policy violations."),
    ] = False,
) -> None:
    """Resources added, removed and changed (inputs, old and new), cost delta per component."""
    from aiplat.diff import diff_reviews
    from aiplat.diff_render import render_diff
    from aiplat.preview import build_preview
    from aiplat.review import build_review
    from aiplat.stackfiles import load

    chosen = choose(fmt, DiffFormat)
    before, after = load(a), load(b)
    reviews = [build_review(s, build_preview(s).capture) for s in (before, after)]
    result = diff_reviews(*reviews)
    emit(render_diff(result, chosen), out)
    if fail_on_violation and result.b.mandatory:
        typer.echo(
            f"{len(result.b.mandatory)} mandatory policy violation(s) in {result.b.stack}",
            err=True,
        )
        raise typer.Exit(1)
