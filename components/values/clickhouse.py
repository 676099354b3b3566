"""Values for Altinity's ``altinity-clickhouse-operator`` chart, and the pinned ClickHouse
image, sizes and settings of the platform's ClickHouseInstallation."""

from __future__ import annotations

from typing import Any

from components.hardening import Resources
from components.values.engines_common import operator_hardening

NAMESPACE = "clickhouse"
SERVICE_ACCOUNT = "clickhouse"
RELEASE = "clickhouse-operator"
OPERATOR_PODS = (("app.kubernetes.io/name", "altinity-clickhouse-operator"),)
IMAGE = ("docker.io/clickhouse/clickhouse-server", "26.3.9.8")  # awslabs/data-on-eks HEAD
KEEPER_IMAGE = ("docker.io/clickhouse/clickhouse-keeper", "26.3.9.8")
CLICKHOUSE_UID = 101  # the ``clickhouse`` user of the official images
INSTALLATION = "aiplat-olap"
CLUSTER = "olap"
KEEPER = "aiplat-keeper"
KEEPER_REPLICAS = 3
KEEPER_PORT = 2181
HTTP_PORT = 8123
TCP_PORT = 9000
INTERSERVER_PORT = 9009
DATA_GIB = 100
SERVER = Resources(cpu_request="2", memory_request="8Gi", cpu_limit="4", memory_limit="16Gi")
KEEPER_RESOURCES = Resources(
    cpu_request="250m", memory_request="512Mi", cpu_limit="1", memory_limit="1Gi"
)
INIT_CONFIG_MAP = "clickhouse-lake-init"
LAKE_DATABASE = "lake"


def values() -> dict[str, Any]:
    hardened = operator_hardening()
    return {
        "operator": {
            "resources": hardened["resources"],
            "containerSecurityContext": hardened["securityContext"],
        },
        "metrics": {
            "resources": hardened["resources"],
            "containerSecurityContext": hardened["securityContext"],
        },
        "podSecurityContext": hardened["podSecurityContext"],
        "configs": {"files": {"config.yaml": {"watch": {"namespaces": [NAMESPACE]}}}},
    }
