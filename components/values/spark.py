"""Values for the Kubeflow Spark operator chart (``spark-operator``), and the pinned Spark
image and reference application settings.

The operator watches only the ``spark`` namespace and does not create the jobs' service
account: that is the platform's ``spark`` ServiceAccount (IRSA to the lake's Spark role on
AWS). Its controller and webhook run hardened, with requests and limits.
"""

from __future__ import annotations

from typing import Any

from components.values.engines_common import WEBHOOK_PORT, operator_hardening

NAMESPACE = "spark"
SERVICE_ACCOUNT = "spark"  # components.lakehouse.CONSUMERS["spark"]
RELEASE = "spark-operator"
OPERATOR_PODS = (("app.kubernetes.io/name", "spark-operator"),)
IMAGE = ("docker.io/library/spark", "4.0.0")  # awslabs/data-on-eks spark-pi example
SPARK_VERSION = "4.0.0"
ICEBERG_PACKAGES = (
    "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:{v}",
    "org.apache.iceberg:iceberg-aws-bundle:{v}",
)
UI_PORT = 4040
DRIVER_CORES = 1
DRIVER_MEMORY_GIB = 2


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    component = {
        "replicas": 1,
        "resources": hardened["resources"],
        "securityContext": hardened["securityContext"],
        "podSecurityContext": hardened["podSecurityContext"],
    }
    return {
        "controller": component,
        "webhook": {**component, "enable": True, "port": WEBHOOK_PORT},
        "spark": {
            "jobNamespaces": [NAMESPACE],
            "serviceAccount": {"create": False, "name": SERVICE_ACCOUNT},
            "rbac": {"create": True},
        },
        "prometheus": {"metrics": {"enable": True}, "podMonitor": {"create": False}},
    }
