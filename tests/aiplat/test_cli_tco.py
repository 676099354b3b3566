"""aiplat tco: the JSON contract, the formats, and one clear error line on bad input."""

from __future__ import annotations

import json

import pytest

JSON_KEYS = {
    "stack",
    "currency",
    "years",
    "discount_rate",
    "cost_lines",
    "cash_flows",
    "tco_total",
    "tco_per_year",
    "npv",
    "irr",
    "irr_roots",
    "mirr",
    "payback_years",
    "discounted_payback_years",
    "roi",
}


def test_tco_json_has_every_documented_key_and_sourced_cost_lines(cli):
    code, out, err = cli("tco", "--stack", "poc-staging", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= JSON_KEYS
    assert report["stack"] == "poc-staging" and report["currency"] == "USD"
    for line in report["cost_lines"]:
        assert set(line) == {"category", "item", "year", "amount_usd", "source"}
    assert sum(line["amount_usd"] for line in report["cost_lines"]) == pytest.approx(
        report["tco_total"], abs=1
    )


def test_years_and_discount_rate_override_the_scenario(cli):
    _, out, _ = cli(
        "tco",
        "--scenario",
        "seed-central",
        "--years",
        "5",
        "--discount-rate",
        "0.05",
        "-f",
        "json",
    )
    report = json.loads(out)
    assert report["years"] == 5 and report["discount_rate"] == 0.05
    assert len(report["cash_flows"]) == 6


@pytest.mark.parametrize("fmt", ["table", "md", "csv"])
def test_tco_renders_in_every_format(cli, fmt):
    code, out, _ = cli("tco", "--scenario", "seed-central", "--format", fmt)
    assert code == 0
    assert "2400000" in out.replace(",", "") or "2,400,000" in out


def test_compare_shows_cloud_against_on_prem_for_one_stack(cli):
    code, out, _ = cli("tco", "compare", "intermediate-prod", "-f", "json")
    rows = json.loads(out)
    assert code == 0
    assert rows[0]["metric"] == "TCO total (USD)"
    assert "intermediate-prod (cloud)" in rows[0] and "intermediate-prod (onprem)" in rows[0]


def write(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def test_bad_inputs_each_get_one_line_and_exit_one(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("AIPLAT_DEBUG", raising=False)
    negative = write(
        tmp_path,
        "prices.yaml",
        "region: us-east-1\ninstances:\n  g6.xlarge: {usd_per_hour: -1, as_of: 2026-11-01, source: test, confidence: A}\n",
    )
    cases = {
        ("tco", "--stack", "poc-dev", "--prices", negative): "must be",
        (
            "tco",
            "--scenario",
            "seed-central",
            "--discount-rate",
            "-1.5",
        ): "error: --discount-rate: must be > -100%",
        ("tco", "--scenario", "nope"): "error: --scenario: unknown scenario 'nope'",
        ("tco",): "error: --stack/--scenario: nothing to price",
        ("tco", "--stack", "nope"): "error: --stack: unknown stack 'nope'",
        (
            "tco",
            "--scenario",
            write(tmp_path, "s.yaml", "name: x\nyears: 3\ncolour: red\n"),
        ): "colour: unknown key",
    }
    for argv, expected in cases.items():
        code, out, err = cli(*argv)
        assert code == 1, argv
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err, argv
        assert expected in err, (argv, err)
        assert "fix: " in err, (argv, err)
