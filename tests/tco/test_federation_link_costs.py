"""The TCO prices the FATE link between regions (expert tier): an internal Network Load
Balancer per member reached from another region, in the region of the cluster it runs on
(hours plus the catalog's stated NLCUs), and the link's Route 53 private hosted zone, each
line naming its resource and catalog prices; single-region stacks have none; the program's
spec-based items equal the preview's."""

from __future__ import annotations

import pytest
import yaml

from aiplat.stackfiles import load, stack_names
from tco.catalog import PRICES_DIR, PriceError, load_region, shipped_regions
from tco.inventory import items_from_platform, items_from_resources
from tco.model import Category, ItemKind
from tco.stack import TcoOptions, stack_tco

NETWORK_RATIO = 46 / 45  # eu-north-1 / us-east-1 NAT gateway hour, stated in aws-eu-north-1.yaml
LINK = {ItemKind.LOAD_BALANCER, ItemKind.DNS_ZONE}
EXCHANGE_URN = (
    "urn:pulumi:expert-prod::aiplat::aiplat:federation:Federation$kubernetes:core/v1:Service"
    "::aiplat-use1-services-federation-exchange-osx-remote"
)
PARTNER_URN = (
    "urn:pulumi:expert-prod::aiplat::aiplat:federation:Federation$kubernetes:core/v1:Service"
    "::aiplat-eun1-services-federation-partner-osx-remote"
)
ZONE_URN = (
    "urn:pulumi:expert-prod::aiplat::aiplat:federation:FederationLink$aws:route53/zone:Zone"
    "::aiplat-use1-fate-link-zone"
)


def link_lines(result, year: int = 1):
    return {
        line.item: line
        for line in result.cost_lines
        if line.year == year and line.item.startswith(("internal NLB", "Route 53"))
    }


def preview_tco(capture, stack: str, options: TcoOptions | None = None):
    platform = load(stack).resolve()
    items = items_from_resources(capture(stack, True).resources, platform)
    return stack_tco(platform, items, options or TcoOptions())


def counted(items):
    return sorted((i.region, i.kind, i.key, i.quantity) for i in items if i.kind in LINK)


# --- the catalog ---------------------------------------------------------------------------


@pytest.mark.parametrize("region", shipped_regions())
def test_every_region_has_sourced_nlb_and_hosted_zone_prices(region):
    prices = load_region(region)
    priced = [prices.nlb_hour(), prices.nlb_lcu_hour(), prices.route53_hosted_zone_month()]
    for price in priced:
        assert price.amount_usd > 0 and price.source and price.as_of.year >= 2026
    assert [p.unit for p in priced] == [
        "USD/load balancer-hour",
        "USD/NLCU-hour",
        "USD/hosted zone-month",
    ]
    paths = {path for path, _ in prices.prices()}
    assert {"nlb_hour", "nlb_lcu_hour", "route53_hosted_zone_month"} <= paths
    nlcus = prices.nlb_lcus_per_nlb()
    assert (nlcus.value, nlcus.confidence) == (1, "A")
    assert nlcus.source.startswith("assumption")


def test_us_east_1_prices_are_the_sourced_figures():
    prices = load_region("us-east-1")
    assert prices.nlb_hour().amount_usd == 0.0225
    assert prices.nlb_lcu_hour().amount_usd == 0.006
    assert prices.route53_hosted_zone_month().amount_usd == 0.50
    assert {prices.nlb_hour().confidence, prices.nlb_lcu_hour().confidence} == {"S"}


def test_eu_north_1_nlb_prices_are_derived_by_the_stated_ratio_and_the_zone_is_global():
    east, north = load_region("us-east-1"), load_region("eu-north-1")
    for us, eu in [
        (east.nlb_hour(), north.nlb_hour()),
        (east.nlb_lcu_hour(), north.nlb_lcu_hour()),
    ]:
        assert eu.amount_usd == round(us.amount_usd * NETWORK_RATIO, 6)
        assert eu.confidence == "A"
        assert eu.source.startswith("derived") and "x 46/45" in eu.source
    assert north.route53_hosted_zone_month().amount_usd == 0.50  # one price in every region


def test_a_price_file_without_link_prices_loads_and_pricing_an_nlb_names_the_key(tmp_path):
    document = yaml.safe_load((PRICES_DIR / "aws-us-east-1.yaml").read_text())
    document["region"] = "us-west-2"
    for key in ("nlb_hour", "nlb_lcu_hour", "nlb_lcus_per_nlb", "route53_hosted_zone_month"):
        del document[key]
    path = tmp_path / "us-west-2.yaml"
    path.write_text(yaml.safe_dump(document))
    prices = load_region("us-west-2", path)
    assert prices.instance("g6.xlarge").amount_usd > 0
    with pytest.raises(PriceError) as nlb:
        prices.nlb_hour()
    assert str(nlb.value) == (
        "prices:nlb_hour: no Network Load Balancer price in us-west-2; "
        "fix: add nlb_hour to a price file and pass --prices FILE"
    )
    with pytest.raises(PriceError) as zone:
        prices.route53_hosted_zone_month()
    assert str(zone.value).startswith(
        "prices:route53_hosted_zone_month: no Route 53 hosted zone price in us-west-2; fix: "
    )


