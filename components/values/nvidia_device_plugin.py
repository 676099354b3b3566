"""Values for NVIDIA's ``nvidia-device-plugin`` chart (deployments/helm/nvidia-device-plugin).

The AL2023 NVIDIA AMIs ship the driver and container toolkit but not the device plugin,
so aiplat installs the plugin alone (not the whole GPU operator).
"""

from __future__ import annotations

from typing import Any

# The chart's default node affinity selects nodes labelled by NFD or by
# ``nvidia.com/gpu.present=true``; aiplat puts that label on every NVIDIA pool, so the
# bundled node-feature-discovery is not needed.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"


def values(tolerations: list[dict[str, str]]) -> dict[str, Any]:
    """Chart values: tolerate the GPU taints, schedule only onto labelled GPU nodes."""
    return {
        "nfd": {"enabled": False},
        "gfd": {"enabled": False},
        "priorityClassName": "system-node-critical",
        "tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            *tolerations,
        ],
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
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "256Mi"},
        },
    }
