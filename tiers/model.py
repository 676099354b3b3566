"""The vocabulary of a tier: enums and frozen specs, data only.

A :class:`TierSpec` describes a tier at production size. An environment overlay
(:mod:`tiers.environments`) scales it for dev and staging, and the stack file may
override a few fields; :mod:`tiers.resolve` turns the three into a
:class:`~tiers.resolve.ResolvedPlatform` that the Pulumi components consume.
"""

from __future__ import annotations

import math
import re
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
    # a capacity reservation or capacity block (GpuPoolSpec.reservation names which); the
    # managed node group spells it CAPACITY_BLOCK or ON_DEMAND, Karpenter ``reserved``
    RESERVED = "RESERVED"


class Provisioner(StrEnum):
    """Who launches a GPU pool's nodes: an EKS managed node group, or Karpenter."""

    MANAGED = "managed"
    KARPENTER = "karpenter"


class SharingMode(StrEnum):
    """How the NVIDIA device plugin shares a pool's GPUs between pods."""

    NONE = "none"
    TIME_SLICING = "time-slicing"
    MIG = "mig"


class ReservationKind(StrEnum):
    CAPACITY_RESERVATION = "capacity-reservation"  # an On-Demand Capacity Reservation (ODCR)
    CAPACITY_BLOCK = "capacity-block"  # EC2 Capacity Blocks for ML


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


class ServingBackend(StrEnum):
    """The operator-backed serving backend a stack runs (``aiplat:servingBackend``)."""

    SELDON = "seldon"  # Seldon Core v1 operator 1.17.1, the last Apache-2.0 release
    TFSERVING = "tfserving"  # TensorFlow Serving Deployments, no operator
    KSERVE = "kserve"  # KServe in RawDeployment mode (no Knative)

    @property
    def engine(self) -> ServingEngine:
        return {
            ServingBackend.SELDON: ServingEngine.SELDON,
            ServingBackend.TFSERVING: ServingEngine.TF_SERVING,
            ServingBackend.KSERVE: ServingEngine.KSERVE,
        }[self]


class OnlineStore(StrEnum):
    """Where Feast's online features live."""

    VALKEY = "valkey"  # in-cluster Valkey (BSD-3-Clause), pinned chart
    ELASTICACHE = "elasticache"  # Amazon ElastiCache for Valkey (AWS only)


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
class GpuSharing:
    """GPU sharing of a pool: ``replicas`` pods per GPU (time-slicing) or one MIG ``profile``
    for every GPU of the node (e.g. ``1g.10gb``; checked against the accelerator in resolve)."""

    mode: SharingMode = SharingMode.NONE
    replicas: int = 1
    mig_profile: str | None = None

    def __post_init__(self) -> None:
        if self.replicas < 1:
            raise ValueError(f"time-slicing replicas must be >= 1 (got {self.replicas})")
        if (self.mode is SharingMode.MIG) != (self.mig_profile is not None):
            raise ValueError("a MIG profile is set exactly when the sharing mode is mig")
        if self.mode is not SharingMode.TIME_SLICING and self.replicas != 1:
            raise ValueError("replicas apply only to time-slicing")


@dataclass(frozen=True, kw_only=True)
class CapacityReservation:
    """A capacity reservation or capacity block a training pool launches into, by ID or tags."""

    kind: ReservationKind
    id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if (self.id is None) == (not self.tags):
            raise ValueError("name a capacity reservation by id or by tags (exactly one)")


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
    provisioner: Provisioner = Provisioner.MANAGED
    sharing: GpuSharing = field(default_factory=GpuSharing)
    reservation: CapacityReservation | None = None

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
    # replicate the primary region's warehouse to a replica bucket in every other region
    replicate_warehouse: bool = False


@dataclass(frozen=True, kw_only=True)
class ServingSpec:
    engines: frozenset[ServingEngine]
    canary: bool = False
    ab_tests: bool = False
    min_replicas: int = 1
    backend: ServingBackend = ServingBackend.SELDON  # used when an operator engine is on
    canary_weight: int = 10  # percent of traffic the canary predictor gets
    shadow: bool = False  # mirror live traffic to a shadow model
    request_logging: bool = False  # prediction and feature logs back to the lake

    def __post_init__(self) -> None:
        if not 0 <= self.canary_weight <= 100:
            raise ValueError(f"serving canary_weight must be 0-100 (got {self.canary_weight})")
        if self.min_replicas < 1:
            raise ValueError(f"serving min_replicas must be >= 1 (got {self.min_replicas})")


@dataclass(frozen=True, kw_only=True)
class ObservabilitySpec:
    enabled: bool
    retention_days: int = 0


@dataclass(frozen=True, kw_only=True)
class FatePartySpec:
    """One FATE party: a stable name (its namespace is ``fate-<name>``), an explicit FATE
    party ID, the organisation it stands for, and the region whose cluster hosts it
    (``None``: the primary region's)."""

    name: str
    party_id: int
    organisation: str
    region: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?", self.name):
            raise ValueError(f"FATE party {self.name!r}: name must be a short DNS-1123 label")
        if not 1 <= self.party_id <= 2**31 - 1:
            raise ValueError(f"FATE party {self.name!r}: party_id must be a positive int32")


def check_privacy(epsilon: float, delta: float) -> str | None:
    """Why (epsilon, delta) is not a differential-privacy budget, or None when it is."""
    if not epsilon > 0:
        return f"epsilon must be > 0 (got {epsilon:g})"
    if not 0 <= delta < 1:
        return f"delta must be in [0, 1) (got {delta:g})"
    return None


@dataclass(frozen=True, kw_only=True)
class FederationSpec:
    """FATE federated learning; parties are named, never numbered by position.

    The exchange (``exchange_party_id``) routes between parties: a party reaches another
    only through it. It runs in the exchange region's cluster (``None``: primary)."""

    enabled: bool
    parties: tuple[FatePartySpec, ...] = ()
    secure_aggregation: bool = False
    differential_privacy: bool = False
    epsilon: float = 1.0  # differential-privacy budget of the reference job (when DP is on)
    delta: float = 1e-5
    exchange_party_id: int = 1
    exchange_region: str | None = None

    def __post_init__(self) -> None:
        ids = [p.party_id for p in self.parties] + [self.exchange_party_id]
        if len(set(ids)) != len(ids):
            raise ValueError(f"federation: party IDs must be unique (got {ids})")
        names = [p.name for p in self.parties]
        if len(set(names)) != len(names) or "exchange" in names:
            raise ValueError(f"federation: party names must be unique, not 'exchange' ({names})")
        problem = check_privacy(self.epsilon, self.delta)
        if problem:
            raise ValueError(f"federation: {problem}")
        if self.enabled and len(self.parties) < 2:
            raise ValueError("federation: needs at least two parties")


@dataclass(frozen=True, kw_only=True)
class EdgeSiteSpec:
    """An edge site: a cluster the user brings (its kubeconfig is stack config), serving
    models synced from the central artifacts bucket."""

    name: str
    gpu: bool = False

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?", self.name):
            raise ValueError(f"edge site {self.name!r}: name must be a short DNS-1123 label")


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
    online_store: OnlineStore = OnlineStore.VALKEY
    nas: bool = False  # Katib neural architecture search (DARTS) besides HPO
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
