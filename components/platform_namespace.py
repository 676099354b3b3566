"""PlatformNamespace: the hardened namespace every platform component lives in.

Pod Security Admission labels (K8S-02), a default-deny NetworkPolicy with a DNS allow and
explicit, named allows (K8S-05), a ResourceQuota and LimitRange (K8S-04; GPU quota
included), and one ServiceAccount per workload with its token unmounted unless the workload
calls the Kubernetes API (K8S-06).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.hardening import GPU_RESOURCE

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
API_SERVER_PORTS = (443, 6443)
MESH_INJECTION_LABEL = "istio-injection"
# The only namespaces allowed Pod Security "privileged": the mesh's own system namespace (Istio
# CNI's node agent runs there) and the node agents that must read the host (Prometheus node
# exporter, NVIDIA DCGM exporter). Everything else is restricted or baseline (K8S-02).
PRIVILEGED_NAMESPACES = frozenset({"istio-system", "node-agents"})


class PodSecurity(StrEnum):
    """Pod Security Standards level: restricted by default; baseline where GPU workloads or
    the mesh's sidecars need it; privileged only for the mesh's own system namespace."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"


class Direction(StrEnum):
    INGRESS = "Ingress"
    EGRESS = "Egress"


@dataclass(frozen=True, kw_only=True)
class NetworkAllow:
    """One explicit allow. Peers: pods (by labels) in ``namespaces`` (``()`` = this
    namespace), or a ``cidr``; ``ports`` (``()`` = all); ``pods`` selects which pods of this
    namespace it applies to (``()`` = all)."""

    name: str
    direction: Direction
    namespaces: tuple[str, ...] = ()
    peer_pods: tuple[tuple[str, str], ...] = ()
    cidr: str | None = None
    ports: tuple[int, ...] = ()
    pods: tuple[tuple[str, str], ...] = ()
    any_peer: bool = False  # any source or destination (for example the API server's webhooks)

    def __post_init__(self) -> None:
        if not _DNS_LABEL.fullmatch(self.name):
            raise ValueError(f"network allow {self.name!r}: name must be a DNS-1123 label")
        if self.cidr and (self.namespaces or self.peer_pods):
            raise ValueError(f"network allow {self.name!r}: a cidr peer takes no selectors")
        if self.any_peer and (self.cidr or self.namespaces or self.peer_pods):
            raise ValueError(f"network allow {self.name!r}: any_peer takes no other peer")


@dataclass(frozen=True, kw_only=True)
class Quota:
    """ResourceQuota of the namespace: totals of requests (CPU, memory, GPUs) and pods."""

    cpu: str
    memory: str
    gpus: int
    pods: int

    def __post_init__(self) -> None:
        if self.gpus < 0 or self.pods < 1:
            raise ValueError(f"quota: need gpus >= 0 and pods >= 1 (got {self.gpus}, {self.pods})")


@dataclass(frozen=True, kw_only=True)
class ContainerDefaults:
    """LimitRange defaults for containers that set no requests or limits themselves."""

    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    cpu_limit: str = "1"
    memory_limit: str = "1Gi"


