"""GPU and system pools: the tier's pools scaled by the environment overlay, with the
stack's per-pool overrides (counts, instance type, capacity, provisioner, sharing,
reservations) applied and checked. Used by :mod:`tiers.resolve`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field

from tiers.environments import EnvironmentOverlay
from tiers.errors import SpecError
from tiers.instances import (
    CATALOG,
    AcceleratorVendor,
    InstanceType,
    UnknownInstanceType,
    lookup,
    mig_profiles,
)
from tiers.model import (
    GPU_ROOT_VOLUME_GIB,
    SYSTEM_ROOT_VOLUME_GIB,
    CapacityReservation,
    CapacityType,
    CpuPoolSpec,
    GpuPoolSpec,
    GpuSharing,
    PoolRole,
    Provisioner,
    SharingMode,
    Target,
)
from tiers.stack_config import (
    NAMESPACE,
    GpuPoolOverride,
    StackConfig,
    SystemPoolOverride,
)


@dataclass(frozen=True, kw_only=True)
class ResolvedGpuPool:
    name: str
    role: PoolRole
    instance: InstanceType
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    capacity_type: CapacityType
    efa: bool
    volume_gib: int = GPU_ROOT_VOLUME_GIB
    provisioner: Provisioner = Provisioner.MANAGED
    sharing: GpuSharing = dataclass_field(default_factory=GpuSharing)
    reservation: CapacityReservation | None = None

    @property
    def gpus(self) -> int:
        """Accelerators in the pool at its desired size."""
        return self.instance.accelerators * self.desired_nodes

    @property
    def max_gpus(self) -> int:
        """Accelerators in the pool at its maximum size (Karpenter's GPU limit)."""
        return self.instance.accelerators * self.max_nodes

    @property
    def max_vcpus(self) -> int:
        """vCPUs in the pool at its maximum size (Karpenter's CPU limit; preflight's peak)."""
        return self.instance.vcpus * self.max_nodes


@dataclass(frozen=True, kw_only=True)
class ResolvedCpuPool:
    instance: InstanceType
    min_nodes: int
    desired_nodes: int
    max_nodes: int
    volume_gib: int = SYSTEM_ROOT_VOLUME_GIB


def check_pool_names(config: StackConfig, pools: tuple[GpuPoolSpec, ...]) -> None:
    names = [p.name for p in pools]
    for name in config.gpuPools:
        if name not in names:
            raise SpecError(
                f"{NAMESPACE}:gpuPools.{name}",
                f"tier {config.tier.value} has no GPU pool {name!r}",
                f"use one of: {', '.join(names)}",
            )


def resolve_gpu_pool(
    pool: GpuPoolSpec,
    overlay: EnvironmentOverlay,
    override: GpuPoolOverride | None,
    target: Target = Target.AWS,
) -> ResolvedGpuPool:
    low, desired, high = overlay.scale_nodes(pool.min_nodes, pool.desired_nodes, pool.max_nodes)
    reserved = pool.capacity_type is CapacityType.RESERVED
    scaled = replace(
        pool,
        min_nodes=low,
        desired_nodes=desired,
        max_nodes=high,
        capacity_type=pool.capacity_type if reserved else overlay.capacity or pool.capacity_type,
        provisioner=overlay.gpu_provisioner or pool.provisioner,
    )
    field = f"{NAMESPACE}:gpuPools.{pool.name}"
    if override is not None:
        scaled = _apply_override(scaled, override, field)
        scaled = _apply_capacity_override(scaled, override, field)
    if target is not Target.AWS:  # an existing cluster's own nodes: no Karpenter, no EC2 capacity
        scaled = replace(scaled, provisioner=Provisioner.MANAGED)
    instance = _instance(scaled.instance_type, f"{field}.instanceType")
    if not instance.is_accelerated:
        raise SpecError(
            f"{field}.instanceType",
            f"{instance.name} has no known accelerator",
            "choose a GPU instance type such as g6.xlarge, g6e.12xlarge or p5.48xlarge",
        )
    if scaled.efa and not instance.efa:
        raise SpecError(
            f"{field}.efa",
            f"{instance.name} does not support EFA",
            "choose an EFA-capable type (g6.12xlarge, p4d.24xlarge, p5.48xlarge) or set efa: false",
        )
    _check_sharing(scaled.sharing, instance, f"{field}.sharing")
    _check_reservation(scaled, f"{field}.capacityReservation")
    if scaled.provisioner is Provisioner.KARPENTER:
        # Karpenter keeps no floor: nodes follow pending pods and the pool scales to zero
        scaled = replace(scaled, min_nodes=0)
    return ResolvedGpuPool(
        name=scaled.name,
        role=scaled.role,
        instance=instance,
        min_nodes=scaled.min_nodes,
        desired_nodes=scaled.desired_nodes,
        max_nodes=scaled.max_nodes,
        capacity_type=scaled.capacity_type,
        efa=scaled.efa,
        provisioner=scaled.provisioner,
        sharing=scaled.sharing,
        reservation=scaled.reservation,
    )


def _apply_capacity_override(
    pool: GpuPoolSpec, override: GpuPoolOverride, field: str
) -> GpuPoolSpec:
    """Provisioner, GPU sharing and capacity reservation of one stack's pool."""
    changes: dict = {}
    if override.provisioner is not None:
        changes["provisioner"] = override.provisioner
    if override.sharing is not None:
        given = override.sharing
        replicas = given.replicas if given.replicas is not None else 1
        if given.mode is SharingMode.TIME_SLICING and given.replicas is None:
            raise SpecError(
                f"{field}.sharing.replicas", "time-slicing needs replicas", "set replicas >= 1"
            )
        if given.mode is not SharingMode.TIME_SLICING and given.replicas is not None:
            raise SpecError(
                f"{field}.sharing.replicas",
                f"replicas apply only to time-slicing (mode is {given.mode.value})",
                "remove replicas or set mode: time-slicing",
            )
        if (given.mode is SharingMode.MIG) != (given.migProfile is not None):
            raise SpecError(
                f"{field}.sharing.migProfile",
                "a MIG profile is set exactly when mode is mig",
                "set mode: mig with a migProfile such as 1g.10gb, or remove migProfile",
            )
        changes["sharing"] = GpuSharing(
            mode=given.mode, replicas=replicas, mig_profile=given.migProfile
        )
    if override.capacityReservation is not None:
        given = override.capacityReservation
        if (given.id is None) == (not given.tags):
            raise SpecError(
                f"{field}.capacityReservation",
                "name the reservation by id or by tags (exactly one)",
                "set id: cr-... or tags: {key: value}",
            )
        changes["reservation"] = CapacityReservation(
            kind=given.kind, id=given.id, tags=tuple(sorted(given.tags.items()))
        )
        if override.capacityType is None:
            changes["capacity_type"] = CapacityType.RESERVED
    return replace(pool, **changes)


def _check_sharing(sharing: GpuSharing, instance: InstanceType, field: str) -> None:
    if sharing.mode is SharingMode.NONE:
        return
    if instance.vendor is not AcceleratorVendor.NVIDIA:
        raise SpecError(
            field,
            f"GPU sharing needs NVIDIA GPUs; {instance.name} has {instance.accelerator}",
            "set sharing mode none for this pool",
        )
    if sharing.mode is SharingMode.MIG:
        supported = mig_profiles(instance)
        if sharing.mig_profile not in supported:
            gpu = f"{instance.accelerator} {instance.accelerator_memory_gib}GB"
            raise SpecError(
                f"{field}.migProfile",
                f"{instance.name} ({gpu}) does not support MIG profile {sharing.mig_profile!r}",
                f"use one of: {', '.join(supported)}"
                if supported
                else "use time-slicing, or an A100/H100/H200 instance type",
            )


def _check_reservation(pool: GpuPoolSpec, field: str) -> None:
    reserved = pool.capacity_type is CapacityType.RESERVED
    if reserved and pool.reservation is None:
        raise SpecError(
            field,
            "capacityType RESERVED needs a capacity reservation or capacity block",
            "set capacityReservation: {kind: capacity-block, id: cr-...}",
        )
    if pool.reservation is None:
        return
    if not reserved:
        raise SpecError(
            field,
            f"a capacity reservation needs capacityType RESERVED (got {pool.capacity_type.value})",
            "set capacityType: RESERVED or remove capacityReservation",
        )
    if pool.provisioner is Provisioner.MANAGED and pool.reservation.id is None:
        raise SpecError(
            field,
            "a managed node group targets its reservation by id (launch templates cannot "
            "select by tags)",
            "set id: cr-..., or provisioner: karpenter to select by tags",
        )


def _apply_override(pool: GpuPoolSpec, override: GpuPoolOverride, field: str) -> GpuPoolSpec:
    changes = {
        "instance_type": override.instanceType,
        "min_nodes": override.minNodes,
        "desired_nodes": override.desiredNodes,
        "max_nodes": override.maxNodes,
        "capacity_type": override.capacityType,
        "efa": override.efa,
    }
    merged = {k: v for k, v in changes.items() if v is not None}
    _check_counts(
        field,
        merged.get("min_nodes", pool.min_nodes),
        merged.get("desired_nodes", pool.desired_nodes),
        merged.get("max_nodes", pool.max_nodes),
    )
    return replace(pool, **merged)


def resolve_system_pool(
    pool: CpuPoolSpec, overlay: EnvironmentOverlay, override: SystemPoolOverride | None
) -> ResolvedCpuPool:
    desired = pool.desired_nodes
    if overlay.system_desired_cap is not None:
        desired = min(desired, overlay.system_desired_cap)
    low, high = min(pool.min_nodes, desired), pool.max_nodes
    instance_type = pool.instance_type
    field = f"{NAMESPACE}:systemPool"
    if override is not None:
        low = override.minNodes if override.minNodes is not None else low
        desired = override.desiredNodes if override.desiredNodes is not None else desired
        high = override.maxNodes if override.maxNodes is not None else high
        instance_type = override.instanceType or instance_type
        _check_counts(field, low, desired, high)
    if low < 1:
        raise SpecError(f"{field}.minNodes", "the system pool needs at least one node", "set >= 1")
    instance = _instance(instance_type, f"{field}.instanceType")
    if instance.is_accelerated:
        raise SpecError(
            f"{field}.instanceType",
            f"{instance.name} is an accelerated type; the system pool runs CPU workloads",
            "choose a CPU instance type such as m7i.xlarge",
        )
    return ResolvedCpuPool(
        instance=instance,
        min_nodes=low,
        desired_nodes=desired,
        max_nodes=high,
    )


def _check_counts(field: str, low: int, desired: int, high: int) -> None:
    if not low <= desired <= high:
        raise SpecError(
            field,
            f"needs minNodes <= desiredNodes <= maxNodes (got {low}, {desired}, {high})",
            "adjust the counts in the stack file",
        )
    if high < 1:
        raise SpecError(f"{field}.maxNodes", "must be at least 1 (got 0)", "set maxNodes >= 1")


def _instance(name: str, field: str) -> InstanceType:
    try:
        return lookup(name)
    except UnknownInstanceType:
        known = ", ".join(sorted(CATALOG))
        raise SpecError(field, f"unknown instance type {name!r}", f"use one of: {known}") from None
