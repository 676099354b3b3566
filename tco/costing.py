"""Cost lines for a stack: its infrastructure (cloud or on-prem) plus its share of the
platform's people, software, R&D and operations.

Every line names its source: the resource it prices (URN or spec reference), the catalog
price with its date, and each assumption applied. Amounts are positive (costs); one-time
costs fall in year 0, recurring ones in years 1..N.

Formulas (per year):

* instance: hourly price x purchase factor x nodes x 730 h x 12 x utilisation, where the
  purchase factor is the spot factor for SPOT pools, the savings-plan factor for
  on-demand pools bought under a savings plan, and 1 otherwise; nodes are a managed node
  group's desired nodes, or a Karpenter NodePool's maximum nodes (it scales to zero when idle,
  so its expected cost is utilisation x max capacity; see tco/inventory.py);
* block storage: GiB x gp3 price per GiB-month x 12 x the pool's utilisation (volumes live
  with their nodes);
* object storage: GiB x S3 Standard per GiB-month x 12;
* EKS control plane and NAT gateway: hourly price x 730 x 12 each;
* managed services (MSK brokers, ElastiCache nodes): hourly price x brokers (nodes) x 730 x
  12, On-Demand around the clock (no utilisation: they do not scale to zero; no Savings
  Plan factor: Compute Savings Plans do not cover them); MSK broker storage: GiB x brokers
  x price per GB-month x 12;
* the FATE link (expert, regions federated): an internal NLB's (hourly price + NLCUs per
  hour x NLCU-hour price) x 730 x 12, at the catalog's stated NLCU assumption; a Route 53
  hosted zone's monthly price x 12 (VPC peering itself has no hourly charge);
* on-prem servers: unit price / instances per server x nodes x facility factor, in year 0
  (and one server per edge site, on any target)
  and again at every refresh; power: max kW x draw fraction x PUE x 8760 h x price per
  kWh (or max kW x draw fraction x colocation price per kW-month x 12);
* shared: tier cost x the environment's share (dev + staging + prod shares sum to 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from tco.catalog import Assumptions, HardwareCatalog, Price, RegionPrices, load_region
from tco.model import HOURS_PER_YEAR, MONTHS_PER_YEAR, Category, CostLine, InfraItem, ItemKind
from tco.scenario import Purchase
from tiers.instances import InstanceType
from tiers.model import PoolRole
from tiers.resolve import ResolvedPlatform

HOURS_PER_CALENDAR_YEAR = 8760


_SHIPPED_PRICES = cache(load_region)


@dataclass(frozen=True, kw_only=True)
class CostContext:
    years: int
    purchase: Purchase
    assumptions: Assumptions
    hardware: HardwareCatalog
    prices: Callable[[str], RegionPrices] = _SHIPPED_PRICES


GPU_DRIVERS = ("gpu_unit_price", "gpu_count", "utilisation")
ALWAYS_ON = "On-Demand around the clock (no utilisation; no Savings Plan covers it)"


def _recurring(
    category: Category,
    item: str,
    amount: float,
    source: str,
    years: int,
    drivers: tuple[str, ...] = (),
) -> list[CostLine]:
    return [
        CostLine(
            category=category, item=item, year=y, amount_usd=amount, source=source, drivers=drivers
        )
        for y in range(1, years + 1)
    ]


def cloud_lines(items: list[InfraItem], ctx: CostContext) -> list[CostLine]:
    """Yearly cost lines for the billable items of a cloud stack."""
    lines: list[CostLine] = []
    for item in items:
        category, label, amount, source = _price_item(item, ctx)
        lines += _recurring(category, label, amount, source, ctx.years, _item_drivers(item))
    return lines


def _item_drivers(item: InfraItem) -> tuple[str, ...]:
    gpu = item.pool_role not in ("", "system")
    if item.kind is ItemKind.INSTANCE:
        return GPU_DRIVERS if gpu else ("utilisation",)
    if item.kind is ItemKind.BLOCK_STORAGE:
        return ("gpu_count", "utilisation") if gpu else ("utilisation",)
    return ()


def _price_item(item: InfraItem, ctx: CostContext) -> tuple[Category, str, float, str]:
    prices = ctx.prices(item.region)
    where = f"{item.ref} ({item.region})"
    if item.kind is ItemKind.INSTANCE:
        hourly = prices.instance(item.key)
        factor, factor_price = _purchase_factor(item.capacity, ctx.purchase, prices)
        util = ctx.assumptions.utilisation_for(item.pool_role)
        amount = hourly.amount_usd * factor * item.quantity * HOURS_PER_YEAR * util.value
        source = f"{where}; {hourly.cite()}; utilisation {util.value:g} ({util.source})"
        if factor_price is not None:
            source += f"; x{factor:g} {factor_price.cite()}"
        label = f"{item.key} x{item.quantity:g} {item.pool_role} ({item.capacity.lower()})"
        return Category.CLOUD_COMPUTE, label, amount, source
    if item.kind is ItemKind.BLOCK_STORAGE:
        util = ctx.assumptions.utilisation_for(item.pool_role)
        gp3 = prices.ebs_gp3_gb_month
        amount = item.quantity * gp3.amount_usd * MONTHS_PER_YEAR * util.value
        return (
            Category.STORAGE,
            f"EBS gp3 {item.quantity:g} GiB {item.pool_role}",
            amount,
            (f"{where}; {gp3.cite()}; utilisation {util.value:g}"),
        )
    if item.kind is ItemKind.OBJECT_STORAGE:
        s3 = prices.s3_standard_gb_month
        amount = item.quantity * s3.amount_usd * MONTHS_PER_YEAR
        return Category.STORAGE, f"S3 lake {item.quantity:g} GiB", amount, f"{where}; {s3.cite()}"
    if item.kind is ItemKind.CONTROL_PLANE:
        hour = prices.eks_control_plane_hour
        return (
            Category.CLOUD_COMPUTE,
            f"EKS control plane {item.key}",
            hour.amount_usd * HOURS_PER_YEAR,
            (f"{where}; {hour.cite()}"),
        )
    if item.kind in _MANAGED:
        return _price_managed(item, prices, where)
    if item.kind in _LINK:
        return _price_link(item, prices, where)
    if item.kind is ItemKind.NAT_GATEWAY:
        hour = prices.nat_gateway_hour
        return (
            Category.NETWORK,
            "NAT gateway",
            hour.amount_usd * HOURS_PER_YEAR,
            f"{where}; {hour.cite()}",
        )
    raise ValueError(f"no pricing rule for {item.kind}")  # pragma: no cover - enum is closed


_MANAGED = (ItemKind.MSK_BROKER, ItemKind.MSK_STORAGE, ItemKind.CACHE_NODE)


def _price_managed(
    item: InfraItem, prices: RegionPrices, where: str
) -> tuple[Category, str, float, str]:
    """MSK brokers and their storage, ElastiCache nodes: billed whether busy or not."""
    if item.kind is ItemKind.MSK_STORAGE:
        gb = prices.msk_storage_gb_month()
        return (
            Category.STORAGE,
            f"MSK broker storage {item.quantity:g} GiB",
            item.quantity * gb.amount_usd * MONTHS_PER_YEAR,
            f"{where}; {gb.cite()}",
        )
    if item.kind is ItemKind.MSK_BROKER:
        hour, label = prices.msk_broker(item.key), f"MSK {item.key} x{item.quantity:g} brokers"
    else:
        hour = prices.elasticache_valkey_node(item.key)
        label = f"ElastiCache (Valkey) {item.key} x{item.quantity:g} nodes"
    amount = hour.amount_usd * item.quantity * HOURS_PER_YEAR
    return Category.CLOUD_COMPUTE, label, amount, f"{where}; {hour.cite()}; {ALWAYS_ON}"


_LINK = (ItemKind.LOAD_BALANCER, ItemKind.DNS_ZONE)


def _price_link(
    item: InfraItem, prices: RegionPrices, where: str
) -> tuple[Category, str, float, str]:
    """The FATE link: an internal NLB's hours with its assumed NLCUs; a hosted zone's months."""
    if item.kind is ItemKind.DNS_ZONE:
        zone = prices.route53_hosted_zone_month()
        amount = zone.amount_usd * item.quantity * MONTHS_PER_YEAR
        label = f"Route 53 private hosted zone {item.key}"
        return Category.NETWORK, label, amount, f"{where}; {zone.cite()}; queries not priced"
    hour, lcu, lcus = prices.nlb_hour(), prices.nlb_lcu_hour(), prices.nlb_lcus_per_nlb()
    amount = (hour.amount_usd + lcus.value * lcu.amount_usd) * item.quantity * HOURS_PER_YEAR
    source = f"{where}; {hour.cite()}; + {lcus.value:g} NLCU x {lcu.cite()}; {lcus.cite()}"
    return Category.NETWORK, f"internal NLB {item.key}", amount, source


def _purchase_factor(
    capacity: str, purchase: Purchase, prices: RegionPrices
) -> tuple[float, Price | None]:
    if capacity == "SPOT":
        return prices.spot_factor.amount_usd, prices.spot_factor
    if purchase is Purchase.SAVINGS_PLAN:
        return prices.savings_plan_factor.amount_usd, prices.savings_plan_factor
    return 1.0, None


def onprem_lines(platform: ResolvedPlatform, ctx: CostContext) -> list[CostLine]:
    """Server capex (with refreshes) and power for the stack's pools as owned servers."""
    lines: list[CostLine] = []
    pools = [("system", platform.system_pool), *((p.name, p) for p in platform.gpu_pools)]
    for name, pool in pools:
        nodes = pool.desired_nodes * len(platform.regions)
        lines += _server_lines(f"pool {name}", name, pool.instance, nodes, ctx)
    return lines


