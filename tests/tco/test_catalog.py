"""The price catalog and assumptions: complete, sourced, calibrated to the design, strict.

Figures checked exactly come from /work/shared/reference/price-facts.md (AWS On-Demand,
Linux, us-east-1, after the June 2025 cut; on-prem facility and power) and from the design's
central scenario (seed-design.md section 5.2).
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tco.catalog import (
    PRICES_DIR,
    Assumed,
    Assumptions,
    HardwareCatalog,
    Price,
    PriceError,
    RegionPrices,
    load_assumptions,
    load_hardware,
    load_region,
    server_for,
    shipped_regions,
)
from tiers import TIERS
from tiers.errors import SpecError
from tiers.instances import CATALOG, AcceleratorVendor
from tiers.model import TeamSpec, Tier

REGIONS = ("us-east-1", "eu-north-1")
CONFIDENCES = {"V", "S", "U", "A"}

# price-facts.md, "AWS On-Demand, Linux" (us-east-1, USD/hour, after the June 2025 cut)
PRICE_FACTS_US_EAST_1 = {
    "p4d.24xlarge": 21.9576,
    "p4de.24xlarge": 27.44705,
    "p5.48xlarge": 55.04,
    "p5en.48xlarge": 63.296,
    "g5.xlarge": 1.006,
    "g5.12xlarge": 5.672,
    "g5.48xlarge": 16.288,
    "g6.xlarge": 0.8048,
    "g6.12xlarge": 4.6016,
    "g6e.xlarge": 1.861,
    "g6e.12xlarge": 10.49264,
    "trn1.32xlarge": 21.50,
    "m7i.xlarge": 0.2016,
}

INTERMEDIATE_TEAM = TeamSpec(
    data_scientists=10, data_engineers=4, ml_engineers=3, mlops_engineers=3
)


@pytest.fixture(scope="module")
def assumptions() -> Assumptions:
    return load_assumptions()


@pytest.fixture(scope="module")
def hardware() -> HardwareCatalog:
    return load_hardware()


def _shipped_document(region: str) -> dict[str, Any]:
    return yaml.safe_load((PRICES_DIR / f"aws-{region}.yaml").read_text())


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _entry(usd_per_hour: float, source: str = "negotiated rate, 2026 contract") -> dict[str, Any]:
    return {
        "usd_per_hour": usd_per_hour,
        "as_of": "2026-10-01",
        "source": source,
        "confidence": "A",
    }


def _assert_one_line(error: SpecError, field: str) -> None:
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{field}: ")
    assert "; fix: " in message


def _sourced_values(assumptions: Assumptions) -> list[Price | Assumed]:
    values: list[Price | Assumed] = [*assumptions.people_usd_per_year.values()]
    for section in (
        assumptions.software_one_time_usd,
        assumptions.software_usd_per_year,
        assumptions.rnd_usd_per_year,
        assumptions.operations_cloud_usd_per_year,
        assumptions.operations_idc_usd_per_year,
        assumptions.utilisation,
    ):
        values += section.values()
    values += [assumptions.discount_rate, assumptions.years]
    values += vars(assumptions.onprem).values()
    return values


def _assert_sourced(value: Price | Assumed) -> None:
    assert isinstance(value.as_of, datetime.date)
    assert value.source.strip()
    assert value.confidence in CONFIDENCES
    assert value.unit.strip()


# --- completeness and provenance ------------------------------------------------------------


def test_shipped_regions() -> None:
    assert set(REGIONS) <= set(shipped_regions())


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("instance_type", sorted(CATALOG))
def test_every_catalog_type_has_a_positive_price(region: str, instance_type: str) -> None:
    price = load_region(region).instance(instance_type)
    assert price.amount_usd > 0
    assert price.unit == "USD/hour"


@pytest.mark.parametrize("region", REGIONS)
def test_every_price_is_sourced(region: str) -> None:
    prices = load_region(region)
    assert prices.region == region
    assert prices.currency == "USD"
    for _, price in prices.prices():
        _assert_sourced(price)
        assert price.amount_usd > 0


@pytest.mark.parametrize("region", REGIONS)
def test_estimates_are_never_presented_as_verified(region: str) -> None:
    for path, price in load_region(region).prices():
        if price.source.startswith(("estimate", "derived", "assumption")):
            assert price.confidence in {"U", "A"}, path


def test_every_assumption_and_server_is_sourced(
    assumptions: Assumptions, hardware: HardwareCatalog
) -> None:
    for value in _sourced_values(assumptions):
        _assert_sourced(value)
    for server in hardware.values():
        _assert_sourced(server.unit_price)
        _assert_sourced(server.max_power_kw)
        assert server.unit_price.amount_usd > 0
        assert server.max_power_kw.value > 0


def test_cite_names_date_and_source() -> None:
    price = load_region("us-east-1").instance("p5.48xlarge")
    assert price.cite() == f"catalog price as of {price.as_of.isoformat()}: {price.source}"
    assert price.cite().startswith("catalog price as of 2026-")


def test_loaded_prices_are_read_only() -> None:
    prices = load_region("us-east-1")
    with pytest.raises(TypeError):
        prices.instance_hour["p5.48xlarge"] = prices.instance("g5.xlarge")  # type: ignore[index]
    with pytest.raises(AttributeError):
        prices.region = "eu-north-1"  # type: ignore[misc]


# --- the facts price-facts.md states --------------------------------------------------------


@pytest.mark.parametrize(("instance_type", "usd_per_hour"), sorted(PRICE_FACTS_US_EAST_1.items()))
def test_price_facts_figures_appear_exactly(instance_type: str, usd_per_hour: float) -> None:
    """price-facts.md, AWS On-Demand table (us-east-1, after the June 2025 cut)."""
    assert load_region("us-east-1").instance(instance_type).amount_usd == usd_per_hour


def test_p5e_has_no_verified_on_demand_price() -> None:
    """price-facts.md: no On-Demand price found for p5e.48xlarge; the catalog says so."""
    for region in REGIONS:
        assert load_region(region).instance("p5e.48xlarge").confidence == "U"


def test_eks_control_plane_prices() -> None:
    for region in REGIONS:
        prices = load_region(region)
        assert prices.eks_control_plane_hour.amount_usd == 0.10
        assert prices.eks_extended_support_hour.amount_usd == 0.60


@pytest.mark.parametrize("region", REGIONS)
def test_factors_are_fractions_of_on_demand(region: str) -> None:
    prices = load_region(region)
    for factor in (prices.spot_factor, prices.savings_plan_factor):
        assert 0 < factor.amount_usd <= 1
        assert factor.confidence == "A"  # assumptions, stated as such
    assert prices.spot_factor.amount_usd < prices.savings_plan_factor.amount_usd


def test_onprem_facts(assumptions: Assumptions) -> None:
    """price-facts.md on-prem table and seed-design 5.2's facility factor."""
    onprem = assumptions.onprem
    assert onprem.facility_factor.value == 1.2
    assert onprem.pue.value == 1.55
    assert onprem.electricity_usd_per_kwh.amount_usd == 0.0806
    assert onprem.colocation_usd_per_kw_month.amount_usd == 184.06
    assert onprem.power_draw_fraction.value == 0.75
    assert onprem.depreciation_years.value == 5
    assert onprem.refresh_at_end_of_life.value is True


