"""Observability: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics,
node exporter), the NVIDIA DCGM exporter, aiplat's Grafana dashboards and alert rules.

Prometheus keeps the tier's retention on a volume sized for it
(:func:`components.values.kube_prometheus.storage_gib`). The node exporter and the DCGM
exporter read the host (host network and PID, the kubelet's pod-resources socket, the GPUs),
so they run in ``node-agents``: Pod Security privileged, the documented exception (K8S-02).
Everything else runs in ``monitoring``, restricted. Namespaces whose pods Prometheus scrapes
add :func:`scrape_from_prometheus` to their allows.
"""

from __future__ import annotations

import json
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
)
from components.values import dashboards, dcgm, kube_prometheus
from components.values.quota import Requests, daemon_quota, quota
from tiers import pins

NODE_AGENTS = "node-agents"
DASHBOARD_LABEL = "grafana_dashboard"


def scrape_from_prometheus(ports: tuple[int, ...]) -> NetworkAllow:
    """The allow a namespace adds so Prometheus (in ``monitoring``) scrapes its pods."""
    return NetworkAllow(
        name="prometheus-scrape",
        direction=Direction.INGRESS,
        namespaces=(kube_prometheus.NAMESPACE,),
        peer_pods=kube_prometheus.PROMETHEUS_LABELS,
        ports=ports,
    )


@dataclass(frozen=True, kw_only=True)
class ObservabilityArgs:
    retention_days: int
    nodes: int  # desired nodes in the cluster (series volume)
    max_nodes: int  # every node the cluster can have (one agent pod each)
    gpu_tolerations: tuple[dict[str, str], ...]  # the GPU pools' taints, tolerated
    serving_metrics: bool  # the mesh reports request metrics: serving dashboard and alerts
    managed_control_plane: bool  # EKS: etcd, scheduler and controller manager are not scraped
    thresholds: dashboards.AlertThresholds = dashboards.THRESHOLDS

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ValueError(
                f"observability: retention_days must be >= 1 (got {self.retention_days})"
            )
        if not 1 <= self.nodes <= self.max_nodes:
            raise ValueError(
                f"observability: need 1 <= nodes <= max_nodes (got {self.nodes}, {self.max_nodes})"
            )


class Observability(pulumi.ComponentResource):
    """Metrics, dashboards and alerts for one cluster."""

    TYPE = "aiplat:observability:Observability"

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        volume_gib = kube_prometheus.storage_gib(args.retention_days, args.nodes)
        monitoring = PlatformNamespace(
            f"{name}-monitoring",
            PlatformNamespaceArgs(
                namespace=kube_prometheus.NAMESPACE,
                pod_security=PodSecurity.RESTRICTED,
                quota=quota(kube_prometheus.monitoring_requests(args.nodes)),
                allow_api_server=True,  # service discovery, the operator, Grafana's sidecar
                allows=(
                    NetworkAllow(
                        name="prometheus-scrapes-anywhere",
                        direction=Direction.EGRESS,
                        any_peer=True,
                        pods=kube_prometheus.PROMETHEUS_LABELS,
                    ),
                    NetworkAllow(
                        name="operator-webhook-from-api-server",
                        direction=Direction.INGRESS,
                        any_peer=True,
                        ports=(kube_prometheus.OPERATOR_WEBHOOK_PORT,),
                        pods=kube_prometheus.OPERATOR_LABELS,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        agents = PlatformNamespace(
            f"{name}-node-agents",
            PlatformNamespaceArgs(
                namespace=NODE_AGENTS,
                pod_security=PodSecurity.PRIVILEGED,
                quota=daemon_quota(
                    args.max_nodes,
                    kube_prometheus.NODE_EXPORTER_POD + dcgm.POD,
                    Requests(cpu_m=0, memory_mi=0, pods=0),
                ),
                allow_same_namespace=False,
                allows=(scrape_from_prometheus((kube_prometheus.NODE_EXPORTER_PORT, dcgm.PORT)),),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.stack = pinned_release(
            f"{name}-kube-prometheus-stack",
            release_name=kube_prometheus.RELEASE,
            pin=pins.KUBE_PROMETHEUS_STACK,
            namespace=kube_prometheus.NAMESPACE,
            values=kube_prometheus.values(
                retention_days=args.retention_days,
                volume_gib=volume_gib,
                nodes=args.nodes,
                node_agents_namespace=NODE_AGENTS,
                managed_control_plane=args.managed_control_plane,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*monitoring.ready, *agents.ready]),
        )
        after_stack = pulumi.ResourceOptions(parent=self, depends_on=[self.stack])
        # The exporter's chart makes a ServiceMonitor, whose CRD the stack installs.
        self.dcgm = pinned_release(
            f"{name}-dcgm-exporter",
            release_name=dcgm.RELEASE,
            pin=pins.DCGM_EXPORTER,
            namespace=NODE_AGENTS,
            values=dcgm.values(list(args.gpu_tolerations)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*agents.ready, self.stack]),
        )
        self.dashboards = k8s.core.v1.ConfigMap(
            f"{name}-dashboards",
            metadata={
                "name": "aiplat-dashboards",
                "namespace": kube_prometheus.NAMESPACE,
                "labels": {DASHBOARD_LABEL: "1"},
            },
            data={
                key: json.dumps(board, indent=1, sort_keys=True)
                for key, board in dashboards.dashboards(args.serving_metrics).items()
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=monitoring.ready),
        )
        self.rules = k8s.apiextensions.CustomResource(
            f"{name}-rules",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={
                "name": "aiplat",
                "namespace": kube_prometheus.NAMESPACE,
                "labels": {"release": kube_prometheus.RELEASE},
            },
            spec={"groups": dashboards.rule_groups(args.thresholds, args.serving_metrics)},
            opts=after_stack,
        )
        self.register_outputs(
            {
                "namespaces": [monitoring.name, agents.name],
                "retention_days": args.retention_days,
                "storage_gib": volume_gib,
            }
        )
