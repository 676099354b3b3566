"""Values for CloudNativePG's ``cloudnative-pg`` operator chart and its ``cluster`` chart
(cloudnative-pg/charts): the Postgres behind the lake's Iceberg REST catalog.

CloudNativePG (Apache-2.0, a CNCF project) runs Postgres as an operator: streaming
replicas, failover, and base backups plus WAL archiving to an S3 store, here the lake's own
SeaweedFS. Bitnami's ``postgresql`` chart was the alternative; in 2025 Bitnami moved its
free images to an unmaintained legacy repository.

DATA-01 on-prem: no external exposure (the operator only makes ClusterIP services), backups
and a retention policy, no superuser access, and credentials read from a Secret the user
creates. Encryption at rest is the StorageClass's (choose an encrypted one); deletion
protection is Pulumi's ``protect`` on the release.
"""

from __future__ import annotations

from typing import Any

from tiers.model import Environment

CLUSTER_NAME = "lake-postgres"  # pods carry ``cnpg.io/cluster: lake-postgres``
DATABASE = "polaris"
PORT = 5432
STATUS_PORT = 8000  # the instance manager's status endpoint, polled by the operator
WEBHOOK_PORT = 9443
# kubernetes.io/basic-auth Secret with ``username``, ``password`` and ``jdbcUrl``; read by
# initdb (owner credentials) and by Polaris (its JDBC connection).
DB_SECRET = "lake-catalog-db"
# ``ACCESS_KEY_ID`` and ``ACCESS_SECRET_KEY`` of an S3 identity of the lake's SeaweedFS.
S3_CREDENTIALS_SECRET = "lake-s3-credentials"
BACKUP_BUCKET = "catalog-backups"


def instances(environment: Environment) -> int:
    return 1 if environment is Environment.DEV else 3


def operator_values() -> dict[str, Any]:
    return {
        "fullnameOverride": "cnpg",
        "config": {"clusterWide": True},
        "service": {"type": "ClusterIP"},
        "webhook": {"port": WEBHOOK_PORT},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
    }


def cluster_values(
    environment: Environment, s3_endpoint: str, storage_class: str | None = None
) -> dict[str, Any]:
    n = instances(environment)
    storage: dict[str, Any] = {"size": "10Gi" if environment is Environment.DEV else "50Gi"}
    if storage_class:
        storage["storageClass"] = storage_class
    return {
        "fullnameOverride": CLUSTER_NAME,
        "type": "postgresql",
        "mode": "standalone",
        "cluster": {
            "instances": n,
            "storage": storage,
            "enableSuperuserAccess": False,
            "enablePDB": n > 1,
            "initdb": {"database": DATABASE, "owner": DATABASE, "secret": {"name": DB_SECRET}},
            "resources": {
                "requests": {"cpu": "250m", "memory": "512Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            },
            "monitoring": {"enabled": False},
        },
        "backups": {
            "enabled": True,
            "method": "barmanObjectStore",
            "provider": "s3",
            "endpointURL": s3_endpoint,
            "s3": {"bucket": BACKUP_BUCKET, "path": f"/{CLUSTER_NAME}"},
            "secret": {"create": False, "name": S3_CREDENTIALS_SECRET},
            # SeaweedFS stores on the StorageClass's volumes; server-side encryption
            # headers are left to the store's default.
            "wal": {"compression": "gzip", "encryption": ""},
            "data": {"compression": "gzip", "encryption": ""},
            "scheduledBackups": [
                {
                    "name": "daily-backup",
                    "schedule": "0 0 2 * * *",
                    "backupOwnerReference": "self",
                    "method": "barmanObjectStore",
                }
            ],
            "retentionPolicy": "7d" if environment is Environment.DEV else "30d",
        },
    }
