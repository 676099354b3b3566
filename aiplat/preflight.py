"""``aiplat preflight``: will the account let the stack's pools reach their maximum size?

Two facts fail a first ``pulumi up`` of a GPU stack most often, after many minutes: an
instance type not offered in the stack's zones, and an EC2 vCPU quota below the pools' peak.
Both are checked here before deploy. :func:`evaluate` is pure (facts in, rows out);
:func:`gather` reads the facts with boto3 (``ec2:DescribeAvailabilityZones``,
``ec2:DescribeInstanceTypeOfferings``, ``servicequotas:GetServiceQuota``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiplat.render import Table
from tiers.errors import SpecError
from tiers.model import CapacityType, Target
from tiers.resolve import ResolvedPlatform


class Market(StrEnum):
    ON_DEMAND = "on-demand"
    SPOT = "spot"


# EC2 vCPU quotas (Service Quotas, service code "ec2") per instance family group and market.
# Standard = A, C, D, H, I, M, R, T, Z; G shares its quota with VT.
QUOTA_CODES: dict[tuple[str, Market], tuple[str, str]] = {
    ("standard", Market.ON_DEMAND): (
        "L-1216C47A",
        "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
    ),
    ("g", Market.ON_DEMAND): ("L-DB2E81BA", "Running On-Demand G and VT instances"),
    ("p", Market.ON_DEMAND): ("L-417A185B", "Running On-Demand P instances"),
    ("inf", Market.ON_DEMAND): ("L-1945791B", "Running On-Demand Inf instances"),
    ("trn", Market.ON_DEMAND): ("L-2C3B7624", "Running On-Demand Trn instances"),
    ("standard", Market.SPOT): (
        "L-34B43A08",
        "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests",
    ),
    ("g", Market.SPOT): ("L-3819A6DF", "All G and VT Spot Instance Requests"),
    ("p", Market.SPOT): ("L-7212CCBC", "All P Spot Instance Requests"),
    ("inf", Market.SPOT): ("L-B5D1601B", "All Inf Spot Instance Requests"),
    ("trn", Market.SPOT): ("L-6B0D517C", "All Trn Spot Instance Requests"),
}
_GROUPS = {"g": "g", "vt": "g", "p": "p", "inf": "inf", "trn": "trn"}
_STANDARD = set("acdhimrtz")


def family_group(instance_type: str) -> str:
    """``p5.48xlarge`` -> ``p``; ``g6e.xlarge`` -> ``g``; ``m7i.xlarge`` -> ``standard``."""
    match = re.match(r"^([a-z]+)", instance_type)
    letters = match.group(1) if match else ""
    for prefix in ("trn", "inf", "vt"):
        if letters.startswith(prefix):
            return _GROUPS[prefix]
    if letters[:1] in _GROUPS:
        return _GROUPS[letters[:1]]
    if letters[:1] in _STANDARD:
        return "standard"
    raise ValueError(f"no EC2 vCPU quota group known for {instance_type}")


def market(capacity: CapacityType) -> Market:
    """Spot pools draw on the spot quota; on-demand and reserved pools on the on-demand one
    (On-Demand Capacity Reservations count against it; capacity blocks are checked the same,
    conservatively)."""
    return Market.SPOT if capacity is CapacityType.SPOT else Market.ON_DEMAND


@dataclass(frozen=True, kw_only=True)
class PoolNeed:
    pool: str
    instance_type: str
    max_nodes: int
    vcpus: int  # at maximum size
    market: Market
    zones_needed: tuple[str, ...]  # EFA pools live in one zone

    @property
    def quota_code(self) -> str:
        return QUOTA_CODES[(family_group(self.instance_type), self.market)][0]


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What the account says for one region."""

    region: str
    zones: tuple[str, ...]  # the stack's zones: the first az_count available, as Network picks
    offerings: Mapping[str, frozenset[str]]  # instance type -> zones offering it
    quotas: Mapping[str, float | None]  # quota code -> vCPUs (None: could not be read)


@dataclass(frozen=True, kw_only=True)
class Row:
    region: str
    pool: str
    instance_type: str
    market: Market
    needed_vcpus: int
    quota_code: str
    group_vcpus: int  # every pool of the stack drawing on the same quota
    quota: float | None
    zones_offered: tuple[str, ...]
    zones_missing: tuple[str, ...]
    verdict: str

    @property
    def ok(self) -> bool:
        return self.verdict.startswith("ok")


