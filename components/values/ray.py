"""Values for KubeRay's ``kuberay-operator`` chart, and the pinned Ray image and sizes of the
platform's RayCluster (CPU workers; GPU Ray jobs go through Kubeflow's training stack)."""

from __future__ import annotations

from typing import Any

from components.hardening import Resources
from components.values.engines_common import operator_hardening

NAMESPACE = "ray"
SERVICE_ACCOUNT = "ray"
RELEASE = "kuberay-operator"
OPERATOR_PODS = (("app.kubernetes.io/name", "kuberay-operator"),)
RAY_VERSION = "2.56.0"
IMAGE = ("docker.io/rayproject/ray", "2.56.0-py312-cpu")  # awslabs/data-on-eks HEAD
RAY_UID = 1000  # the ``ray`` user of the rayproject images
CLUSTER = "aiplat-ray"
PORTS = {"gcs": 6379, "dashboard": 8265, "client": 10001}
HEAD = Resources(cpu_request="1", memory_request="4Gi", cpu_limit="2", memory_limit="8Gi")
WORKER = Resources(cpu_request="2", memory_request="8Gi", cpu_limit="2", memory_limit="8Gi")
AUTOSCALER = Resources(
    cpu_request="100m", memory_request="256Mi", cpu_limit="500m", memory_limit="512Mi"
)


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    return {
        "resources": hardened["resources"],
        "securityContext": hardened["securityContext"],
        "podSecurityContext": hardened["podSecurityContext"],
        "singleNamespaceInstall": True,
        "watchNamespace": [NAMESPACE],
        "rbacEnable": True,
        "crNamespacedRbacEnable": True,
        "serviceAccount": {"create": True, "name": "kuberay-operator"},
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": False}},
    }
