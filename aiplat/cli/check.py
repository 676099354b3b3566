"""aiplat check: the policy pack and manifest validation over stacks, offline."""

from __future__ import annotations

from typing import Annotated

import typer

from aiplat.cli.common import OutOption, emit
from aiplat.cli.preview import choose
from aiplat.render import OutputFormat

app = typer.Typer(help="Policy pack and manifest validation over stacks (offline).")


@app.callback(invoke_without_command=True)
def check(
    stack: Annotated[
        str | None, typer.Option("--stack", "-s", help="Stack name or stack file path.")
    ] = None,
    all_stacks: Annotated[bool, typer.Option("--all", help="Every stack in stacks/.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or md.")] = "table",
    out: OutOption = None,
) -> None:
    """Summary per stack (resources, mandatory, advisory, invalid manifests); exit 1 on any
    mandatory violation or invalid manifest."""
    from aiplat.preview import build_preview
    from aiplat.render import Table, render_tables, to_json
    from aiplat.review_manifests import check_capture, kubernetes_version
    from aiplat.stackfiles import load, stack_names
    from tiers.errors import SpecError

    fmt = OutputFormat(choose(fmt, OutputFormat))
    if (stack is None) == (not all_stacks):
        raise SpecError("--stack/--all", "give exactly one", "use --stack NAME or --all")
    names = stack_names() if all_stacks else [stack]
    results = []
    for name in names:
        stack_file = load(name)
        capture = build_preview(stack_file).capture
        version = kubernetes_version(capture, stack_file.resolve().kubernetes_version)
        results.append(check_capture(capture, version))
    summary = Table(
        "Policy and manifest check",
        ["stack", "resources", "mandatory", "advisory", "invalid manifests"],
        [
            [r.stack, r.resources, len(r.mandatory), len(r.advisory), len(r.invalid)]
            for r in results
        ],
    )
    problems = Table(
        "Problems",
        ["stack", "id", "level", "resource", "message"],
        [
            [r.stack, f.policy, f.level, f.resource, f.message]
            for r in results
            for f in [*r.mandatory, *r.advisory]
        ]
        + [[r.stack, "k8s-01", "mandatory", o, p] for r in results for o, p in r.invalid],
    )
    if fmt is OutputFormat.JSON:
        emit(to_json([r.as_json() for r in results]), out)
    else:
        emit(render_tables([summary, problems] if problems.rows else [summary], fmt), out)
    failed = [r.stack for r in results if not r.ok]
    if failed:
        typer.echo(f"check failed: {', '.join(failed)}", err=True)
        raise typer.Exit(1)