# --- design calibration (seed-design 5.2) ---------------------------------------------------


def test_people_cost_of_the_intermediate_team_is_the_designs(assumptions: Assumptions) -> None:
    """seed-design 5.2: people 1.5M/year for 20 algorithm/data/MLOps staff."""
    assert INTERMEDIATE_TEAM.total == 20
    assert assumptions.people_cost_usd_per_year(INTERMEDIATE_TEAM) == pytest.approx(1_500_000)
    assert TIERS[Tier.INTERMEDIATE].team == INTERMEDIATE_TEAM
    assert set(assumptions.people_usd_per_year) == set(INTERMEDIATE_TEAM.by_role())


def test_rnd_software_operations_at_intermediate(assumptions: Assumptions) -> None:
    """seed-design 5.2: R&D 1.0M/year; software 0.5M + 1.0M over 3 years; ops 0.2M + 0.2M."""
    tier = Tier.INTERMEDIATE
    years = assumptions.years.value
    assert years == 3
    assert assumptions.discount_rate.value == 0.10
    assert assumptions.rnd_usd_per_year[tier].amount_usd == 1_000_000
    assert assumptions.software_one_time_usd[tier].amount_usd == 500_000
    software = (
        assumptions.software_one_time_usd[tier].amount_usd
        + years * assumptions.software_usd_per_year[tier].amount_usd
    )
    assert software == pytest.approx(1_500_000, abs=1)
    assert assumptions.operations_cloud_usd_per_year[tier].amount_usd == 200_000
    assert assumptions.operations_idc_usd_per_year[tier].amount_usd == 200_000


