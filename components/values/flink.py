"""Values for the Apache Flink Kubernetes operator chart (``flink-kubernetes-operator``),
and the pinned Flink image and sizes of the platform's Flink session cluster."""

from __future__ import annotations

from typing import Any

from components.values.engines_common import OPERATOR_RESOURCES, operator_hardening

NAMESPACE = "flink"
SERVICE_ACCOUNT = "flink"
RELEASE = "flink-operator"
OPERATOR_PODS = (("app.kubernetes.io/name", "flink-kubernetes-operator"),)
IMAGE = ("docker.io/library/flink", "2.1.0-java17")  # awslabs/data-on-eks HEAD
FLINK_VERSION = "v2_1"
FLINK_UID = 9999  # the ``flink`` user of the Flink images
DEPLOYMENT = "aiplat-flink"
JOB_MANAGER = {"cpu": 1, "memory": "2048m"}
TASK_MANAGER_MEMORY_MIB = 4096


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    return {
        "watchNamespaces": [NAMESPACE],
        "operatorPod": {
            "resources": OPERATOR_RESOURCES.as_k8s(),
            "webhook": {"resources": OPERATOR_RESOURCES.as_k8s()},
        },
        "podSecurityContext": hardened["podSecurityContext"],
        "operatorSecurityContext": hardened["securityContext"],
        "webhookSecurityContext": hardened["securityContext"],
        "webhook": {"create": True},
        "jobServiceAccount": {"create": False, "name": SERVICE_ACCOUNT},
        "metrics": {"port": 9999},
    }