def edge_lines(platform: ResolvedPlatform, ctx: CostContext) -> list[CostLine]:
    """One owned server per edge site, whatever the target: the site's cluster is one the
    user brings, but the platform puts a model server on it. A GPU site is priced as a
    server equivalent to the tier's inference instance (or its first GPU pool's), a CPU
    site as one equivalent to the system pool's instance; capex with refreshes and power,
    as for on-prem pools."""
    gpu_pools = sorted(platform.gpu_pools, key=lambda p: p.role is not PoolRole.INFERENCE)
    lines: list[CostLine] = []
    for site in platform.edge_sites:
        instance = (
            gpu_pools[0].instance if site.gpu and gpu_pools else platform.system_pool.instance
        )
        lines += _server_lines(f"edge site {site.name}", f"edge {site.name}", instance, 1, ctx)
    return lines


def _server_lines(
    what: str, name: str, instance: InstanceType, nodes: int, ctx: CostContext
) -> list[CostLine]:
    if nodes == 0:
        return []
    onprem = ctx.assumptions.onprem
    life = int(onprem.depreciation_years.value)
    server = ctx.hardware.server_for(instance.name)
    capex = server.price_per_instance_usd * nodes * onprem.facility_factor.value
    source = (
        f"{what}: {nodes} x {instance.name} as {server.description}; "
        f"{server.unit_price.cite()}; facility factor {onprem.facility_factor.value:g} "
        f"({onprem.facility_factor.source})"
    )
    gpu = instance.is_accelerated
    lines: list[CostLine] = []
    for year in range(0, ctx.years, life):
        label = f"servers for {name} ({nodes} x {instance.name})" + (" refresh" if year else "")
        lines.append(
            CostLine(
                category=Category.HARDWARE,
                item=label,
                year=year,
                amount_usd=capex,
                source=source,
                drivers=("gpu_unit_price", "gpu_count") if gpu else (),
            )
        )
    kw = server.max_power_kw_per_instance * nodes * onprem.power_draw_fraction.value
    amount, power_source = _power(kw, ctx.assumptions)
    lines += _recurring(
        Category.OPERATIONS,
        f"power for {name} ({kw:.1f} kW average)",
        amount,
        f"{server.max_power_kw.cite()}; draw {onprem.power_draw_fraction.value:g}; {power_source}",
        ctx.years,
        ("gpu_count",) if gpu else (),
    )
    return lines


