"""aiplat render: the Kubernetes objects and Helm releases of a stack as YAML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiplat.cli.preview import StackOption

app = typer.Typer(help="Write a stack's Kubernetes objects and Helm releases as YAML files.")


@app.callback(invoke_without_command=True)
def render(
    stack: StackOption,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Directory to write into.", file_okay=False)
    ],
) -> None:
    """One file per object (<namespace>/<kind>-<name>.yaml) plus helm-releases.yaml."""
    from aiplat.preview import build_preview
    from aiplat.review_manifests import write_manifests
    from aiplat.stackfiles import load

    capture = build_preview(load(stack)).capture
    written = write_manifests(capture, out)
    for path in written:
        typer.echo(str(path.relative_to(out)))
    typer.echo(f"{len(written)} files written to {out}", err=True)
