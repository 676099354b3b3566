"""Kubeflow's pure decisions (no Pulumi): which namespace pipeline pods run in and how it
is secured, who runs the canary steps, and which upstream namespaces aiplat creates first.
Used by :class:`components.kubeflow.Kubeflow`; tested as tables in
tests/components/test_kubeflow_decisions.py."""

from __future__ import annotations

from components import kubeflow_workloads as work
from components.platform_namespace import PodSecurity, Quota
from tiers.model import KubeflowPart

SYSTEM_NAMESPACE = "kubeflow"  # also the lake consumer "pipelines" namespace
USER_NAMESPACE = "kubeflow-user"
PIPELINE_RUNNER = "pipeline-runner"  # the lake consumer "pipelines" service account


def runs_pipelines_in_system_namespace(parts: frozenset[KubeflowPart]) -> bool:
    """Single-user KFP (no Profiles) runs pipeline pods, GPU steps included, in ``kubeflow``."""
    return KubeflowPart.PIPELINES in parts and KubeflowPart.PROFILES not in parts


def canary_subjects(parts: frozenset[KubeflowPart]) -> list[dict[str, str]]:
    """Who runs the reference pipeline's canary steps: the single-user runner and, with
    profiles, the user profile's ``default-editor`` (multi-user runs execute there)."""
    subjects = [{"kind": "ServiceAccount", "name": PIPELINE_RUNNER, "namespace": SYSTEM_NAMESPACE}]
    if KubeflowPart.PROFILES in parts:
        subjects.append(
            {"kind": "ServiceAccount", "name": work.PROFILE_EDITOR, "namespace": USER_NAMESPACE}
        )
    return subjects


def system_pod_security(parts: frozenset[KubeflowPart], mesh: bool) -> PodSecurity:
    """Baseline where GPU pipeline steps or Istio sidecars run; restricted otherwise."""
    if mesh or runs_pipelines_in_system_namespace(parts):
        return PodSecurity.BASELINE
    return PodSecurity.RESTRICTED


def system_quota(parts: frozenset[KubeflowPart], training: work.GpuPlacement) -> Quota:
    gpus = training.max_gpus if runs_pipelines_in_system_namespace(parts) else 0
    return Quota(cpu="32", memory="128Gi", gpus=gpus, pods=200)


def upstream_namespaces(parts: frozenset[KubeflowPart]) -> tuple[str, ...]:
    """Namespaces the upstream kustomizations install into besides ``kubeflow``; aiplat
    creates them first, hardened: the standalone notebook controller's, and Dex's and
    oauth2-proxy's with the dashboard."""
    found: list[str] = []
    if KubeflowPart.NOTEBOOKS in parts and KubeflowPart.PROFILES not in parts:
        found.append("notebook-controller-system")
    if KubeflowPart.DASHBOARD in parts:
        found.extend(["auth", "oauth2-proxy"])
    return tuple(found)
