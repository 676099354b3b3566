"""Environment overlays shrink a tier for dev and staging and never break a pool's counts."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiers import TIERS
from tiers.environments import OVERLAYS, EnvironmentOverlay
from tiers.model import Environment, Tier
from tiers.resolve import resolve
from tiers.stack_config import parse_config


@st.composite
def node_counts(draw: st.DrawFn) -> tuple[int, int, int]:
    """Any valid (min, desired, max): 0 <= min <= desired <= max and max >= 1."""
    high = draw(st.integers(min_value=1, max_value=10_000))
    desired = draw(st.integers(min_value=0, max_value=high))
    low = draw(st.integers(min_value=0, max_value=desired))
    return low, desired, high


overlays = st.sampled_from(list(OVERLAYS.values()))


@given(overlay=overlays, counts=node_counts())
def test_every_overlay_keeps_min_at_most_desired_at_most_max_and_max_at_least_one(overlay, counts):
    low, desired, high = overlay.scale_nodes(*counts)
    assert 0 <= low <= desired <= high
    assert high >= 1


@given(overlay=overlays, counts=node_counts())
def test_no_overlay_grows_a_pool(overlay, counts):
    low, desired, high = counts
    new_low, new_desired, new_high = overlay.scale_nodes(low, desired, high)
    assert new_low <= low
    assert new_desired <= desired
    assert new_high <= high


@given(overlay=overlays, counts=node_counts())
def test_desired_nodes_are_scaled_and_rounded_half_up_exactly(overlay, counts):
    # Exact rational arithmetic, independent of float rounding: floor(d * s + 1/2).
    scale = Fraction(str(overlay.gpu_scale))
    _, desired, _ = counts
    assert overlay.scale_nodes(*counts)[1] == math.floor(desired * scale + Fraction(1, 2))


@given(
    scale=st.floats(min_value=0.0, max_value=1.0, exclude_min=True),
    min_zero=st.booleans(),
    counts=node_counts(),
)
def test_any_valid_overlay_keeps_the_node_count_invariants(scale, min_zero, counts):
    overlay = EnvironmentOverlay(
        environment=Environment.STAGING,
        gpu_scale=scale,
        gpu_min_zero=min_zero,
        capacity=None,
        system_desired_cap=None,
        lake_scale=1.0,
        az_count=2,
        nat_per_az=False,
        protect_stateful=False,
        log_retention_days=1,
    )
    low, desired, high = overlay.scale_nodes(*counts)
    assert 0 <= low <= desired <= high
    assert high >= 1


@given(counts=node_counts())
def test_dev_lets_every_gpu_pool_scale_to_zero(counts):
    assert OVERLAYS[Environment.DEV].scale_nodes(*counts)[0] == 0


@given(counts=node_counts())
def test_prod_keeps_the_tier_sizes_unchanged(counts):
    assert OVERLAYS[Environment.PROD].scale_nodes(*counts) == counts


@pytest.mark.parametrize(
    ("environment", "desired", "expected"),
    [
        # The design's scales: dev 10 %, staging 25 %, each rounded half up.
        (Environment.DEV, 16, 2),  # 1.6 -> 2
        (Environment.DEV, 4, 0),  # 0.4 -> 0
        (Environment.DEV, 5, 1),  # 0.5 -> 1 (half up)
        (Environment.DEV, 25, 3),  # 2.5 -> 3 (half up, not to even)
        (Environment.STAGING, 16, 4),  # 4.0
        (Environment.STAGING, 10, 3),  # 2.5 -> 3 (half up, not to even)
        (Environment.STAGING, 6, 2),  # 1.5 -> 2
        (Environment.STAGING, 1, 0),  # 0.25 -> 0
    ],
)
def test_scaled_desired_nodes_round_half_up(environment, desired, expected):
    assert OVERLAYS[environment].scale_nodes(0, desired, desired + 1)[1] == expected


def _desired_gpu_nodes(tier: Tier, environment: Environment) -> int:
    # the tier's edge sites are clusters the stack brings: each needs a kubeconfig
    sites = {site.name: {"kubeconfig": f"{site.name}.yaml"} for site in TIERS[tier].edge_sites}
    config = parse_config(
        {"tier": tier.value, "environment": environment.value, "edgeSites": sites}
    )
    platform = resolve(f"{tier.value}-{environment.value}", config)
    return sum(pool.desired_nodes for pool in platform.gpu_pools)


@pytest.mark.parametrize("tier", list(TIERS))
def test_every_tier_runs_more_gpu_nodes_in_prod_than_staging_and_in_staging_than_dev(tier):
    prod, staging, dev = (
        _desired_gpu_nodes(tier, env)
        for env in (Environment.PROD, Environment.STAGING, Environment.DEV)
    )
    assert prod > staging > dev, f"{tier}: prod {prod}, staging {staging}, dev {dev}"


@pytest.mark.parametrize("tier", list(TIERS))
def test_prod_runs_the_gpu_nodes_the_tier_spec_asks_for(tier):
    expected = sum(pool.desired_nodes for pool in TIERS[tier].gpu_pools)
    assert _desired_gpu_nodes(tier, Environment.PROD) == expected
