"""aiplat pipeline: the reference Kubeflow pipeline, compiled to its IR YAML.

kfp is imported only inside the command, so ``aiplat`` starts fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aiplat.cli.common import OutOption, emit

app = typer.Typer(help="Kubeflow Pipelines: the reference pipeline (lake -> GPU -> canary).")


@app.command()
def compile(
    out: OutOption = None,
    stack: Annotated[
        str | None,
        typer.Option(
            "--stack", "-s", help="Take the training pool's node selector and tolerations from it."
        ),
    ] = None,
    canary_percent: Annotated[
        int, typer.Option("--canary-percent", help="Traffic the canary takes (1-99).")
    ] = 10,
    min_auc: Annotated[
        float, typer.Option("--min-auc", help="Promote the canary at or above this AUC.")
    ] = 0.75,
) -> None:
    """Compile the reference pipeline and write its IR YAML (stdout or --out)."""
    from pipelines.reference import PipelineSettings, compile_ir, settings_for

    overrides = {"canary_percent": canary_percent, "min_auc": min_auc}
    if stack is None:
        settings = PipelineSettings(**overrides)
    else:
        from aiplat.stackfiles import load

        settings = settings_for(load(stack).resolve(), **overrides)
    emit(compile_ir(settings), out)
