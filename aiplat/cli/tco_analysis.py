"""aiplat tco sensitivity | sweep | breakeven | montecarlo: how the result moves with its drivers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiplat.cli.common import FormatOption, OutOption, emit, emit_tables
from aiplat.cli.tco_options import ChartOpt, MetricOpt, RateOpt, ScenarioOpt, StackOpt, YearsOpt
from aiplat.render import OutputFormat, Table, to_json


def _model(stack, scenario, years, discount_rate):
    from aiplat.cli.tco import _options
    from aiplat.costs import scenario_and_tco
    from tco.drivers import LinearModel, baselines

    chosen, result = scenario_and_tco(
        stack, _options(scenario, years, discount_rate, None, None, None)
    )
    return chosen, result, LinearModel.from_result(result, baselines(chosen, result))


def _check_metric(metric: str) -> str:
    from tco.drivers import METRICS
    from tiers.errors import SpecError

    if metric not in METRICS:
        raise SpecError(
            "--metric", f"unknown metric {metric!r}", f"use one of: {', '.join(METRICS)}"
        )
    return metric


def _values(text: str, option: str) -> list[float]:
    from tiers.errors import SpecError

    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SpecError(
            option, f"{text!r} is not a comma-separated list of numbers", "give e.g. 0.01,0.03,0.05"
        ) from None
    if not values:
        raise SpecError(option, "is empty", "give at least one value")
    return values


def sensitivity(
    stack: StackOpt = None,
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    drivers: Annotated[
        str | None, typer.Option("--drivers", help="Tornado drivers, comma-separated.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
    chart: ChartOpt = None,
) -> None:
    """Tornado of NPV over the named drivers (each at 80% and 120%), and the design's five
    sweeps (section 5.4) with the design's printed end points beside ours."""
    from tco.drivers import check_driver
    from tco.sensitivity import design_comparison, design_sweeps, tornado

    chosen, result, model = _model(stack, scenario, years, discount_rate)
    names = [check_driver(d.strip(), "--drivers") for d in drivers.split(",")] if drivers else None
    tornado_table = tornado(model, names)
    sweeps = design_sweeps(chosen, result)
    if fmt is OutputFormat.JSON:
        emit(
            to_json(
                {"tornado": tornado_table.records(), "design_sweeps": [s.as_json() for s in sweeps]}
            ),
            out,
        )
    else:
        emit_tables(
            [tornado_table, design_comparison(sweeps), *(s.table for s in sweeps)], fmt, out
        )
    if chart is not None:
        from tco import charts

        chart.mkdir(parents=True, exist_ok=True)
        stem = result.stack or result.scenario
        written = charts.tornado_chart(
            tornado_table, chart / f"{stem}-tornado", baseline_npv=result.npv
        )
        written += charts.cashflow_chart(result, chart / f"{stem}-cashflow")
        typer.echo("wrote " + ", ".join(str(p) for p in written), err=True)


def sweep(
    driver: Annotated[str, typer.Option("--driver", help="The driver to vary.")],
    values: Annotated[str, typer.Option("--values", help="Comma-separated driver values.")],
    by: Annotated[
        str | None, typer.Option("--by", help="A second driver: a two-way table.")
    ] = None,
    by_values: Annotated[
        str | None, typer.Option("--by-values", help="Values of the second driver.")
    ] = None,
    metric: MetricOpt = "npv",
    stack: StackOpt = None,
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """A metric over values of one driver, or over a grid of two (--by)."""
    from tco.drivers import check_driver
    from tco.sensitivity import sweep as one_way
    from tco.sensitivity import two_way
    from tiers.errors import SpecError

    _check_metric(metric)
    check_driver(driver, "--driver")
    _, _, model = _model(stack, scenario, years, discount_rate)
    xs = _values(values, "--values")
    if by is None:
        emit_tables([one_way(model, driver, xs, metric)], fmt, out)
        return
    if by_values is None:
        raise SpecError("--by-values", "is required with --by", "give the second driver's values")
    check_driver(by, "--by")
    table: Table = two_way(model, driver, xs, by, _values(by_values, "--by-values"), metric).table()
    emit_tables([table], fmt, out)


def breakeven(
    driver: Annotated[str, typer.Option("--driver", help="The driver to solve for.")],
    metric: MetricOpt = "npv",
    target: Annotated[float, typer.Option("--target", help="The metric's target value.")] = 0.0,
    stack: StackOpt = None,
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """The driver value at which the metric reaches the target (NPV = 0 by default)."""
    from tco.drivers import check_driver
    from tco.sensitivity import breakeven as solve

    _check_metric(metric)
    check_driver(driver, "--driver")
    _, result, model = _model(stack, scenario, years, discount_rate)
    value = solve(model, driver, metric=metric, target=target)
    baseline = model.baselines[driver]
    rows = [[driver, metric, target, value, baseline]]
    title = f"Break-even of {result.stack or result.scenario}"
    emit_tables(
        [Table(title, ["driver", "metric", "target", "break_even_value", "baseline"], rows)],
        fmt,
        out,
    )


def montecarlo(
    samples: Annotated[
        int, typer.Option("--samples", min=1, max=10_000_000, help="Number of scenarios.")
    ] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")] = 0,
    distributions: Annotated[
        Path | None,
        typer.Option(
            "--distributions", exists=True, dir_okay=False, help="Driver distributions YAML."
        ),
    ] = None,
    stack: StackOpt = None,
    scenario: ScenarioOpt = None,
    years: YearsOpt = None,
    discount_rate: RateOpt = None,
    fmt: FormatOption = OutputFormat.TABLE,
    out: OutOption = None,
) -> None:
    """NPV and IRR distributions from sampled drivers (default: triangular/PERT +/-20%)."""
    import yaml
    from rich.progress import Progress

    from tco.montecarlo import default_distributions, parse_distributions, run
    from tiers.errors import SpecError

    _, result, model = _model(stack, scenario, years, discount_rate)
    if distributions is None:
        chosen = default_distributions(model.baselines)
    else:
        try:
            document = yaml.safe_load(distributions.read_text())
        except yaml.YAMLError:
            raise SpecError(
                str(distributions), "is not valid YAML", "fix the YAML syntax"
            ) from None
        chosen = parse_distributions(document, str(distributions))
    from rich.console import Console

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("sampling", total=samples)
        outcome = run(
            model,
            chosen,
            samples,
            seed,
            progress=lambda done: progress.update(task, completed=done),
        )
    report = outcome.as_json()
    if fmt is OutputFormat.JSON:
        emit(to_json(report), out)
        return
    scalars = [[k, v] for k, v in report.items() if not isinstance(v, dict | list)]
    failures = report.get("irr_failures", {})
    scalars.append(
        ["irr_failures", failures.get("total") if isinstance(failures, dict) else failures]
    )
    emit_tables(
        [
            Table(
                f"Monte Carlo of {result.stack or result.scenario}", ["statistic", "value"], scalars
            )
        ],
        fmt,
        out,
    )
