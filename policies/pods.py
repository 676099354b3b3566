"""Pod specs inside any Kubernetes object's inputs: built-in workloads (Pod, Deployment, Job,
CronJob, StatefulSet, DaemonSet) and pod templates inside custom resources alike. A pod spec
is any mapping with a ``containers`` list of mappings that name an ``image``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
BUILT_IN_WORKLOADS = frozenset(
    {
        "kubernetes:core/v1:Pod",
        "kubernetes:apps/v1:Deployment",
        "kubernetes:apps/v1:StatefulSet",
        "kubernetes:apps/v1:DaemonSet",
        "kubernetes:apps/v1:ReplicaSet",
        "kubernetes:batch/v1:Job",
        "kubernetes:batch/v1:CronJob",
    }
)


def is_object(type_: str) -> bool:
    """A Kubernetes object the program renders (not a Helm release or chart, a kustomize
    directory, a YAML group, a provider or a list)."""
    return (
        type_.startswith("kubernetes:")
        and type_ != HELM_RELEASE
        and not type_.startswith(
            ("kubernetes:helm.sh/", "kubernetes:kustomize/", "kubernetes:yaml/")
        )
        and not type_.endswith("List")
    )


def _is_pod_spec(value: Mapping[str, Any]) -> bool:
    containers = value.get("containers")
    return (
        isinstance(containers, list)
        and bool(containers)
        and all(isinstance(c, Mapping) and "image" in c for c in containers)
    )


def pod_specs(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every pod spec found anywhere under ``value`` (metadata excluded)."""
    if isinstance(value, Mapping):
        if _is_pod_spec(value):
            yield value
            return
        for key, child in value.items():
            if key != "metadata":
                yield from pod_specs(child)
    elif isinstance(value, list):
        for child in value:
            yield from pod_specs(child)


def containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        *(spec.get("initContainers") or []),
        *(spec.get("containers") or []),
        *(spec.get("ephemeralContainers") or []),
    ]


def namespace_of(props: Mapping[str, Any]) -> str | None:
    return (props.get("metadata") or {}).get("namespace")


def labels_of(props: Mapping[str, Any]) -> dict[str, str]:
    return dict((props.get("metadata") or {}).get("labels") or {})


def template_labels(props: Mapping[str, Any]) -> dict[str, str]:
    spec = props.get("spec") or {}
    template = spec.get("template") or ((spec.get("jobTemplate") or {}).get("spec") or {}).get(
        "template"
    )
    return dict(((template or {}).get("metadata") or {}).get("labels") or {})
