"""Sensitivity: sweeps, the design's five sweeps (seed-design 5.4), the tornado, two-way
tables, break-even values, and the charts drawn from them."""

from __future__ import annotations

import numpy as np
import pytest

from aiplat.render import Table
from aiplat.stackfiles import load
from tco.drivers import LinearModel, baselines
from tco.inventory import items_from_platform
from tco.scenario import load_scenario
from tco.sensitivity import (
    breakeven,
    design_comparison,
    design_sweeps,
    sweep,
    tornado,
    two_way,
)
from tco.stack import TcoOptions, scenario_tco, stack_scenario, stack_tco
from tiers.errors import SpecError

# seed-design 5.2-5.3 as written in tco/scenarios/seed-central.yaml
SEED = load_scenario("seed-central")
RESULT = scenario_tco(SEED)
MODEL = LinearModel.from_result(RESULT, baselines(SEED, RESULT))


def column(table: Table, index: int) -> list:
    return [row[index] for row in table.rows]


def test_a_sweep_returns_one_row_per_value_with_the_metric():
    table = sweep(MODEL, "revenue_uplift", [0.01, 0.03, 0.05], "npv")
    assert table.columns == ["revenue_uplift", "npv"]
    assert column(table, 0) == [0.01, 0.03, 0.05]
    assert table.rows[1][1] == pytest.approx(RESULT.npv)


def test_an_undefined_metric_is_none_in_a_sweep():
    # people cost x10 makes every year negative: never pays back, no IRR
    table = sweep(MODEL, "people_cost", [1.0, 10.0], "payback")
    assert table.rows[0][1] == pytest.approx(RESULT.payback_years) and table.rows[1][1] is None
    assert sweep(MODEL, "people_cost", [10.0], "irr").rows[0][1] is None


def test_an_unknown_metric_is_a_one_line_error():
    with pytest.raises(SpecError, match="unknown metric 'npx'; fix: use one of: npv"):
        sweep(MODEL, "revenue_uplift", [0.03], "npx")


def test_the_design_sweeps_are_the_five_of_section_5_4_with_printed_end_points():
    sweeps = design_sweeps(SEED, RESULT)
    assert [(s.driver, s.metric) for s in sweeps] == [
        ("revenue_base", "payback"),
        ("efficiency_gain", "irr"),
        ("bad_debt_reduction", "npv"),
        ("discount_rate", "npv"),
        ("gpu_unit_price", "tco"),
    ]
    # the design's printed end points (seed-design 5.4), kept alongside ours, not reproduced
    assert [s.printed for s in sweeps] == [
        (2.8, 0.84),
        (0.44, 0.89),
        (11.25e6, 16.12e6),
        (14.79e6, 10.36e6),
        (12.6e6, 10.2e6),
    ]
    for s in sweeps:
        assert 6 <= len(s.table.rows) <= 10
    ends = [(s.table.rows[0][0], s.table.rows[-1][0]) for s in sweeps]
    assert ends == [(100e6, 1e9), (0.3, 1.0), (0.1, 0.3), (0.05, 0.2), (15_000, 5_000)]
    comparison = design_comparison(sweeps)
    assert len(comparison.rows) == 5 and comparison.records()[4]["ours_start"] == 12.6e6


def test_the_design_sweeps_move_the_way_the_design_says():
    payback, irr, bad_debt, rate, gpu = (column(s.table, 1) for s in design_sweeps(SEED, RESULT))
    assert np.all(np.diff(payback) < 0)  # more revenue, sooner
    assert np.all(np.diff(irr) > 0)
    assert np.all(np.diff(bad_debt) > 0)
    assert np.all(np.diff(rate) < 0)  # NPV falls as rate rises
    assert np.all(np.diff(gpu) < 0)
    # 2.4M of GPU hardware at 15,000 -> 5,000 USD per GPU costs a third: TCO 12.6M -> 11.0M
    assert gpu[0] == pytest.approx(12.6e6) and gpu[-1] == pytest.approx(11.0e6)


def test_a_stack_without_a_stated_gpu_price_sweeps_gpu_multipliers():
    platform = load("poc-dev").resolve()
    result = stack_tco(platform, items_from_platform(platform))
    gpu = design_sweeps(stack_scenario(platform, TcoOptions()), result)[4]
    assert "multipliers" in gpu.note
    assert gpu.table.rows[0][0] == 1.0 and gpu.table.rows[-1][0] == pytest.approx(1 / 3)
    assert gpu.table.rows[0][1] == pytest.approx(result.tco_total)


