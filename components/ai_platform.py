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
from components.edge_site import EdgeSite, EdgeSiteArgs
from components.existing_cluster import ExistingCluster, ExistingClusterArgs
from components.federation_link import FederationLink, FederationLinkArgs, LinkEnd
from components.lake_onprem import OnPremLake, OnPremLakeArgs
from components.lake_replication import LakeReplication, LakeReplicationArgs, ReplicaTarget
from components.regional_platform import RegionalPlatform, RegionalPlatformArgs
from components.values import fate
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
        self._add_edge_sites(platform)
        self.register_outputs({"clusterName": self.cluster_name, "kubeconfig": self.kubeconfig})

    def _build_aws(self, platform: ResolvedPlatform) -> None:
        tags = {
            "aiplat:stack": platform.stack,
            "aiplat:tier": platform.tier.value,
            "aiplat:environment": platform.environment.value,
            "managed-by": "pulumi",
        }
        self.regions = []
        for region in platform.regions:  # the primary first: the others use its lake
            primary_lake = self.regions[0].lake if self.regions else None
            self.regions.append(
                RegionalPlatform(
                    f"{self._name}-{region_code(region)}",
                    RegionalPlatformArgs(
                        platform=platform,
                        region=region,
                        code=region_code(region),
                        tags=tags,
                        primary_lake=primary_lake,
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
            )
        primary = self.regions[0]
        self.lake = primary.lake
        self._replicate(platform, primary)
        self._link_federation(platform)
        self.cluster_name = primary.cluster.cluster_name
        self.kubeconfig = primary.cluster.kubeconfig
        self.kubernetes = primary.cluster.provider

    def _add_edge_sites(self, platform: ResolvedPlatform) -> None:
        """Edge sites belong to the platform, not to a region: each pulls models from the
        central artifacts bucket (the primary region's lake, or the on-prem lake)."""
        if not platform.edge_sites:
            return
        lake = getattr(self, "lake", None)
        onprem = getattr(self, "lake_onprem", None)
        if lake is not None:
            access = lake_access.from_lakehouse(lake, platform.primary_region)
        elif onprem is not None:
            access = lake_access.from_onprem(onprem)
        else:
            raise ValueError("edge sites sync models from the lake; the tier's lake is off")
        self.edge_sites = [
            EdgeSite(
                f"{self._name}-edge-{site.name}",
                EdgeSiteArgs(
                    site=site, artifacts_uri=access.artifacts_uri, artifacts_region=access.region
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for site in platform.edge_sites
        ]

    def _replicate(self, platform: ResolvedPlatform, primary: RegionalPlatform) -> None:
        """Warehouse replication from the primary region to every secondary's replica."""
        replicas = [r.replica for r in self.regions if r.replica is not None]
        if primary.lake is None or not replicas:
            return
        lake = primary.lake
        LakeReplication(
            f"{self._name}-{region_code(platform.primary_region)}-lake-replication",
            LakeReplicationArgs(
                stack=platform.stack,
                source_region=platform.primary_region,
                source_bucket=lake.warehouse_bucket,
                source_bucket_arn=lake.warehouse_bucket_arn,
                source_key_arn=lake.key_arn,
                replicas=tuple(
                    ReplicaTarget(
                        region=r.region, code=r.code, bucket_arn=r.bucket_arn, key_arn=r.key_arn
                    )
                    for r in replicas
                ),
                depends_on=(lake.warehouse_versioning, *(v for r in replicas for v in r.ready)),
            ),
            pulumi.ResourceOptions(parent=self, providers={"aws": primary.aws_provider}),
        )

    def _link_federation(self, platform: ResolvedPlatform) -> None:
        """Peering, routes and names between the exchange's region and the regions of
        parties it reaches from afar (only when the federation spans regions)."""
        spec = platform.stacks.federation
        remote = fate.remote_members(spec) if spec.enabled else {}
        if not remote:
            return
        by_region = {r.region: r for r in self.regions}
        hosts = {}
        for regional in self.regions:
            federation = regional.services.parts.get("federation")
            if federation is not None:
                hosts |= federation.remote_hosts

        def end(region: str) -> LinkEnd:
            regional = by_region[region]
            return LinkEnd(
                region=region,
                code=regional.code,
                vpc_id=regional.network.vpc_id,
                vpc_cidr=regional.vpc_cidr,
                route_table_ids=regional.network.private_route_table_ids,
                provider=regional.aws_provider,
            )

        hub = spec.exchange_region
        spokes = remote[fate.EXCHANGE]
        self.federation_link = FederationLink(
            f"{self._name}-{region_code(hub)}-fate-link",
            FederationLinkArgs(
                stack=platform.stack,
                hub=end(hub),
                spokes=tuple(end(r) for r in spokes),
                hosts=hosts,
            ),
            pulumi.ResourceOptions(parent=self),
        )

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
