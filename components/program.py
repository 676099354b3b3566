"""The edges of the Pulumi program: config in, exports out."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from tiers.errors import SpecError
from tiers.resolve import ResolvedPlatform, resolve
from tiers.stack_config import BudgetMode, from_namespaced, parse_config


def stack_config_values() -> dict[str, Any]:
    """Every ``aiplat:`` key the engine handed this program, namespace stripped."""
    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return from_namespaced(raw)


def load_platform() -> ResolvedPlatform:
    """Read the stack's config once and resolve it; bad input ends the program with one
    clear line (``pulumi.RunError`` prints no traceback)."""
    try:
        return resolve(pulumi.get_stack(), parse_config(stack_config_values()))
    except SpecError as exc:
        raise pulumi.RunError(str(exc)) from None


def tco_summary(platform: ResolvedPlatform) -> dict[str, Any]:
    """The stack's TCO, priced from its resolved spec before anything is created (the same
    items the offline preview prices from its resources; a test keeps the two equal)."""
    from tco.inventory import items_from_platform
    from tco.stack import stack_tco

    result = stack_tco(platform, items_from_platform(platform))
    return {
        "currency": result.currency,
        "scenario": result.scenario,
        "years": result.years,
        "discountRate": result.discount_rate,
        "tcoTotalUsd": round(result.tco_total, 2),
        "tcoPerYearUsd": round(result.tco_per_year, 2),
        "npvUsd": round(result.npv, 2),
        "irr": result.irr,
        "paybackYears": result.payback_years,
    }


def check_budget(platform: ResolvedPlatform) -> dict[str, Any]:
    """Price the stack; with ``aiplat:budget`` set, stop (enforce) or warn when the yearly
    TCO exceeds it. Without a budget, a pricing gap (say, a region with no price file) is
    a warning, never a failed deploy."""
    budget = platform.budget_usd_per_year
    try:
        summary = tco_summary(platform)
    except SpecError as exc:
        if budget:
            raise pulumi.RunError(
                f"aiplat:budget is set but the stack cannot be priced: {exc}"
            ) from None
        pulumi.log.warn(f"TCO not computed: {exc}")
        return {"error": str(exc)}
    yearly = summary["tcoPerYearUsd"]
    if budget and yearly > budget:
        message = (
            f"aiplat:budget: the stack's TCO is {yearly:,.0f} USD/year, over the budget of "
            f"{budget:,} USD/year; fix: shrink the GPU pools, or raise aiplat:budget"
        )
        if platform.budget_mode is BudgetMode.ENFORCE:
            raise pulumi.RunError(message)
        pulumi.log.warn(message)
    return summary


def gpu_pool_summary(platform: ResolvedPlatform) -> list[dict[str, Any]]:
    """The GPU pools as plain data, one row per region and pool."""
    return [
        {
            "region": region,
            "pool": pool.name,
            "role": pool.role.value,
            "instanceType": pool.instance.name,
            "accelerator": pool.instance.accelerator,
            "acceleratorsPerNode": pool.instance.accelerators,
            "minNodes": pool.min_nodes,
            "desiredNodes": pool.desired_nodes,
            "maxNodes": pool.max_nodes,
            "capacityType": pool.capacity_type.value,
            "efa": pool.efa,
        }
        for region in platform.regions
        for pool in platform.gpu_pools
    ]
