"""Scenarios: the horizon, the rate, the timing convention, fixed cost lines and benefits.

A scenario is data (YAML, validated strictly). Built-in scenarios live in
``tco/scenarios/``; ``seed-central`` is the design's central scenario (section 5.2-5.3).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tco.benefits import Benefits
from tco.model import Category, CostLine
from tiers.errors import SpecError

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


class Timing(StrEnum):
    """When flows fall within a year. One-time costs are always at t=0."""

    END_OF_YEAR = "end-of-year"  # recurring costs and benefits at t = 1, 2, ..., N
    MID_YEAR = "mid-year"  # at t = 0.5, 1.5, ..., N - 0.5


class Deployment(StrEnum):
    CLOUD = "cloud"
    ONPREM = "onprem"


class Purchase(StrEnum):
    """How on-demand capacity is bought (spot pools always pay the spot price)."""

    ON_DEMAND = "on-demand"
    SAVINGS_PLAN = "savings-plan"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FixedCost(_Frozen):
    """A stated cost: once at ``year``, or every year 1..N when ``recurring``."""

    category: Category
    item: str
    amount_usd: Annotated[float, Field(ge=0)]
    year: Annotated[int, Field(ge=0)] = 0
    recurring: bool = False
    source: str
    drivers: tuple[str, ...] = ()

    def lines(self, years: int) -> list[CostLine]:
        when = range(1, years + 1) if self.recurring else [self.year]
        return [
            CostLine(
                category=self.category,
                item=self.item,
                year=y,
                amount_usd=self.amount_usd,
                source=self.source,
                drivers=self.drivers,
            )
            for y in when
            if y <= years
        ]


class Scenario(_Frozen):
    name: str
    description: str = ""
    years: Annotated[int, Field(ge=1, le=30)] = 3
    discount_rate: float = 0.10
    timing: Timing = Timing.END_OF_YEAR
    deployment: Deployment = Deployment.CLOUD
    purchase: Purchase = Purchase.ON_DEMAND
    costs: tuple[FixedCost, ...] = ()
    benefits: Benefits = Benefits()
    # natural-unit baselines for drivers whose lines carry no such unit themselves, e.g. the
    # GPU unit price behind a hardware line (the design's sweep starts at 15,000 USD)
    driver_baselines: dict[str, float] = {}
    # an assumptions overlay for this scenario (people costs, utilisation, ...); a relative
    # path is taken from the scenario file's folder
    assumptions_file: str | None = None

    @field_validator("discount_rate")
    @classmethod
    def _rate(cls, value: float) -> float:
        if value <= -1:
            raise ValueError(f"discount rate must be > -100% (got {value:.2%})")
        return value

    def with_overrides(self, **changes: object) -> Scenario:
        """This scenario with every change that is not ``None`` applied, validated again
        (so a bad override is refused like a bad file)."""
        given = {key: value for key, value in changes.items() if value is not None}
        return Scenario.model_validate(self.model_dump() | given) if given else self

    def fixed_lines(self) -> list[CostLine]:
        return [line for cost in self.costs for line in cost.lines(self.years)]


def builtin_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise SpecError(
                "--scenario",
                f"unknown scenario {name_or_path!r}",
                f"use one of: {', '.join(builtin_names())}, or the path of a scenario file",
            )
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        raise SpecError(str(path), "is not valid YAML", "fix the YAML syntax") from None
    scenario = parse_scenario(document, str(path))
    if scenario.assumptions_file and not Path(scenario.assumptions_file).is_absolute():
        located = str(path.parent / scenario.assumptions_file)
        scenario = scenario.model_copy(update={"assumptions_file": located})
    return scenario


def parse_scenario(document: object, where: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "<root>"
        problem = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            problem = "unknown key"
        raise SpecError(
            f"{where}:{field}", problem, "correct the scenario (see docs/tco.md)"
        ) from None
