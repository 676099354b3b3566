"""Resolution: tier spec (production size) + environment overlay + stack overrides.

The result, :class:`ResolvedPlatform`, is everything the components need, fully typed and
validated. Nothing below this module reads configuration or branches on the tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tiers import TIERS, pins
from tiers.environments import OVERLAYS, EnvironmentOverlay
from tiers.errors import SpecError
from tiers.instances import CATALOG, InstanceType, UnknownInstanceType, lookup
from tiers.model import (
    GPU_ROOT_VOLUME_GIB,
    SYSTEM_ROOT_VOLUME_GIB,
    CapacityType,
    CpuPoolSpec,
    DataEngine,
    EngineSizes,
    Environment,
    GpuPoolSpec,
    KafkaMode,
    PlatformStacks,
    PoolRole,
    Target,
    TeamSpec,
    Tier,
)
from tiers.stack_config import (
    NAMESPACE,
    BudgetMode,
    GpuPoolOverride,
    StackConfig,
    SystemPoolOverride,
)


@dataclass(frozen=True, kw_only=True)
class ResolvedGpuPool:
    name: str
    role: PoolRole
    instance: InstanceType
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    capacity_type: CapacityType
    efa: bool
    volume_gib: int = GPU_ROOT_VOLUME_GIB

    @property
    def gpus(self) -> int:
        """Accelerators in the pool at its desired size."""
        return self.instance.accelerators * self.desired_nodes


@dataclass(frozen=True, kw_only=True)
class ResolvedCpuPool:
    instance: InstanceType
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    volume_gib: int = SYSTEM_ROOT_VOLUME_GIB


@dataclass(frozen=True, kw_only=True)
class NetworkPlan:
    vpc_cidr: str
    az_count: int
    nat_per_az: bool
    flow_log_retention_days: int


@dataclass(frozen=True, kw_only=True)
class ResolvedPlatform:
    """A stack, resolved: what the components build."""

    stack: str
    tier: Tier
    environment: Environment
    target: Target
    regions: tuple[str, ...]
    kubernetes_version: str
    node_release_version: str
    gpu_pools: tuple[ResolvedGpuPool, ...]
    system_pool: ResolvedCpuPool
    network: NetworkPlan
    stacks: PlatformStacks
    lake_size_tb: float
    team: TeamSpec
    protect: bool
    admin_role_arns: tuple[str, ...]
    public_access_cidrs: tuple[str, ...]
    kubeconfig: str | None
    kube_context: str | None
    device_plugin: bool
    budget_usd_per_year: int = 0
    budget_mode: BudgetMode = BudgetMode.WARN
    tco_scenario: str | None = None
    tco_assumptions: str | None = None
    tco_prices: str | None = None
    # the data engines' sizes, scaled for the environment
    engines: EngineSizes = field(default_factory=EngineSizes)
    kafka: KafkaMode = KafkaMode.STRIMZI

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    @property
    def gpu_nodes(self) -> int:
        """Desired GPU nodes over all pools and regions."""
        return sum(p.desired_nodes for p in self.gpu_pools) * len(self.regions)


def resolve(stack: str, config: StackConfig) -> ResolvedPlatform:
    """Resolve a stack's typed config against its tier spec and environment overlay."""
    spec = TIERS[config.tier]
    overlay = OVERLAYS[config.environment]
    _check_pool_names(config, spec.gpu_pools)
    version = config.kubernetesVersion or pins.DEFAULT_KUBERNETES_VERSION
    if version not in pins.EKS_NODE_RELEASE_VERSIONS:
        supported = ", ".join(pins.EKS_NODE_RELEASE_VERSIONS)
        raise SpecError(
            f"{NAMESPACE}:kubernetesVersion",
            f"{version!r} is not a supported Kubernetes version",
            f"use one of: {supported}",
        )
    return ResolvedPlatform(
        stack=stack,
        tier=config.tier,
        environment=config.environment,
        target=config.target,
        regions=config.regions or spec.regions,
        kubernetes_version=version,
        node_release_version=pins.EKS_NODE_RELEASE_VERSIONS[version],
        gpu_pools=tuple(
            _gpu_pool(pool, overlay, config.gpuPools.get(pool.name)) for pool in spec.gpu_pools
        ),
        system_pool=_system_pool(spec.system_pool, overlay, config.systemPool),
        network=NetworkPlan(
            vpc_cidr=config.vpcCidr,
            az_count=overlay.az_count,
            nat_per_az=overlay.nat_per_az,
            flow_log_retention_days=overlay.log_retention_days,
        ),
        stacks=spec.stacks,
        lake_size_tb=spec.stacks.lake.size_tb * overlay.lake_scale
        if spec.stacks.lake.enabled
        else 0,
        team=spec.team,
        protect=overlay.protect_stateful,
        admin_role_arns=config.adminRoleArns,
        public_access_cidrs=config.publicAccessCidrs,
        kubeconfig=config.kubeconfig,
        kube_context=config.kubeContext,
        device_plugin=config.devicePlugin,
        budget_usd_per_year=config.budget,
        budget_mode=config.budgetMode,
        tco_scenario=config.tcoScenario,
        tco_assumptions=config.tcoAssumptions,
        tco_prices=config.tcoPrices,
        engines=spec.stacks.engines.scaled(overlay.engine_scale),
        kafka=_kafka_mode(config, spec.stacks),
    )


