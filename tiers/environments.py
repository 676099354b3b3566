"""Environment overlays: how dev, staging and prod scale a tier's production-size spec."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tiers.model import CapacityType, Environment, Provisioner


@dataclass(frozen=True, kw_only=True)
class EnvironmentOverlay:
    """How one environment differs from production.

    ``gpu_scale`` multiplies each GPU pool's desired and maximum node counts (rounded half
    up; the maximum is rounded up and never below one node). ``gpu_min_zero`` lets every GPU
    pool scale to zero. ``capacity`` forces a purchase option on every GPU pool (``None``
    keeps the tier's choice). ``system_desired_cap`` caps the system pool. ``lake_scale``
    multiplies the lake's size (dev and staging hold samples of production data).
    ``gpu_provisioner`` moves every GPU pool to one provisioner (``None`` keeps the tier's
    choice): dev and staging GPU pools run on Karpenter and scale to zero when idle.
    """

    environment: Environment
    gpu_scale: float
    gpu_min_zero: bool
    capacity: CapacityType | None
    system_desired_cap: int | None
    lake_scale: float
    az_count: int
    nat_per_az: bool
    protect_stateful: bool
    log_retention_days: int
    gpu_provisioner: Provisioner | None = None
    engine_scale: float = 1.0  # multiplies data engine counts (EngineSizes.scaled)

    def __post_init__(self) -> None:
        if not 0 < self.gpu_scale <= 1:
            raise ValueError(f"{self.environment}: gpu_scale must be in (0, 1]")
        if not 0 < self.lake_scale <= 1:
            raise ValueError(f"{self.environment}: lake_scale must be in (0, 1]")
        if not 0 < self.engine_scale <= 1:
            raise ValueError(f"{self.environment}: engine_scale must be in (0, 1]")
        if self.az_count not in (2, 3):
            raise ValueError(f"{self.environment}: az_count must be 2 or 3")

    def scale_nodes(self, min_nodes: int, desired: int, max_nodes: int) -> tuple[int, int, int]:
        """Scale a (min, desired, max) triple; the result always satisfies min <= desired <= max."""
        new_desired = math.floor(desired * self.gpu_scale + 0.5)
        new_max = max(1, new_desired, math.ceil(max_nodes * self.gpu_scale))
        new_min = (
            0 if self.gpu_min_zero else min(new_desired, math.floor(min_nodes * self.gpu_scale))
        )
        return new_min, new_desired, new_max


OVERLAYS: dict[Environment, EnvironmentOverlay] = {
    o.environment: o
    for o in (
        EnvironmentOverlay(
            environment=Environment.DEV,
            lake_scale=0.01,
            gpu_scale=0.1,
            gpu_min_zero=True,
            capacity=CapacityType.SPOT,
            system_desired_cap=2,
            az_count=2,
            nat_per_az=False,
            protect_stateful=False,
            log_retention_days=14,
            gpu_provisioner=Provisioner.KARPENTER,
            engine_scale=0.25,
        ),
        EnvironmentOverlay(
            environment=Environment.STAGING,
            lake_scale=0.1,
            gpu_scale=0.25,
            gpu_min_zero=False,
            capacity=None,
            system_desired_cap=3,
            az_count=2,
            nat_per_az=True,
            protect_stateful=False,
            log_retention_days=30,
            gpu_provisioner=Provisioner.KARPENTER,
            engine_scale=0.5,
        ),
        EnvironmentOverlay(
            environment=Environment.PROD,
            lake_scale=1.0,
            gpu_scale=1.0,
            gpu_min_zero=False,
            capacity=None,
            system_desired_cap=None,
            az_count=3,
            nat_per_az=True,
            protect_stateful=True,
            log_retention_days=365,
        ),
    )
}
