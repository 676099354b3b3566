"""What each tier contains, as one table (aspects down, tiers across)."""

from __future__ import annotations

from aiplat.render import Table
from tiers import TIERS
from tiers.instances import lookup
from tiers.model import TierSpec


def _sorted(values) -> list[str]:
    return sorted(v.value for v in values)


def _aspects(spec: TierSpec) -> dict[str, object]:
    s = spec.stacks
    low, high = spec.gpu_server_range
    gpus = sum(lookup(p.instance_type).accelerators * p.desired_nodes for p in spec.gpu_pools)
    return {
        "summary": spec.summary,
        "data scale": spec.data_scale,
        "team (people)": spec.team.total,
        "data scientists": spec.team.data_scientists,
        "design GPU servers": f"{low}-{high}" if high else f"{low}+",
        "GPU servers (prod)": spec.gpu_servers,
        "GPUs (prod)": gpus * len(spec.regions),
        "GPU pools": [
            f"{p.name}: {p.desired_nodes}x {p.instance_type}{' EFA' if p.efa else ''}"
            for p in spec.gpu_pools
        ],
        "system pool": f"{spec.system_pool.desired_nodes}x {spec.system_pool.instance_type}",
        "lake": f"iceberg, {s.lake.size_tb:g} TB, metastore {s.lake.metastore.value}"
        if s.lake.enabled
        else "off",
        "kubeflow": _sorted(s.kubeflow),
        "automl": s.automl,
        "serving": _sorted(s.serving.engines),
        "canary / A-B": f"{'yes' if s.serving.canary else 'no'} / {'yes' if s.serving.ab_tests else 'no'}",
        "mesh (istio)": s.mesh,
        "observability": f"{s.observability.retention_days} d retention"
        if s.observability.enabled
        else "off",
        "feature store": s.feature_store,
        "data engines": _sorted(s.data_engines),
        "federation (FATE)": [
            f"{p.name}: party {p.party_id}, {p.region or 'primary region'}"
            for p in s.federation.parties
        ]
        if s.federation.enabled
        else "off",
        "privacy (DP / MPC)": f"epsilon {s.federation.epsilon:g}, delta {s.federation.delta:g}"
        f"{', secure aggregation' if s.federation.secure_aggregation else ''}"
        if s.federation.enabled and s.federation.differential_privacy
        else "off",
        "regions": list(spec.regions),
        "edge sites": [f"{e.name}{' (GPU)' if e.gpu else ''}" for e in spec.edge_sites] or "none",
    }


def tiers_table() -> Table:
    specs = list(TIERS.values())
    per_tier = [_aspects(spec) for spec in specs]
    rows = [[aspect, *(t[aspect] for t in per_tier)] for aspect in per_tier[0]]
    return Table("Tiers", ["aspect", *(s.tier.value for s in specs)], rows)