@dataclass(frozen=True, kw_only=True)
class ServiceAccountSpec:
    name: str
    automount_token: bool = False  # True only for workloads that call the Kubernetes API
    annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Secrets listed on the account, for controllers that look them up there (KServe's
    # storage credentials); never mounted or exposed by this
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PlatformNamespaceArgs:
    namespace: str
    pod_security: PodSecurity
    quota: Quota
    service_accounts: tuple[ServiceAccountSpec, ...] = ()
    allows: tuple[NetworkAllow, ...] = ()
    allow_same_namespace: bool = True
    allow_api_server: bool = False  # egress to the Kubernetes API (operators, controllers)
    mesh_injection: bool = False
    limits: ContainerDefaults = ContainerDefaults()
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _DNS_LABEL.fullmatch(self.namespace):
            raise ValueError(f"namespace {self.namespace!r} is not a DNS-1123 label")
        if self.namespace in {"default", "kube-system", "kube-public"}:
            raise ValueError(f"namespace {self.namespace!r} is reserved; use a dedicated one")
        if (
            self.pod_security is PodSecurity.PRIVILEGED
            and self.namespace not in PRIVILEGED_NAMESPACES
        ):
            allowed = ", ".join(sorted(PRIVILEGED_NAMESPACES))
            raise ValueError(
                f"namespace {self.namespace}: Pod Security 'privileged' is allowed only for "
                f"{allowed}; use baseline or restricted"
            )
        names = [a.name for a in self.allows]
        if len(set(names)) != len(names):
            raise ValueError(f"namespace {self.namespace}: network allow names must be unique")
        accounts = [sa.name for sa in self.service_accounts]
        if len(set(accounts)) != len(accounts) or "default" in accounts:
            raise ValueError(
                f"namespace {self.namespace}: service accounts must be unique and not 'default'"
            )


def psa_labels(level: PodSecurity) -> dict[str, str]:
    return {f"pod-security.kubernetes.io/{m}": level.value for m in ("enforce", "audit", "warn")}


def _selector(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"matchLabels": dict(pairs)} if pairs else {}


def _peer(allow: NetworkAllow) -> list[dict[str, Any]] | None:
    if allow.any_peer:
        return None
    if allow.cidr:
        return [{"ipBlock": {"cidr": allow.cidr}}]
    peer: dict[str, Any] = {"podSelector": _selector(allow.peer_pods)}
    if allow.namespaces:
        peer["namespaceSelector"] = {
            "matchExpressions": [
                {
                    "key": "kubernetes.io/metadata.name",
                    "operator": "In",
                    "values": list(allow.namespaces),
                }
            ]
        }
    return [peer]


def allow_spec(allow: NetworkAllow) -> dict[str, Any]:
    """The NetworkPolicy spec of one allow."""
    rule: dict[str, Any] = {}
    peers = _peer(allow)
    if peers is not None:
        rule["from" if allow.direction is Direction.INGRESS else "to"] = peers
    if allow.ports:
        rule["ports"] = [{"protocol": "TCP", "port": p} for p in allow.ports]
    key = "ingress" if allow.direction is Direction.INGRESS else "egress"
    return {
        "podSelector": _selector(allow.pods),
        "policyTypes": [allow.direction.value],
        key: [rule],
    }


def network_policies(args: PlatformNamespaceArgs) -> dict[str, dict[str, Any]]:
    """Every NetworkPolicy spec of the namespace, by name: default-deny first."""
    policies: dict[str, dict[str, Any]] = {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }
    if args.allow_same_namespace:
        policies["allow-same-namespace"] = {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        }
    if args.allow_api_server:
        policies["allow-api-server"] = {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"ports": [{"protocol": "TCP", "port": p} for p in API_SERVER_PORTS]}],
        }
    for allow in args.allows:
        policies[allow.name] = allow_spec(allow)
    return policies


def quota_spec(quota: Quota) -> dict[str, Any]:
    return {
        "hard": {
            "requests.cpu": quota.cpu,
            "requests.memory": quota.memory,
            f"requests.{GPU_RESOURCE}": str(quota.gpus),
            "pods": str(quota.pods),
        }
    }


def limit_range_spec(limits: ContainerDefaults) -> dict[str, Any]:
    return {
        "limits": [
            {
                "type": "Container",
                "defaultRequest": {"cpu": limits.cpu_request, "memory": limits.memory_request},
                "default": {"cpu": limits.cpu_limit, "memory": limits.memory_limit},
            }
        ]
    }


class PlatformNamespace(pulumi.ComponentResource):
    """A hardened namespace. Children depend on :attr:`ready` (the namespace and its
    policies) so nothing runs in it before it is locked down."""

    TYPE = "aiplat:platform:PlatformNamespace"

    name: str
    ready: list[pulumi.Resource]
    service_accounts: dict[str, k8s.core.v1.ServiceAccount]

    def __init__(
        self, name: str, args: PlatformNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        ns = args.namespace
        labels = {
            **args.labels,
            **psa_labels(args.pod_security),
            "app.kubernetes.io/managed-by": "aiplat",
        }
        if args.mesh_injection:
            labels[MESH_INJECTION_LABEL] = "enabled"
        metadata: dict[str, object] = {"name": ns, "labels": labels}
        if args.annotations:
            metadata["annotations"] = dict(args.annotations)
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=metadata,
            opts=pulumi.ResourceOptions(parent=self),
        )
        inside = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-netpol-{policy}",
                metadata={"name": policy, "namespace": ns},
                spec=spec,
                opts=inside,
            )
            for policy, spec in network_policies(args).items()
        ]
        quota = k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata={"name": "platform-quota", "namespace": ns},
            spec=quota_spec(args.quota),
            opts=inside,
        )
        limits = k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata={"name": "container-defaults", "namespace": ns},
            spec=limit_range_spec(args.limits),
            opts=inside,
        )
        self.service_accounts = {
            sa.name: k8s.core.v1.ServiceAccount(
                f"{name}-sa-{sa.name}",
                metadata={"name": sa.name, "namespace": ns, "annotations": dict(sa.annotations)},
                automount_service_account_token=sa.automount_token,
                secrets=[{"name": s} for s in sa.secrets] or None,
                opts=inside,
            )
            for sa in args.service_accounts
        }
        self.name = ns
        self.ready = [namespace, *policies, quota, limits, *self.service_accounts.values()]
        self.register_outputs({"namespace": ns})
