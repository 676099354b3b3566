"""aiplat preview: run the real Pulumi program offline and show what it would create, as an
architecture review (components, costs, policy findings, diagram)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from aiplat.cli.common import OutOption, emit


class ReviewFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"
    HTML = "html"


app = typer.Typer(help="Offline preview of a stack (no cloud account needed).")

StackOption = Annotated[
    str,
    typer.Option(
        "--stack", "-s", help="Stack name (intermediate-dev) or a Pulumi.<stack>.yaml path."
    ),
]
ReviewFormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Output format: table, json, csv, md or html.")
]


def choose(value: str, allowed: type[StrEnum], option: str = "--format") -> str:
    """``value`` as one of ``allowed`` (case-insensitive); bad input is one clean line."""
    from tiers.errors import SpecError

    choices = [c.value for c in allowed]
    if value.lower() not in choices:
        raise SpecError(option, f"unknown value {value!r}", f"use one of: {', '.join(choices)}")
    return value.lower()


@app.callback(invoke_without_command=True)
def preview(stack: StackOption, fmt: ReviewFormatOption = "table", out: OutOption = None) -> None:
    """Every resource `pulumi up` would create for the stack, grouped by component, with
    its cost per component, its policy findings and (md, html) a diagram."""
    from aiplat.preview import build_preview
    from aiplat.preview_render import render_preview
    from aiplat.stackfiles import load

    chosen = choose(fmt, ReviewFormat)
    report = build_preview(load(stack))
    emit(render_preview(report, chosen), out)
