"""The driver decomposition: at the baseline the linear model reproduces the evaluated cash
flows and metrics exactly; each multiplicative driver moves NPV linearly; the horizon and the
discount rate behave as documented; unknown drivers are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiplat.stackfiles import load
from tco import finance
from tco.benefits import Benefits, CustomStream
from tco.catalog import load_assumptions
from tco.drivers import DRIVERS, LinearModel, baselines
from tco.inventory import items_from_platform
from tco.model import Category, CostLine
from tco.results import evaluate
from tco.scenario import Timing, load_scenario
from tco.stack import TcoOptions, scenario_tco, stack_scenario, stack_tco
from tiers.errors import SpecError

# seed-design 5.2-5.3 as written in tco/scenarios/seed-central.yaml
SEED = load_scenario("seed-central")
SEED_RESULT = scenario_tco(SEED)
SEED_MODEL = LinearModel.from_result(SEED_RESULT, baselines(SEED, SEED_RESULT))


def stack_case(name: str):
    """A stack priced from its resolved spec (tco.inventory.items_from_platform), no Pulumi."""
    platform = load(name).resolve()
    result = stack_tco(platform, items_from_platform(platform))
    return platform, stack_scenario(platform, TcoOptions()), result


def test_the_registry_has_the_ten_drivers_and_two_are_not_multiplicative():
    assert len(DRIVERS) == 10
    assert [d for d in DRIVERS if not DRIVERS[d].multiplicative] == ["discount_rate", "years"]


def test_seed_central_baselines_are_in_natural_units():
    b = baselines(SEED, SEED_RESULT)
    assert b["revenue_base"] == 150e6 and b["revenue_uplift"] == 0.03
    assert b["efficiency_gain"] == 0.5 and b["bad_debt_reduction"] == 0.2
    assert b["gpu_unit_price"] == 15_000  # driver_baselines in the scenario file
    assert b["gpu_count"] == b["utilisation"] == b["people_cost"] == 1.0
    assert b["discount_rate"] == 0.10 and b["years"] == 3


def test_the_linear_model_reproduces_seed_central_exactly_at_baseline():
    assert np.array_equal(SEED_MODEL.flows()[0], SEED_RESULT.cash_flows)
    assert SEED_MODEL.npv()[0] == SEED_RESULT.npv
    assert SEED_MODEL.tco()[0] == SEED_RESULT.tco_total
    point = SEED_MODEL.evaluate_point()
    expected = SEED_RESULT.as_json()
    for key in ("irr", "irr_roots", "payback_years", "discounted_payback_years", "roi"):
        assert point[key] == expected[key], key


@pytest.mark.parametrize("stack", ["intermediate-prod", "poc-dev", "intermediate-onprem"])
def test_the_linear_model_reproduces_a_stack_exactly_at_baseline(stack):
    _, scenario, result = stack_case(stack)
    model = LinearModel.from_result(result, baselines(scenario, result))
    assert np.array_equal(model.flows()[0], result.cash_flows)
    assert model.npv()[0] == result.npv
    assert model.evaluate_point()["irr_roots"] == list(result.irr_roots)


def test_a_stack_revenue_base_carries_its_environment_share():
    platform, scenario, result = stack_case("intermediate-prod")
    share = load_assumptions().environment_share[platform.environment.value].value
    b = baselines(scenario, result)
    assert b["revenue_base"] == pytest.approx(scenario.benefits.revenue_uplift.base_usd * share)
    assert b["revenue_uplift"] == scenario.benefits.revenue_uplift.uplift  # fractions unscaled


def test_mid_year_timing_reproduces_npv_and_irr():
    scenario = SEED.model_copy(update={"timing": Timing.MID_YEAR})
    result = scenario_tco(scenario)
    model = LinearModel.from_result(result, baselines(scenario, result))
    assert model.npv()[0] == result.npv
    assert model.evaluate_point()["irr"] == result.irr
    assert model.outcome().irr().rate[0] == pytest.approx(result.irr, rel=1e-10)


def revenue_pv(result) -> float:
    """PV of the revenue-uplift lines (end-of-year: line in year t discounted t years)."""
    rate = result.discount_rate
    return sum(
        ln.amount_usd / (1 + rate) ** ln.year
        for ln in result.benefit_lines
        if "revenue_uplift" in ln.drivers
    )


@settings(max_examples=50, deadline=None)
@given(k=st.floats(min_value=0.0, max_value=10.0, allow_nan=False))
def test_npv_is_linear_in_revenue_uplift(k):
    base = SEED_MODEL.baselines["revenue_uplift"]
    delta = SEED_MODEL.npv({"revenue_uplift": k * base})[0] - SEED_RESULT.npv
    assert delta == pytest.approx((k - 1) * revenue_pv(SEED_RESULT), rel=1e-9, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    driver=st.sampled_from(["efficiency_gain", "bad_debt_reduction", "people_cost", "gpu_count"]),
    k=st.floats(min_value=0.0, max_value=5.0),
)
def test_every_multiplicative_driver_moves_npv_along_a_straight_line(driver, k):
    b = SEED_MODEL.baselines[driver]
    f0, f1, fk = SEED_MODEL.npv({driver: [b, 2 * b, k * b]})
    assert fk == pytest.approx(f0 + (k - 1) * (f1 - f0), rel=1e-9, abs=1e-6)


def test_two_drivers_on_one_line_multiply():
    double = SEED_MODEL.flows({"revenue_base": 300e6, "revenue_uplift": 0.06})[0]
    assert double[1] == pytest.approx(SEED_RESULT.cash_flows[1] + 3 * 4.5e6)


def test_each_sample_is_discounted_at_its_own_rate():
    rates = np.array([0.0, 0.05, 0.1, 0.3])
    expected = [finance.npv(r, SEED_RESULT.cash_flows) for r in rates]
    assert SEED_MODEL.npv({"discount_rate": rates}) == pytest.approx(expected, rel=1e-12)


def test_a_shorter_horizon_truncates_and_a_longer_one_repeats_the_final_year():
    flows = SEED_MODEL.flows({"years": [2, 3, 5]})
    cf = SEED_RESULT.cash_flows
    assert flows.shape == (3, 6)
    assert np.array_equal(flows[0], [*cf[:3], 0, 0, 0])
    assert np.array_equal(flows[1], [*cf, 0, 0])
    assert np.array_equal(flows[2], [*cf, cf[-1], cf[-1]])
    assert SEED_MODEL.npv({"years": 4})[0] == pytest.approx(SEED_RESULT.npv + cf[3] / 1.1**4)


def test_scalars_broadcast_against_arrays():
    out = SEED_MODEL.npv({"revenue_uplift": [0.03, 0.03], "discount_rate": 0.1})
    assert out.shape == (2,) and out[0] == out[1] == SEED_RESULT.npv


def test_arrays_of_different_lengths_are_an_error():
    with pytest.raises(SpecError, match="different lengths"):
        SEED_MODEL.npv({"revenue_uplift": [1, 2], "people_cost": [1, 2, 3]})


def test_an_unknown_driver_in_values_is_a_one_line_error_listing_the_drivers():
    with pytest.raises(SpecError) as err:
        SEED_MODEL.npv({"foo": 1.0})
    message = str(err.value)
    assert "unknown driver 'foo'" in message and "fix: use one of: revenue_base" in message
    assert "\n" not in message


def test_an_unknown_driver_on_a_line_or_in_driver_baselines_is_an_error():
    line = CostLine(category=Category.RND, item="x", year=0, amount_usd=1.0, source="t",
                    drivers=("foo",))  # fmt: skip
    result = evaluate(scenario="t", stack=None, cost_lines=[line], benefits=Benefits(),
                      years=1, discount_rate=0.1)  # fmt: skip
    with pytest.raises(SpecError, match="unknown driver 'foo'"):
        LinearModel.from_result(result)
    scenario = SEED.model_copy(update={"driver_baselines": {"bar": 1.0}})
    with pytest.raises(SpecError, match=r"driver_baselines\.bar: unknown driver 'bar'"):
        baselines(scenario, SEED_RESULT)


def test_discount_rate_and_years_out_of_domain_are_errors():
    with pytest.raises(SpecError, match="discount_rate"):
        SEED_MODEL.npv({"discount_rate": -1.0})
    with pytest.raises(SpecError, match="whole years"):
        SEED_MODEL.npv({"years": 2.5})


def test_lines_without_drivers_stay_fixed():
    custom = Benefits(custom=(CustomStream(name="c", usd_per_year=10.0),))
    result = evaluate(scenario="t", stack=None, cost_lines=[], benefits=custom, years=2,
                      discount_rate=0.0)  # fmt: skip
    model = LinearModel.from_result(result)
    assert model.groups == ()
    assert np.array_equal(model.flows({"people_cost": [0.0, 9.0]}), [[0, 10, 10], [0, 10, 10]])