def test_a_misspelt_key_in_a_link_price_is_refused(tmp_path):
    extra = tmp_path / "prices.yaml"
    extra.write_text(
        "nlb_hour: {usd_per_hr: 0.03, as_of: 2026-12-01, source: our bill, confidence: V}\n"
    )
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    message = str(caught.value)
    assert message.startswith("prices:nlb_hour.usd_per_hour: missing (and 1 more problem); ")
    assert "\n" not in message


# --- cost lines ----------------------------------------------------------------------------


def test_expert_prod_prices_each_nlb_in_its_clusters_region_and_the_zone_with_their_urns(
    capture,
):
    result = preview_tco(capture, "expert-prod")
    lines = link_lines(result)
    assert sorted(lines) == [
        "Route 53 private hosted zone expert-prod.fate.internal",
        "internal NLB fate-exchange/osx-remote",
        "internal NLB fate-partner/osx-remote",
    ]
    assert {line.category for line in lines.values()} == {Category.NETWORK}
    east, north = load_region("us-east-1"), load_region("eu-north-1")

    exchange = lines["internal NLB fate-exchange/osx-remote"]
    assert exchange.amount_usd == pytest.approx((0.0225 + 1 * 0.006) * 730 * 12)  # 249.66
    assert exchange.source == (
        f"{EXCHANGE_URN} (us-east-1); {east.nlb_hour().cite()}; + 1 NLCU x "
        f"{east.nlb_lcu_hour().cite()}; {east.nlb_lcus_per_nlb().cite()}"
    )
    assert exchange.source.startswith(
        f"{EXCHANGE_URN} (us-east-1); catalog price as of 2026-12-03: clustercost blog"
    )

    partner = lines["internal NLB fate-partner/osx-remote"]
    assert partner.amount_usd == pytest.approx((0.023 + 0.006133) * 8760)  # 255.21
    assert partner.source.startswith(
        f"{PARTNER_URN} (eu-north-1); catalog price as of 2026-12-03: derived - us-east-1 0.0225"
    )
    assert north.nlb_lcu_hour().cite() in partner.source

    zone = lines["Route 53 private hosted zone expert-prod.fate.internal"]
    assert zone.amount_usd == pytest.approx(0.50 * 12)
    assert zone.source == (
        f"{ZONE_URN} (us-east-1); catalog price as of 2026-09-20: "
        f"{east.route53_hosted_zone_month().source}; queries not priced"
    )
    assert [y.year for y in result.cost_lines if y.item == zone.item] == [1, 2, 3]


def test_a_price_file_raising_the_nlcu_assumption_raises_each_nlb_line_by_its_price(
    capture, tmp_path
):
    extra = tmp_path / "prices.yaml"
    extra.write_text(
        "region: us-east-1\nnlb_lcus_per_nlb: {value: 5, unit: NLCU per load balancer-hour,"
        " as_of: 2026-12-01, source: our traffic, confidence: V}\n"
    )
    base = link_lines(preview_tco(capture, "expert-prod"))
    busier = link_lines(preview_tco(capture, "expert-prod", TcoOptions(prices_file=extra)))
    item = "internal NLB fate-exchange/osx-remote"
    assert busier[item].amount_usd - base[item].amount_usd == pytest.approx(4 * 0.006 * 8760)
    assert "catalog assumption as of 2026-12-01: our traffic" in busier[item].source
    partner = "internal NLB fate-partner/osx-remote"  # eu-north-1: its own file, unchanged
    assert busier[partner].amount_usd == base[partner].amount_usd


@pytest.mark.parametrize("stack", ["poc-prod", "intermediate-prod", "advanced-prod"])
def test_a_single_region_stack_has_no_link_lines(capture, stack):
    assert link_lines(preview_tco(capture, stack)) == {}


@pytest.mark.parametrize("stack", stack_names())
def test_only_stacks_federated_across_regions_derive_link_items_from_their_spec(stack):
    platform = load(stack).resolve()
    link = counted(items_from_platform(platform))
    if len(platform.regions) > 1 and platform.stacks.federation.enabled:
        assert [kind for _, kind, _, _ in link].count(ItemKind.DNS_ZONE) == 1
    else:
        assert link == []


def test_the_program_prices_expert_prod_exactly_as_the_preview_prices_its_resources(capture):
    platform = load("expert-prod").resolve()
    from_preview = items_from_resources(capture("expert-prod", True).resources, platform)
    from_spec = items_from_platform(platform)
    assert (
        counted(from_preview)
        == counted(from_spec)
        == [
            ("eu-north-1", ItemKind.LOAD_BALANCER, "fate-partner/osx-remote", 1),
            ("us-east-1", ItemKind.DNS_ZONE, "expert-prod.fate.internal", 1),
            ("us-east-1", ItemKind.LOAD_BALANCER, "fate-exchange/osx-remote", 1),
        ]
    )
    assert stack_tco(platform, from_spec).tco_total == pytest.approx(
        stack_tco(platform, from_preview).tco_total, rel=1e-12
    )
