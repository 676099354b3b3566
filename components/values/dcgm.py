"""Values for NVIDIA's ``dcgm-exporter`` chart (deployment/, 4.8.2): GPU metrics from every
NVIDIA node, scraped by Prometheus through the chart's own ServiceMonitor.

The exporter reads the kubelet's pod-resources socket (a hostPath) and the GPUs as root, so
it runs in ``node-agents`` (privileged). Upstream adds SYS_ADMIN only for the profiling
counters (``DCGM_FI_PROF_*``); aiplat's dashboards and alerts use the device counters
(``DCGM_FI_DEV_*``), so it is not granted. The ServiceMonitor copies the node's name into a
``node`` label, which joins each GPU to its node's ``aiplat.io/pool`` label.
"""

from __future__ import annotations

from typing import Any

from components.values.nvidia_device_plugin import GPU_PRESENT_LABEL
from components.values.quota import Requests

RELEASE = "dcgm-exporter"
PORT = 9400
POD_LABELS = (("app.kubernetes.io/name", "dcgm-exporter"),)
POD = Requests(cpu_m=100, memory_mi=128)


def values(tolerations: list[dict[str, str]]) -> dict[str, Any]:
    """Chart values: only on labelled NVIDIA nodes, tolerating their taints."""
    return {
        "priorityClassName": "system-node-critical",
        "securityContext": {
            "runAsNonRoot": False,
            "runAsUser": 0,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "resources": {
            "requests": {"cpu": POD.cpu, "memory": POD.memory},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "serviceMonitor": {
            "enabled": True,
            "interval": "30s",
            "relabelings": [
                {
                    "sourceLabels": ["__meta_kubernetes_pod_node_name"],
                    "targetLabel": "node",
                    "action": "replace",
                }
            ],
        },
        "tolerations": list(tolerations),
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": GPU_PRESENT_LABEL, "operator": "In", "values": ["true"]}
                            ]
                        }
                    ]
                }
            }
        },
    }
