"""The TCO prices the managed services beside the clusters: Amazon MSK brokers and their
storage (in every region, when a stack sets ``aiplat:kafka: msk``) and the ElastiCache (Valkey)
online store of Feast (primary region), each line naming its resource and catalog price; the
broker count in a stack file moves the TCO by exactly its priced amount; expert-prod's TCO
counts both regions and both edge sites."""

from __future__ import annotations

import pytest
import yaml

from aiplat.costs import tco_for_stack
from aiplat.harness import run_program
from aiplat.stackfiles import load
from tco.catalog import PRICES_DIR, PriceError, load_region, shipped_regions
from tco.inventory import items_from_platform, items_from_resources
from tco.model import HOURS_PER_YEAR, Category, ItemKind
from tco.stack import TcoOptions, stack_tco
from tiers import TIERS
from tiers.managed import cache_plan
from tiers.model import Environment

CPU_FACTOR = 1.0625  # eu-north-1 / us-east-1, stated in aws-eu-north-1.yaml
EBS_FACTOR = 1.045
BROKER_TYPES = sorted({spec.stacks.engines.msk_instance_type for spec in TIERS.values()})
NODE_TYPES = sorted({cache_plan(env).node_type for env in Environment})
MANAGED = {"MSK", "ElastiCache"}

_results: dict = {}


def stack_file(tmp_path_factory, stack: str, **values) -> str:
    """A copy of a shipped stack file with some ``aiplat:`` keys changed."""
    path = tmp_path_factory.mktemp("stacks") / f"Pulumi.{stack}.yaml"
    merged = dict(load(stack).values, **values)
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in merged.items()}}))
    return str(path)


def tco(tmp_path_factory, stack: str, **values):
    key = (stack, tuple(sorted(values.items())))
    if key not in _results:
        path = stack_file(tmp_path_factory, stack, **values) if values else stack
        _results[key] = tco_for_stack(load(path), TcoOptions())
    return _results[key]


def managed_lines(result, year: int = 1):
    return [
        line
        for line in result.cost_lines
        if line.year == year and line.item.split(" ", 1)[0] in MANAGED
    ]


# --- the catalog ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", shipped_regions())
def test_every_broker_and_node_type_the_tiers_use_has_a_sourced_price(region):
    prices = load_region(region)
    assert BROKER_TYPES == ["kafka.m7g.2xlarge", "kafka.m7g.large", "kafka.m7g.xlarge"]
    assert NODE_TYPES == ["cache.r7g.large", "cache.t4g.medium", "cache.t4g.small"]
    priced = [prices.msk_broker(t) for t in BROKER_TYPES]
    priced += [prices.elasticache_valkey_node(t) for t in NODE_TYPES]
    priced.append(prices.msk_storage_gb_month())
    for price in priced:
        assert price.amount_usd > 0 and price.source and price.as_of.year >= 2026
        assert price.confidence in {"V", "S", "U", "A"}
    paths = {path for path, _ in prices.prices()}
    assert {f"msk_brokers.{t}" for t in BROKER_TYPES} <= paths
    assert "msk_storage_gb_month" in paths


def test_us_east_1_prices_are_the_sourced_figures():
    prices = load_region("us-east-1")
    assert [prices.msk_broker(t).amount_usd for t in BROKER_TYPES] == [0.816, 0.204, 0.408]
    assert prices.msk_storage_gb_month().amount_usd == 0.10
    assert [prices.elasticache_valkey_node(t).amount_usd for t in NODE_TYPES] == [
        0.1752,
        0.052,
        0.0256,
    ]
    assert all(prices.msk_broker(t).confidence == "S" for t in BROKER_TYPES)


def test_eu_north_1_prices_are_derived_by_the_stated_regional_factors():
    east, north = load_region("us-east-1"), load_region("eu-north-1")
    pairs = [(east.msk_broker(t), north.msk_broker(t), CPU_FACTOR) for t in BROKER_TYPES]
    pairs += [
        (east.elasticache_valkey_node(t), north.elasticache_valkey_node(t), CPU_FACTOR)
        for t in NODE_TYPES
    ]
    pairs.append((east.msk_storage_gb_month(), north.msk_storage_gb_month(), EBS_FACTOR))
    for us, eu, factor in pairs:
        assert eu.amount_usd == pytest.approx(us.amount_usd * factor, rel=1e-9)
        assert eu.confidence == "A"
        assert eu.source.startswith("derived") and f"x {factor:g}" in eu.source