def _power(kw: float, assumptions: Assumptions) -> tuple[float, str]:
    onprem = assumptions.onprem
    pue = onprem.pue.value
    energy = onprem.electricity_usd_per_kwh
    amount = kw * pue * HOURS_PER_CALENDAR_YEAR * energy.amount_usd
    return amount, f"PUE {pue:g} ({onprem.pue.source}); {energy.cite()}"


def shared_lines(platform: ResolvedPlatform, ctx: CostContext) -> list[CostLine]:
    """The stack's share of the tier's people, software and R&D. (Operations are priced from
    the stack itself: cloud resources, or on-prem power; the design's IDC figure is not
    added on top, as it would count power twice.)"""
    a = ctx.assumptions
    share = a.environment_share[platform.environment.value]
    tier = platform.tier
    note = f"x {share.value:g} {platform.environment.value} share ({share.source})"
    lines = [
        CostLine(
            category=Category.SOFTWARE,
            item="licences: OS, Kubernetes, databases",
            year=0,
            amount_usd=a.software_one_time_usd[tier].amount_usd * share.value,
            source=f"{a.software_one_time_usd[tier].cite()} {note}",
        )
    ]
    yearly: list[tuple[Category, str, float, str]] = [
        (
            Category.SOFTWARE,
            "subscriptions: middleware and frameworks",
            *_cited(a.software_usd_per_year[tier]),
        ),
        (Category.RND, "platform R&D", *_cited(a.rnd_usd_per_year[tier])),
    ]
    for role, count in platform.team.by_role().items():
        if count:
            cost = a.people_usd_per_year[role]
            yearly.append(
                (
                    Category.PEOPLE,
                    f"{count} {role.replace('_', ' ')}",
                    count * cost.amount_usd,
                    cost.cite(),
                )
            )
    for category, item, amount, source in yearly:
        drivers = ("people_cost",) if category is Category.PEOPLE else ()
        lines += _recurring(
            category, item, amount * share.value, f"{source} {note}", ctx.years, drivers
        )
    return lines


def _cited(price: Price) -> tuple[float, str]:
    return price.amount_usd, price.cite()
