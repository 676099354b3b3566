"""The aiplat command line. Each area is its own Typer app, composed here."""

from __future__ import annotations

import os
import sys

import typer

from aiplat.cli import (
    check,
    diff,
    features,
    lake,
    pipeline,
    preflight,
    preview,
    render,
    stacks,
    tco,
    tiers,
)

app = typer.Typer(
    name="aiplat",
    help="An enterprise AI platform as code, with its cost known before deploy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(tiers.app, name="tiers")
app.add_typer(stacks.app, name="stacks")
app.add_typer(preview.app, name="preview")
app.add_typer(tco.app, name="tco")
app.add_typer(lake.app, name="lake")
app.add_typer(preflight.app, name="preflight")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(diff.app, name="diff")
app.add_typer(render.app, name="render")
app.add_typer(check.app, name="check")
app.add_typer(features.app, name="features")


def run(argv: list[str] | None = None) -> None:
    """Console entry point: bad input becomes one line on stderr and exit code 1
    (set AIPLAT_DEBUG=1 for the traceback)."""
    from tiers.errors import SpecError

    try:
        app(args=argv, prog_name="aiplat")
    except SpecError as exc:
        if os.environ.get("AIPLAT_DEBUG") == "1":
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
