"""Values for the ``valkey`` chart (valkey-io/valkey-helm 0.11.0, Valkey 9.1.1, BSD-3-Clause):
Feast's online store on a cluster, where ElastiCache is not used.

TLS on (server certificate from the Secret ``TLS_SECRET``) and ACL authentication on (the
``default`` user's password from ``PASSWORD_SECRET``, key ``password``): both Secrets are
created by the platform's operators, never by aiplat (no credentials in state). Outside dev,
a primary with replicas, persistent, with a PodDisruptionBudget.
"""

from __future__ import annotations

from typing import Any

from tiers.model import Environment

RELEASE = "valkey"
PORT = 6379
PASSWORD_SECRET = "feast-online-store"  # key "password"; Feast reads the same Secret
TLS_SECRET = "feast-valkey-tls"  # server.crt, server.key, ca.crt
PODS = {"app.kubernetes.io/name": "valkey"}


def replicas(environment: Environment) -> int:
    """Replicas beside the primary: none in dev, two elsewhere."""
    return 0 if environment is Environment.DEV else 2


def values(environment: Environment) -> dict[str, Any]:
    replica_count = replicas(environment)
    return {
        "serviceAccount": {"create": True, "automount": False},
        "podSecurityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "fsGroup": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "service": {"type": "ClusterIP", "port": PORT},
        "resources": {
            "requests": {"cpu": "250m", "memory": "1Gi"},
            "limits": {"cpu": "1", "memory": "2Gi"},
        },
        "initResources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        },
        "readinessProbe": {"enabled": True},
        "livenessProbe": {"enabled": True},
        "auth": {
            "enabled": True,
            "usersExistingSecret": PASSWORD_SECRET,
            "aclUsers": {"default": {"permissions": "~* &* +@all", "passwordKey": "password"}},
        },
        "tls": {"enabled": True, "existingSecret": TLS_SECRET},
        "dataStorage": {"enabled": replica_count == 0, "requestedSize": "10Gi"},
        "replica": {
            "enabled": replica_count > 0,
            "replicas": replica_count,
            "persistence": {"size": "20Gi"},
            "service": {"enabled": replica_count > 0, "type": "ClusterIP"},
        },
        "podDisruptionBudget": {"enabled": replica_count > 0, "maxUnavailable": 1},
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": PODS},
                            "topologyKey": "kubernetes.io/hostname",
                        },
                    }
                ]
            }
        },
        "metrics": {"enabled": False},
    }
