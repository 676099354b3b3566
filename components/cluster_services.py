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
from components.decisions import tolerations
from components.existing_cluster import gpu_scheduling
from components.feature_store import FeatureStore, FeatureStoreArgs, online_store_for
from components.federation import Federation, FederationArgs
from components.kubeflow import Kubeflow, KubeflowArgs
from components.lake_access import LakeAccess
from components.mesh import Mesh, MeshArgs
from components.observability import Observability, ObservabilityArgs
from components.serving import Serving, ServingArgs
from tiers import pins
from tiers.instances import AcceleratorVendor
from tiers.model import DataEngine, KafkaMode, PoolRole, Target
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
    """The platform's in-cluster services on one cluster, one method per part, in install
    order. The mesh and observability come first: the parts after them wait for both
    (Istio's CRDs and sidecar injector, the Prometheus operator's CRDs)."""

    TYPE = "aiplat:platform:ClusterServices"

    def __init__(
        self, name: str, args: ClusterServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self.parts: dict[str, pulumi.ComponentResource] = {}
        self.serving: Serving | None = None
        self._add_mesh(args)
        self._add_observability(args)
        self._add_data_engines(args)
        self._add_serving(args)
        self._add_kubeflow(args)  # its pipeline's canary Role lives in the serving namespace
        self._add_feature_store(args)
        self._add_federation(args)
        self.register_outputs({"parts": sorted(self.parts)})

    def _after_base(self) -> pulumi.ResourceOptions:
        """Options for a part installed after the mesh and observability (when present)."""
        base = [self.parts[k] for k in ("mesh", "observability") if k in self.parts]
        return pulumi.ResourceOptions(parent=self, depends_on=base)

    def _add_mesh(self, args: ClusterServicesArgs) -> None:
        platform = args.platform
        if not platform.stacks.mesh:
            return
        self.parts["mesh"] = Mesh(
            f"{self._name}-mesh",
            MeshArgs(system_nodes=platform.system_pool.desired_nodes, max_nodes=_max_nodes(args)),
            pulumi.ResourceOptions(parent=self),
        )

    def _add_observability(self, args: ClusterServicesArgs) -> None:
        platform = args.platform
        stacks = platform.stacks
        if not stacks.observability.enabled:
            return
        gpu_tolerations = {
            tuple(sorted(t.items())): t
            for p in platform.gpu_pools
            if p.instance.vendor is AcceleratorVendor.NVIDIA
            for t in tolerations(p.instance)
        }
        gpu_nodes = sum(p.desired_nodes for p in platform.gpu_pools)
        self.parts["observability"] = Observability(
            f"{self._name}-observability",
            ObservabilityArgs(
                retention_days=stacks.observability.retention_days,
                nodes=platform.system_pool.desired_nodes + gpu_nodes,
                max_nodes=_max_nodes(args),
                gpu_tolerations=tuple(gpu_tolerations.values()),
                serving_metrics=stacks.mesh,
                managed_control_plane=platform.target is Target.AWS,
            ),
            pulumi.ResourceOptions(parent=self, depends_on=list(self.parts.values())),
        )

    def _add_data_engines(self, args: ClusterServicesArgs) -> None:
        if not args.platform.stacks.data_engines:
            return
        self.parts["data-engines"] = DataEngines(
            f"{self._name}-engines",
            DataEnginesArgs(
                platform=args.platform, lake=args.lake, region=args.region, network=args.network
            ),
            self._after_base(),
        )

    def _add_kubeflow(self, args: ClusterServicesArgs) -> None:
        if not args.platform.stacks.kubeflow:
            return
        self.parts["kubeflow"] = Kubeflow(
            f"{self._name}-kubeflow",
            KubeflowArgs(
                platform=args.platform,
                lake=args.lake,
                serving_ready=tuple(self.serving.namespace.ready) if self.serving else (),
            ),
            self._after_base(),
        )

    def _add_serving(self, args: ClusterServicesArgs) -> None:
        platform = args.platform
        if not platform.stacks.serving.engines:
            return
        inference = [p for p in platform.gpu_pools if p.role is PoolRole.INFERENCE]
        self.serving = Serving(
            f"{self._name}-serving",
            ServingArgs(
                spec=platform.stacks.serving,
                environment=platform.environment,
                mesh=platform.stacks.mesh,
                # The log writer keeps events in the in-cluster Kafka (Strimzi); MSK's IAM
                # authentication is not wired to it, so with MSK it buffers in memory.
                kafka=DataEngine.KAFKA in platform.stacks.data_engines
                and platform.kafka is KafkaMode.STRIMZI,
                gpu=gpu_scheduling(inference[0]) if inference else None,
                lake=args.lake,
            ),
            self._after_base(),
        )
        self.parts["serving"] = self.serving

    def _add_feature_store(self, args: ClusterServicesArgs) -> None:
        platform = args.platform
        # Feast's registry and offline store are on the lake, its online store beside it:
        # one Feast, in the lake's region (the primary on AWS; the cluster you bring).
        # Secondary regions reach the lake too (their own IRSA roles) but not a second Feast.
        if not platform.stacks.feature_store or args.lake is None or not args.primary:
            return
        self.parts["features"] = FeatureStore(
            f"{self._name}-features",
            FeatureStoreArgs(
                stack=platform.stack,
                environment=platform.environment,
                online_store=online_store_for(platform.stacks.online_store, platform.target),
                lake=args.lake,
                network=args.network,
                mesh=platform.stacks.mesh,
                protect=platform.protect,
            ),
            self._after_base(),
        )

    def _add_federation(self, args: ClusterServicesArgs) -> None:
        """FATE: the parties (and the exchange) the spec places in this cluster's region."""
        spec = args.platform.stacks.federation
        hosted = [p for p in spec.parties if p.region == args.region]
        if not spec.enabled or not (hosted or spec.exchange_region == args.region):
            return
        self.parts["federation"] = Federation(
            f"{self._name}-federation",
            FederationArgs(
                stack=args.platform.stack,
                spec=spec,
                region=args.region,
                chart=pins.FATE,
                mesh=args.platform.stacks.mesh,
                region_cidrs=_region_cidrs(args.platform) if args.region else None,
            ),
            self._after_base(),
        )


def _region_cidrs(platform: ResolvedPlatform) -> dict[str, str]:
    return {r: platform.region_network(r).vpc_cidr for r in platform.regions}


def _max_nodes(args: ClusterServicesArgs) -> int:
    """Nodes the cluster can grow to (system and GPU pools at their maximum)."""
    platform = args.platform
    return platform.system_pool.max_nodes + sum(p.max_nodes for p in platform.gpu_pools)
