"""Mesh: cert-manager with an internal CA, and Istio (base, istiod, CNI) with mesh-wide
STRICT mTLS (K8S-11).

Istio runs in CNI mode: the privileged CNI node agent in ``istio-system`` redirects meshed
pods' traffic, so application namespaces with sidecars can be Pod Security *baseline*
(K8S-02). ``istio-system`` is the only privileged namespace the mesh needs; cert-manager's is
restricted. Namespaces whose pods are meshed add :data:`ISTIOD_EGRESS` to their allows, so
their sidecars reach istiod for configuration and certificates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.helm import pinned_release
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
)
from components.values import cert_manager, istio
from components.values.quota import daemon_quota
from tiers import pins

# For the namespaces of meshed workloads: sidecars fetch config and certificates from istiod.
ISTIOD_EGRESS = NetworkAllow(
    name="istiod",
    direction=Direction.EGRESS,
    namespaces=(istio.NAMESPACE,),
    peer_pods=istio.ISTIOD_LABELS,
    ports=(15012,),
)


def control_plane_replicas(system_nodes: int) -> int:
    """Replicas of a cluster-wide controller: two (one survives a node drain) once the
    system pool has two nodes, else one."""
    if system_nodes < 1:
        raise ValueError(f"system_nodes must be >= 1 (got {system_nodes})")
    return min(2, system_nodes)


@dataclass(frozen=True, kw_only=True)
class MeshArgs:
    system_nodes: int  # the system pool's desired size (controller replicas)
    max_nodes: int  # every node the cluster can have (the CNI agent runs on each)

    def __post_init__(self) -> None:
        if self.system_nodes < 1 or self.max_nodes < self.system_nodes:
            raise ValueError(
                f"mesh: need 1 <= system_nodes <= max_nodes (got {self.system_nodes}, "
                f"{self.max_nodes})"
            )


class Mesh(pulumi.ComponentResource):
    """cert-manager and Istio, installed in that order."""

    TYPE = "aiplat:mesh:Mesh"

    def __init__(
        self, name: str, args: MeshArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        replicas = control_plane_replicas(args.system_nodes)
        certs_ns = PlatformNamespace(
            f"{name}-cert-manager",
            PlatformNamespaceArgs(
                namespace=cert_manager.NAMESPACE,
                pod_security=PodSecurity.RESTRICTED,
                quota=Quota(cpu="2", memory="4Gi", gpus=0, pods=20),
                allow_api_server=True,
                allows=(
                    NetworkAllow(
                        name="webhook-from-api-server",
                        direction=Direction.INGRESS,
                        any_peer=True,
                        ports=(cert_manager.WEBHOOK_PORT,),
                        pods=(("app.kubernetes.io/name", "webhook"),),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.cert_manager = pinned_release(
            f"{name}-cert-manager",
            release_name="cert-manager",
            pin=pins.CERT_MANAGER,
            namespace=cert_manager.NAMESPACE,
            values=cert_manager.values(replicas),
            opts=pulumi.ResourceOptions(parent=self, depends_on=certs_ns.ready),
        )
        after_certs = pulumi.ResourceOptions(parent=self, depends_on=[self.cert_manager])
        self_signed = k8s.apiextensions.CustomResource(
            f"{name}-selfsigned-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata={"name": cert_manager.SELF_SIGNED_ISSUER},
            spec=cert_manager.self_signed_issuer(),
            opts=after_certs,
        )
        ca = k8s.apiextensions.CustomResource(
            f"{name}-ca",
            api_version="cert-manager.io/v1",
            kind="Certificate",
            metadata={"name": cert_manager.CA_SECRET, "namespace": cert_manager.NAMESPACE},
            spec=cert_manager.ca_certificate(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self_signed]),
        )
        self.ca_issuer = k8s.apiextensions.CustomResource(
            f"{name}-ca-issuer",
            api_version="cert-manager.io/v1",
            kind="ClusterIssuer",
            metadata={"name": cert_manager.CA_ISSUER},
            spec=cert_manager.ca_issuer(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ca]),
        )

        istio_ns = PlatformNamespace(
            f"{name}-istio-system",
            PlatformNamespaceArgs(
                namespace=istio.NAMESPACE,
                pod_security=PodSecurity.PRIVILEGED,
                quota=daemon_quota(args.max_nodes, *istio.namespace_requests(replicas)),
                allow_api_server=True,
                allows=(
                    NetworkAllow(
                        name="istiod-from-anywhere",
                        direction=Direction.INGRESS,
                        any_peer=True,
                        ports=istio.ISTIOD_PORTS,
                        pods=istio.ISTIOD_LABELS,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        in_istio = pulumi.ResourceOptions(parent=self, depends_on=istio_ns.ready)
        base = pinned_release(
            f"{name}-istio-base",
            release_name="istio-base",
            pin=pins.ISTIO_BASE,
            namespace=istio.NAMESPACE,
            values=istio.base_values(),
            opts=in_istio,
        )
        after_base = pulumi.ResourceOptions(parent=self, depends_on=[*istio_ns.ready, base])
        cni = pinned_release(
            f"{name}-istio-cni",
            release_name="istio-cni",
            pin=pins.ISTIO_CNI,
            namespace=istio.NAMESPACE,
            values=istio.cni_values(),
            opts=after_base,
        )
        self.istiod = pinned_release(
            f"{name}-istiod",
            release_name="istiod",
            pin=pins.ISTIOD,
            namespace=istio.NAMESPACE,
            values=istio.istiod_values(replicas),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*istio_ns.ready, base, cni]),
        )
        self.peer_authentication = k8s.apiextensions.CustomResource(
            f"{name}-mtls",
            api_version="security.istio.io/v1",
            kind="PeerAuthentication",
            metadata={"name": "default", "namespace": istio.NAMESPACE},
            spec=istio.peer_authentication(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.istiod]),
        )
        self.releases = [self.cert_manager, base, cni, self.istiod]
        self.ready: list[pulumi.Resource] = [*self.releases, self.peer_authentication]
        self.register_outputs(
            {
                "namespaces": [certs_ns.name, istio_ns.name],
                "ca_issuer": cert_manager.CA_ISSUER,
                "mtls": istio.MTLS_MODE,
            }
        )
