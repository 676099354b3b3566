"""Requests of a namespace's pods, added up into its ResourceQuota.

Namespaces holding DaemonSets (the Istio CNI agent, the node exporter, the DCGM exporter)
need a quota that grows with the cluster's node ceiling, or the DaemonSet stops scheduling
on the nodes past it.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.platform_namespace import Quota


@dataclass(frozen=True, kw_only=True)
class Requests:
    """What some pods request: CPU in millicores, memory in MiB, and how many pods."""

    cpu_m: int
    memory_mi: int
    pods: int = 1

    def __post_init__(self) -> None:
        if min(self.cpu_m, self.memory_mi, self.pods) < 0:
            raise ValueError(f"requests must be >= 0 (got {self})")

    def times(self, count: int) -> Requests:
        if count < 0:
            raise ValueError(f"count must be >= 0 (got {count})")
        return Requests(
            cpu_m=self.cpu_m * count, memory_mi=self.memory_mi * count, pods=self.pods * count
        )

    def __add__(self, other: Requests) -> Requests:
        return Requests(
            cpu_m=self.cpu_m + other.cpu_m,
            memory_mi=self.memory_mi + other.memory_mi,
            pods=self.pods + other.pods,
        )

    @property
    def cpu(self) -> str:
        return f"{self.cpu_m}m"

    @property
    def memory(self) -> str:
        return f"{self.memory_mi}Mi"


def quota(total: Requests) -> Quota:
    """The ResourceQuota for pods requesting ``total`` (and no GPUs)."""
    return Quota(cpu=total.cpu, memory=total.memory, gpus=0, pods=max(1, total.pods))


def daemon_quota(max_nodes: int, per_node: Requests, fixed: Requests) -> Quota:
    """Quota for ``per_node`` pods on each of ``max_nodes`` nodes plus ``fixed`` others."""
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be >= 1 (got {max_nodes})")
    return quota(per_node.times(max_nodes) + fixed)