def test_tier_costs_grow_with_maturity(assumptions: Assumptions) -> None:
    order = list(Tier)
    for section in (
        assumptions.software_one_time_usd,
        assumptions.software_usd_per_year,
        assumptions.rnd_usd_per_year,
        assumptions.operations_cloud_usd_per_year,
        assumptions.operations_idc_usd_per_year,
    ):
        amounts = [section[tier].amount_usd for tier in order]
        assert amounts == sorted(amounts)
        assert len(set(amounts)) == len(amounts)


def test_utilisation_covers_every_pool_role(assumptions: Assumptions) -> None:
    from tiers.model import PoolRole

    for role in [*(r.value for r in PoolRole), "system"]:
        assert 0 < assumptions.utilisation_for(role).value <= 1
    assert assumptions.utilisation_for("inference").value == 1.0
    with pytest.raises(PriceError) as caught:
        assumptions.utilisation_for("gaming")
    _assert_one_line(caught.value, "assumptions:utilisation.gaming")


# --- on-prem hardware -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "instance_type", sorted(t for t, row in CATALOG.items() if row.is_accelerated)
)
def test_accelerated_types_have_an_onprem_server_unless_aws_silicon(
    hardware: HardwareCatalog, instance_type: str
) -> None:
    row = CATALOG[instance_type]
    if row.vendor is AcceleratorVendor.AWS_NEURON:
        assert instance_type in hardware.unavailable
        with pytest.raises(PriceError) as caught:
            hardware.server_for(instance_type)
        _assert_one_line(caught.value, f"hardware:servers.{instance_type}")
        assert "only as an EC2 instance" in str(caught.value)
        return
    server = hardware.server_for(instance_type)
    assert server.gpus == row.accelerators
    assert server.instances_per_server == 1
    assert server.accelerator


def test_cpu_types_have_shared_hosts(hardware: HardwareCatalog) -> None:
    for instance_type, row in CATALOG.items():
        if row.is_accelerated:
            continue
        server = server_for(instance_type, hardware)
        assert server.gpus == 0
        assert server.instances_per_server >= 1
        assert (
            server.price_per_instance_usd
            == server.unit_price.amount_usd / server.instances_per_server
        )


def test_hardware_facts(hardware: HardwareCatalog) -> None:
    """price-facts.md: HGX H100 assumed 310k; DGX H100 10.2 kW and DGX A100 6.5 kW (datasheets)."""
    assert hardware["p5.48xlarge"].unit_price.amount_usd == 310_000
    assert hardware["p5.48xlarge"].max_power_kw.value == 10.2
    assert hardware["p4d.24xlarge"].max_power_kw.value == 6.5
    assert hardware["p4de.24xlarge"].max_power_kw.value == 6.5


def test_unknown_type_has_no_server(hardware: HardwareCatalog) -> None:
    with pytest.raises(PriceError) as caught:
        hardware.server_for("x9.huge")
    _assert_one_line(caught.value, "hardware:servers.x9.huge")


# --- user overlays --------------------------------------------------------------------------


def test_overlay_replaces_one_price_and_keeps_the_rest(tmp_path: Path) -> None:
    extra = _write(
        tmp_path / "prices.yaml",
        {"region": "us-east-1", "instances": {"p5.48xlarge": _entry(40.0)}},
    )
    shipped = load_region("us-east-1")
    merged = load_region("us-east-1", extra)
    assert merged.instance("p5.48xlarge").amount_usd == 40.0
    assert merged.instance("p5.48xlarge").source == "negotiated rate, 2026 contract"
    assert merged.instance("p5.48xlarge").confidence == "A"
    for instance_type in CATALOG:
        if instance_type != "p5.48xlarge":
            assert merged.instance(instance_type) == shipped.instance(instance_type)
    assert merged.spot_factor == shipped.spot_factor
    assert merged.nat_gateway_hour == shipped.nat_gateway_hour


def test_overlay_can_add_an_instance_type(tmp_path: Path) -> None:
    extra = _write(tmp_path / "prices.yaml", {"instances": {"x9.huge": _entry(3.5)}})
    assert load_region("us-east-1", extra).instance("x9.huge").amount_usd == 3.5


