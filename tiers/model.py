"""The vocabulary of a tier: enums and frozen specs, data only.

A :class:`TierSpec` describes a tier at production size. An environment overlay
(:mod:`tiers.environments`) scales it for dev and staging, and the stack file may
override a few fields; :mod:`tiers.resolve` turns the three into a
:class:`~tiers.resolve.ResolvedPlatform` that the Pulumi components consume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Root volume per node (GiB, gp3): container images for GPU workloads are large.
SYSTEM_ROOT_VOLUME_GIB = 100
GPU_ROOT_VOLUME_GIB = 500


class Tier(StrEnum):
    """The design's four maturity tiers, in order of maturity."""

    POC = "poc"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class Target(StrEnum):
    """Where the platform lands: a new EKS estate, or a Kubernetes cluster the user brings."""

    AWS = "aws"
    KUBERNETES = "kubernetes"


class CapacityType(StrEnum):
    """EKS managed node group purchase option (the API's own spelling)."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


class PoolRole(StrEnum):
    """What a GPU pool is for; drives labels, and later quotas and cost categories."""

    NOTEBOOK = "notebook"
    TRAINING = "training"
    INFERENCE = "inference"
    BATCH = "batch"


class KubeflowPart(StrEnum):
    NOTEBOOKS = "notebooks"
    TRAINER = "trainer"
    PIPELINES = "pipelines"
    KATIB = "katib"
    PROFILES = "profiles"
    DASHBOARD = "dashboard"


class ServingEngine(StrEnum):
    SIMPLE = "simple"  # one framework-API model server (the design's Flask/Django step)
    SELDON = "seldon"
    TF_SERVING = "tf-serving"
    KSERVE = "kserve"


class DataEngine(StrEnum):
    SPARK = "spark"
    RAY = "ray"
    DASK = "dask"
    FLINK = "flink"
    KAFKA = "kafka"
    CLICKHOUSE = "clickhouse"


class Metastore(StrEnum):
    NONE = "none"
    GLUE = "glue"
    HIVE = "hive"


@dataclass(frozen=True, kw_only=True)
class TeamSpec:
    """Who uses and runs the platform (head count by role)."""

    data_scientists: int
    data_engineers: int
    ml_engineers: int
    mlops_engineers: int

    def __post_init__(self) -> None:
        for role, count in self.by_role().items():
            if count < 0:
                raise ValueError(f"team.{role} must be >= 0 (got {count})")

    def by_role(self) -> dict[str, int]:
        return {
            "data_scientists": self.data_scientists,
            "data_engineers": self.data_engineers,
            "ml_engineers": self.ml_engineers,
            "mlops_engineers": self.mlops_engineers,
        }

    @property
    def total(self) -> int:
        return sum(self.by_role().values())


def _check_counts(where: str, min_nodes: int, desired_nodes: int, max_nodes: int) -> None:
    if min(min_nodes, desired_nodes, max_nodes) < 0:
        raise ValueError(f"{where}: node counts must be >= 0")
    if not min_nodes <= desired_nodes <= max_nodes:
        raise ValueError(f"{where}: need min <= desired <= max nodes")
    if max_nodes < 1:
        raise ValueError(f"{where}: max nodes must be >= 1")


@dataclass(frozen=True, kw_only=True)
class GpuPoolSpec:
    """One GPU node pool at production size. ``name`` is its stable identity (URNs derive from it)."""

    name: str
    role: PoolRole
    instance_type: str
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    capacity_type: CapacityType
    efa: bool = False

    def __post_init__(self) -> None:
        _check_counts(f"GPU pool {self.name!r}", self.min_nodes, self.desired_nodes, self.max_nodes)


@dataclass(frozen=True, kw_only=True)
class CpuPoolSpec:
    """The system pool: CPU nodes for controllers, operators and the platform's own services."""

    instance_type: str
    min_nodes: int
    desired_nodes: int
    max_nodes: int

    def __post_init__(self) -> None:
        _check_counts("system pool", self.min_nodes, self.desired_nodes, self.max_nodes)


@dataclass(frozen=True, kw_only=True)
class LakeSpec:
    enabled: bool
    size_tb: float
    metastore: Metastore
    streaming_tables: bool = False
    olap_hooks: bool = False


@dataclass(frozen=True, kw_only=True)
class ServingSpec:
    engines: frozenset[ServingEngine]
    canary: bool = False
    ab_tests: bool = False
    min_replicas: int = 1


@dataclass(frozen=True, kw_only=True)
class ObservabilitySpec:
    enabled: bool
    retention_days: int = 0


@dataclass(frozen=True, kw_only=True)
class FederationSpec:
    """FATE federated learning; parties are named, never numbered by position."""

    enabled: bool
    parties: tuple[str, ...] = ()
    secure_aggregation: bool = False
    differential_privacy: bool = False


@dataclass(frozen=True, kw_only=True)
class EdgeSiteSpec:
    name: str
    gpu: bool = False


@dataclass(frozen=True, kw_only=True)
class PlatformStacks:
    """Which platform stacks a tier turns on, and their sizes."""

    lake: LakeSpec
    kubeflow: frozenset[KubeflowPart]
    automl: bool
    serving: ServingSpec
    mesh: bool
    observability: ObservabilitySpec
    feature_store: bool
    data_engines: frozenset[DataEngine]
    federation: FederationSpec
    nas: bool = False  # Katib neural architecture search (DARTS) besides HPO


@dataclass(frozen=True, kw_only=True)
class TierSpec:
    """A maturity tier of the reference design, at production size."""

    tier: Tier
    summary: str
    data_scale: str
    gpu_server_range: tuple[int, int | None]
    team: TeamSpec
    gpu_pools: tuple[GpuPoolSpec, ...]
    system_pool: CpuPoolSpec
    stacks: PlatformStacks
    regions: tuple[str, ...]
    edge_sites: tuple[EdgeSiteSpec, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [p.name for p in self.gpu_pools]
        if len(set(names)) != len(names):
            raise ValueError(f"tier {self.tier}: GPU pool names must be unique (got {names})")
        if not self.regions:
            raise ValueError(f"tier {self.tier}: at least one region is required")
        if len(set(self.regions)) != len(self.regions):
            raise ValueError(f"tier {self.tier}: regions must be unique (got {self.regions})")

    @property
    def gpu_servers(self) -> int:
        """GPU servers at production size: desired nodes over all pools and regions."""
        return sum(p.desired_nodes for p in self.gpu_pools) * len(self.regions)
