"""TCO of the stacks: every stack prices without error, sizes order the costs, a node-count
change moves the TCO by exactly its priced amount, and seed-central matches the design."""

from __future__ import annotations

import pytest
import yaml

from aiplat.costs import tco_for_stack
from aiplat.stackfiles import load, stack_names
from tco.catalog import load_assumptions, load_region
from tco.inventory import items_from_platform, items_from_resources
from tco.model import HOURS_PER_YEAR
from tco.scenario import Deployment, Timing, load_scenario
from tco.stack import TcoOptions, scenario_tco, stack_tco
from tiers.model import Tier

_results: dict = {}


def tco(stack: str, deployment: Deployment | None = None):
    key = (stack, deployment)
    if key not in _results:
        _results[key] = tco_for_stack(load(stack), TcoOptions(deployment=deployment))
    return _results[key]


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_gets_a_tco_with_sourced_cost_lines(stack):
    result = tco(stack)
    assert result.tco_total > 0
    assert result.cost_lines and all(line.source for line in result.cost_lines)
    assert result.as_json()["stack"] == stack


@pytest.mark.parametrize("tier", [t.value for t in Tier])
def test_prod_costs_more_than_staging_and_staging_than_dev(tier):
    dev, staging, prod = (tco(f"{tier}-{env}").tco_total for env in ("dev", "staging", "prod"))
    assert prod > staging > dev


def test_intermediate_prices_in_the_cloud_and_on_prem():
    cloud = tco("intermediate-prod")
    onprem = tco("intermediate-onprem")
    assert (
        "cloud_compute" in cloud.costs_by_category() and "hardware" not in cloud.costs_by_category()
    )
    assert (
        "hardware" in onprem.costs_by_category()
        and "cloud_compute" not in onprem.costs_by_category()
    )
    assert tco("intermediate-prod", Deployment.ONPREM).tco_total == pytest.approx(onprem.tco_total)


def test_adding_inference_nodes_changes_the_tco_by_exactly_their_priced_amount(tmp_path):
    stack = load("intermediate-prod")
    pool = {"minNodes": 8, "desiredNodes": 30, "maxNodes": 36}  # the tier has 24 desired
    path = tmp_path / "Pulumi.intermediate-prod.yaml"
    values = dict(stack.values, gpuPools={"inference": pool})
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in values.items()}}))
    delta = (
        tco_for_stack(load(str(path)), TcoOptions()).tco_total - tco("intermediate-prod").tco_total
    )

    prices, assumptions = load_region("us-east-1"), load_assumptions()
    util = assumptions.utilisation_for("inference").value
    years = tco("intermediate-prod").years
    per_node_year = (
        prices.instance("g6.xlarge").amount_usd * HOURS_PER_YEAR * util  # instance-hours
        + 500 * prices.ebs_gp3_gb_month.amount_usd * 12 * util  # its 500 GiB gp3 root volume
    )
    assert delta == pytest.approx(6 * per_node_year * years, rel=1e-12)


@pytest.mark.parametrize("stack", ["poc-dev", "intermediate-prod", "expert-staging", "poc-local"])
def test_the_program_prices_its_spec_exactly_as_the_preview_prices_its_resources(stack, capture):
    platform = load(stack).resolve()
    from_preview = stack_tco(
        platform, items_from_resources(capture(stack, True).resources, platform)
    )
    from_spec = stack_tco(platform, items_from_platform(platform))
    assert from_spec.tco_total == pytest.approx(from_preview.tco_total, rel=1e-12)
    assert from_spec.npv == pytest.approx(from_preview.npv, rel=1e-12)


def test_seed_central_reproduces_every_line_of_design_section_5_2():
    result = scenario_tco(load_scenario("seed-central"))
    # seed-design.md, "Central scenario (section 5.2)": hardware 2.4M, software 1.5M,
    # R&D 3.0M, operations 1.2M, people 4.5M; TCO 12.6M (4.2M/year); benefits 7.5M/year
    assert result.costs_by_category() == {
        "hardware": 2_400_000,
        "software": 1_500_000,
        "rnd": 3_000_000,
        "operations": 1_200_000,
        "people": 4_500_000,
    }
    assert result.tco_total == 12_600_000
    assert result.tco_per_year == 4_200_000
    assert list(result.benefits_by_year) == [0, 7_500_000, 7_500_000, 7_500_000]


