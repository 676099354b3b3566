"""aiplat tco: the cost and the return of a stack or a scenario, before anything is deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiplat.cli.common import FormatOption, OutOption, emit, emit_tables
from aiplat.cli.tco_options import (
    AssumptionsOpt,
    ChartOpt,
    DeploymentChoice,
    DeploymentOpt,
    PricesOpt,
    RateOpt,
    ScenarioOpt,
    StackOpt,
    YearsOpt,
)
from aiplat.render import OutputFormat, to_json

app = typer.Typer(help="TCO/ROI of a stack or a scenario (offline, before deploy).")


def _options(scenario, years, discount_rate, deployment, prices, assumptions):
    from tco.scenario import Deployment
    from tco.stack import TcoOptions

    if discount_rate is not None and discount_rate <= -1:
        from tiers.errors import SpecError

        raise SpecError(
            "--discount-rate",
            f"must be > -100% (got {discount_rate:.2%})",
            "give a rate such as 0.10",
        )
    return TcoOptions(
        scenario=scenario,
        years=years,
        discount_rate=discount_rate,
        deployment=Deployment(deployment.value) if deployment else None,
        prices_file=prices,
        assumptions_file=assumptions,
    )


@app.callback(invoke_without_command=True)
def tco(
    ctx: typer.Context,
    stack: StackOpt = None,
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    deployment: DeploymentOpt = None,
    prices: PricesOpt = None,
    assumptions: AssumptionsOpt = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
    chart: ChartOpt = None,
) -> None:
    """Yearly cost lines, cash flows, TCO, NPV, IRR, MIRR, payback and ROI."""
    if ctx.invoked_subcommand is not None:
        return
    from aiplat.costs import tco_for

    result = tco_for(
        stack, _options(scenario, years, discount_rate, deployment, prices, assumptions)
    )
    _render(result, fmt, out)
    if chart is not None:
        _charts(result, chart)


def _register_analysis() -> None:
    from aiplat.cli import tco_analysis

    for command in (
        tco_analysis.sensitivity,
        tco_analysis.sweep,
        tco_analysis.breakeven,
        tco_analysis.montecarlo,
    ):
        app.command()(command)


_register_analysis()


def _render(result, fmt: OutputFormat, out: Path | None) -> None:
    from aiplat.views.tco import cash_flow_table, cost_lines_table, costs_table, summary_table

    if fmt is OutputFormat.JSON:
        emit(to_json(result.as_json()), out)
    elif fmt is OutputFormat.CSV:
        emit_tables([cost_lines_table(result)], fmt, out)
    else:
        emit_tables([summary_table(result), costs_table(result), cash_flow_table(result)], fmt, out)


def _charts(result, directory: Path) -> None:
    from tco import charts

    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / (result.stack or result.scenario)
    written = charts.cashflow_chart(result, Path(f"{stem}-cashflow"))
    typer.echo("wrote " + ", ".join(str(p) for p in written), err=True)


@app.command()
def compare(
    stacks: Annotated[
        list[str], typer.Argument(help="One stack (cloud vs on-prem) or two stacks.")
    ],
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """Compare two stacks, or one stack priced in the cloud and on-prem."""
    from aiplat.costs import tco_for
    from aiplat.views.tco import compare_table
    from tiers.errors import SpecError

    if len(stacks) not in (1, 2):
        raise SpecError(
            "STACKS", f"got {len(stacks)} stacks", "give one stack (cloud vs on-prem) or two"
        )
    if len(stacks) == 1:
        pairs = [(stacks[0], DeploymentChoice.CLOUD), (stacks[0], DeploymentChoice.ONPREM)]
    else:
        pairs = [(stacks[0], None), (stacks[1], None)]
    a, b = (tco_for(s, _options(scenario, years, discount_rate, d, None, None)) for s, d in pairs)
    emit_tables([compare_table(a, b)], fmt, out)
