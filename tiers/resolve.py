"""Resolution: tier spec (production size) + environment overlay + stack overrides.

The result, :class:`ResolvedPlatform`, is everything the components need, fully typed and
validated. Nothing below this module reads configuration or branches on the tier.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field

from tiers import TIERS, pins
from tiers.environments import OVERLAYS
from tiers.errors import SpecError
from tiers.model import (
    DataEngine,
    EngineSizes,
    Environment,
    KafkaMode,
    KubeflowPart,
    PlatformStacks,
    ServingBackend,
    Target,
    TeamSpec,
    Tier,
)
from tiers.pools import (
    ResolvedCpuPool,
    ResolvedGpuPool,
    check_pool_names,
    resolve_gpu_pool,
    resolve_system_pool,
)
from tiers.reach import ResolvedEdgeSite, check_priced, edge_sites, federation
from tiers.stack_config import (
    NAMESPACE,
    BudgetMode,
    StackConfig,
)


@dataclass(frozen=True, kw_only=True)
class NetworkPlan:
    vpc_cidr: str  # the primary region's; region i takes the i-th block after it
    az_count: int
    nat_per_az: bool
    flow_log_retention_days: int


_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def region_cidr(base: str, index: int) -> str:
    """The VPC CIDR of the stack's ``index``-th region: ``base`` for the primary, then the
    next blocks of the same size (``10.64.0.0/16`` -> ``10.65.0.0/16`` -> ...), so the
    regions' VPCs never overlap and can be peered (the FATE link). Adding a region at the
    end changes no existing region's block. SpecError when the block leaves the private
    range ``base`` is in."""
    network = ipaddress.ip_network(base)
    start = int(network.network_address) + index * network.num_addresses
    block = ipaddress.ip_network((start, network.prefixlen))
    if not any(network.subnet_of(p) and block.subnet_of(p) for p in _PRIVATE):
        raise SpecError(
            f"{NAMESPACE}:vpcCidr",
            f"region {index + 1}'s block {block} leaves the private range of {base}",
            "choose a base block with room for one block per region after it",
        )
    return str(block)


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
    edge_sites: tuple[ResolvedEdgeSite, ...] = ()
    # the data engines' sizes, scaled for the environment
    engines: EngineSizes = dataclass_field(default_factory=EngineSizes)
    kafka: KafkaMode = KafkaMode.STRIMZI
    # the kubeflow-user profile's owner; None where the tier has no Kubeflow profiles
    kubeflow_owner: str | None = None

    @property
    def primary_region(self) -> str:
        return self.regions[0]

    def region_network(self, region: str) -> NetworkPlan:
        """The network plan of one of the stack's regions (its own VPC block)."""
        return replace(
            self.network, vpc_cidr=region_cidr(self.network.vpc_cidr, self.regions.index(region))
        )

    @property
    def gpu_nodes(self) -> int:
        """Desired GPU nodes over all pools and regions."""
        return sum(p.desired_nodes for p in self.gpu_pools) * len(self.regions)


