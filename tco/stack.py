"""The TCO of a stack: price what it creates, add its share of the platform's costs and
benefits, and evaluate the cash flows. Pure: the caller supplies the inventory (from a
preview capture, or from the resolved spec inside the Pulumi program)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tco.catalog import Assumptions, HardwareCatalog, load_assumptions, load_hardware, load_region
from tco.costing import CostContext, cloud_lines, edge_lines, onprem_lines, shared_lines
from tco.model import InfraItem
from tco.results import TcoResult, evaluate
from tco.scenario import Deployment, Scenario, load_scenario
from tiers.model import Target
from tiers.resolve import ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class TcoOptions:
    """What a user may change from the command line (``None`` keeps the scenario's value)."""

    scenario: str | None = None
    years: int | None = None
    discount_rate: float | None = None
    deployment: Deployment | None = None
    prices_file: Path | None = None
    assumptions_file: Path | None = None


PROJECT_DIR = Path(__file__).resolve().parent.parent


def with_stack_inputs(options: TcoOptions, platform: ResolvedPlatform) -> TcoOptions:
    """Fill what the command line left unset from the stack's own ``aiplat:tco*`` keys
    (paths relative to the project directory)."""

    def path(value: str | None) -> Path | None:
        return None if not value else PROJECT_DIR / value

    return replace(
        options,
        scenario=options.scenario or _scenario_ref(platform.tco_scenario),
        assumptions_file=options.assumptions_file or path(platform.tco_assumptions),
        prices_file=options.prices_file or path(platform.tco_prices),
    )


def _scenario_ref(value: str | None) -> str | None:
    if not value or not value.endswith((".yaml", ".yml")):
        return value or None
    return str(PROJECT_DIR / value)


def default_scenario(platform: ResolvedPlatform) -> str:
    """Each tier has a built-in benefits scenario, ``benefits-<tier>``."""
    return f"benefits-{platform.tier.value}"


def stack_scenario(platform: ResolvedPlatform, options: TcoOptions) -> Scenario:
    scenario = load_scenario(options.scenario or default_scenario(platform))
    deployment = options.deployment or (
        Deployment.CLOUD if platform.target is Target.AWS else Deployment.ONPREM
    )
    return scenario.with_overrides(
        years=options.years, discount_rate=options.discount_rate, deployment=deployment
    )


def stack_tco(
    platform: ResolvedPlatform,
    items: list[InfraItem],
    options: TcoOptions = TcoOptions(),
    *,
    assumptions: Assumptions | None = None,
    hardware: HardwareCatalog | None = None,
) -> TcoResult:
    """Cost lines and metrics for one stack under its scenario.

    ``items`` are the stack's billable cloud items; with the on-prem deployment they are not
    priced, and the pools become owned servers instead.
    """
    options = with_stack_inputs(options, platform)
    scenario = stack_scenario(platform, options)
    overlay = options.assumptions_file or (
        Path(scenario.assumptions_file) if scenario.assumptions_file else None
    )
    assumptions = assumptions or load_assumptions(overlay)
    ctx = CostContext(
        years=scenario.years,
        purchase=scenario.purchase,
        assumptions=assumptions,
        hardware=hardware or load_hardware(),
        prices=lambda region: load_region(region, options.prices_file),
    )
    infrastructure = (
        cloud_lines(items, ctx)
        if scenario.deployment is Deployment.CLOUD
        else onprem_lines(platform, ctx)
    ) + edge_lines(platform, ctx)
    share = assumptions.environment_share[platform.environment.value]
    benefits = scenario.benefits.scaled(share.value)
    notes = [
        f"deployment: {scenario.deployment.value}; purchase: {scenario.purchase.value}",
        f"platform-wide costs and benefits x {share.value:g} ({platform.environment.value} share)",
    ]
    return evaluate(
        scenario=scenario.name,
        stack=platform.stack,
        cost_lines=infrastructure + shared_lines(platform, ctx) + scenario.fixed_lines(),
        benefits=benefits,
        years=scenario.years,
        discount_rate=scenario.discount_rate,
        timing=scenario.timing,
        notes=notes,
    )


def scenario_tco(scenario: Scenario) -> TcoResult:
    """A scenario on its own (its fixed cost lines and benefits), such as seed-central."""
    return evaluate(
        scenario=scenario.name,
        stack=None,
        cost_lines=scenario.fixed_lines(),
        benefits=scenario.benefits,
        years=scenario.years,
        discount_rate=scenario.discount_rate,
        timing=scenario.timing,
        notes=[scenario.description] if scenario.description else [],
    )
