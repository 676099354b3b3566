"""What a resolved stack turns on, in words: the rows ``aiplat preview`` and ``aiplat tiers``
show per platform part. One function per part, registered in :data:`SECTIONS`; each reads
only the resolved spec, so the summary holds before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable

from tiers.resolve import ResolvedPlatform

Row = tuple[str, str]


def _names(values) -> str:
    return ", ".join(sorted(str(getattr(v, "value", v)) for v in values)) or "none"


def kubeflow(platform: ResolvedPlatform) -> list[Row]:
    stacks = platform.stacks
    return [
        ("kubeflow", _names(stacks.kubeflow)),
        ("automl", "yes" if stacks.automl else "no"),
    ]


def serving(platform: ResolvedPlatform) -> list[Row]:
    spec = platform.stacks.serving
    modes = [m for m, on in (("canary", spec.canary), ("A/B", spec.ab_tests)) if on]
    return [
        ("serving", _names(spec.engines)),
        ("rollouts", ", ".join(modes) or "none"),
    ]


def observability(platform: ResolvedPlatform) -> list[Row]:
    spec = platform.stacks.observability
    value = f"on, {spec.retention_days} days retention" if spec.enabled else "off"
    return [("observability", value), ("mesh", "on" if platform.stacks.mesh else "off")]


def data(platform: ResolvedPlatform) -> list[Row]:
    stacks = platform.stacks
    return [
        ("data engines", _names(stacks.data_engines)),
        ("feature store", "on" if stacks.feature_store else "off"),
        ("lake", f"{platform.lake_size_tb:g} TB" if stacks.lake.enabled else "off"),
    ]


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
    return [
        ("regions", ", ".join(platform.regions)),
        ("federation parties", ", ".join(federation.parties) if federation.enabled else "none"),
    ]


SECTIONS: list[Callable[[ResolvedPlatform], list[Row]]] = [
    kubeflow,
    serving,
    observability,
    data,
    data_engines,
    reach,
]


def platform_summary(platform: ResolvedPlatform) -> list[Row]:
    return [row for section in SECTIONS for row in section(platform)]
