"""ClusterServices: everything aiplat installs *inside* one Kubernetes cluster, composed from
the resolved spec: mesh, observability, Kubeflow, serving, feature store, data engines,
federation. One per cluster (per region on AWS; one on a cluster the user brings).

Like :class:`~components.ai_platform.AiPlatform` it never branches on the tier: each part
is switched on and sized by the spec. Pass the cluster's Kubernetes provider (and, on AWS,
the region's AWS provider) in ``opts.providers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.data_engines import DataEngines, DataEnginesArgs
from components.lake_access import LakeAccess
from tiers.model import Target
from tiers.resolve import ResolvedPlatform


@dataclass(frozen=True, kw_only=True)
class RegionNetwork:
    """The region's VPC, for managed AWS services placed beside the cluster (MSK,
    ElastiCache): private subnets only; access allowed from ``vpc_cidr``."""

    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    vpc_cidr: str
    zones: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ClusterServicesArgs:
    platform: ResolvedPlatform
    region: str | None  # None on a cluster the user brings
    primary: bool  # the primary region's cluster (holds the catalog); True on-prem
    lake: LakeAccess | None
    network: RegionNetwork | None = None  # AWS only

    def __post_init__(self) -> None:
        if (self.platform.target is Target.AWS) != (self.region is not None):
            raise ValueError("region is required on AWS and must be None on a cluster you bring")
        if (self.network is not None) != (self.region is not None):
            raise ValueError("network is required on AWS and must be None on a cluster you bring")


class ClusterServices(pulumi.ComponentResource):
    """The platform's in-cluster services on one cluster."""

    TYPE = "aiplat:platform:ClusterServices"

    def __init__(
        self, name: str, args: ClusterServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self.parts: dict[str, pulumi.ComponentResource] = {}
        # Each part below is added by the spec; the order is the install order.
        if args.platform.stacks.data_engines:
            self.parts["data-engines"] = DataEngines(
                f"{name}-engines",
                DataEnginesArgs(
                    platform=args.platform, lake=args.lake, region=args.region, network=args.network
                ),
                pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"parts": sorted(self.parts)})