def needs(platform: ResolvedPlatform, zones: tuple[str, ...]) -> list[PoolNeed]:
    """Every pool of the stack at its maximum size (the system pool included)."""
    if platform.target is not Target.AWS:
        raise SpecError(
            "aiplat:target",
            f"preflight checks EC2 offerings and quotas; target {platform.target.value} has none",
            "run preflight for an aws stack",
        )
    system = platform.system_pool
    rows = [
        PoolNeed(
            pool="system",
            instance_type=system.instance.name,
            max_nodes=system.max_nodes,
            vcpus=system.instance.vcpus * system.max_nodes,
            market=Market.ON_DEMAND,
            zones_needed=zones,
        )
    ]
    for pool in platform.gpu_pools:
        rows.append(
            PoolNeed(
                pool=pool.name,
                instance_type=pool.instance.name,
                max_nodes=pool.max_nodes,
                vcpus=pool.max_vcpus,
                market=market(pool.capacity_type),
                zones_needed=zones[:1] if pool.efa else zones,
            )
        )
    return rows


def evaluate(platform: ResolvedPlatform, facts: Facts) -> list[Row]:
    """One row per pool: offered where needed, and its quota covering every pool on it."""
    pools = needs(platform, facts.zones)
    per_quota: dict[str, int] = defaultdict(int)
    for need in pools:
        per_quota[need.quota_code] += need.vcpus
    rows = []
    for need in pools:
        offered = tuple(z for z in facts.zones if z in facts.offerings.get(need.instance_type, ()))
        missing = tuple(z for z in need.zones_needed if z not in offered)
        quota = facts.quotas.get(need.quota_code)
        total = per_quota[need.quota_code]
        problems = []
        if missing:
            problems.append(f"not offered in {', '.join(missing)}")
        if quota is None:
            problems.append(f"quota {need.quota_code} unreadable")
        elif quota < total:
            problems.append(f"quota short by {total - quota:g} vCPUs")
        rows.append(
            Row(
                region=facts.region,
                pool=need.pool,
                instance_type=need.instance_type,
                market=need.market,
                needed_vcpus=need.vcpus,
                quota_code=need.quota_code,
                group_vcpus=total,
                quota=quota,
                zones_offered=offered,
                zones_missing=missing,
                verdict="; ".join(problems) if problems else "ok",
            )
        )
    return rows


def table(rows: list[Row]) -> Table:
    return Table(
        title="Preflight: pools at maximum size",
        columns=[
            "region",
            "pool",
            "instance type",
            "market",
            "needed vCPUs",
            "quota",
            "quota vCPUs",
            "all pools on quota",
            "zones offered",
            "verdict",
        ],
        rows=[
            [
                r.region,
                r.pool,
                r.instance_type,
                r.market.value,
                r.needed_vcpus,
                r.quota_code,
                "?" if r.quota is None else int(r.quota),
                r.group_vcpus,
                ", ".join(r.zones_offered) or "none",
                r.verdict,
            ]
            for r in rows
        ],
    )


def gather(platform: ResolvedPlatform, region: str, ec2: Any, quotas: Any) -> Facts:
    """Read the region's facts with boto3 clients (``ec2``, ``service-quotas``)."""
    available = ec2.describe_availability_zones(
        Filters=[
            {"Name": "state", "Values": ["available"]},
            {"Name": "opt-in-status", "Values": ["opt-in-not-required"]},
        ]
    )
    zones = tuple(sorted(z["ZoneName"] for z in available["AvailabilityZones"]))
    zones = zones[: platform.network.az_count]
    types = sorted({n.instance_type for n in needs(platform, zones)})
    offerings: dict[str, set[str]] = defaultdict(set)
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(
        LocationType="availability-zone",
        Filters=[{"Name": "instance-type", "Values": types}],
    )
    for page in pages:
        for offer in page["InstanceTypeOfferings"]:
            offerings[offer["InstanceType"]].add(offer["Location"])
    codes = sorted({n.quota_code for n in needs(platform, zones)})
    return Facts(
        region=region,
        zones=zones,
        offerings={k: frozenset(v) for k, v in offerings.items()},
        quotas={code: _quota(quotas, code) for code in codes},
    )


def _quota(client: Any, code: str) -> float | None:
    from botocore.exceptions import ClientError

    try:
        return float(client.get_service_quota(ServiceCode="ec2", QuotaCode=code)["Quota"]["Value"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            return None
    try:  # never changed from the default: AWS answers only with the default quota
        answer = client.get_aws_default_service_quota(ServiceCode="ec2", QuotaCode=code)
        return float(answer["Quota"]["Value"])
    except ClientError:
        return None


def default_clients(service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region)


def run(
    platform: ResolvedPlatform,
    regions: tuple[str, ...],
    clients: Any = None,
) -> list[Row]:
    """Check every requested region; ``clients(service, region)`` makes boto3 clients
    (default: :func:`default_clients`)."""
    clients = clients or default_clients
    needs(platform, ())  # refuses a stack that is not on AWS, before any client is made
    rows: list[Row] = []
    for region in regions:
        if region not in platform.regions:
            raise SpecError(
                "--region",
                f"{region} is not one of the stack's regions",
                f"use one of: {', '.join(platform.regions)}",
            )
        facts = gather(platform, region, clients("ec2", region), clients("service-quotas", region))
        rows += evaluate(platform, facts)
    return rows
