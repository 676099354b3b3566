"""aiplat tco sensitivity | sweep | breakeven | montecarlo, from the command line."""

from __future__ import annotations

import json

import pytest


def test_sensitivity_reports_a_tornado_and_the_design_sweeps_and_writes_charts(cli, tmp_path):
    code, out, err = cli(
        "tco",
        "sensitivity",
        "--scenario",
        "seed-central",
        "-f",
        "json",
        "--chart",
        str(tmp_path),
    )
    report = json.loads(out)
    assert code == 0, err
    swings = [row["swing"] for row in report["tornado"]]
    assert swings == sorted(swings, reverse=True)
    assert len(report["design_sweeps"]) == 5
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "seed-central-cashflow.png",
        "seed-central-cashflow.svg",
        "seed-central-tornado.png",
        "seed-central-tornado.svg",
    ]
    assert all((tmp_path / name).stat().st_size > 1000 for name in written)


def test_breakeven_of_the_revenue_uplift_brings_npv_to_zero(cli):
    code, out, _ = cli(
        "tco",
        "breakeven",
        "--scenario",
        "seed-central",
        "--driver",
        "revenue_uplift",
        "-f",
        "json",
    )
    (row,) = json.loads(out)
    assert code == 0
    uplift = row["break_even_value"]
    # NPV is linear in the uplift: 7,539,519.16 + (u/0.03 - 1) x 4.5M x 2.486852 = 0
    assert uplift == pytest.approx(0.03 * (1 - 7_539_519.16 / (4.5e6 * 2.4868519909)), rel=1e-6)


def test_a_two_way_sweep_gives_a_grid(cli):
    code, out, _ = cli(
        "tco",
        "sweep",
        "--scenario",
        "seed-central",
        "--driver",
        "discount_rate",
        "--values",
        "0.05,0.10",
        "--by",
        "revenue_uplift",
        "--by-values",
        "0.01,0.03",
        "-f",
        "json",
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2
    assert rows[1]["0.03"] == pytest.approx(7_539_519.16, abs=0.01)  # the seed's own point


def test_montecarlo_is_seeded_and_reports_the_documented_keys(cli):
    argv = (
        "tco",
        "montecarlo",
        "--scenario",
        "seed-central",
        "--samples",
        "2000",
        "--seed",
        "3",
        "-f",
        "json",
    )
    _, first, _ = cli(*argv)
    _, second, _ = cli(*argv)
    report = json.loads(first)
    assert first == second
    for key in (
        "samples",
        "npv_mean",
        "npv_p10",
        "npv_p50",
        "npv_p90",
        "prob_npv_negative",
        "irr_p50",
        "irr_failures",
    ):
        assert key in report
    assert report["npv_p10"] <= report["npv_p50"] <= report["npv_p90"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ("tco", "breakeven", "--scenario", "seed-central", "--driver", "foo"),
            "error: --driver: unknown driver 'foo'",
        ),
        (
            (
                "tco",
                "sweep",
                "--scenario",
                "seed-central",
                "--driver",
                "discount_rate",
                "--values",
                "a,b",
            ),
            "error: --values:",
        ),
        (
            (
                "tco",
                "sweep",
                "--scenario",
                "seed-central",
                "--driver",
                "years",
                "--values",
                "3",
                "--metric",
                "speed",
            ),
            "error: --metric: unknown metric",
        ),
        (
            ("tco", "sensitivity", "--scenario", "seed-central", "--drivers", "gpu_count,colour"),
            "unknown driver 'colour'",
        ),
    ],
)
def test_bad_analysis_input_gets_one_line_and_exit_one(cli, monkeypatch, argv, expected):
    monkeypatch.delenv("AIPLAT_DEBUG", raising=False)
    code, out, err = cli(*argv)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and expected in err and "fix: " in err
