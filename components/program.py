"""The edges of the Pulumi program: config in, exports out."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from tiers.errors import SpecError
from tiers.resolve import ResolvedPlatform, resolve
from tiers.stack_config import from_namespaced, parse_config


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
