"""TCO of Karpenter pools: no fixed node count, so a dev stack's GPU cost is expected
utilisation x maximum capacity, and it follows the utilisation assumption exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aiplat.stackfiles import load
from tco.catalog import load_assumptions, load_region
from tco.inventory import items_from_platform, items_from_resources
from tco.model import HOURS_PER_YEAR, Category, ItemKind
from tco.stack import stack_tco
from tiers.model import Provisioner


def gpu_compute(result) -> float:
    return sum(
        line.amount_usd
        for line in result.cost_lines
        if line.category is Category.CLOUD_COMPUTE
        and line.year == 1
        and "system" not in line.item
        and "control plane" not in line.item
    )


def test_dev_gpu_pools_are_priced_at_their_maximum_nodes_not_a_running_count(capture):
    platform = load("intermediate-dev").resolve()
    items = items_from_resources(capture("intermediate-dev", False).resources, platform)
    instances = {i.pool_role: i for i in items if i.kind is ItemKind.INSTANCE}
    for pool in platform.gpu_pools:
        assert pool.provisioner is Provisioner.KARPENTER and pool.min_nodes == 0
        item = instances[pool.role.value]
        assert (item.key, item.quantity, item.capacity) == (
            pool.instance.name,
            pool.max_nodes,
            "SPOT",
        )


def test_a_dev_stacks_gpu_cost_is_expected_utilisation_times_max_capacity():
    platform = load("poc-dev").resolve()
    assumptions = load_assumptions()
    prices = load_region("us-east-1")
    result = stack_tco(platform, items_from_platform(platform), assumptions=assumptions)
    expected = sum(
        prices.instance(p.instance.name).amount_usd
        * prices.spot_factor.amount_usd
        * p.max_nodes
        * HOURS_PER_YEAR
        * assumptions.utilisation_for(p.role.value).value
        for p in platform.gpu_pools
    )
    assert gpu_compute(result) == pytest.approx(expected, rel=1e-12)


def test_halving_utilisation_halves_a_dev_stacks_gpu_compute_cost():
    platform = load("intermediate-dev").resolve()
    items = items_from_platform(platform)
    base = load_assumptions()
    halved = replace(
        base,
        utilisation={
            role: replace(value, value=value.value / 2) if role != "system" else value
            for role, value in base.utilisation.items()
        },
    )
    full = gpu_compute(stack_tco(platform, items, assumptions=base))
    half = gpu_compute(stack_tco(platform, items, assumptions=halved))
    assert full > 0
    assert half == pytest.approx(full / 2, rel=1e-12)


def test_no_dev_gpu_node_runs_while_idle():
    for tier in ("poc", "intermediate", "advanced", "expert"):
        for pool in load(f"{tier}-dev").resolve().gpu_pools:
            assert pool.min_nodes == 0 and pool.provisioner is Provisioner.KARPENTER
