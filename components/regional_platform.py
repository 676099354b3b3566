"""RegionalPlatform: one AWS region of the platform: its provider, Network, GpuCluster, the
lake when the region is primary, and the in-cluster services.

Everything in it is named from the region's short code (``aiplat-use1``), so adding a region
to a stack adds a RegionalPlatform and changes no existing URN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws

from components import lake_access
from components.cluster_services import ClusterServices, ClusterServicesArgs, RegionNetwork
from components.gpu_cluster import GpuCluster, GpuClusterArgs
from components.lake_replica import LakeReplica, LakeReplicaArgs
from components.lake_roles import LakeRoles, LakeRolesArgs
from components.lakehouse import Lakehouse, LakehouseArgs
from components.network import Network, NetworkArgs
from tiers import pins
from tiers.model import Provisioner
from tiers.resolve import ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class RegionalPlatformArgs:
    platform: ResolvedPlatform
    region: str
    code: str  # the region's short code (decisions.region_code)
    tags: Mapping[str, str]
    primary_lake: Lakehouse | None = None  # secondary regions: the primary region's lake

    def __post_init__(self) -> None:
        if self.region not in self.platform.regions:
            raise ValueError(f"region {self.region} is not one of the stack's regions")

    @property
    def primary(self) -> bool:
        return self.region == self.platform.primary_region


class RegionalPlatform(pulumi.ComponentResource):
    """One region: network, EKS cluster with its GPU pools, lake (primary region only),
    in-cluster services."""

    TYPE = "aiplat:platform:RegionalPlatform"

    cluster: GpuCluster
    lake: Lakehouse | None
    services: ClusterServices

    def __init__(
        self, name: str, args: RegionalPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        platform = args.platform
        self.region, self.code = args.region, args.code
        self.aws_provider = aws.Provider(
            name,
            region=args.region,
            default_tags={"tags": dict(args.tags)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        scoped = pulumi.ResourceOptions(parent=self, providers={"aws": self.aws_provider})
        cluster_name = f"aiplat-{platform.stack}-{args.code}"
        karpenter = any(p.provisioner is Provisioner.KARPENTER for p in platform.gpu_pools)
        plan = platform.region_network(args.region)
        network = Network(
            name,
            NetworkArgs(plan=plan, karpenter_discovery=cluster_name if karpenter else None),
            scoped,
        )
        self.network = network
        self.vpc_cidr = plan.vpc_cidr
        self.cluster = GpuCluster(
            name,
            GpuClusterArgs(
                cluster_name=cluster_name,
                region=args.region,
                kubernetes_version=platform.kubernetes_version,
                node_release_version=platform.node_release_version,
                vpc_id=network.vpc_id,
                private_subnet_ids=network.private_subnet_ids,
                efa_subnet_id=network.first_private_subnet_id,
                efa_zone=network.zones[0],
                system_pool=platform.system_pool,
                gpu_pools=platform.gpu_pools,
                admin_role_arns=platform.admin_role_arns,
                public_access_cidrs=platform.public_access_cidrs,
                log_retention_days=platform.network.flow_log_retention_days,
                protect=platform.protect,
                device_plugin=pins.NVIDIA_DEVICE_PLUGIN if platform.device_plugin else None,
                karpenter=pins.KARPENTER if karpenter else None,
            ),
            scoped,
        )
        self.lake = None
        access = None
        if platform.stacks.lake.enabled and args.primary:
            self.lake = Lakehouse(
                f"{name}-lake",
                LakehouseArgs(
                    stack=platform.stack,
                    region=args.region,
                    metastore=platform.stacks.lake.metastore,
                    oidc_provider_arn=self.cluster.oidc_provider_arn,
                    oidc_issuer=self.cluster.oidc_issuer,
                    access_log_retention_days=platform.network.flow_log_retention_days,
                    protect=platform.protect,
                ),
                scoped,
            )
            access = lake_access.from_lakehouse(self.lake, args.region)
        elif args.primary_lake is not None:
            # Secondary region: the primary's lake, through this cluster's own roles.
            roles = LakeRoles(
                f"{name}-lake-roles",
                LakeRolesArgs(
                    stack=platform.stack,
                    region=args.region,
                    oidc_provider_arn=self.cluster.oidc_provider_arn,
                    oidc_issuer=self.cluster.oidc_issuer,
                    policies=args.primary_lake.consumer_policies,
                ),
                scoped,
            )
            access = replace(
                lake_access.from_lakehouse(args.primary_lake, platform.primary_region),
                role_arns=roles.role_arns,
            )
        self.replica: LakeReplica | None = None
        lake = platform.stacks.lake
        if lake.enabled and lake.replicate_warehouse and not args.primary:
            self.replica = LakeReplica(
                f"{name}-lake-replica",
                LakeReplicaArgs(
                    stack=platform.stack,
                    region=args.region,
                    code=args.code,
                    source_region=platform.primary_region,
                    access_log_retention_days=platform.network.flow_log_retention_days,
                    protect=platform.protect,
                ),
                scoped,
            )
        self.services = ClusterServices(
            f"{name}-services",
            ClusterServicesArgs(
                platform=platform,
                region=args.region,
                primary=args.primary,
                lake=access,
                network=RegionNetwork(
                    vpc_id=network.vpc_id,
                    private_subnet_ids=network.private_subnet_ids,
                    vpc_cidr=plan.vpc_cidr,
                    zones=tuple(network.zones),
                ),
            ),
            pulumi.ResourceOptions(
                parent=self,
                providers={"aws": self.aws_provider, "kubernetes": self.cluster.provider},
            ),
        )
        self.register_outputs({"region": args.region, "clusterName": self.cluster.cluster_name})
