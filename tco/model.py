"""The TCO vocabulary: cost categories, cost lines and priced infrastructure items.

Sign convention: a :class:`CostLine` carries a cost as a positive ``amount_usd``; cash
flows (:mod:`tco.results`) turn costs into negative flows and benefits into positive ones.
Timing convention: ``year`` 0 is the deployment date (one-time costs); recurring costs and
benefits fall at the end of years 1..N.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

HOURS_PER_MONTH = 730  # as Infracost and AWS's calculator price an instance-month
MONTHS_PER_YEAR = 12
HOURS_PER_YEAR = HOURS_PER_MONTH * MONTHS_PER_YEAR


class Category(StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    RND = "rnd"
    OPERATIONS = "operations"
    PEOPLE = "people"
    CLOUD_COMPUTE = "cloud_compute"
    STORAGE = "storage"
    NETWORK = "network"


@dataclass(frozen=True, kw_only=True)
class CostLine:
    """One cost in one year, with where its number came from."""

    category: Category
    item: str
    year: int
    amount_usd: float
    source: str
    drivers: tuple[str, ...] = ()  # sensitivity drivers that scale this line (tco.drivers)

    def __post_init__(self) -> None:
        if self.year < 0:
            raise ValueError(f"cost line {self.item!r}: year must be >= 0")
        if self.amount_usd < 0:
            raise ValueError(f"cost line {self.item!r}: amount must be >= 0 (costs are positive)")

    def as_json(self) -> dict:
        return {
            "category": self.category.value,
            "item": self.item,
            "year": self.year,
            "amount_usd": round(self.amount_usd, 2),
            "source": self.source,
        }


class ItemKind(StrEnum):
    """What an infrastructure item is, for pricing."""

    INSTANCE = "instance"  # node-hours of an instance type
    CONTROL_PLANE = "control_plane"  # EKS cluster-hours
    NAT_GATEWAY = "nat_gateway"  # gateway-hours
    BLOCK_STORAGE = "block_storage"  # gp3 GiB provisioned
    OBJECT_STORAGE = "object_storage"  # S3 GiB stored
    MSK_BROKER = "msk_broker"  # broker-hours of an MSK broker instance type
    MSK_STORAGE = "msk_storage"  # MSK broker storage, GiB provisioned over all brokers
    CACHE_NODE = "cache_node"  # node-hours of an ElastiCache (Valkey) node type
    LOAD_BALANCER = "load_balancer"  # hours of an internal Network Load Balancer
    DNS_ZONE = "dns_zone"  # months of a Route 53 hosted zone


@dataclass(frozen=True, kw_only=True)
class InfraItem:
    """A billable thing the stack creates, with its quantity.

    ``key`` names what is priced (an instance, broker or node type; a load balancer's
    ``<namespace>/<service>``; a hosted zone's name); ``pool_role`` chooses the
    utilisation (fraction of hours running); ``capacity`` is ``ON_DEMAND`` or ``SPOT``.
    ``ref`` identifies the resource: its URN when priced from a preview capture, its logical
    name when priced from the resolved spec.
    """

    kind: ItemKind
    region: str
    ref: str
    quantity: float
    key: str = ""
    pool_role: str = ""
    capacity: str = "ON_DEMAND"

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"{self.ref}: quantity must be >= 0 (got {self.quantity})")