def test_the_tornado_is_sorted_by_swing_and_includes_discount_rate_and_years():
    table = tornado(MODEL)
    assert table.columns == ["driver", "low_value", "high_value", "npv_low", "npv_high", "swing"]
    swings = column(table, 5)
    assert swings == sorted(swings, reverse=True)
    rows = {row[0]: row for row in table.rows}
    assert rows["discount_rate"][1:3] == [pytest.approx(0.08), pytest.approx(0.12)]
    assert rows["years"][1:3] == [2.0, 4.0]
    assert rows["discount_rate"][3] > RESULT.npv > rows["discount_rate"][4]
    assert rows["utilisation"][5] == 0.0  # seed-central has no line carrying it


def test_a_tornado_over_chosen_drivers_matches_single_evaluations():
    table = tornado(MODEL, ["people_cost"], low=0.5, high=2.0)
    (row,) = table.rows
    assert row[3] == pytest.approx(MODEL.npv({"people_cost": 0.5})[0])
    assert row[4] == pytest.approx(MODEL.npv({"people_cost": 2.0})[0])


def test_a_two_way_table_has_one_cell_per_pair():
    out = two_way(MODEL, "revenue_uplift", [0.01, 0.03], "discount_rate", [0.05, 0.1, 0.2])
    assert out.grid.shape == (2, 3)
    assert out.grid[1, 1] == pytest.approx(RESULT.npv)
    assert out.grid[0, 2] == pytest.approx(
        MODEL.npv({"revenue_uplift": 0.01, "discount_rate": 0.2})[0]
    )
    table = out.table()
    assert table.columns == ["revenue_uplift \\ discount_rate", "0.05", "0.1", "0.2"]
    assert len(table.rows) == 2


def test_breakeven_revenue_uplift_makes_npv_zero():
    x = breakeven(MODEL, "revenue_uplift")
    assert 0 < x < SEED.benefits.revenue_uplift.uplift
    assert abs(MODEL.npv({"revenue_uplift": x})[0]) <= 1e-6 * abs(RESULT.npv)


def test_breakeven_on_the_discount_rate_is_the_irr():
    assert breakeven(MODEL, "discount_rate") == pytest.approx(RESULT.irr, rel=1e-10)


def test_breakeven_on_a_nonlinear_metric_hits_its_target():
    x = breakeven(MODEL, "efficiency_gain", "irr", 0.9)
    assert MODEL.outcome({"efficiency_gain": x}).irr().rate[0] == pytest.approx(0.9, rel=1e-9)
    y = breakeven(MODEL, "revenue_uplift", "payback", 2.0)
    assert MODEL.outcome({"revenue_uplift": y}).payback()[0] == pytest.approx(2.0, rel=1e-9)


@pytest.mark.parametrize(
    ("driver", "metric", "target", "problem"),
    [
        ("efficiency_gain", "npv", 0.0, "outside"),  # NPV > 0 even with no efficiency gain
        ("utilisation", "npv", 0.0, "does not depend"),  # no seed-central line carries it
        ("revenue_uplift", "payback", 5.0, "jumps past"),  # beyond the 3-year horizon
        ("years", "npv", 0.0, "whole number"),
    ],
)
def test_breakeven_without_a_solution_says_so(driver, metric, target, problem):
    with pytest.raises(SpecError, match=problem):
        breakeven(MODEL, driver, metric, target)


def test_breakeven_respects_a_given_bracket():
    with pytest.raises(SpecError, match="outside"):
        breakeven(MODEL, "revenue_uplift", bracket=(0.02, 0.05))
    # undiscounted the flows sum to 9.9M: no rate in [0, 1] gives an NPV of 20M
    with pytest.raises(SpecError, match="does not reach"):
        breakeven(MODEL, "discount_rate", "npv", 20e6, bracket=(0.0, 1.0))


@pytest.fixture
def matplotlib_installed():
    pytest.importorskip("matplotlib", reason="matplotlib is not installed: charts are optional")


def assert_written(paths, stem):
    assert [p.name for p in paths] == [f"{stem}.png", f"{stem}.svg"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert paths[0].read_bytes().startswith(b"\x89PNG") and b"<svg" in paths[1].read_bytes()


def test_the_tornado_chart_writes_png_and_svg(tmp_path, matplotlib_installed):
    from tco.charts import tornado_chart

    paths = tornado_chart(tornado(MODEL), tmp_path / "tornado", baseline_npv=RESULT.npv)
    assert_written(paths, "tornado")
    assert_written(tornado_chart(tornado(MODEL).rows, tmp_path / "plain"), "plain")


def test_the_cashflow_chart_writes_png_and_svg(tmp_path, matplotlib_installed):
    from tco.charts import cashflow_chart

    # a dotted stem keeps its dot: the suffix is appended, not replaced
    assert_written(cashflow_chart(RESULT, tmp_path / "out" / "seed.central"), "seed.central")
