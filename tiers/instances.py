"""Instance catalog: the facts aiplat relies on for every EC2 type the tiers use.

Values are AWS's published instance data (``ec2:DescribeInstanceTypes``); the test
``tests/tiers/test_instances.py`` cross-checks every row against the copy that
``moto`` ships, so they cannot drift silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AcceleratorVendor(StrEnum):
    NONE = "none"
    NVIDIA = "nvidia"
    AWS_NEURON = "neuron"


class Arch(StrEnum):
    X86_64 = "x86_64"
    ARM64 = "arm64"


@dataclass(frozen=True, kw_only=True)
class InstanceType:
    name: str
    vendor: AcceleratorVendor
    accelerator: str | None  # the device's name: "H100", "A10G", "Trainium"; None for CPU types
    accelerators: int
    accelerator_memory_gib: int
    vcpus: int
    memory_gib: int
    arch: Arch
    efa: bool
    max_network_cards: int

    @property
    def is_accelerated(self) -> bool:
        return self.vendor is not AcceleratorVendor.NONE


def _row(
    name: str,
    vendor: AcceleratorVendor,
    accelerator: str | None,
    accelerators: int,
    accelerator_memory_gib: int,
    vcpus: int,
    memory_gib: int,
    efa: bool,
    max_network_cards: int,
    arch: Arch = Arch.X86_64,
) -> InstanceType:
    return InstanceType(
        name=name,
        vendor=vendor,
        accelerator=accelerator,
        accelerators=accelerators,
        accelerator_memory_gib=accelerator_memory_gib,
        vcpus=vcpus,
        memory_gib=memory_gib,
        arch=arch,
        efa=efa,
        max_network_cards=max_network_cards,
    )


_NV = AcceleratorVendor.NVIDIA
_NEURON = AcceleratorVendor.AWS_NEURON
_CPU = AcceleratorVendor.NONE

# name, vendor, device, count, device GiB (as AWS reports it), vCPUs, memory GiB, EFA, network cards
CATALOG: dict[str, InstanceType] = {
    row.name: row
    for row in (
        _row("g5.xlarge", _NV, "A10G", 1, 22, 4, 16, False, 1),
        _row("g5.2xlarge", _NV, "A10G", 1, 22, 8, 32, False, 1),
        _row("g5.12xlarge", _NV, "A10G", 4, 22, 48, 192, True, 1),
        _row("g5.48xlarge", _NV, "A10G", 8, 22, 192, 768, True, 1),
        _row("g5g.xlarge", _NV, "T4g", 1, 16, 4, 8, False, 1, Arch.ARM64),
        _row("g6.xlarge", _NV, "L4", 1, 22, 4, 16, False, 1),
        _row("g6.2xlarge", _NV, "L4", 1, 22, 8, 32, False, 1),
        _row("g6.12xlarge", _NV, "L4", 4, 22, 48, 192, True, 1),
        _row("g6.48xlarge", _NV, "L4", 8, 22, 192, 768, True, 1),
        _row("g6e.xlarge", _NV, "L40S", 1, 44, 4, 32, False, 1),
        _row("g6e.2xlarge", _NV, "L40S", 1, 44, 8, 64, False, 1),
        _row("g6e.12xlarge", _NV, "L40S", 4, 44, 48, 384, True, 1),
        _row("g6e.48xlarge", _NV, "L40S", 8, 44, 192, 1536, True, 4),
        _row("p4d.24xlarge", _NV, "A100", 8, 40, 96, 1152, True, 4),
        _row("p4de.24xlarge", _NV, "A100", 8, 80, 96, 1152, True, 4),
        _row("p5.48xlarge", _NV, "H100", 8, 80, 192, 2048, True, 32),
        _row("p5e.48xlarge", _NV, "H200", 8, 141, 192, 2048, True, 32),
        _row("p5en.48xlarge", _NV, "H200", 8, 141, 192, 2048, True, 16),
        _row("trn1.32xlarge", _NEURON, "Trainium", 16, 32, 128, 512, True, 8),
        _row("inf2.xlarge", _NEURON, "Inferentia2", 1, 32, 4, 16, False, 1),
        _row("m7i.xlarge", _CPU, None, 0, 0, 4, 16, False, 1),
        _row("m7i.2xlarge", _CPU, None, 0, 0, 8, 32, False, 1),
        _row("m7i.4xlarge", _CPU, None, 0, 0, 16, 64, False, 1),
        _row("m7g.xlarge", _CPU, None, 0, 0, 4, 16, False, 1, Arch.ARM64),
    )
}


class UnknownInstanceType(ValueError):
    pass


def lookup(name: str) -> InstanceType:
    """Return the catalog row for ``name`` or raise :class:`UnknownInstanceType` listing the choices."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(sorted(CATALOG))
        raise UnknownInstanceType(f"unknown instance type {name!r}; known types: {known}") from None


# MIG profiles per GPU model and memory (GiB as the catalog reports it), from NVIDIA's
# Multi-Instance GPU User Guide, "Supported MIG Profiles" (A100-SXM4-40GB table; the 80GB
# A100 and the H100 80GB use the same slices named by their memory; H200 141GB per the
# guide's H200 table). Media-extension variants (+me) are left out: the device plugin's
# "single" strategy needs one uniform profile per node.
MIG_PROFILES: dict[tuple[str, int], tuple[str, ...]] = {
    ("A100", 40): ("1g.5gb", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    ("A100", 80): ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    ("H100", 80): ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    ("H200", 141): ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
}


def mig_profiles(instance: InstanceType) -> tuple[str, ...]:
    """The MIG profiles the instance's GPU supports; empty when it has no MIG."""
    key = (instance.accelerator or "", instance.accelerator_memory_gib)
    return MIG_PROFILES.get(key, ())
