"""The program's edges: the TCO it exports and the budget it enforces before creating anything."""

from __future__ import annotations

import pytest

from aiplat.harness import ProgramError, run_program
from aiplat.stackfiles import load


def values(stack: str, **config):
    return dict(load(stack).engine_values(), **config)


def test_every_run_exports_the_stack_tco(capture):
    tco = capture("poc-prod", False).exports["tco"]
    assert tco["currency"] == "USD"
    assert tco["tcoPerYearUsd"] == pytest.approx(tco["tcoTotalUsd"] / tco["years"], abs=0.01)


def test_an_enforced_budget_stops_the_program_before_any_resource_is_created():
    with pytest.raises(
        ProgramError, match=r"^aiplat:budget: the stack's TCO is [\d,]+ USD/year, over the budget"
    ) as stopped:
        run_program(
            "intermediate-prod",
            values("intermediate-prod", budget=1_000_000, budgetMode="enforce"),
            preview=True,
        )
    assert stopped.value.registered == ()


def test_a_budget_in_warn_mode_reports_and_deploys(capture):
    full = len(capture("intermediate-prod", True).resources)
    cap = run_program(
        "intermediate-prod", values("intermediate-prod", budget=1_000_000), preview=True
    )
    assert len(cap.resources) == full


def test_a_budget_above_the_cost_lets_the_program_run():
    cap = run_program(
        "poc-dev", values("poc-dev", budget=10_000_000, budgetMode="enforce"), preview=True
    )
    assert cap.resources and cap.exports["tco"]["tcoPerYearUsd"] < 10_000_000


def test_a_region_without_prices_stops_the_program_naming_aiplat_regions():
    with pytest.raises(ProgramError, match=r"^aiplat:regions: the TCO price catalog has no"):
        run_program("poc-dev", values("poc-dev", regions=["ap-south-1"]), preview=True)


def test_a_price_file_for_the_region_lets_the_program_price_it(tmp_path):
    import yaml

    from tco.catalog import PRICES_DIR

    document = yaml.safe_load((PRICES_DIR / "aws-us-east-1.yaml").read_text())
    document["region"] = "ap-south-1"
    prices = tmp_path / "ap-south-1.yaml"
    prices.write_text(yaml.safe_dump(document))
    cap = run_program(
        "poc-dev",
        values("poc-dev", regions=["ap-south-1"], tcoPrices=str(prices), budget=10**9),
        preview=True,
    )
    assert cap.resources and cap.exports["tco"]["tcoPerYearUsd"] > 0
