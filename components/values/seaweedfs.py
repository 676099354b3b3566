"""Values for SeaweedFS's ``seaweedfs`` chart (k8s/charts/seaweedfs): the lake's in-cluster,
S3-compatible object store on a cluster the user brings.

SeaweedFS is Apache-2.0; MinIO community edition is AGPL and in maintenance mode, and
Kubeflow Pipelines itself moved to SeaweedFS. Every store is a PersistentVolumeClaim (the
chart defaults to hostPath, which the ``restricted`` Pod Security level refuses); the S3
gateway is a ClusterIP service with authentication on, its identities read from a Secret the
user creates (no credentials in values).
"""

from __future__ import annotations

import math
from typing import Any

from tiers.model import Environment

S3_PORT = 8333
S3_CONFIG_SECRET = "lake-s3-config"  # key ``seaweedfs_s3_config``: the S3 identities (JSON)
BUCKETS: tuple[str, ...] = ("warehouse", "landing", "artifacts", "catalog-backups")
COPIES = 2  # replication "001": one extra copy on another volume server


def volume_servers(environment: Environment) -> int:
    """One volume server in dev; three elsewhere, so a second copy survives a lost node."""
    return 1 if environment is Environment.DEV else 3


def replication(environment: Environment) -> str:
    return "000" if volume_servers(environment) == 1 else "001"


def volume_size_gi(lake_size_tb: float, environment: Environment) -> int:
    """Each volume server's claim: the lake's size, times the copies, over the servers
    (at least 10 Gi)."""
    servers = volume_servers(environment)
    copies = 1 if servers == 1 else COPIES
    return max(10, math.ceil(lake_size_tb * 1024 * copies / servers))


def _pvc(size: str, storage_class: str | None) -> dict[str, Any]:
    claim: dict[str, Any] = {"type": "persistentVolumeClaim", "size": size}
    if storage_class:
        claim["storageClass"] = storage_class
    return claim


def values(
    lake_size_tb: float, environment: Environment, storage_class: str | None = None
) -> dict[str, Any]:
    if lake_size_tb <= 0:
        raise ValueError("lake_size_tb must be > 0")
    servers = volume_servers(environment)
    ha = servers > 1
    return {
        "global": {
            "seaweedfs": {
                # The chart's ClusterRole (get/delete pods cluster-wide) is a migration hack
                # the lake does not need (K8S-07); its service account gets no token (K8S-06).
                "createClusterRole": False,
                "automountServiceAccountToken": False,
            }
        },
        "master": {
            "replicas": 3 if ha else 1,
            "defaultReplication": replication(environment),
            "data": _pvc("10Gi", storage_class),
            "logs": {"type": "emptyDir"},
        },
        "volume": {
            "replicas": servers,
            "dataDirs": [
                {
                    "name": "data1",
                    "maxVolumes": 0,
                    **_pvc(f"{volume_size_gi(lake_size_tb, environment)}Gi", storage_class),
                }
            ],
            "logs": {"type": "emptyDir"},
        },
        "filer": {
            "replicas": 2 if ha else 1,
            "defaultReplicaPlacement": replication(environment),
            "data": _pvc("25Gi", storage_class),
            "logs": {"type": "emptyDir"},
        },
        "s3": {
            "enabled": True,
            "replicas": 2 if ha else 1,
            "port": S3_PORT,
            "enableAuth": True,
            "existingConfigSecret": S3_CONFIG_SECRET,
            "createBuckets": [
                {"name": b, "anonymousRead": False, "versioning": "Enabled"} for b in BUCKETS
            ],
            "logs": {"type": "emptyDir"},
            "ingress": {"enabled": False},
            "service": {"type": "ClusterIP"},
        },
    }