def resolve(stack: str, config: StackConfig) -> ResolvedPlatform:
    """Resolve a stack's typed config against its tier spec and environment overlay."""
    spec = TIERS[config.tier]
    overlay = OVERLAYS[config.environment]
    check_pool_names(config, spec.gpu_pools)
    version = config.kubernetesVersion or pins.DEFAULT_KUBERNETES_VERSION
    if version not in pins.EKS_NODE_RELEASE_VERSIONS:
        supported = ", ".join(pins.EKS_NODE_RELEASE_VERSIONS)
        raise SpecError(
            f"{NAMESPACE}:kubernetesVersion",
            f"{version!r} is not a supported Kubernetes version",
            f"use one of: {supported}",
        )
    regions = config.regions or spec.regions
    if config.target is Target.AWS:
        check_priced(regions, config.tcoPrices)
        for index in range(len(regions)):
            region_cidr(config.vpcCidr, index)
    resolved_federation = federation(spec.stacks.federation, config, regions)
    return ResolvedPlatform(
        stack=stack,
        tier=config.tier,
        environment=config.environment,
        target=config.target,
        regions=regions,
        kubernetes_version=version,
        node_release_version=pins.EKS_NODE_RELEASE_VERSIONS[version],
        gpu_pools=tuple(
            resolve_gpu_pool(pool, overlay, config.gpuPools.get(pool.name), config.target)
            for pool in spec.gpu_pools
        ),
        system_pool=resolve_system_pool(spec.system_pool, overlay, config.systemPool),
        network=NetworkPlan(
            vpc_cidr=config.vpcCidr,
            az_count=overlay.az_count,
            nat_per_az=overlay.nat_per_az,
            flow_log_retention_days=overlay.log_retention_days,
        ),
        stacks=_with_serving(replace(spec.stacks, federation=resolved_federation), config),
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
        edge_sites=edge_sites(spec.edge_sites, config),
        engines=_engines(config, spec.stacks, overlay.engine_scale),
        kafka=_kafka_mode(config, spec.stacks),
        kubeflow_owner=_kubeflow_owner(config, spec.stacks),
    )


DEX_EXAMPLE_USER = "user@example.com"  # kubeflow/manifests common/dex: the example user


def _kubeflow_owner(config: StackConfig, stacks: PlatformStacks) -> str | None:
    """Who owns the kubeflow-user profile: the stack's ``kubeflowOwner``, else Dex's
    example user; None (and the key refused) where the tier has no profiles."""
    if KubeflowPart.PROFILES not in stacks.kubeflow:
        if config.kubeflowOwner is not None:
            raise SpecError(
                f"{NAMESPACE}:kubeflowOwner",
                f"tier {config.tier.value} has no Kubeflow profiles",
                "remove aiplat:kubeflowOwner from the stack file",
            )
        return None
    return config.kubeflowOwner or DEX_EXAMPLE_USER


def _engines(config: StackConfig, stacks: PlatformStacks, scale: float) -> EngineSizes:
    """The tier's engine sizes scaled for the environment, with the stack's broker count."""
    engines = stacks.engines.scaled(scale)
    if config.kafkaBrokers is None:
        return engines
    if DataEngine.KAFKA not in stacks.data_engines:
        raise SpecError(
            f"{NAMESPACE}:kafkaBrokers",
            f"tier {config.tier.value} runs no Kafka",
            "remove aiplat:kafkaBrokers from the stack file",
        )
    return replace(engines, kafka_brokers=config.kafkaBrokers)


def _kafka_mode(config: StackConfig, stacks: PlatformStacks) -> KafkaMode:
    if config.kafka is KafkaMode.MSK and DataEngine.KAFKA not in stacks.data_engines:
        raise SpecError(
            f"{NAMESPACE}:kafka",
            f"tier {config.tier.value} runs no Kafka, so msk has nothing to build",
            "remove aiplat:kafka, or choose a tier with Kafka (advanced, expert)",
        )
    return config.kafka


def _with_serving(stacks: PlatformStacks, config: StackConfig) -> PlatformStacks:
    """The tier's serving spec with the stack's backend and canary weight applied."""
    serving = stacks.serving
    if config.servingBackend is not None:
        offered = [b.value for b in ServingBackend if b.engine in serving.engines]
        if config.servingBackend.engine not in serving.engines:
            raise SpecError(
                f"{NAMESPACE}:servingBackend",
                f"tier {config.tier.value} does not run {config.servingBackend.value} "
                f"(it serves with: {', '.join(offered) or 'the simple model server only'})",
                "remove aiplat:servingBackend, or choose a backend the tier offers",
            )
        serving = replace(serving, backend=config.servingBackend)
    if config.canaryWeight is not None:
        if not serving.canary:
            raise SpecError(
                f"{NAMESPACE}:canaryWeight",
                f"tier {config.tier.value} runs no canary",
                "remove aiplat:canaryWeight from the stack file",
            )
        serving = replace(serving, canary_weight=config.canaryWeight)
    return replace(stacks, serving=serving)
