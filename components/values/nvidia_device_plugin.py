"""Values for NVIDIA's ``nvidia-device-plugin`` chart (deployments/helm/nvidia-device-plugin).

The AL2023 NVIDIA AMIs ship the driver and container toolkit but not the device plugin,
so aiplat installs the plugin alone (not the whole GPU operator).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from tiers.model import GpuSharing, SharingMode

# The chart's default node affinity selects nodes labelled by NFD or by
# ``nvidia.com/gpu.present=true``; aiplat puts that label on every NVIDIA pool, so the
# bundled node-feature-discovery is not needed.
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"


# Per-pool sharing: the chart's config manager reads the node label
# ``nvidia.com/device-plugin.config`` and loads the config of that name from ``config.map``
# (nodes without the label get ``config.default``). MIG partitions themselves are applied by
# NVIDIA's mig-manager from the ``nvidia.com/mig.config`` label (``all-<profile>``).
CONFIG_LABEL = "nvidia.com/device-plugin.config"
MIG_CONFIG_LABEL = "nvidia.com/mig.config"
DEFAULT_CONFIG = "default"
GPU_RESOURCE = "nvidia.com/gpu"


def sharing_config(sharing: GpuSharing) -> dict[str, Any]:
    """The device plugin's config file (version v1) for one sharing mode."""
    config: dict[str, Any] = {
        "version": "v1",
        "flags": {"migStrategy": "single" if sharing.mode is SharingMode.MIG else "none"},
    }
    if sharing.mode is SharingMode.TIME_SLICING:
        config["sharing"] = {
            "timeSlicing": {"resources": [{"name": GPU_RESOURCE, "replicas": sharing.replicas}]}
        }
    return config


def sharing_labels(pool: str, sharing: GpuSharing) -> dict[str, str]:
    """Node labels that select a pool's config (and its MIG layout)."""
    labels = {CONFIG_LABEL: pool}
    if sharing.mode is SharingMode.MIG:
        labels[MIG_CONFIG_LABEL] = f"all-{sharing.mig_profile}"
    return labels


def config_map(pools: Mapping[str, GpuSharing]) -> dict[str, str]:
    """``config.map``: a default (no sharing) plus one config per pool, as YAML text."""
    configs = {DEFAULT_CONFIG: GpuSharing(), **pools}
    return {
        name: yaml.safe_dump(sharing_config(sharing), sort_keys=False)
        for name, sharing in configs.items()
    }


def values(
    tolerations: list[dict[str, str]], sharing: Mapping[str, GpuSharing] | None = None
) -> dict[str, Any]:
    """Chart values: tolerate the GPU taints, schedule only onto labelled GPU nodes; with
    ``sharing`` (pool name -> sharing), one device plugin config per pool."""
    config = {"config": {"map": config_map(sharing), "default": DEFAULT_CONFIG}} if sharing else {}
    return {
        **config,
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