def test_an_unknown_broker_or_node_type_is_one_error_line_naming_the_fix():
    prices = load_region("us-east-1")
    with pytest.raises(PriceError) as broker:
        prices.msk_broker("kafka.m5.large")
    assert str(broker.value) == (
        "prices:msk_brokers.kafka.m5.large: no price for MSK broker type 'kafka.m5.large' in "
        "us-east-1; fix: add it to a price file and pass --prices FILE"
    )
    with pytest.raises(PriceError) as node:
        prices.elasticache_valkey_node("cache.r7g.xlarge")
    assert str(node.value).startswith(
        "prices:elasticache_valkey_nodes.cache.r7g.xlarge: no price for ElastiCache (Valkey) "
        "node type 'cache.r7g.xlarge' in us-east-1; fix: "
    )


def test_a_price_file_adds_a_broker_type_and_keeps_the_shipped_ones(tmp_path):
    extra = tmp_path / "prices.yaml"
    extra.write_text(
        "msk_brokers:\n  kafka.m5.large: {usd_per_hour: 0.21, as_of: 2026-12-01,"
        " source: our AWS bill, confidence: V}\n"
    )
    prices = load_region("us-east-1", extra)
    assert prices.msk_broker("kafka.m5.large").cite() == (
        "catalog price as of 2026-12-01: our AWS bill"
    )
    assert prices.msk_broker("kafka.m7g.large").amount_usd == 0.204


def test_a_misspelt_key_in_a_node_entry_is_refused(tmp_path):
    extra = tmp_path / "prices.yaml"
    extra.write_text(
        "elasticache_valkey_nodes:\n  cache.r7g.large: {usd_per_hr: 0.2, as_of: 2026-12-01,"
        " source: x, confidence: V}\n"
    )
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    message = str(caught.value)
    assert message.startswith(
        "prices:elasticache_valkey_nodes.cache.r7g.large.usd_per_hour: missing "
        "(and 1 more problem); fix: add it in "
    )
    assert str(extra) in message and "\n" not in message


def test_a_region_file_without_msk_prices_loads_and_names_the_key_when_msk_is_priced(tmp_path):
    document = yaml.safe_load((PRICES_DIR / "aws-us-east-1.yaml").read_text())
    document["region"] = "us-west-2"
    for key in ("msk_brokers", "msk_storage_gb_month", "elasticache_valkey_nodes"):
        del document[key]
    path = tmp_path / "us-west-2.yaml"
    path.write_text(yaml.safe_dump(document))
    prices = load_region("us-west-2", path)
    with pytest.raises(PriceError) as caught:
        prices.msk_storage_gb_month()
    assert str(caught.value).startswith(
        "prices:msk_storage_gb_month: no MSK broker storage price in us-west-2; fix: "
    )


# --- cost lines ----------------------------------------------------------------------------


def test_advanced_prod_prices_its_elasticache_online_store_with_its_urn(tmp_path_factory):
    result = tco(tmp_path_factory, "advanced-prod")
    (line,) = managed_lines(result)  # Strimzi, not MSK: the only managed line is the cache
    assert line.category is Category.CLOUD_COMPUTE
    assert line.item == "ElastiCache (Valkey) cache.r7g.large x3 nodes"
    assert line.amount_usd == pytest.approx(0.1752 * 3 * 8760)  # 4,604.26 a year
    assert line.source == (
        "urn:pulumi:advanced-prod::aiplat::aiplat:features:FeatureStore"
        "$aws:elasticache/replicationGroup:ReplicationGroup::aiplat-use1-services-features-cache"
        " (us-east-1); catalog price as of 2026-10-02: valkey table (AWS Price List read "
        "2026-10-02; Redis OSS 0.219); On-Demand around the clock (no utilisation; no Savings "
        "Plan covers it)"
    )
    assert [y.year for y in result.cost_lines if y.item == line.item] == [1, 2, 3]


