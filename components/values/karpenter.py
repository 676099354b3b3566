"""Karpenter as data: the controller chart's values and the spec of one ``NodePool`` +
``EC2NodeClass`` per GPU pool (karpenter.sh/v1, karpenter.k8s.aws/v1).

Pure functions of the resolved pool and plain strings; :class:`components.karpenter.Karpenter`
passes Pulumi outputs (role ARN, endpoint, key ARN) straight through as values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.decisions import efa_interface_count, pool_labels, pool_taints
from components.values.nvidia_device_plugin import sharing_labels
from tiers.instances import Arch
from tiers.model import CapacityType, PoolRole
from tiers.resolve import ResolvedGpuPool

NAMESPACE = "kube-system"  # Karpenter's documented default: system-cluster-critical priority
SERVICE_ACCOUNT = "karpenter"
DISCOVERY_TAG = "karpenter.sh/discovery"
EFA_TAG = "aiplat.io/efa"
NODE_CLASS_GROUP = "karpenter.k8s.aws"
EXPIRE_AFTER = "720h"  # nodes are replaced every 30 days: fresh AMIs and patches


class Consolidation(StrEnum):
    WHEN_EMPTY = "WhenEmpty"
    WHEN_EMPTY_OR_UNDERUTILIZED = "WhenEmptyOrUnderutilized"


@dataclass(frozen=True)
class Disruption:
    policy: Consolidation
    consolidate_after: str
    budget: str  # nodes Karpenter may disrupt at once


# Training runs must not be moved while they run: only empty nodes go; everything else is
# consolidated onto fewer or cheaper nodes.
_DISRUPTION: dict[PoolRole, Disruption] = {
    PoolRole.TRAINING: Disruption(Consolidation.WHEN_EMPTY, "10m", "1"),
    PoolRole.BATCH: Disruption(Consolidation.WHEN_EMPTY_OR_UNDERUTILIZED, "5m", "20%"),
    PoolRole.NOTEBOOK: Disruption(Consolidation.WHEN_EMPTY, "30m", "1"),
    PoolRole.INFERENCE: Disruption(Consolidation.WHEN_EMPTY_OR_UNDERUTILIZED, "5m", "10%"),
}

# Karpenter's capacity-type requirement values; spot pools fall back to on-demand.
_CAPACITY: dict[CapacityType, list[str]] = {
    CapacityType.SPOT: ["spot", "on-demand"],
    CapacityType.ON_DEMAND: ["on-demand"],
    CapacityType.RESERVED: ["reserved"],
}

_ARCH = {Arch.X86_64: "amd64", Arch.ARM64: "arm64"}


def disruption(role: PoolRole) -> Disruption:
    return _DISRUPTION[role]


def capacity_types(capacity: CapacityType) -> list[str]:
    return _CAPACITY[capacity]


def ami_alias(node_release_version: str) -> str:
    """``1.35.6-20260714`` -> ``al2023@v20260714``: the same AMI release as the node groups."""
    return f"al2023@v{node_release_version.rsplit('-', 1)[-1]}"


def limits(pool: ResolvedGpuPool) -> dict[str, str]:
    """The pool's ceiling: its maximum nodes' GPUs and vCPUs."""
    result = {"cpu": str(pool.max_vcpus)}
    taint = pool_taints(pool.instance)
    if taint:
        result[taint[0].key] = str(pool.max_gpus)
    return result


def node_pool_spec(pool: ResolvedGpuPool, efa_zone: str | None = None) -> dict[str, Any]:
    """NodePool spec for one GPU pool (karpenter.sh/v1)."""
    rules = disruption(pool.role)
    requirements = [
        {
            "key": "node.kubernetes.io/instance-type",
            "operator": "In",
            "values": [pool.instance.name],
        },
        {
            "key": "karpenter.sh/capacity-type",
            "operator": "In",
            "values": capacity_types(pool.capacity_type),
        },
        {"key": "kubernetes.io/arch", "operator": "In", "values": [_ARCH[pool.instance.arch]]},
    ]
    if pool.efa and efa_zone:
        # EFA nodes share one placement group, hence one zone (as the node groups do)
        requirements.append(
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [efa_zone]}
        )
    return {
        "template": {
            "metadata": {
                "labels": {**pool_labels(pool), **sharing_labels(pool.name, pool.sharing)}
            },
            "spec": {
                "nodeClassRef": {
                    "group": NODE_CLASS_GROUP,
                    "kind": "EC2NodeClass",
                    "name": pool.name,
                },
                "requirements": requirements,
                "taints": [
                    {"key": t.key, "value": t.value, "effect": t.kubernetes_effect}
                    for t in pool_taints(pool.instance)
                ],
                "expireAfter": EXPIRE_AFTER,
            },
        },
        "disruption": {
            "consolidationPolicy": rules.policy.value,
            "consolidateAfter": rules.consolidate_after,
            "budgets": [{"nodes": rules.budget}],
        },
        "limits": limits(pool),
    }


def node_class_spec(
    pool: ResolvedGpuPool,
    *,
    cluster_name: str,
    node_role: str,
    node_release_version: str,
    volume_key_arn: Any,
    placement_group: str | None = None,
) -> dict[str, Any]:
    """EC2NodeClass spec for one GPU pool (karpenter.k8s.aws/v1): AL2023 at the pinned
    release, IMDSv2 only with hop limit 1, an encrypted gp3 root volume, subnets and
    security groups found by tag; EFA interfaces and reservations where the pool asks."""
    groups: list[dict[str, Any]] = [{"tags": {DISCOVERY_TAG: cluster_name}}]
    spec: dict[str, Any] = {
        "amiSelectorTerms": [{"alias": ami_alias(node_release_version)}],
        "role": node_role,
        "subnetSelectorTerms": [{"tags": {DISCOVERY_TAG: cluster_name}}],
        "securityGroupSelectorTerms": groups,
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {
                "deviceName": "/dev/xvda",
                "rootVolume": True,
                "ebs": {
                    "volumeSize": f"{pool.volume_gib}Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "kmsKeyID": volume_key_arn,
                    "deleteOnTermination": True,
                },
            }
        ],
        "tags": {"aiplat.io/pool": pool.name, "aiplat.io/pool-role": pool.role.value},
    }
    if pool.efa:
        groups.append({"tags": {EFA_TAG: cluster_name}})
        spec["networkInterfaces"] = efa_interfaces(pool)
        if placement_group:
            spec["placementGroupSelector"] = {"name": placement_group}
    if pool.reservation is not None:
        term: dict[str, Any] = (
            {"id": pool.reservation.id}
            if pool.reservation.id
            else {"tags": dict(pool.reservation.tags)}
        )
        spec["capacityReservationSelectorTerms"] = [term]
    return spec


def efa_interfaces(pool: ResolvedGpuPool) -> list[dict[str, Any]]:
    """The primary ENA interface, then one EFA-only interface per network card."""
    cards = efa_interface_count(pool.instance)
    return [
        {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "interface"},
        *(
            {
                "networkCardIndex": card,
                "deviceIndex": 1 if card == 0 else 0,
                "interfaceType": "efa-only",
            }
            for card in range(cards)
        ),
    ]


def values(
    *, cluster_name: Any, cluster_endpoint: Any, queue_name: Any, role_arn: Any
) -> dict[str, Any]:
    """Controller chart values: IRSA role, interruption queue, reserved capacity on, two
    replicas on the system pool."""
    return {
        "settings": {
            "clusterName": cluster_name,
            "clusterEndpoint": cluster_endpoint,
            "interruptionQueue": queue_name,
            "featureGates": {"reservedCapacity": True},
        },
        "serviceAccount": {
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "replicas": 2,
        "nodeSelector": {"aiplat.io/pool": "system"},
        "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
        "controller": {
            "resources": {
                "requests": {"cpu": "250m", "memory": "512Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            }
        },
    }