def test_overlay_without_region_applies_to_every_region(tmp_path: Path) -> None:
    factor = {
        "fraction": 0.3,
        "as_of": "2026-10-01",
        "source": "our Spot history",
        "confidence": "S",
    }
    extra = _write(tmp_path / "prices.yaml", {"spot_factor": factor})
    for region in REGIONS:
        assert load_region(region, extra).spot_factor.amount_usd == 0.3


def test_overlay_for_another_region_leaves_this_one_alone(tmp_path: Path) -> None:
    extra = _write(
        tmp_path / "prices.yaml",
        {"region": "eu-north-1", "instances": {"p5.48xlarge": _entry(40.0)}},
    )
    assert load_region("us-east-1", extra) == load_region("us-east-1")
    assert load_region("eu-north-1", extra).instance("p5.48xlarge").amount_usd == 40.0


def test_user_file_may_define_a_region_that_is_not_shipped(tmp_path: Path) -> None:
    document = _shipped_document("us-east-1")
    document["region"] = "ap-south-1"
    prices = load_region("ap-south-1", _write(tmp_path / "ap-south-1.yaml", document))
    assert isinstance(prices, RegionPrices)
    assert prices.region == "ap-south-1"
    assert prices.instance("p5.48xlarge").amount_usd == 55.04


def test_partial_file_for_an_unshipped_region_names_what_is_missing(tmp_path: Path) -> None:
    extra = _write(
        tmp_path / "p.yaml", {"region": "ap-south-1", "currency": "USD", "instances": {}}
    )
    with pytest.raises(PriceError) as caught:
        load_region("ap-south-1", extra)
    _assert_one_line(caught.value, "prices:spot_factor")
    assert "missing" in str(caught.value)
    assert str(extra) in str(caught.value)


def test_assumptions_overlay(tmp_path: Path) -> None:
    entry = {
        "usd_per_year": 200000,
        "as_of": "2026-10-01",
        "source": "US market",
        "confidence": "S",
    }
    extra = _write(tmp_path / "a.yaml", {"people_usd_per_year": {"ml_engineers": entry}})
    shipped = load_assumptions()
    merged = load_assumptions(extra)
    assert merged.people_usd_per_year["ml_engineers"].amount_usd == 200_000
    assert (
        merged.people_usd_per_year["data_scientists"]
        == shipped.people_usd_per_year["data_scientists"]
    )
    assert merged.onprem == shipped.onprem


def test_hardware_overlay_can_add_a_server_for_listed_silicon(tmp_path: Path) -> None:
    server = {
        "description": "hypothetical Trainium appliance",
        "accelerator": "Trainium",
        "gpus": 16,
        "unit_price": {"usd": 200000, "as_of": "2026-10-01", "source": "quote", "confidence": "U"},
        "max_power_kw": {"value": 8.0, "as_of": "2026-10-01", "source": "quote", "confidence": "U"},
    }
    extra = _write(tmp_path / "h.yaml", {"servers": {"trn1.32xlarge": server}})
    hardware = load_hardware(extra)
    assert hardware.server_for("trn1.32xlarge").unit_price.amount_usd == 200_000
    assert "trn1.32xlarge" not in hardware.unavailable
    assert hardware["p5.48xlarge"] == load_hardware()["p5.48xlarge"]


# --- one-line errors ------------------------------------------------------------------------


def test_negative_price_names_the_field(tmp_path: Path) -> None:
    extra = _write(tmp_path / "prices.yaml", {"instances": {"p5.48xlarge": _entry(-1.0)}})
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    _assert_one_line(caught.value, "prices:instances.p5.48xlarge.usd_per_hour")
    assert "must be > 0 (got -1.0)" in str(caught.value)
    assert str(extra) in str(caught.value)  # the fix names the file to correct
    assert isinstance(caught.value, SpecError)


def test_zero_price_is_rejected(tmp_path: Path) -> None:
    entry = {"usd_per_gb": 0.0, "as_of": "2026-10-01", "source": "typo", "confidence": "A"}
    extra = _write(tmp_path / "prices.yaml", {"nat_gateway_gb": entry})
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    _assert_one_line(caught.value, "prices:nat_gateway_gb.usd_per_gb")
    assert "must be > 0 (got 0.0)" in str(caught.value)


def test_factor_above_one_is_rejected(tmp_path: Path) -> None:
    factor = {"fraction": 1.5, "as_of": "2026-10-01", "source": "typo", "confidence": "A"}
    extra = _write(tmp_path / "prices.yaml", {"savings_plan_factor": factor})
    with pytest.raises(PriceError) as caught:
        load_region("eu-north-1", extra)
    _assert_one_line(caught.value, "prices:savings_plan_factor.fraction")
    assert "must be <= 1 (got 1.5)" in str(caught.value)


