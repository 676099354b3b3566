"""Sizes of the managed AWS services placed beside a region's cluster, as pure functions:
the components that create them and the TCO inventory that prices them
(:func:`tco.inventory.items_from_platform`) read the same numbers.

* Amazon MSK (``aiplat:kafka: msk``): the broker count rounded up to a multiple of the
  region's zones (MSK puts the same number of brokers in every client subnet's zone);
* the ElastiCache (Valkey) online store of Feast: node type and node count by environment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tiers.model import Environment


def broker_nodes(brokers: int, zones: int) -> int:
    """MSK needs a broker count that is a multiple of its client subnets' zones."""
    return max(1, math.ceil(brokers / zones)) * zones


@dataclass(frozen=True, kw_only=True)
class CachePlan:
    node_type: str
    cache_clusters: int  # nodes: a primary and its replicas
    multi_az: bool
    snapshot_retention_days: int


def cache_plan(environment: Environment) -> CachePlan:
    """ElastiCache size by environment: prod is Multi-AZ with a primary and two replicas."""
    return {
        Environment.DEV: CachePlan(
            node_type="cache.t4g.small", cache_clusters=1, multi_az=False, snapshot_retention_days=0
        ),
        Environment.STAGING: CachePlan(
            node_type="cache.t4g.medium",
            cache_clusters=2,
            multi_az=False,
            snapshot_retention_days=1,
        ),
        Environment.PROD: CachePlan(
            node_type="cache.r7g.large", cache_clusters=3, multi_az=True, snapshot_retention_days=7
        ),
    }[environment]
