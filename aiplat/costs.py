"""Glue between stacks and the pure TCO engine: price exactly what the offline preview of a
stack captures."""

from __future__ import annotations

from aiplat.harness import run_program
from aiplat.stackfiles import StackFile, load
from tco.inventory import items_from_resources
from tco.results import TcoResult
from tco.scenario import Deployment, Scenario, load_scenario
from tco.stack import TcoOptions, scenario_tco, stack_scenario, stack_tco, with_stack_inputs
from tiers.errors import SpecError


def tco_for_stack(stack: StackFile, options: TcoOptions) -> TcoResult:
    """Resolve the stack, run the real program offline, price what it registered."""
    platform = stack.resolve()
    items = []
    if (options.deployment or Deployment.CLOUD) is Deployment.CLOUD:
        capture = run_program(stack.name, stack.engine_values(), preview=True)
        items = items_from_resources(capture.resources, platform)
    return stack_tco(platform, items, options)


def tco_for(stack: str | None, options: TcoOptions) -> TcoResult:
    """``--stack`` (with an optional scenario for its benefits), or ``--scenario`` alone."""
    return scenario_and_tco(stack, options)[1]


def scenario_and_tco(stack: str | None, options: TcoOptions) -> tuple[Scenario, TcoResult]:
    """The scenario a result was evaluated under, with the result (sensitivity needs both)."""
    if stack is not None:
        stack_file = load(stack)
        platform = stack_file.resolve()
        chosen = stack_scenario(platform, with_stack_inputs(options, platform))
        return chosen, tco_for_stack(stack_file, options)
    if options.scenario is None:
        raise SpecError(
            "--stack/--scenario", "nothing to price", "give --stack NAME or --scenario NAME|FILE"
        )
    scenario = load_scenario(options.scenario).with_overrides(
        years=options.years, discount_rate=options.discount_rate
    )
    return scenario, scenario_tco(scenario)