def test_an_msk_stack_prices_its_brokers_and_their_storage_with_the_cluster_urn(
    tmp_path_factory,
):
    result = tco(tmp_path_factory, "advanced-prod", kafka="msk")
    lines = {line.item: line for line in managed_lines(result)}
    brokers = lines["MSK kafka.m7g.xlarge x3 brokers"]
    storage = lines["MSK broker storage 3000 GiB"]  # 3 brokers x 1,000 GiB
    assert (brokers.category, storage.category) == (Category.CLOUD_COMPUTE, Category.STORAGE)
    assert brokers.amount_usd == pytest.approx(0.408 * 3 * 8760)  # 10,722.24 a year
    assert storage.amount_usd == pytest.approx(3000 * 0.10 * 12)  # 3,600 a year
    urn = (
        "urn:pulumi:advanced-prod::aiplat::aiplat:data:DataEngines$aws:msk/cluster:Cluster"
        "::aiplat-use1-services-engines-msk (us-east-1); "
    )
    assert brokers.source.startswith(urn + "catalog price as of 2026-12-03: msk cost table")
    assert storage.source.startswith(urn + "catalog price as of 2026-04-01: AWS Price List")
    assert "ElastiCache (Valkey) cache.r7g.large x3 nodes" in lines


def test_changing_the_broker_count_in_the_stack_file_changes_the_tco_by_exactly_its_price(
    tmp_path_factory,
):
    base = tco(tmp_path_factory, "advanced-prod", kafka="msk")
    more = tco(tmp_path_factory, "advanced-prod", kafka="msk", kafkaBrokers=6)
    prices = load_region("us-east-1")
    per_broker_year = (
        prices.msk_broker("kafka.m7g.xlarge").amount_usd * HOURS_PER_YEAR
        + 1000 * prices.msk_storage_gb_month().amount_usd * 12  # its 1,000 GiB of storage
    )
    delta = more.tco_total - base.tco_total
    assert delta == pytest.approx(3 * per_broker_year * base.years, rel=1e-12)


def test_expert_prod_counts_both_regions_and_both_edge_sites(tmp_path_factory):
    result = tco(tmp_path_factory, "expert-prod")
    year1 = [line for line in result.cost_lines if line.year == 1]
    for region in ("us-east-1", "eu-north-1"):
        here = {line.category for line in year1 if f"({region})" in line.source}
        assert {Category.CLOUD_COMPUTE, Category.STORAGE, Category.NETWORK} <= here, region
    (cache,) = managed_lines(result)
    assert "(us-east-1)" in cache.source  # the online store lives beside the lake
    hardware = {line.item for line in result.cost_lines if line.category is Category.HARDWARE}
    assert {
        "servers for edge store-east (1 x g6e.xlarge)",
        "servers for edge plant-west (1 x m7i.4xlarge)",
    } <= hardware


def test_expert_prod_with_msk_prices_a_cluster_in_each_region_at_that_regions_price(
    tmp_path_factory,
):
    result = tco(tmp_path_factory, "expert-prod", kafka="msk")
    brokers = {
        line.source.split("; ", 1)[0].rsplit(" ", 1)[-1]: line
        for line in managed_lines(result)
        if line.item == "MSK kafka.m7g.2xlarge x6 brokers"
    }
    assert brokers["(us-east-1)"].amount_usd == pytest.approx(0.816 * 6 * 8760)
    assert brokers["(eu-north-1)"].amount_usd == pytest.approx(0.867 * 6 * 8760)
    storage = [line for line in managed_lines(result) if line.item.startswith("MSK broker")]
    assert sorted(line.amount_usd for line in storage) == pytest.approx(
        [12000 * 0.10 * 12, 12000 * 0.1045 * 12]  # 6 brokers x 2,000 GiB in each region
    )


def test_the_program_prices_an_msk_stack_exactly_as_the_preview_prices_its_resources(
    tmp_path_factory,
):
    # 4 brokers over 3 zones: MSK rounds up to 6, and both derivations must agree on it
    stack = load(stack_file(tmp_path_factory, "expert-prod", kafka="msk", kafkaBrokers=4))
    platform = stack.resolve()
    capture = run_program(stack.name, stack.engine_values(), preview=True)
    from_preview = items_from_resources(capture.resources, platform)
    from_spec = items_from_platform(platform)
    managed = {ItemKind.MSK_BROKER, ItemKind.MSK_STORAGE, ItemKind.CACHE_NODE}

    def counted(items):
        return sorted((i.region, i.kind, i.key, i.quantity) for i in items if i.kind in managed)

    assert counted(from_preview) == counted(from_spec)
    assert ("eu-north-1", ItemKind.MSK_BROKER, "kafka.m7g.2xlarge", 6) in counted(from_spec)
    assert stack_tco(platform, from_spec).tco_total == pytest.approx(
        stack_tco(platform, from_preview).tco_total, rel=1e-12
    )
