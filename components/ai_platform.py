"""AiPlatform: the one composer that builds a platform from a resolved stack spec.

It branches on the deployment *target* (a new EKS estate or a cluster the user brings),
never on the tier: what differs between tiers is data in the spec. Later components (lake,
Kubeflow, serving, data engines) are added here, each switched on by the spec.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.decisions import region_code
from components.existing_cluster import ExistingCluster, ExistingClusterArgs
from components.gpu_cluster import GpuCluster, GpuClusterArgs
from components.lake_onprem import OnPremLake, OnPremLakeArgs
from components.lakehouse import Lakehouse, LakehouseArgs
from components.network import Network, NetworkArgs
from tiers import pins
from tiers.model import Target
from tiers.resolve import ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class AiPlatformArgs:
    platform: ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class RegionalCluster:
    region: str
    cluster: GpuCluster


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
        self.regional: list[RegionalCluster] = []
        self.lake: Lakehouse | None = None
        tags = {
            "aiplat:stack": platform.stack,
            "aiplat:tier": platform.tier.value,
            "aiplat:environment": platform.environment.value,
            "managed-by": "pulumi",
        }
        for region in platform.regions:
            code = region_code(region)
            regional = f"{self._name}-{code}"
            provider = aws.Provider(
                regional,
                region=region,
                default_tags={"tags": tags},
                opts=pulumi.ResourceOptions(parent=self),
            )
            scoped = pulumi.ResourceOptions(parent=self, providers={"aws": provider})
            network = Network(regional, NetworkArgs(plan=platform.network), scoped)
            cluster = GpuCluster(
                regional,
                GpuClusterArgs(
                    cluster_name=f"aiplat-{platform.stack}-{code}",
                    region=region,
                    kubernetes_version=platform.kubernetes_version,
                    node_release_version=platform.node_release_version,
                    vpc_id=network.vpc_id,
                    private_subnet_ids=network.private_subnet_ids,
                    efa_subnet_id=network.first_private_subnet_id,
                    system_pool=platform.system_pool,
                    gpu_pools=platform.gpu_pools,
                    admin_role_arns=platform.admin_role_arns,
                    public_access_cidrs=platform.public_access_cidrs,
                    log_retention_days=platform.network.flow_log_retention_days,
                    protect=platform.protect,
                    device_plugin=pins.NVIDIA_DEVICE_PLUGIN if platform.device_plugin else None,
                ),
                scoped,
            )
            self.regional.append(RegionalCluster(region=region, cluster=cluster))
            # Multi-region (expert) tiers get the lake in the primary region only for now;
            # cross-region replication of the lake is issue 6.
            if platform.stacks.lake.enabled and region == platform.primary_region:
                self.lake = Lakehouse(
                    f"{regional}-lake",
                    LakehouseArgs(
                        stack=platform.stack,
                        region=region,
                        metastore=platform.stacks.lake.metastore,
                        oidc_provider_arn=cluster.oidc_provider_arn,
                        oidc_issuer=cluster.oidc_issuer,
                        access_log_retention_days=platform.network.flow_log_retention_days,
                        protect=platform.protect,
                    ),
                    scoped,
                )
        primary = self.regional[0].cluster
        self.cluster_name = primary.cluster_name
        self.kubeconfig = primary.kubeconfig
        self.kubernetes = primary.provider

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
        self.cluster_name = pulumi.Output.from_input(platform.kube_context or "existing-cluster")
        self.kubeconfig = pulumi.Output.from_input(None)
        self.kubernetes = cluster.provider
