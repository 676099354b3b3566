"""Values for prometheus-community's ``kube-prometheus-stack`` chart (88.5.3) and how big
Prometheus's disk must be for the tier's retention.

Prometheus, Alertmanager, Grafana, kube-state-metrics and the operator run in ``monitoring``
(Pod Security restricted). The node exporter needs the host's network and PID namespaces and
its filesystems, so it is moved to ``node-agents`` (privileged, the documented exception) with
the subchart's ``namespaceOverride``. Every ServiceMonitor and PrometheusRule in the cluster
is picked up, not only the chart's own (``*SelectorNilUsesHelmValues: false``).
"""

from __future__ import annotations

import math
from typing import Any

from components.decisions import POOL_LABEL
from components.values.quota import Requests

NAMESPACE = "monitoring"
RELEASE = "kube-prometheus-stack"
PROMETHEUS_LABELS = (("app.kubernetes.io/name", "prometheus"),)
OPERATOR_LABELS = (("app", f"{RELEASE}-operator"),)
OPERATOR_WEBHOOK_PORT = 10250
NODE_EXPORTER_PORT = 9100

# Storage sizing: active series a cluster carries (control plane, kube-state-metrics, the
# platform's own services) plus per node (node exporter, kubelet/cAdvisor, DCGM), at one
# sample per scrape interval and about two bytes per compressed sample (Prometheus's own
# "Operational aspects" guidance: 1-2 bytes per sample), with headroom for the WAL and
# compaction.
BASE_SERIES = 150_000
SERIES_PER_NODE = 3_000
SCRAPE_INTERVAL_SECONDS = 30
BYTES_PER_SAMPLE = 2
HEADROOM = 1.5
MIN_STORAGE_GIB = 20
RETENTION_SIZE_SHARE = 0.85  # Prometheus deletes old blocks before the volume fills
# Memory: the head block holds every active series (a few KiB each, with labels and chunks).
KIB_PER_SERIES = 4
MIN_PROMETHEUS_MEMORY_MI = 2048
# Requests of the other pods in ``monitoring`` and of the node exporter (on every node).
ALERTMANAGER_POD = Requests(cpu_m=50, memory_mi=64)
OPERATOR_POD = Requests(cpu_m=100, memory_mi=128)
GRAFANA_POD = Requests(cpu_m=100, memory_mi=256)
KUBE_STATE_METRICS_POD = Requests(cpu_m=50, memory_mi=128)
NODE_EXPORTER_POD = Requests(cpu_m=50, memory_mi=64)
# Grafana's sidecars, the webhook certificate Jobs and rollouts take the LimitRange defaults.
OTHERS = Requests(cpu_m=1000, memory_mi=2048, pods=20)


def series(nodes: int) -> int:
    """Active series expected from a cluster of ``nodes`` nodes."""
    if nodes < 0:
        raise ValueError(f"nodes must be >= 0 (got {nodes})")
    return BASE_SERIES + SERIES_PER_NODE * nodes


def prometheus_pod(nodes: int) -> Requests:
    """Prometheus's requests: memory grows with the active series."""
    memory = math.ceil(series(nodes) * KIB_PER_SERIES / 1024)
    return Requests(cpu_m=500, memory_mi=max(MIN_PROMETHEUS_MEMORY_MI, memory))


def monitoring_requests(nodes: int) -> Requests:
    """Every pod's requests in ``monitoring``, for its quota."""
    return (
        prometheus_pod(nodes)
        + ALERTMANAGER_POD
        + OPERATOR_POD
        + GRAFANA_POD
        + KUBE_STATE_METRICS_POD
        + OTHERS
    )


def storage_gib(retention_days: int, nodes: int) -> int:
    """Size of Prometheus's volume for ``retention_days`` of metrics from ``nodes`` nodes."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be >= 1 (got {retention_days})")
    samples_per_day = series(nodes) * 86_400 / SCRAPE_INTERVAL_SECONDS
    gib = samples_per_day * BYTES_PER_SAMPLE * retention_days * HEADROOM / 2**30
    return max(MIN_STORAGE_GIB, math.ceil(gib))


def retention_size(volume_gib: int) -> str:
    """``retentionSize`` for a volume: a share of it, in whole GiB (Prometheus's unit GB is
    2^30 bytes)."""
    return f"{math.floor(volume_gib * RETENTION_SIZE_SHARE)}GB"


def kube_state_label() -> str:
    """The label kube-state-metrics gives a node's ``aiplat.io/pool`` on ``kube_node_labels``."""
    return "label_" + "".join(c if c.isalnum() else "_" for c in POOL_LABEL)


def _resources(pod: Requests, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {
        "requests": {"cpu": pod.cpu, "memory": pod.memory},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    }


_POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 1000,
    "runAsGroup": 2000,
    "fsGroup": 2000,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def values(
    *,
    retention_days: int,
    volume_gib: int,
    nodes: int,
    node_agents_namespace: str,
    managed_control_plane: bool,
) -> dict[str, Any]:
    """Chart values. ``managed_control_plane`` (EKS) turns off the scrapes of etcd, the
    scheduler and the controller manager, which a managed control plane does not expose."""
    if retention_days < 1:
        raise ValueError(f"retention_days must be >= 1 (got {retention_days})")
    hidden = not managed_control_plane
    prometheus = prometheus_pod(nodes)
    return {
        "crds": {"enabled": True},
        "kubeEtcd": {"enabled": hidden},
        "kubeScheduler": {"enabled": hidden},
        "kubeControllerManager": {"enabled": hidden},
        "prometheus": {
            "prometheusSpec": {
                "retention": f"{retention_days}d",
                "retentionSize": retention_size(volume_gib),
                "replicas": 1,
                "scrapeInterval": f"{SCRAPE_INTERVAL_SECONDS}s",
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "probeSelectorNilUsesHelmValues": False,
                "resources": _resources(prometheus, "4", f"{2 * prometheus.memory_mi}Mi"),
                "securityContext": _POD_SECURITY,
                "storageSpec": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": f"{volume_gib}Gi"}},
                        }
                    }
                },
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "resources": _resources(ALERTMANAGER_POD, "200m", "256Mi"),
                "securityContext": _POD_SECURITY,
            }
        },
        "prometheusOperator": {"resources": _resources(OPERATOR_POD, "500m", "512Mi")},
        "grafana": {
            # No adminPassword: the Grafana chart generates one into its Secret.
            "resources": _resources(GRAFANA_POD, "500m", "512Mi"),
            "sidecar": {"dashboards": {"enabled": True, "label": "grafana_dashboard"}},
        },
        "kube-state-metrics": {
            "metricLabelsAllowlist": [f"nodes=[{POOL_LABEL}]"],
            "resources": _resources(KUBE_STATE_METRICS_POD, "500m", "512Mi"),
        },
        "prometheus-node-exporter": {
            "namespaceOverride": node_agents_namespace,
            "resources": _resources(NODE_EXPORTER_POD, "250m", "128Mi"),
        },
    }
