"""ExistingCluster: a Kubernetes cluster the user brings (on-prem or private cloud)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.decisions import POOL_LABEL, tolerations
from components.device_plugin import install_device_plugin
from tiers.instances import AcceleratorVendor
from tiers.pins import ChartPin
from tiers.resolve import ResolvedGpuPool


@dataclass(frozen=True, kw_only=True)
class GpuScheduling:
    """How a workload lands on one GPU pool of an existing cluster."""

    pool: str
    node_selector: dict[str, str]
    tolerations: list[dict[str, str]]


@dataclass(frozen=True, kw_only=True)
class ExistingClusterArgs:
    kubeconfig: str | None
    context: str | None
    gpu_pools: tuple[ResolvedGpuPool, ...]
    device_plugin: ChartPin | None

    def __post_init__(self) -> None:
        if self.kubeconfig is not None and not self.kubeconfig.strip():
            raise ValueError("kubeconfig, when given, must be a path or a kubeconfig document")


def gpu_scheduling(pool: ResolvedGpuPool) -> GpuScheduling:
    """GPU pools of an existing cluster are node labels the cluster's owner applies
    (``aiplat.io/pool=<name>``) plus tolerations for the accelerator taint."""
    return GpuScheduling(
        pool=pool.name,
        node_selector={POOL_LABEL: pool.name},
        tolerations=tolerations(pool.instance),
    )


class ExistingCluster(pulumi.ComponentResource):
    """A Kubernetes provider for a cluster reached through a kubeconfig, with no cloud
    resources at all; GPU pools become node selectors and tolerations only."""

    TYPE = "aiplat:cluster:ExistingCluster"

    provider: k8s.Provider
    scheduling: tuple[GpuScheduling, ...]

    def __init__(
        self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=args.kubeconfig,
            context=args.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.scheduling = tuple(gpu_scheduling(pool) for pool in args.gpu_pools)
        nvidia = [p for p in args.gpu_pools if p.instance.vendor is AcceleratorVendor.NVIDIA]
        if args.device_plugin and nvidia:
            install_device_plugin(
                f"{name}-nvidia-device-plugin",
                args.device_plugin,
                tolerations(nvidia[0].instance),
                pulumi.ResourceOptions(parent=self, provider=self.provider),
                # Each node picks its pool's sharing config by the label
                # nvidia.com/device-plugin.config=<pool>, which the cluster's owner applies
                # with aiplat.io/pool (docs/capacity.md).
                {p.name: p.sharing for p in nvidia},
            )
        self.register_outputs({"gpuScheduling": [s.__dict__ for s in self.scheduling]})
