"""What a resolved stack turns on, in words: the rows ``aiplat preview`` and ``aiplat tiers``
show per platform part. One function per part, registered in :data:`SECTIONS`; each reads
only the resolved spec, so the summary holds before anything runs.
"""

from __future__ import annotations

from collections.abc import Callable

from tiers.model import KubeflowPart, PlatformStacks
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
    reach,
]


def platform_summary(platform: ResolvedPlatform) -> list[Row]:
    return [row for section in SECTIONS for row in section(platform)]
