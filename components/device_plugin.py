"""The NVIDIA device plugin, shared by EKS and bring-your-own clusters."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.values import nvidia_device_plugin
from tiers.model import GpuSharing
from tiers.pins import ChartPin


def install_device_plugin(
    name: str,
    pin: ChartPin,
    gpu_tolerations: list[dict[str, str]],
    opts: pulumi.ResourceOptions,
    sharing: Mapping[str, GpuSharing] | None = None,
) -> k8s.helm.v3.Release:
    """The NVIDIA device plugin as a pinned Helm v3 release in kube-system."""
    return k8s.helm.v3.Release(
        name,
        name="nvidia-device-plugin",
        chart=pin.chart,
        version=pin.version,
        repository_opts={"repo": pin.repository},
        namespace="kube-system",
        values=nvidia_device_plugin.values(gpu_tolerations, sharing),
        atomic=True,
        opts=opts,
    )
