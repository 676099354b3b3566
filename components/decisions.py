"""Pure decisions the components make, each tested as a table (see tests/components/).

Nothing here touches Pulumi: inputs are resolved specs, outputs plain data.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from tiers.instances import AcceleratorVendor, Arch, InstanceType
from tiers.resolve import ResolvedGpuPool

POOL_LABEL = "aiplat.io/pool"
POOL_ROLE_LABEL = "aiplat.io/pool-role"


class AmiType(StrEnum):
    """EKS managed node group AMI types aiplat uses (the EKS API's spelling)."""

    AL2023_X86_64_STANDARD = "AL2023_x86_64_STANDARD"
    AL2023_ARM_64_STANDARD = "AL2023_ARM_64_STANDARD"
    AL2023_X86_64_NVIDIA = "AL2023_x86_64_NVIDIA"
    AL2023_ARM_64_NVIDIA = "AL2023_ARM_64_NVIDIA"
    AL2023_X86_64_NEURON = "AL2023_x86_64_NEURON"


_AMI_TYPES: dict[tuple[AcceleratorVendor, Arch], AmiType] = {
    (AcceleratorVendor.NONE, Arch.X86_64): AmiType.AL2023_X86_64_STANDARD,
    (AcceleratorVendor.NONE, Arch.ARM64): AmiType.AL2023_ARM_64_STANDARD,
    (AcceleratorVendor.NVIDIA, Arch.X86_64): AmiType.AL2023_X86_64_NVIDIA,
    (AcceleratorVendor.NVIDIA, Arch.ARM64): AmiType.AL2023_ARM_64_NVIDIA,
    (AcceleratorVendor.AWS_NEURON, Arch.X86_64): AmiType.AL2023_X86_64_NEURON,
}


def ami_type(instance: InstanceType) -> AmiType:
    """The EKS-optimized AL2023 AMI type for an instance's accelerator and architecture.

    The NVIDIA variants ship the driver and container toolkit but not the device plugin,
    which :class:`components.gpu_cluster.GpuCluster` installs.
    """
    try:
        return _AMI_TYPES[(instance.vendor, instance.arch)]
    except KeyError:
        raise ValueError(
            f"no EKS-optimized AMI for {instance.vendor.value} accelerators on "
            f"{instance.arch.value} ({instance.name})"
        ) from None


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # the EKS API's spelling: NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE

    @property
    def kubernetes_effect(self) -> str:
        return "".join(part.capitalize() for part in self.effect.split("_"))


_RESOURCE_NAMES: dict[AcceleratorVendor, str] = {
    AcceleratorVendor.NVIDIA: "nvidia.com/gpu",
    AcceleratorVendor.AWS_NEURON: "aws.amazon.com/neuron",
}


def accelerator_resource(instance: InstanceType) -> str | None:
    """The extended resource name pods request for the instance's accelerator."""
    return _RESOURCE_NAMES.get(instance.vendor)


def pool_taints(instance: InstanceType) -> tuple[Taint, ...]:
    """Accelerated nodes repel pods that do not ask for an accelerator."""
    resource = accelerator_resource(instance)
    return () if resource is None else (Taint(resource, "true", "NO_SCHEDULE"),)


def pool_labels(pool: ResolvedGpuPool) -> dict[str, str]:
    """Labels on every node of a GPU pool; workloads select pools by them."""
    labels = {
        POOL_LABEL: pool.name,
        POOL_ROLE_LABEL: pool.role.value,
        "aiplat.io/accelerator": (pool.instance.accelerator or "none").lower(),
    }
    if pool.instance.vendor is AcceleratorVendor.NVIDIA:
        labels["nvidia.com/gpu.present"] = "true"
    if pool.efa:
        labels["vpc.amazonaws.com/efa.present"] = "true"
    return labels


def tolerations(instance: InstanceType) -> list[dict[str, str]]:
    """Kubernetes tolerations matching :func:`pool_taints`."""
    return [
        {"key": t.key, "operator": "Equal", "value": t.value, "effect": t.kubernetes_effect}
        for t in pool_taints(instance)
    ]


def efa_interface_count(instance: InstanceType) -> int:
    """One EFA interface per network card, as terraform-aws-eks does; zero without EFA."""
    return instance.max_network_cards if instance.efa else 0


@dataclass(frozen=True)
class SubnetPlan:
    zone: str
    private_cidr: str
    public_cidr: str


def subnet_plan(vpc_cidr: str, zones: list[str]) -> list[SubnetPlan]:
    """Carve a VPC into one large private and one small public subnet per zone.

    The VPC splits into eight blocks; zone *i* takes private block *i*, and the last block is
    split into eight again for the public subnets (load balancers and NAT gateways only).
    A /16 gives /19 private and /22 public subnets.
    """
    if not 1 <= len(zones) <= 7:
        raise ValueError(f"between 1 and 7 zones are supported (got {len(zones)})")
    blocks = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=3))
    public = list(blocks[-1].subnets(prefixlen_diff=3))
    return [
        SubnetPlan(zone=zone, private_cidr=str(blocks[i]), public_cidr=str(public[i]))
        for i, zone in enumerate(zones)
    ]


def zone_suffix(zone: str) -> str:
    """``us-east-1a`` -> ``1a``: short, stable, and unique within a region."""
    return zone.rsplit("-", 1)[-1]


def region_code(region: str) -> str:
    """``us-east-1`` -> ``use1``; ``ap-southeast-2`` -> ``apse2``: for names that must stay short."""
    parts = region.split("-")
    words = {"east": "e", "west": "w", "north": "n", "south": "s", "central": "c"}
    middle = "".join("".join(words.get(w, w[0]) for w in _split_compass(p)) for p in parts[1:-1])
    return f"{parts[0]}{middle}{parts[-1]}"


def _split_compass(word: str) -> list[str]:
    for prefix in ("north", "south"):
        if word.startswith(prefix) and word != prefix:
            return [prefix, word[len(prefix) :]]
    return [word]
