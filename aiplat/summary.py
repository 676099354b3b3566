"""What a resolved stack turns on, in words: the rows ``aiplat preview`` and ``aiplat tiers``
show per platform part. One function per part, registered in :data:`SECTIONS`; each reads
only the resolved spec, so the summary holds before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable

from tiers.model import KubeflowPart, OnlineStore, PlatformStacks, ServingEngine, Target
from tiers.resolve import ResolvedPlatform

Row = tuple[str, str]


def _names(values) -> str:
    return ", ".join(sorted(str(getattr(v, "value", v)) for v in values)) or "none"


def _katib_search(stacks: PlatformStacks) -> str:
    if KubeflowPart.KATIB not in stacks.kubeflow:
        return "none"
    return "HPO + NAS" if stacks.nas else "HPO"


def kubeflow(platform: ResolvedPlatform) -> list[Row]:
    stacks = platform.stacks
    return [
        ("kubeflow", _names(stacks.kubeflow)),
        ("automl", "yes" if stacks.automl else "no"),
        ("katib search", _katib_search(stacks)),
    ]


def serving(platform: ResolvedPlatform) -> list[Row]:
    spec = platform.stacks.serving
    modes = [m for m, on in (("canary", spec.canary), ("A/B", spec.ab_tests)) if on]
    if spec.shadow:
        modes.append("shadow")
    operators = spec.engines - {ServingEngine.SIMPLE}
    backend = spec.backend.value if spec.backend.engine in operators else "simple model server"
    rows = [
        ("serving", _names(spec.engines)),
        ("serving backend", backend),
        ("rollouts", ", ".join(modes) or "none"),
    ]
    if spec.canary:
        rows.append(("canary weight", f"{spec.canary_weight}%"))
    if spec.request_logging:
        rows.append(("request logging", "prediction and feature logs to the lake"))
    return rows


def observability(platform: ResolvedPlatform) -> list[Row]:
    spec = platform.stacks.observability
    value = f"on, {spec.retention_days} days retention" if spec.enabled else "off"
    return [("observability", value), ("mesh", "on" if platform.stacks.mesh else "off")]


def data(platform: ResolvedPlatform) -> list[Row]:
    stacks = platform.stacks
    return [
        ("data engines", _names(stacks.data_engines)),
        ("feature store", "on" if stacks.feature_store else "off"),
        (
            "online store",
            _online_store(platform) if stacks.feature_store else "none",
        ),
        ("lake", f"{platform.lake_size_tb:g} TB" if stacks.lake.enabled else "off"),
    ]


def _online_store(platform: ResolvedPlatform) -> str:
    store = platform.stacks.online_store
    if store is OnlineStore.ELASTICACHE and platform.target is not Target.AWS:
        store = OnlineStore.VALKEY  # ElastiCache exists only on AWS
    return {
        OnlineStore.ELASTICACHE: "ElastiCache for Valkey",
        OnlineStore.VALKEY: "Valkey (in-cluster)",
    }[store]


def data_engines(platform: ResolvedPlatform) -> list[Row]:
    """Engines, where Kafka runs, and the engines' metadata service."""
    from components.data_engines_hive import metastore_plan
    from tiers.model import DataEngine

    stacks = platform.stacks
    kafka = platform.kafka.value if DataEngine.KAFKA in stacks.data_engines else "none"
    metastore = metastore_plan(stacks.lake.metastore, platform.target)
    sizes = platform.engines
    spark = (
        f"{sizes.spark_min_executors}-{sizes.spark_max_executors} executors"
        + (", dynamic allocation" if sizes.spark_dynamic_allocation else "")
        + (", spot" if sizes.spark_spot else "")
        if DataEngine.SPARK in stacks.data_engines
        else "off"
    )
    return [
        ("kafka", kafka),
        ("metastore", metastore.value),
        ("spark", spark),
    ]


def reach(platform: ResolvedPlatform) -> list[Row]:
    federation = platform.stacks.federation
    parties = [
        f"{p.name} (party {p.party_id}{f', {p.region}' if p.region else ''})"
        for p in federation.parties
    ]
    privacy = [
        name
        for name, on in (
            ("secure aggregation", federation.secure_aggregation),
            (
                f"DP epsilon={federation.epsilon:g} delta={federation.delta:g}",
                federation.differential_privacy,
            ),
        )
        if on
    ]
    sites = [f"{s.name} ({'GPU' if s.gpu else 'CPU'})" for s in platform.edge_sites]
    rows = [
        ("regions", ", ".join(platform.regions)),
        ("federation parties", ", ".join(parties) if federation.enabled else "none"),
    ]
    if federation.enabled:
        exchange = f"party {federation.exchange_party_id}"
        if federation.exchange_region:
            exchange += f", {federation.exchange_region}"
        rows += [("FATE exchange", exchange), ("privacy", ", ".join(privacy) or "none")]
    rows.append(("edge sites", ", ".join(sites) or "none"))
    return rows


def gpu_pools(platform: ResolvedPlatform) -> list[Row]:
    """Per GPU pool: provisioner, capacity type, limits (nodes, GPUs, vCPUs) and sharing."""
    rows = []
    for pool in platform.gpu_pools:
        sharing = pool.sharing
        mode = {
            "time-slicing": f"time-slicing x{sharing.replicas}",
            "mig": f"MIG {sharing.mig_profile}",
        }.get(sharing.mode.value, "none")
        capacity = pool.capacity_type.value.lower().replace("_", "-")
        if pool.reservation is not None:
            capacity += f" ({pool.reservation.kind.value})"
        rows.append(
            (
                f"GPU pool {pool.name}",
                f"{pool.provisioner.value}, {capacity}, {pool.instance.name} "
                f"{pool.min_nodes}..{pool.max_nodes} nodes (max {pool.max_gpus} GPUs, "
                f"{pool.max_vcpus} vCPUs), sharing {mode}",
            )
        )
    return rows


SECTIONS: list[Callable[[ResolvedPlatform], list[Row]]] = [
    kubeflow,
    serving,
    observability,
    data,
    data_engines,
    reach,
    gpu_pools,
]


def platform_summary(platform: ResolvedPlatform) -> list[Row]:
    return [row for section in SECTIONS for row in section(platform)]