def test_unknown_region(tmp_path: Path) -> None:
    with pytest.raises(PriceError) as caught:
        load_region("ap-south-1")
    _assert_one_line(caught.value, "prices:region")
    message = str(caught.value)
    assert "'ap-south-1'" in message
    assert all(region in message for region in REGIONS)
    assert "--prices FILE" in message


def test_unknown_instance_type() -> None:
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1").instance("x9.huge")
    _assert_one_line(caught.value, "prices:instances.x9.huge")
    assert (
        "no price for instance type 'x9.huge' in us-east-1; fix: add it to a price file and pass --prices FILE"
        in str(caught.value)
    )


def test_unknown_key(tmp_path: Path) -> None:
    extra = _write(tmp_path / "prices.yaml", {"nat_gateway_hours": _entry(0.05)})
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    _assert_one_line(caught.value, "prices:nat_gateway_hours")
    assert "unknown key" in str(caught.value)


def test_misspelt_key_inside_an_entry(tmp_path: Path) -> None:
    entry = {"usd_per_hr": 40.0, "as_of": "2026-10-01", "source": "x", "confidence": "A"}
    extra = _write(tmp_path / "prices.yaml", {"instances": {"p5.48xlarge": entry}})
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    assert "prices:instances.p5.48xlarge." in str(caught.value)
    assert "fix:" in str(caught.value)


def test_override_must_carry_its_own_source(tmp_path: Path) -> None:
    extra = _write(tmp_path / "prices.yaml", {"instances": {"p5.48xlarge": {"usd_per_hour": 40.0}}})
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    _assert_one_line(caught.value, "prices:instances.p5.48xlarge.as_of")
    assert "missing" in str(caught.value)


def test_bad_confidence(tmp_path: Path) -> None:
    extra = _write(
        tmp_path / "prices.yaml",
        {"instances": {"p5.48xlarge": {**_entry(40.0), "confidence": "X"}}},
    )
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", extra)
    _assert_one_line(caught.value, "prices:instances.p5.48xlarge.confidence")


def test_assumption_errors(tmp_path: Path) -> None:
    entry = {"usd_per_year": -5, "as_of": "2026-10-01", "source": "x", "confidence": "A"}
    extra = _write(tmp_path / "a.yaml", {"people_usd_per_year": {"data_scientists": entry}})
    with pytest.raises(PriceError) as caught:
        load_assumptions(extra)
    _assert_one_line(caught.value, "assumptions:people_usd_per_year.data_scientists.usd_per_year")
    assert "must be > 0 (got -5)" in str(caught.value)

    extra = _write(tmp_path / "b.yaml", {"people_usd_per_year": {"product_managers": entry}})
    with pytest.raises(PriceError) as caught:
        load_assumptions(extra)
    _assert_one_line(caught.value, "assumptions:people_usd_per_year.product_managers")
    assert "unknown key" in str(caught.value)

    utilisation = {
        "value": 1.2,
        "unit": "fraction of hours",
        "as_of": "2026-10-01",
        "source": "x",
        "confidence": "A",
    }
    extra = _write(tmp_path / "c.yaml", {"utilisation": {"training": utilisation}})
    with pytest.raises(PriceError) as caught:
        load_assumptions(extra)
    _assert_one_line(caught.value, "assumptions:utilisation.training.value")


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", tmp_path / "absent.yaml")
    assert "cannot read" in str(caught.value)
    bad = tmp_path / "bad.yaml"
    bad.write_text("instances: [unclosed\n")
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", bad)
    assert "not valid YAML" in str(caught.value)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n")
    with pytest.raises(PriceError) as caught:
        load_region("us-east-1", listing)
    assert "must be a mapping" in str(caught.value)


@settings(max_examples=40, deadline=None)
@given(amount=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_any_positive_override_loads_and_any_other_is_refused(amount: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        extra = _write(Path(directory) / "p.yaml", {"instances": {"g6e.xlarge": _entry(amount)}})
        if amount > 0:
            assert load_region("us-east-1", extra).instance("g6e.xlarge").amount_usd == amount
        else:
            with pytest.raises(
                PriceError, match=r"^prices:instances\.g6e\.xlarge\.usd_per_hour: must be > 0"
            ):
                load_region("us-east-1", extra)