def _kafka_mode(config: StackConfig, stacks: PlatformStacks) -> KafkaMode:
    if config.kafka is KafkaMode.MSK and DataEngine.KAFKA not in stacks.data_engines:
        raise SpecError(
            f"{NAMESPACE}:kafka",
            f"tier {config.tier.value} runs no Kafka, so msk has nothing to build",
            "remove aiplat:kafka, or choose a tier with Kafka (advanced, expert)",
        )
    return config.kafka


def _check_pool_names(config: StackConfig, pools: tuple[GpuPoolSpec, ...]) -> None:
    names = [p.name for p in pools]
    for name in config.gpuPools:
        if name not in names:
            raise SpecError(
                f"{NAMESPACE}:gpuPools.{name}",
                f"tier {config.tier.value} has no GPU pool {name!r}",
                f"use one of: {', '.join(names)}",
            )


def _gpu_pool(
    pool: GpuPoolSpec, overlay: EnvironmentOverlay, override: GpuPoolOverride | None
) -> ResolvedGpuPool:
    low, desired, high = overlay.scale_nodes(pool.min_nodes, pool.desired_nodes, pool.max_nodes)
    scaled = replace(
        pool,
        min_nodes=low,
        desired_nodes=desired,
        max_nodes=high,
        capacity_type=overlay.capacity or pool.capacity_type,
    )
    field = f"{NAMESPACE}:gpuPools.{pool.name}"
    if override is not None:
        scaled = _apply_override(scaled, override, field)
    instance = _instance(scaled.instance_type, f"{field}.instanceType")
    if not instance.is_accelerated:
        raise SpecError(
            f"{field}.instanceType",
            f"{instance.name} has no known accelerator",
            "choose a GPU instance type such as g6.xlarge, g6e.12xlarge or p5.48xlarge",
        )
    if scaled.efa and not instance.efa:
        raise SpecError(
            f"{field}.efa",
            f"{instance.name} does not support EFA",
            "choose an EFA-capable type (g6.12xlarge, p4d.24xlarge, p5.48xlarge) or set efa: false",
        )
    return ResolvedGpuPool(
        name=scaled.name,
        role=scaled.role,
        instance=instance,
        min_nodes=scaled.min_nodes,
        desired_nodes=scaled.desired_nodes,
        max_nodes=scaled.max_nodes,
        capacity_type=scaled.capacity_type,
        efa=scaled.efa,
    )


def _apply_override(pool: GpuPoolSpec, override: GpuPoolOverride, field: str) -> GpuPoolSpec:
    changes = {
        "instance_type": override.instanceType,
        "min_nodes": override.minNodes,
        "desired_nodes": override.desiredNodes,
        "max_nodes": override.maxNodes,
        "capacity_type": override.capacityType,
        "efa": override.efa,
    }
    merged = {k: v for k, v in changes.items() if v is not None}
    _check_counts(
        field,
        merged.get("min_nodes", pool.min_nodes),
        merged.get("desired_nodes", pool.desired_nodes),
        merged.get("max_nodes", pool.max_nodes),
    )
    return replace(pool, **merged)


def _system_pool(
    pool: CpuPoolSpec, overlay: EnvironmentOverlay, override: SystemPoolOverride | None
) -> ResolvedCpuPool:
    desired = pool.desired_nodes
    if overlay.system_desired_cap is not None:
        desired = min(desired, overlay.system_desired_cap)
    low, high = min(pool.min_nodes, desired), pool.max_nodes
    instance_type = pool.instance_type
    field = f"{NAMESPACE}:systemPool"
    if override is not None:
        low = override.minNodes if override.minNodes is not None else low
        desired = override.desiredNodes if override.desiredNodes is not None else desired
        high = override.maxNodes if override.maxNodes is not None else high
        instance_type = override.instanceType or instance_type
        _check_counts(field, low, desired, high)
    if low < 1:
        raise SpecError(f"{field}.minNodes", "the system pool needs at least one node", "set >= 1")
    instance = _instance(instance_type, f"{field}.instanceType")
    if instance.is_accelerated:
        raise SpecError(
            f"{field}.instanceType",
            f"{instance.name} is an accelerated type; the system pool runs CPU workloads",
            "choose a CPU instance type such as m7i.xlarge",
        )
    return ResolvedCpuPool(
        instance=instance,
        min_nodes=low,
        desired_nodes=desired,
        max_nodes=high,
    )


def _check_counts(field: str, low: int, desired: int, high: int) -> None:
    if not low <= desired <= high:
        raise SpecError(
            field,
            f"needs minNodes <= desiredNodes <= maxNodes (got {low}, {desired}, {high})",
            "adjust the counts in the stack file",
        )
    if high < 1:
        raise SpecError(f"{field}.maxNodes", "must be at least 1 (got 0)", "set maxNodes >= 1")


def _instance(name: str, field: str) -> InstanceType:
    try:
        return lookup(name)
    except UnknownInstanceType:
        known = ", ".join(sorted(CATALOG))
        raise SpecError(field, f"unknown instance type {name!r}", f"use one of: {known}") from None
