"""Values for Istio's ``base``, ``istiod`` and ``cni`` charts (manifests/charts at 1.29.1) and
the mesh-wide PeerAuthentication.

The Istio CNI node agent sets up each meshed pod's traffic redirection, so sidecar-injected
pods need no ``istio-init`` container with NET_ADMIN/NET_RAW: their namespaces can stay Pod
Security *baseline* (Istio's "Pod Security Admission" guide). Only the CNI agent itself is
privileged, and it runs in ``istio-system``. Istio 1.2x charts take values at the top level
(the ``pilot.`` and ``cni.`` prefixes are folded in by the charts' ``zzy_descope_legacy``).
"""

from __future__ import annotations

from typing import Any

from components.values.quota import Requests

NAMESPACE = "istio-system"
ISTIOD_LABELS = (("app", "istiod"),)
# istiod's ports: 15010 xDS (plain), 15012 xDS and CA (mTLS), 15014 monitoring, 15017 webhooks.
ISTIOD_PORTS = (15010, 15012, 15014, 15017)
SIDECAR_STATUS_PORT = 15020  # merged Prometheus metrics of a sidecar and its app
MTLS_MODE = "STRICT"

_SECCOMP = {"type": "RuntimeDefault"}
ISTIOD_POD = Requests(cpu_m=500, memory_mi=2048)
CNI_POD = Requests(cpu_m=100, memory_mi=100)  # on every node
HOOKS = Requests(cpu_m=500, memory_mi=1024, pods=10)  # room for Helm hooks and rollouts


def istiod_max_replicas(min_replicas: int) -> int:
    return max(5, min_replicas)


def namespace_requests(min_replicas: int) -> tuple[Requests, Requests]:
    """(per node, fixed) requests in istio-system: the CNI agent on each node; istiod at its
    autoscaling ceiling plus room for hooks."""
    return CNI_POD, ISTIOD_POD.times(istiod_max_replicas(min_replicas)) + HOOKS


def base_values() -> dict[str, Any]:
    """The ``base`` chart: Istio's CRDs and the default revision's validation."""
    return {"defaultRevision": "default"}


def istiod_values(min_replicas: int) -> dict[str, Any]:
    """The ``istiod`` chart: CNI mode on, autoscaled from ``min_replicas`` (a disruption
    budget keeps one up), seccomp ``RuntimeDefault`` for istiod and every injected sidecar,
    and requests and limits on the sidecars it injects (K8S-04 for meshed pods)."""
    if min_replicas < 1:
        raise ValueError(f"istiod: min_replicas must be >= 1 (got {min_replicas})")
    return {
        "pilot": {
            "cni": {"enabled": True},
            "autoscaleEnabled": True,
            "autoscaleMin": min_replicas,
            "autoscaleMax": istiod_max_replicas(min_replicas),
            "replicaCount": min_replicas,
            "seccompProfile": _SECCOMP,
            "resources": {
                "requests": {"cpu": ISTIOD_POD.cpu, "memory": ISTIOD_POD.memory},
                "limits": {"cpu": "2", "memory": "4Gi"},
            },
        },
        "meshConfig": {
            "enablePrometheusMerge": True,
            "accessLogFile": "/dev/stdout",
            "accessLogEncoding": "JSON",
        },
        "global": {
            "logAsJson": True,
            "defaultPodDisruptionBudget": {"enabled": True},
            "proxy": {
                "privileged": False,
                "seccompProfile": _SECCOMP,
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "1", "memory": "512Mi"},
                },
            },
        },
    }


def cni_values() -> dict[str, Any]:
    """The ``cni`` chart: the node agent, chained after the cluster's own CNI (the AWS VPC
    CNI on EKS), with requests and limits; it never touches ``kube-system`` pods."""
    return {
        "cni": {
            "chained": True,
            "excludeNamespaces": ["kube-system"],
            "resources": {
                "requests": {"cpu": CNI_POD.cpu, "memory": CNI_POD.memory},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
        },
        "global": {"logAsJson": True},
    }


def peer_authentication() -> dict[str, Any]:
    """Mesh-wide mTLS: the ``default`` PeerAuthentication in the root namespace."""
    return {"mtls": {"mode": MTLS_MODE}}
