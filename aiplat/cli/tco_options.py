"""The options the aiplat tco commands share (one definition each)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class DeploymentChoice(StrEnum):
    CLOUD = "cloud"
    ONPREM = "onprem"


StackOpt = Annotated[
    str | None, typer.Option("--stack", "-s", help="Stack name or Pulumi.<stack>.yaml path.")
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario", help="Built-in scenario (seed-central, benefits-<tier>) or a YAML file."
    ),
]
YearsOpt = Annotated[int | None, typer.Option("--years", min=1, max=30, help="Horizon in years.")]
RateOpt = Annotated[float | None, typer.Option("--discount-rate", help="Discount rate, e.g. 0.10.")]
DeploymentOpt = Annotated[
    DeploymentChoice | None,
    typer.Option("--deployment", help="Price as cloud resources or owned servers."),
]
PricesOpt = Annotated[
    Path | None, typer.Option("--prices", exists=True, dir_okay=False, help="Extra price file.")
]
AssumptionsOpt = Annotated[
    Path | None,
    typer.Option("--assumptions", exists=True, dir_okay=False, help="Extra assumptions file."),
]
ChartOpt = Annotated[
    Path | None, typer.Option("--chart", file_okay=False, help="Write charts (PNG, SVG) here.")
]
MetricOpt = Annotated[
    str, typer.Option("--metric", help="npv, irr, payback, discounted_payback, tco or roi.")
]
