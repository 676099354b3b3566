"""Values for Apache Polaris's ``polaris`` chart (helm/polaris): the lake's Iceberg REST
catalog on a cluster the user brings, persisted in Postgres (``relational-jdbc``).

Polaris over Lakekeeper: an Apache (ASF) project with its chart published by the ASF at
a pinned release, and a catalog Spark, Trino, Flink and pyiceberg all speak (Iceberg REST).
"""

from __future__ import annotations

from typing import Any

from components.values import cloudnative_pg
from tiers.model import Environment

PORT = 8181
MANAGEMENT_PORT = 8182
SERVICE_ACCOUNT = "lake-catalog"
# With more than one replica every pod must sign and verify tokens with the same keys
# (left to itself, each pod generates its own pair and rejects the others' tokens): a
# user-created Secret with ``public.pem`` and ``private.pem`` (an RSA key pair).
TOKEN_KEYS_SECRET = "lake-catalog-token-keys"


def replicas(environment: Environment) -> int:
    return 1 if environment is Environment.DEV else 2


def values(environment: Environment) -> dict[str, Any]:
    shared_keys = {
        "authentication": {
            "tokenBroker": {
                "type": "rsa-key-pair",
                "secret": {
                    "name": TOKEN_KEYS_SECRET,
                    "rsaKeyPair": {"publicKey": "public.pem", "privateKey": "private.pem"},
                },
            }
        }
    }
    return {
        **(shared_keys if replicas(environment) > 1 else {}),
        "replicaCount": replicas(environment),
        "serviceAccount": {"create": False, "name": SERVICE_ACCOUNT},
        "service": {"type": "ClusterIP"},
        "ingress": {"enabled": False},
        "persistence": {
            "type": "relational-jdbc",
            "relationalJdbc": {
                "secret": {
                    "name": cloudnative_pg.DB_SECRET,
                    "username": "username",
                    "password": "password",
                    "jdbcUrl": "jdbcUrl",
                }
            },
        },
        "storage": {
            "secret": {
                "name": cloudnative_pg.S3_CREDENTIALS_SECRET,
                "awsAccessKeyId": "ACCESS_KEY_ID",
                "awsSecretAccessKey": "ACCESS_SECRET_KEY",
            }
        },
        "resources": {
            "requests": {"cpu": "250m", "memory": "512Mi"},
            "limits": {"cpu": "1", "memory": "1Gi"},
        },
    }
