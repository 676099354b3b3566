"""The vocabulary of a tier: enums and frozen specs, data only.

A :class:`TierSpec` describes a tier at production size. An environment overlay
(:mod:`tiers.environments`) scales it for dev and staging, and the stack file may
override a few fields; :mod:`tiers.resolve` turns the three into a
:class:`~tiers.resolve.ResolvedPlatform` that the Pulumi components consume.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
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


class KafkaMode(StrEnum):
    """Where Kafka runs when a tier has it: in the cluster (Strimzi) or Amazon MSK."""

    STRIMZI = "strimzi"
    MSK = "msk"


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
class EngineSizes:
    """Data engine sizes at production size; the environment overlay scales the counts
    (:meth:`scaled`). Used only for the engines the tier turns on."""

    spark_min_executors: int = 1
    spark_max_executors: int = 2
    spark_executor_cores: int = 1
    spark_executor_memory_gib: int = 2
    spark_dynamic_allocation: bool = False  # executors scale between min and max
    spark_spot: bool = False  # executors prefer spot CPU capacity
    ray_max_workers: int = 2
    dask_workers: int = 2
    flink_task_managers: int = 1
    flink_task_slots: int = 2
    kafka_brokers: int = 3
    kafka_partitions: int = 3
    kafka_storage_gib: int = 100
    msk_instance_type: str = "kafka.m7g.large"
    clickhouse_shards: int = 1
    clickhouse_replicas: int = 1
    hive_replicas: int = 2  # Hive metastore, where the lake's metadata service is Hive

    def __post_init__(self) -> None:
        counts = {
            "spark_max_executors": self.spark_max_executors,
            "spark_executor_cores": self.spark_executor_cores,
            "spark_executor_memory_gib": self.spark_executor_memory_gib,
            "ray_max_workers": self.ray_max_workers,
            "dask_workers": self.dask_workers,
            "flink_task_managers": self.flink_task_managers,
            "flink_task_slots": self.flink_task_slots,
            "kafka_brokers": self.kafka_brokers,
            "kafka_partitions": self.kafka_partitions,
            "kafka_storage_gib": self.kafka_storage_gib,
            "clickhouse_shards": self.clickhouse_shards,
            "clickhouse_replicas": self.clickhouse_replicas,
            "hive_replicas": self.hive_replicas,
        }
        for name, value in counts.items():
            if value < 1:
                raise ValueError(f"engines.{name} must be >= 1 (got {value})")
        if not 0 <= self.spark_min_executors <= self.spark_max_executors:
            raise ValueError("engines: need 0 <= spark_min_executors <= spark_max_executors")

    def scaled(self, factor: float) -> EngineSizes:
        """Counts (executors, workers, brokers, partitions, shards, replicas) times
        ``factor``, rounded half up and never below one (a zero minimum stays zero);
        per-process sizes unchanged; Kafka storage never below 10 GiB."""

        def scale(n: int) -> int:
            return max(1, math.floor(n * factor + 0.5))

        return replace(
            self,
            spark_min_executors=min(
                scale(self.spark_min_executors) if self.spark_min_executors else 0,
                scale(self.spark_max_executors),
            ),
            spark_max_executors=scale(self.spark_max_executors),
            ray_max_workers=scale(self.ray_max_workers),
            dask_workers=scale(self.dask_workers),
            flink_task_managers=scale(self.flink_task_managers),
            kafka_brokers=scale(self.kafka_brokers),
            kafka_partitions=scale(self.kafka_partitions),
            kafka_storage_gib=max(10, math.floor(self.kafka_storage_gib * factor + 0.5)),
            clickhouse_shards=scale(self.clickhouse_shards),
            clickhouse_replicas=scale(self.clickhouse_replicas),
            hive_replicas=scale(self.hive_replicas),
        )


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
    engines: EngineSizes = field(default_factory=EngineSizes)


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
