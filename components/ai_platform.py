"""AiPlatform: the one composer that builds a platform from a resolved stack spec.

It branches on the deployment *target* (a new EKS estate or a cluster the user brings),
never on the tier: what differs between tiers is data in the spec. Later components (lake,
Kubeflow, serving, data engines) are added here, each switched on by the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import lake_access
from components.cluster_services import ClusterServices, ClusterServicesArgs
from components.decisions import region_code
from components.existing_cluster import ExistingCluster, ExistingClusterArgs
from components.lake_onprem import OnPremLake, OnPremLakeArgs
from components.regional_platform import RegionalPlatform, RegionalPlatformArgs
from tiers import pins
from tiers.model import Target
from tiers.resolve import ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class AiPlatformArgs:
    platform: ResolvedPlatform


class AiPlatform(pulumi.ComponentResource):
    """The whole platform for one stack."""

    TYPE = "aiplat:platform:AiPlatform"

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: AiPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        platform = args.platform
        build = {Target.AWS: self._build_aws, Target.KUBERNETES: self._build_existing}
        build[platform.target](platform)
        self.register_outputs({"clusterName": self.cluster_name, "kubeconfig": self.kubeconfig})

    def _build_aws(self, platform: ResolvedPlatform) -> None:
        tags = {
            "aiplat:stack": platform.stack,
            "aiplat:tier": platform.tier.value,
            "aiplat:environment": platform.environment.value,
            "managed-by": "pulumi",
        }
        self.regions = [
            RegionalPlatform(
                f"{self._name}-{region_code(region)}",
                RegionalPlatformArgs(
                    platform=platform, region=region, code=region_code(region), tags=tags
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for region in platform.regions
        ]
        primary = self.regions[0]
        self.lake = primary.lake
        self.cluster_name = primary.cluster.cluster_name
        self.kubeconfig = primary.cluster.kubeconfig
        self.kubernetes = primary.cluster.provider

    def _build_existing(self, platform: ResolvedPlatform) -> None:
        cluster = ExistingCluster(
            f"{self._name}-cluster",
            ExistingClusterArgs(
                kubeconfig=platform.kubeconfig,
                context=platform.kube_context,
                gpu_pools=platform.gpu_pools,
                device_plugin=pins.NVIDIA_DEVICE_PLUGIN if platform.device_plugin else None,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.lake_onprem: OnPremLake | None = None
        if platform.stacks.lake.enabled:
            self.lake_onprem = OnPremLake(
                f"{self._name}-lake",
                OnPremLakeArgs(
                    environment=platform.environment,
                    lake_size_tb=platform.lake_size_tb,
                    object_store=pins.SEAWEEDFS,
                    postgres_operator=pins.CLOUDNATIVE_PG,
                    postgres=pins.CLOUDNATIVE_PG_CLUSTER,
                    catalog=pins.POLARIS,
                    protect=platform.protect,
                ),
                pulumi.ResourceOptions(parent=self, provider=cluster.provider),
            )
        self.services = ClusterServices(
            f"{self._name}-services",
            ClusterServicesArgs(
                platform=platform,
                region=None,
                primary=True,
                lake=lake_access.from_onprem(self.lake_onprem) if self.lake_onprem else None,
            ),
            pulumi.ResourceOptions(parent=self, providers={"kubernetes": cluster.provider}),
        )
        self.cluster_name = pulumi.Output.from_input(platform.kube_context or "existing-cluster")
        self.kubeconfig = pulumi.Output.from_input(None)
        self.kubernetes = cluster.provider
