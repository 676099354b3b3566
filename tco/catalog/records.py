"""The loaded catalog objects: prices and assumptions with their sources, on-prem servers,
and :class:`PriceError`.  Built from the files by :mod:`tco.catalog.loading`."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, Literal, TypeVar

from tiers.errors import SpecError
from tiers.model import TeamSpec, Tier

Confidence = Literal["V", "S", "U", "A"]


class PriceError(SpecError):
    """A price, assumption or hardware problem, one line: ``<field>: <problem>; fix: <fix>``."""


@dataclass(frozen=True)
class Price:
    """An amount in USD per ``unit``, with where it came from."""

    amount_usd: float
    unit: str
    as_of: datetime.date
    source: str
    confidence: Confidence

    def cite(self) -> str:
        return f"catalog price as of {self.as_of.isoformat()}: {self.source}"


V = TypeVar("V", float, int, bool)
P = TypeVar("P")


@dataclass(frozen=True)
class Assumed(Generic[V]):
    """A non-money assumption (a fraction, a factor, a count of years), with its source."""

    value: V
    unit: str
    as_of: datetime.date
    source: str
    confidence: Confidence

    def cite(self) -> str:
        return f"catalog assumption as of {self.as_of.isoformat()}: {self.source}"


# --------------------------------------------------------------------------------------------
# Loaded objects

# RegionPrices field -> unit, for every price besides the instances
_REGION_SCALARS: dict[str, str] = {
    "spot_factor": "fraction of On-Demand",
    "savings_plan_factor": "fraction of On-Demand (3-year no-upfront Compute Savings Plan)",
    "eks_control_plane_hour": "USD/cluster-hour",
    "eks_extended_support_hour": "USD/cluster-hour",
    "nat_gateway_hour": "USD/gateway-hour",
    "nat_gateway_gb": "USD/GB processed",
    "ebs_gp3_gb_month": "USD/GB-month",
    "s3_standard_gb_month": "USD/GB-month",
    "s3_ia_gb_month": "USD/GB-month",
    "logs_ingest_gb": "USD/GB ingested",
    "transfer_out_gb": "USD/GB",
}


@dataclass(frozen=True)
class RegionPrices:
    """AWS prices for one region. Factors (Spot, Savings Plan) are fractions of On-Demand."""

    region: str
    currency: str
    instance_hour: Mapping[str, Price]
    spot_factor: Price
    savings_plan_factor: Price
    eks_control_plane_hour: Price
    eks_extended_support_hour: Price
    nat_gateway_hour: Price
    nat_gateway_gb: Price
    ebs_gp3_gb_month: Price
    s3_standard_gb_month: Price
    s3_ia_gb_month: Price
    logs_ingest_gb: Price
    transfer_out_gb: Price
    msk_broker_hour: Mapping[str, Price]
    msk_storage: Price | None  # USD/GB-month of MSK broker storage, if the file has it
    elasticache_valkey_node_hour: Mapping[str, Price]
    # the FATE link (expert), if the file has them: see :meth:`nlb_hour` and below
    nlb: Price | None = None  # USD per Network Load Balancer-hour
    nlb_lcu: Price | None = None  # USD per NLCU-hour
    nlb_lcus: Assumed[float] | None = None  # NLCUs an NLB is assumed to use each hour
    route53_zone: Price | None = None  # USD per hosted zone-month (first 25 zones)

    def instance(self, instance_type: str) -> Price:
        """The On-Demand Linux price per hour of ``instance_type`` in this region."""
        return self._hourly(self.instance_hour, "instances", instance_type, "instance type")

    def msk_broker(self, instance_type: str) -> Price:
        """The On-Demand price per broker-hour of an MSK broker instance type."""
        return self._hourly(self.msk_broker_hour, "msk_brokers", instance_type, "MSK broker type")

    def msk_storage_gb_month(self) -> Price:
        """The price per GB-month of MSK broker storage (provisioned EBS)."""
        if self.msk_storage is None:
            raise PriceError(
                "prices:msk_storage_gb_month",
                f"no MSK broker storage price in {self.region}",
                "add msk_storage_gb_month to a price file and pass --prices FILE",
            )
        return self.msk_storage

    def elasticache_valkey_node(self, node_type: str) -> Price:
        """The On-Demand price per node-hour of an ElastiCache for Valkey node type."""
        return self._hourly(
            self.elasticache_valkey_node_hour,
            "elasticache_valkey_nodes",
            node_type,
            "ElastiCache (Valkey) node type",
        )

    def nlb_hour(self) -> Price:
        """The price per hour of a Network Load Balancer."""
        return self._optional(self.nlb, "nlb_hour", "Network Load Balancer price")

    def nlb_lcu_hour(self) -> Price:
        """The price per NLCU-hour (Network Load Balancer Capacity Unit)."""
        return self._optional(self.nlb_lcu, "nlb_lcu_hour", "NLCU-hour price")

    def nlb_lcus_per_nlb(self) -> Assumed[float]:
        """The NLCUs a Network Load Balancer is assumed to use each hour."""
        return self._optional(self.nlb_lcus, "nlb_lcus_per_nlb", "NLCU-per-NLB assumption")

    def route53_hosted_zone_month(self) -> Price:
        """The price per month of a Route 53 hosted zone (one of the first 25)."""
        return self._optional(
            self.route53_zone, "route53_hosted_zone_month", "Route 53 hosted zone price"
        )

    def _optional(self, value: P | None, key: str, what: str) -> P:
        if value is None:
            raise PriceError(
                f"prices:{key}",
                f"no {what} in {self.region}",
                f"add {key} to a price file and pass --prices FILE",
            )
        return value

    def _hourly(self, table: Mapping[str, Price], section: str, key: str, what: str) -> Price:
        try:
            return table[key]
        except KeyError:
            raise PriceError(
                f"prices:{section}.{key}",
                f"no price for {what} {key!r} in {self.region}",
                "add it to a price file and pass --prices FILE",
            ) from None

    def prices(self) -> Iterator[tuple[str, Price]]:
        """Every price in the region as (field path, price), instances first."""
        for name, price in self.instance_hour.items():
            yield f"instances.{name}", price
        for name in _REGION_SCALARS:
            yield name, getattr(self, name)
        for name, price in self.msk_broker_hour.items():
            yield f"msk_brokers.{name}", price
        if self.msk_storage is not None:
            yield "msk_storage_gb_month", self.msk_storage
        for name, price in self.elasticache_valkey_node_hour.items():
            yield f"elasticache_valkey_nodes.{name}", price
        for name, optional in (
            ("nlb_hour", self.nlb),
            ("nlb_lcu_hour", self.nlb_lcu),
            ("route53_hosted_zone_month", self.route53_zone),
        ):
            if optional is not None:
                yield name, optional


@dataclass(frozen=True)
class OnPremAssumptions:
    """Owning the servers instead of renting: facility, power and depreciation."""

    facility_factor: Assumed[float]  # x server price, for network, racks, cabling
    pue: Assumed[float]  # facility kWh per IT kWh
    electricity_usd_per_kwh: Price
    colocation_usd_per_kw_month: Price
    power_draw_fraction: Assumed[float]  # average draw / maximum power
    depreciation_years: Assumed[int]
    refresh_at_end_of_life: Assumed[bool]


@dataclass(frozen=True)
class Assumptions:
    """The non-price assumptions (``assumptions/defaults.yaml``), each keeping its source.

    ``people_usd_per_year`` is keyed by the :class:`~tiers.model.TeamSpec` roles;
    ``utilisation`` by pool role (notebook, training, inference, batch) plus ``system``.
    ``environment_share`` splits a tier's platform-wide costs (people, software, R&D,
    operations) and benefits between its dev, staging and prod stacks (shares sum to 1), so
    the three stacks of a tier together carry them exactly once.
    Software is a one-time licence (year 0) plus a yearly subscription. Operations keep the
    design's two lines: ``operations_cloud_usd_per_year`` is the design's on-demand cloud
    figure, which a priced cloud stack replaces with its resources (reference only), and
    ``operations_idc_usd_per_year`` is IDC hosting, power and bandwidth for owned servers.
    """

    people_usd_per_year: Mapping[str, Price]
    software_one_time_usd: Mapping[Tier, Price]
    software_usd_per_year: Mapping[Tier, Price]
    rnd_usd_per_year: Mapping[Tier, Price]
    operations_cloud_usd_per_year: Mapping[Tier, Price]
    operations_idc_usd_per_year: Mapping[Tier, Price]
    utilisation: Mapping[str, Assumed[float]]
    environment_share: Mapping[str, Assumed[float]]
    discount_rate: Assumed[float]
    years: Assumed[int]
    onprem: OnPremAssumptions

    def people_cost_usd_per_year(self, team: TeamSpec) -> float:
        """Loaded people cost of ``team`` per year: head count x cost, over all roles."""
        return sum(
            count * self.people_usd_per_year[role].amount_usd
            for role, count in team.by_role().items()
        )

    def utilisation_for(self, pool_role: str) -> Assumed[float]:
        """Fraction of hours a pool of ``pool_role`` runs (``system`` for the system pool)."""
        try:
            return self.utilisation[pool_role]
        except KeyError:
            raise PriceError(
                f"assumptions:utilisation.{pool_role}",
                f"no utilisation for pool role {pool_role!r} (known: {', '.join(self.utilisation)})",
                "add it under utilisation: in an assumptions file",
            ) from None


@dataclass(frozen=True)
class ServerSpec:
    """The on-prem server that stands in for a cloud instance type.

    ``instances_per_server`` is how many instances of the type one server replaces: 1 for
    GPU types, more for CPU types that are slices of a shared host.
    """

    instance_type: str
    description: str
    accelerator: str | None
    gpus: int
    instances_per_server: int
    unit_price: Price  # USD per server, before the facility factor
    max_power_kw: Assumed[float]  # kW per server (IT load, before PUE)

    @property
    def price_per_instance_usd(self) -> float:
        return self.unit_price.amount_usd / self.instances_per_server

    @property
    def max_power_kw_per_instance(self) -> float:
        return self.max_power_kw.value / self.instances_per_server


class HardwareCatalog(Mapping[str, ServerSpec]):
    """On-prem servers keyed by cloud instance type, plus the types that have none."""

    def __init__(self, servers: Mapping[str, ServerSpec], unavailable: Mapping[str, str]) -> None:
        self._servers = MappingProxyType(dict(servers))
        self._unavailable = MappingProxyType(dict(unavailable))

    def __getitem__(self, instance_type: str) -> ServerSpec:
        return self._servers[instance_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._servers)

    def __len__(self) -> int:
        return len(self._servers)

    @property
    def unavailable(self) -> Mapping[str, str]:
        """Instance types with no on-prem equivalent, and why."""
        return self._unavailable

    def server_for(self, instance_type: str) -> ServerSpec:
        """The server for ``instance_type``, or a :class:`PriceError` saying why there is none."""
        if instance_type in self._servers:
            return self._servers[instance_type]
        if instance_type in self._unavailable:
            raise PriceError(
                f"hardware:servers.{instance_type}",
                f"no on-prem equivalent for {instance_type!r}: {self._unavailable[instance_type]}",
                "keep this pool in the cloud, or add a server for it in a hardware file",
            )
        raise PriceError(
            f"hardware:servers.{instance_type}",
            f"no on-prem server for instance type {instance_type!r}",
            "add it under servers: in a hardware file (same schema as tco/assumptions/hardware.yaml)",
        )
