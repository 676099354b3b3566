"""What a stack bills for, as :class:`~tco.model.InfraItem` rows.

Two derivations, kept equal by ``tests/tco/test_inventory.py``:

* :func:`items_from_resources`: from the resources the offline preview captured (the
  source of truth for ``aiplat tco --stack``): each item refers to a resource URN;
* :func:`items_from_platform`: from the resolved spec, for the Pulumi program itself, which
  must know its cost before it creates anything (``aiplat:budget``).

Managed services beside a cluster are billed around the clock: an MSK cluster's brokers
(broker-hours of its broker type, plus each broker's storage) in every region that runs one,
and the ElastiCache replication group of the Feast online store (node-hours of its node type)
in the primary region. Their sizes come from :mod:`tiers.managed` on both derivations.
When a FATE federation spans regions, its link's internal NLBs and private hosted zone are
billed too (:mod:`tco.federation_items`).

Node counts: a managed node group bills its desired nodes; a Karpenter NodePool has no
desired count (nodes follow pending pods and scale to zero when idle), so it is billed at its
maximum capacity (the NodePool's CPU limit over the instance's vCPUs), and the costing's
per-role utilisation turns that into expected node-hours: utilisation x max capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from tco import federation_items
from tco.model import InfraItem, ItemKind
from tiers.instances import lookup
from tiers.managed import broker_nodes, cache_plan
from tiers.model import KafkaMode, OnlineStore, Provisioner, Target
from tiers.resolve import ResolvedPlatform

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
AWS_PROVIDER = "pulumi:providers:aws"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
KARPENTER_QUEUE = "aws:sqs/queue:Queue"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
# Karpenter capacity-type requirement -> the purchase option the costing prices
_KARPENTER_CAPACITY = (("reserved", "RESERVED"), ("spot", "SPOT"), ("on-demand", "ON_DEMAND"))
POOL_ROLE_LABEL = "aiplat.io/pool-role"
SYSTEM_ROLE = "system"
TIB = 1024  # GiB per TiB: the lake's size is given in TB and billed per GB-month


class Resource(Protocol):
    """The fields of a captured resource that pricing reads (see aiplat.harness)."""

    urn: str
    id: str | None
    type: str
    name: str
    inputs: Mapping[str, Any]
    provider: str | None


def items_from_resources(
    resources: Sequence[Resource], platform: ResolvedPlatform
) -> list[InfraItem]:
    """Billable items of a captured stack (plus the lake, sized by the tier spec)."""
    regions = _provider_regions(resources)
    templates = {r.id: r for r in resources if r.type == LAUNCH_TEMPLATE}

    def region_of(r: Resource) -> str:
        urn = (r.provider or "").rsplit("::", 1)[0]
        return regions.get(urn, platform.primary_region)

    items: list[InfraItem] = []
    for r in resources:
        if r.type == NODE_GROUP:
            nodes = r.inputs["scalingConfig"]["desiredSize"]
            role = r.inputs.get("labels", {}).get(POOL_ROLE_LABEL, SYSTEM_ROLE)
            items.append(
                InfraItem(
                    kind=ItemKind.INSTANCE,
                    region=region_of(r),
                    ref=r.urn,
                    quantity=nodes,
                    key=r.inputs["instanceTypes"][0],
                    pool_role=role,
                    capacity=r.inputs.get("capacityType", "ON_DEMAND"),
                )
            )
            template = templates[r.inputs["launchTemplate"]["id"]]
            volume = sum(m["ebs"]["volumeSize"] for m in template.inputs["blockDeviceMappings"])
            items.append(
                InfraItem(
                    kind=ItemKind.BLOCK_STORAGE,
                    region=region_of(r),
                    ref=template.urn,
                    quantity=volume * nodes,
                    pool_role=role,
                )
            )
        elif r.type == NODE_POOL:
            items += _node_pool_items(r, resources, region_of)
        elif r.type == EKS_CLUSTER:
            items.append(
                InfraItem(
                    kind=ItemKind.CONTROL_PLANE,
                    region=region_of(r),
                    ref=r.urn,
                    quantity=1,
                    key=r.inputs["version"],
                )
            )
        elif r.type == NAT_GATEWAY:
            items.append(
                InfraItem(kind=ItemKind.NAT_GATEWAY, region=region_of(r), ref=r.urn, quantity=1)
            )
        elif r.type == MSK_CLUSTER:
            group = r.inputs["brokerNodeGroupInfo"]
            items += _msk_items(
                r.urn,
                region_of(r),
                brokers=r.inputs["numberOfBrokerNodes"],
                instance_type=group["instanceType"],
                storage_gib=group["storageInfo"]["ebsStorageInfo"]["volumeSize"],
            )
        elif r.type == CACHE_GROUP:
            items.append(
                _cache_item(r.urn, region_of(r), r.inputs["nodeType"], r.inputs["numCacheClusters"])
            )
    items += federation_items.items_from_resources(resources, region_of, platform.primary_region)
    return items + _lake(platform)


def items_from_platform(platform: ResolvedPlatform) -> list[InfraItem]:
    """The same items, derived from the resolved spec (no resources needed)."""
    if platform.target is not Target.AWS:
        return _lake(platform)
    items: list[InfraItem] = []
    for region in platform.regions:
        prefix = f"{region}/"
        pools: Iterable[tuple[str, Any, str, str]] = [
            (SYSTEM_ROLE, platform.system_pool, SYSTEM_ROLE, "ON_DEMAND"),
            *((p.name, p, p.role.value, p.capacity_type.value) for p in platform.gpu_pools),
        ]
        for name, pool, role, capacity in pools:
            elastic = getattr(pool, "provisioner", None) is Provisioner.KARPENTER
            nodes = pool.max_nodes if elastic else pool.desired_nodes
            items.append(
                InfraItem(
                    kind=ItemKind.INSTANCE,
                    region=region,
                    ref=f"{prefix}{name}",
                    quantity=nodes,
                    key=pool.instance.name,
                    pool_role=role,
                    capacity=capacity,
                )
            )
            items.append(
                InfraItem(
                    kind=ItemKind.BLOCK_STORAGE,
                    region=region,
                    ref=f"{prefix}{name}",
                    quantity=pool.volume_gib * nodes,
                    pool_role=role,
                )
            )
        items.append(
            InfraItem(
                kind=ItemKind.CONTROL_PLANE,
                region=region,
                ref=f"{prefix}cluster",
                quantity=1,
                key=platform.kubernetes_version,
            )
        )
        nats = platform.network.az_count if platform.network.nat_per_az else 1
        items += [
            InfraItem(kind=ItemKind.NAT_GATEWAY, region=region, ref=f"{prefix}nat-{i}", quantity=1)
            for i in range(nats)
        ]
        items += _managed_items(platform, region)
    items += federation_items.items_from_platform(platform)
    return items + _lake(platform)


def _managed_items(platform: ResolvedPlatform, region: str) -> list[InfraItem]:
    """MSK in every region when the stack chooses it; the ElastiCache online store where
    Feast runs (the primary region, which holds the lake)."""
    items: list[InfraItem] = []
    if platform.kafka is KafkaMode.MSK:
        engines = platform.engines
        items += _msk_items(
            f"{region}/msk",
            region,
            brokers=broker_nodes(engines.kafka_brokers, platform.network.az_count),
            instance_type=engines.msk_instance_type,
            storage_gib=engines.kafka_storage_gib,
        )
    stacks = platform.stacks
    if (
        region == platform.primary_region
        and stacks.feature_store
        and stacks.lake.enabled
        and stacks.online_store is OnlineStore.ELASTICACHE
    ):
        plan = cache_plan(platform.environment)
        items.append(
            _cache_item(f"{region}/online-store", region, plan.node_type, plan.cache_clusters)
        )
    return items


def _msk_items(
    ref: str, region: str, *, brokers: int, instance_type: str, storage_gib: int
) -> list[InfraItem]:
    """An MSK cluster: its brokers, and the EBS storage each broker has."""
    return [
        InfraItem(
            kind=ItemKind.MSK_BROKER, region=region, ref=ref, quantity=brokers, key=instance_type
        ),
        InfraItem(
            kind=ItemKind.MSK_STORAGE, region=region, ref=ref, quantity=brokers * storage_gib
        ),
    ]


def _cache_item(ref: str, region: str, node_type: str, nodes: int) -> InfraItem:
    """An ElastiCache for Valkey replication group: its nodes (a primary and its replicas)."""
    return InfraItem(
        kind=ItemKind.CACHE_NODE, region=region, ref=ref, quantity=nodes, key=node_type
    )


def _lake(platform: ResolvedPlatform) -> list[InfraItem]:
    """The lake's object storage in the primary region, from the tier spec's lake size.

    Priced from the spec because the Lakehouse component (its buckets) is not part of the
    foundation; once it is, its bucket resources carry the same size.
    """
    if not platform.lake_size_tb or platform.target is not Target.AWS:
        return []
    items = [
        InfraItem(
            kind=ItemKind.OBJECT_STORAGE,
            region=platform.primary_region,
            ref="tier spec: stacks.lake.size_tb x environment lake_scale",
            quantity=platform.lake_size_tb * TIB,
        )
    ]
    if platform.stacks.lake.replicate_warehouse:
        # the warehouse's replica in every secondary region (components/lake_replica.py),
        # sized as the whole lake: an upper bound, the spec does not split the lake's size
        items += [
            InfraItem(
                kind=ItemKind.OBJECT_STORAGE,
                region=region,
                ref="warehouse replica: tier spec lake size (upper bound)",
                quantity=platform.lake_size_tb * TIB,
            )
            for region in platform.regions[1:]
        ]
    return items


def _node_pool_items(pool: Resource, resources: Sequence[Resource], region_of) -> list[InfraItem]:
    """A Karpenter NodePool at its maximum capacity (see the module docstring), with the
    root volumes of its EC2NodeClass; its region is that of its Karpenter component's queue."""
    spec = pool.inputs["spec"]
    template = spec["template"]
    requirement = {r["key"]: r["values"] for r in template["spec"]["requirements"]}
    instance = lookup(requirement["node.kubernetes.io/instance-type"][0])
    nodes = int(spec["limits"]["cpu"]) // instance.vcpus
    capacity = next(
        label
        for value, label in _KARPENTER_CAPACITY
        if value in requirement["karpenter.sh/capacity-type"]
    )
    role = template["metadata"]["labels"][POOL_ROLE_LABEL]
    parent = getattr(pool, "parent", None)
    siblings = [r for r in resources if getattr(r, "parent", None) == parent]
    queues = [r for r in siblings if r.type == KARPENTER_QUEUE]
    region = region_of(queues[0] if queues else pool)
    (node_class,) = [
        r
        for r in siblings
        if r.type == NODE_CLASS
        and r.inputs["metadata"]["name"] == template["spec"]["nodeClassRef"]["name"]
    ]
    volume = sum(
        int(str(m["ebs"]["volumeSize"]).removesuffix("Gi"))
        for m in node_class.inputs["spec"]["blockDeviceMappings"]
    )
    return [
        InfraItem(
            kind=ItemKind.INSTANCE,
            region=region,
            ref=pool.urn,
            quantity=nodes,
            key=instance.name,
            pool_role=role,
            capacity=capacity,
        ),
        InfraItem(
            kind=ItemKind.BLOCK_STORAGE,
            region=region,
            ref=node_class.urn,
            quantity=volume * nodes,
            pool_role=role,
        ),
    ]


def _provider_regions(resources: Sequence[Resource]) -> dict[str, str]:
    return {r.urn: r.inputs.get("region", "") for r in resources if r.type == AWS_PROVIDER}
