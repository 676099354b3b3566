"""Values for Jetstack's ``cert-manager`` chart (deploy/charts/cert-manager, v1.21.1), and the
self-signed internal CA aiplat issues in-cluster certificates from.

The chart's pod and container security contexts are already restricted-compliant; they are
restated here so the hardening is visible (and survives a changed default). Leader election
moves out of ``kube-system`` into cert-manager's own namespace.
"""

from __future__ import annotations

from typing import Any

NAMESPACE = "cert-manager"
WEBHOOK_PORT = 10250  # the chart's webhook.securePort; the API server calls it
SELF_SIGNED_ISSUER = "aiplat-selfsigned"
CA_ISSUER = "aiplat-ca"  # what other components reference for in-cluster TLS
CA_SECRET = "aiplat-ca"
CA_DURATION = "87600h"  # ten years: the CA signs short-lived leaf certificates
CA_RENEW_BEFORE = "720h"

_POD_SECURITY = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
_CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def _resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {
        "requests": {"cpu": cpu, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    }


def _hardened(resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "securityContext": dict(_POD_SECURITY),
        "containerSecurityContext": dict(_CONTAINER_SECURITY),
        "resources": resources,
    }


def values(replicas: int) -> dict[str, Any]:
    """Chart values: CRDs installed (and kept on uninstall), ``replicas`` controller and
    webhook pods with a disruption budget when there are two or more."""
    if replicas < 1:
        raise ValueError(f"cert-manager: replicas must be >= 1 (got {replicas})")
    budget = {"enabled": True, "minAvailable": 1} if replicas > 1 else {"enabled": False}
    return {
        "crds": {"enabled": True, "keep": True},
        "global": {"leaderElection": {"namespace": NAMESPACE}},
        "replicaCount": replicas,
        "podDisruptionBudget": budget,
        **_hardened(_resources("50m", "128Mi", "500m", "512Mi")),
        "webhook": {
            "replicaCount": replicas,
            "podDisruptionBudget": budget,
            **_hardened(_resources("20m", "64Mi", "200m", "256Mi")),
        },
        "cainjector": {
            "replicaCount": 1,
            **_hardened(_resources("20m", "128Mi", "500m", "512Mi")),
        },
        "startupapicheck": _hardened(_resources("10m", "32Mi", "100m", "64Mi")),
    }


def self_signed_issuer() -> dict[str, Any]:
    """ClusterIssuer spec that signs the CA's own certificate (and nothing else)."""
    return {"selfSigned": {}}


def ca_certificate() -> dict[str, Any]:
    """Certificate spec of the internal CA, kept in ``CA_SECRET`` in cert-manager's namespace."""
    return {
        "isCA": True,
        "commonName": "aiplat internal CA",
        "secretName": CA_SECRET,
        "duration": CA_DURATION,
        "renewBefore": CA_RENEW_BEFORE,
        "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
        "issuerRef": {
            "name": SELF_SIGNED_ISSUER,
            "kind": "ClusterIssuer",
            "group": "cert-manager.io",
        },
    }


def ca_issuer() -> dict[str, Any]:
    """ClusterIssuer spec that signs in-cluster certificates with the internal CA."""
    return {"ca": {"secretName": CA_SECRET}}


LEAF_DURATION = "2160h"  # 90 days
LEAF_RENEW_BEFORE = "360h"  # cert-manager renews 15 days ahead


def leaf_certificate(
    *, secret_name: str, common_name: str, dns_names: tuple[str, ...], usages: tuple[str, ...]
) -> dict[str, Any]:
    """Certificate spec of an in-cluster leaf signed by the internal CA. Its Secret holds
    ``tls.crt``, ``tls.key`` and the CA as ``ca.crt``, so a client's own certificate is
    also how it gets the CA to trust. RSA keys in PKCS#8, which Java servers (Kafka) read."""
    spec: dict[str, Any] = {
        "secretName": secret_name,
        "commonName": common_name,
        "duration": LEAF_DURATION,
        "renewBefore": LEAF_RENEW_BEFORE,
        "privateKey": {
            "algorithm": "RSA",
            "size": 2048,
            "encoding": "PKCS8",
            "rotationPolicy": "Always",
        },
        "usages": list(usages),
        "issuerRef": {"name": CA_ISSUER, "kind": "ClusterIssuer", "group": "cert-manager.io"},
    }
    if dns_names:
        spec["dnsNames"] = list(dns_names)
    return spec