def test_seed_central_metrics_follow_the_stated_convention():
    result = scenario_tco(load_scenario("seed-central"))
    # one-time 3.9M at t=0, then 7.5M - 2.9M = 4.6M at the end of years 1-3, 10%:
    # NPV = -3.9M + 4.6M x (1/1.1 + 1/1.21 + 1/1.331) = -3.9M + 4.6M x 2.486852 = 7,539,519.16
    assert result.npv == pytest.approx(7_539_519.16, abs=0.01)
    # IRR solves 3.9 = 4.6 x annuity(r, 3): r = 104.07% (seed-design note: "about 104%")
    assert result.irr == pytest.approx(1.0407, abs=1e-4)
    assert result.irr_roots == (result.irr,)
    # cumulative -3.9M, then +0.7M after year 1: payback 3.9 / 4.6 = 0.8478 years
    assert result.payback_years == pytest.approx(3.9 / 4.6)
    assert result.roi == pytest.approx((22.5 - 12.6) / 12.6)


def test_all_costs_up_front_gives_the_design_note_figures():
    scenario = load_scenario("seed-central")
    upfront = scenario.model_copy(
        update={
            "costs": tuple(
                c.model_copy(
                    update={
                        "recurring": False,
                        "year": 0,
                        "amount_usd": c.amount_usd * (3 if c.recurring else 1),
                    }
                )
                for c in scenario.costs
            )
        }
    )
    result = scenario_tco(upfront)
    # seed-design note: all 12.6M at year 0 and 7.5M in years 1-3 gives NPV 6.05M, IRR 35.7%
    assert result.npv == pytest.approx(6.05e6, abs=0.01e6)
    assert result.irr == pytest.approx(0.357, abs=0.001)


def test_mid_year_timing_discounts_recurring_flows_half_a_year_less():
    scenario = load_scenario("seed-central").model_copy(update={"timing": Timing.MID_YEAR})
    result = scenario_tco(scenario)
    expected = -3.9e6 + sum(4.6e6 / 1.1 ** (t - 0.5) for t in (1, 2, 3))
    assert result.npv == pytest.approx(expected)
    annual = result.irr
    assert -3.9e6 + sum(4.6e6 / (1 + annual) ** (t - 0.5) for t in (1, 2, 3)) == pytest.approx(
        0, abs=1e-3
    )


def test_a_stack_file_can_carry_its_own_tco_assumptions_and_scenario(tmp_path, capture):
    people = tmp_path / "people.yaml"
    people.write_text(
        "people_usd_per_year:\n"
        "  data_scientists: {usd_per_year: 200000, as_of: 2026-11-01, source: US cost, confidence: A}\n"
    )
    scenario = tmp_path / "five-years.yaml"
    scenario.write_text("name: five-years\nyears: 5\ndiscount_rate: 0.08\n")
    stack = load("intermediate-prod")
    values = dict(stack.values, tcoAssumptions=str(people), tcoScenario=str(scenario))
    path = tmp_path / "Pulumi.intermediate-prod.yaml"
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in values.items()}}))

    edited = tco_for_stack(load(str(path)), TcoOptions())
    assert (edited.years, edited.discount_rate, edited.scenario) == (5, 0.08, "five-years")
    # 10 data scientists at 200k instead of 75k, x 0.75 prod share, over 5 years
    base_people = tco("intermediate-prod").costs_by_category()["people"] / 3 * 5
    assert edited.costs_by_category()["people"] == pytest.approx(
        base_people + 10 * 125_000 * 0.75 * 5
    )

    from aiplat.harness import run_program

    exported = run_program(
        "intermediate-prod", load(str(path)).engine_values(), preview=True
    ).exports["tco"]
    assert exported["tcoTotalUsd"] == pytest.approx(edited.tco_total, abs=0.01)


def test_a_scenario_can_carry_its_own_assumptions_beside_it(tmp_path):
    (tmp_path / "util.yaml").write_text(
        "utilisation:\n  inference: {value: 0.5, unit: fraction of hours, as_of: 2026-11-01,"
        " source: test, confidence: A}\n"
    )
    (tmp_path / "half.yaml").write_text("name: half\nassumptions_file: util.yaml\n")
    halved = tco_for_stack(load("poc-prod"), TcoOptions(scenario=str(tmp_path / "half.yaml")))
    full = tco("poc-prod")
    # inference runs 1.0 of hours by default; at 0.5 its instance-hours and volumes halve
    inference = [
        line
        for line in full.cost_lines
        if line.item.endswith(("inference (on_demand)", "inference"))
    ]
    assert {line.category.value for line in inference} == {"cloud_compute", "storage"}
    saved = sum(line.amount_usd for line in inference) / 2
    assert full.tco_total - halved.tco_total == pytest.approx(saved, rel=1e-12)
