"""Monte Carlo: seeded and reproducible, chunking changes nothing, zero-width inputs give the
deterministic answer exactly, every IRR failure is counted, and distribution files are
validated with one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from tco import finance, montecarlo
from tco.benefits import Benefits, CustomStream
from tco.drivers import LinearModel, baselines
from tco.finance import IrrStatus
from tco.model import Category, CostLine
from tco.montecarlo import Distribution, default_distributions, parse_distributions, run
from tco.results import evaluate
from tco.scenario import load_scenario
from tco.stack import scenario_tco
from tiers.errors import SpecError

# seed-design 5.2-5.3 as written in tco/scenarios/seed-central.yaml
SEED = load_scenario("seed-central")
RESULT = scenario_tco(SEED)
BASE = baselines(SEED, RESULT)
MODEL = LinearModel.from_result(RESULT, BASE)
DEFAULTS = default_distributions(BASE)


def test_the_same_seed_gives_the_same_result_and_another_seed_does_not():
    a, b = run(MODEL, DEFAULTS, 5_000, seed=7), run(MODEL, DEFAULTS, 5_000, seed=7)
    assert np.array_equal(a.npv, b.npv) and np.array_equal(a.irr, b.irr, equal_nan=True)
    assert a.as_json() == b.as_json()
    assert not np.array_equal(a.npv, run(MODEL, DEFAULTS, 5_000, seed=8).npv)


def test_the_order_of_the_distributions_does_not_matter():
    reverse = dict(reversed(list(DEFAULTS.items())))
    assert np.array_equal(run(MODEL, DEFAULTS, 1_000, 3).npv, run(MODEL, reverse, 1_000, 3).npv)


def test_chunking_changes_nothing_and_progress_counts_rows(monkeypatch):
    whole = run(MODEL, DEFAULTS, 4_500, seed=1)
    monkeypatch.setattr(montecarlo, "CHUNK", 2_000)
    done: list[int] = []
    parts = run(MODEL, DEFAULTS, 4_500, seed=1, progress=done.append)
    assert done == [2_000, 4_000, 4_500]
    assert np.array_equal(whole.npv, parts.npv) and np.array_equal(whole.tco, parts.tco)


def test_the_summary_has_ordered_percentiles():
    summary = run(MODEL, DEFAULTS, 20_000, seed=11).as_json()
    assert summary["samples"] == 20_000 and summary["seed"] == 11
    assert summary["npv_p10"] <= summary["npv_p50"] <= summary["npv_p90"]
    assert summary["irr_p10"] <= summary["irr_p50"] <= summary["irr_p90"]
    assert 0.0 <= summary["prob_npv_negative"] <= 1.0
    # symmetric inputs around the baseline: the mean stays near the deterministic values
    assert summary["npv_mean"] == pytest.approx(RESULT.npv, rel=0.01)
    assert summary["tco_mean"] == pytest.approx(RESULT.tco_total, rel=0.01)


@pytest.mark.parametrize("kind", ["triangular", "pert", "uniform", "lognormal"])
def test_zero_width_distributions_give_the_deterministic_npv_exactly(kind):
    def fixed(b: float) -> Distribution:
        if kind == "lognormal":
            return Distribution(kind, mean=b, sigma=0.0)
        return Distribution(kind, low=b, mode=b, high=b)

    out = run(MODEL, {name: fixed(BASE[name]) for name in DEFAULTS}, 1_000, seed=5)
    assert np.all(out.npv == RESULT.npv)
    assert np.all(out.tco == RESULT.tco_total)
    assert np.all(out.irr == out.irr[0]) and out.irr[0] == pytest.approx(RESULT.irr, rel=1e-10)


def two_year_case() -> LinearModel:
    """[-100, 230, 230 - 362 g]: g = 1 gives [-100, 230, -132], IRRs 10 % and 20 %
    (finance.irr_roots' docstring example); smaller g has one IRR, larger g none."""
    costs = [
        CostLine(category=Category.HARDWARE, item="capex", year=0, amount_usd=100.0, source="t"),
        CostLine(category=Category.HARDWARE, item="teardown", year=2, amount_usd=362.0,
                 source="t", drivers=("gpu_count",)),
    ]  # fmt: skip
    benefits = Benefits(custom=(CustomStream(name="gain", usd_per_year=230.0),))
    result = evaluate(scenario="t", stack=None, cost_lines=costs, benefits=benefits, years=2,
                      discount_rate=0.1)  # fmt: skip
    return LinearModel.from_result(result)


def test_irr_failures_are_counted_by_status():
    model = two_year_case()
    spread = {"gpu_count": Distribution("uniform", low=0.3, high=1.5)}
    out = run(model, spread, 3_000, seed=2)
    # each row classified again by the 1-D root finder, independently of the 2-D path
    flows = model.flows(montecarlo.draw(spread, 3_000, 2))
    counts = np.bincount([min(len(finance.irr_roots(row)), 2) for row in flows], minlength=3)
    failures = out.as_json()["irr_failures"]
    assert failures["by_status"] == {"no_root": counts[0], "multiple_roots": counts[2]}
    assert failures["total"] == counts[0] + counts[2] > 0
    assert counts[0] > 0 and counts[2] > 0  # both kinds of failure occur
    assert np.isnan(out.irr[out.irr_status != IrrStatus.OK]).all()
    assert np.isfinite(out.irr[out.irr_status == IrrStatus.OK]).all()


def test_no_unique_irr_anywhere_gives_none_percentiles():
    out = run(two_year_case(), {"gpu_count": Distribution("uniform", low=2, high=3)}, 100, 1)
    summary = out.as_json()
    assert summary["irr_p50"] is None and summary["irr_failures"]["total"] == 100


def test_pert_and_lognormal_have_their_stated_means():
    rng = np.random.default_rng(0)
    pert = Distribution("pert", low=0.0, mode=1.0, high=10.0).sample(rng, 200_000)
    assert pert.min() >= 0 and pert.max() <= 10
    assert pert.mean() == pytest.approx((0 + 4 * 1 + 10) / 6, rel=0.01)
    logn = Distribution("lognormal", mean=5.0, sigma=2.0).sample(rng, 200_000)
    assert logn.mean() == pytest.approx(5.0, rel=0.01) and logn.std() == pytest.approx(2, rel=0.02)


def test_default_distributions_are_triangular_20_percent_and_pert_on_revenue_base():
    assert DEFAULTS["revenue_base"].kind == "pert"
    assert {d.kind for k, d in DEFAULTS.items() if k != "revenue_base"} == {"triangular"}
    d = DEFAULTS["people_cost"]
    assert (d.low, d.mode, d.high) == (0.8, 1.0, 1.2)
    assert "discount_rate" not in DEFAULTS and "years" not in DEFAULTS


def test_a_distributions_mapping_parses():
    parsed = parse_distributions(
        {
            "revenue_uplift": {"kind": "triangular", "low": 0.02, "mode": 0.03, "high": 0.05},
            "revenue_base": {"kind": "lognormal", "mean": 150e6, "sigma": 20e6},
            "years": {"kind": "uniform", "low": 2, "high": 5},
        }
    )
    assert parsed["revenue_uplift"] == Distribution("triangular", 0.02, 0.03, 0.05)
    out = run(MODEL, parsed, 2_000, seed=4)
    assert np.isfinite(out.npv).all()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"foo": {"kind": "uniform", "low": 0, "high": 1}}, "unknown driver 'foo'"),
        ({"people_cost": {"kind": "beta", "low": 0, "high": 1}}, "unknown kind 'beta'"),
        ({"people_cost": {"kind": "uniform", "low": 2, "high": 1}}, "low 2 > high 1"),
        ({"people_cost": {"kind": "triangular", "low": 0, "mode": 3, "high": 1}}, "mode 3"),
        ({"people_cost": {"kind": "triangular", "low": 0, "high": 1}}, "needs low, mode"),
        ({"people_cost": {"low": 0, "high": 1}}, "kind: missing"),
        ({"people_cost": {"kind": "uniform", "low": 0, "top": 1}}, "top: unknown key"),
        ({"people_cost": {"kind": "uniform", "low": "x", "high": 1}}, "not a number"),
        ({"people_cost": {"kind": "lognormal", "mean": -1, "sigma": 1}}, "mean > 0"),
        (["people_cost"], "must be a mapping"),
    ],
)
def test_bad_distributions_are_one_line_errors(document, message):
    with pytest.raises(SpecError, match=message) as err:
        parse_distributions(document)
    assert "\n" not in str(err.value) and "fix:" in str(err.value)


def test_zero_samples_is_an_error():
    with pytest.raises(SpecError, match="samples"):
        run(MODEL, DEFAULTS, 0, seed=1)


def test_a_drivers_draws_do_not_move_when_another_driver_is_added():
    from tco.montecarlo import draw

    one = draw({"revenue_base": DEFAULTS["revenue_base"]}, 2_000, seed=3)
    both = draw(dict(DEFAULTS), 2_000, seed=3)
    assert np.array_equal(one["revenue_base"], both["revenue_base"])
    assert not np.array_equal(both["revenue_uplift"], both["efficiency_gain"])


def test_threads_do_not_change_the_result(monkeypatch):
    import tco.montecarlo as mc

    threaded = run(MODEL, DEFAULTS, 45_000, seed=9)
    monkeypatch.setattr(mc, "WORKERS", 1)
    serial = run(MODEL, DEFAULTS, 45_000, seed=9)
    for a, b in ((threaded.npv, serial.npv), (threaded.irr, serial.irr)):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(threaded.irr_status, serial.irr_status)
