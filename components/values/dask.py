"""Values for the dask-kubernetes operator chart (``dask-kubernetes-operator``, keys from
dask/dask-kubernetes ``dask_kubernetes/operator/deployment/helm/dask-kubernetes-operator/
values.yaml``), and the pinned Dask image and worker size of the platform's DaskCluster."""

from __future__ import annotations

from typing import Any

from components.hardening import Resources
from components.values.engines_common import operator_hardening

NAMESPACE = "dask"
SERVICE_ACCOUNT = "dask"
RELEASE = "dask-operator"
OPERATOR_PODS = (("app.kubernetes.io/name", "dask-kubernetes-operator"),)
# ghcr.io/dask/dask tags follow Dask releases; 2025.4.1 matches the operator release line
# (not pulled here).
IMAGE = ("ghcr.io/dask/dask", "2025.4.1")
CLUSTER = "aiplat-dask"
SCHEDULER_PORT = 8786
DASHBOARD_PORT = 8787
WORKER_DASHBOARD_PORT = 8788
SCHEDULER = Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="1", memory_limit="2Gi")
WORKER = Resources(cpu_request="2", memory_request="8Gi", cpu_limit="2", memory_limit="8Gi")


def values() -> dict[str, Any]:
    return {
        **operator_hardening(),
        "rbac": {"create": True, "cluster": False},
        "kopfArgs": [f"--namespace={NAMESPACE}"],
    }
