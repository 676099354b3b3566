"""From cost lines and benefits to cash flows, TCO, NPV, IRR, MIRR, payback and ROI.

Conventions (stated in every report):

* sign: costs are cash out (negative flows), benefits cash in (positive);
* timing: one-time costs at t=0; recurring costs and benefits at the end of years 1..N
  (``end-of-year``) or in the middle of them (``mid-year``: t = 0.5, ..., N - 0.5);
* NPV discounts the year-0 flow by nothing (numpy-financial's ``npv``); a spreadsheet's
  ``NPV(r, v)`` discounts its first value by a full year, so it equals ``npv(r, [0, *v])``;
* ROI = (total benefits - TCO) / TCO, undiscounted, over the horizon.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tco import finance
from tco.benefits import Benefits
from tco.model import CostLine
from tco.scenario import Timing


@dataclass(frozen=True)
class BenefitLine:
    stream: str
    year: int
    amount_usd: float
    source: str
    drivers: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "year": self.year,
            "amount_usd": round(self.amount_usd, 2),
            "source": self.source,
        }


@dataclass(frozen=True)
class TcoResult:
    scenario: str
    stack: str | None
    years: int
    discount_rate: float
    timing: Timing
    cost_lines: list[CostLine]
    benefit_lines: list[BenefitLine]
    costs_by_year: np.ndarray
    benefits_by_year: np.ndarray
    npv: float
    irr: float | None
    irr_roots: tuple[float, ...]
    mirr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)

    @property
    def cash_flows(self) -> np.ndarray:
        return self.benefits_by_year - self.costs_by_year

    @property
    def tco_total(self) -> float:
        return float(self.costs_by_year.sum())

    @property
    def tco_per_year(self) -> float:
        return self.tco_total / self.years

    @property
    def roi(self) -> float | None:
        total = self.tco_total
        return None if total == 0 else (float(self.benefits_by_year.sum()) - total) / total

    def costs_by_category(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for line in self.cost_lines:
            totals[line.category.value] += line.amount_usd
        return dict(totals)

    def as_json(self) -> dict[str, Any]:
        def money(x: float | None) -> float | None:
            return None if x is None else round(float(x), 2)

        return {
            "stack": self.stack,
            "scenario": self.scenario,
            "currency": self.currency,
            "years": self.years,
            "discount_rate": self.discount_rate,
            "timing": self.timing.value,
            "sign_convention": "costs negative (cash out), benefits positive (cash in)",
            "cost_lines": [line.as_json() for line in self.cost_lines],
            "benefit_lines": [line.as_json() for line in self.benefit_lines],
            "cash_flows": [
                {
                    "year": year,
                    "costs_usd": money(-self.costs_by_year[year]),
                    "benefits_usd": money(self.benefits_by_year[year]),
                    "net_usd": money(self.cash_flows[year]),
                    "cumulative_usd": money(np.cumsum(self.cash_flows)[year]),
                }
                for year in range(self.years + 1)
            ],
            "costs_by_category": {k: money(v) for k, v in self.costs_by_category().items()},
            "tco_total": money(self.tco_total),
            "tco_per_year": money(self.tco_per_year),
            "npv": money(self.npv),
            "irr": self.irr,
            "irr_roots": list(self.irr_roots),
            "mirr": self.mirr,
            "payback_years": self.payback_years,
            "discounted_payback_years": self.discounted_payback_years,
            "roi": self.roi,
            "notes": self.notes,
        }


def benefit_lines(benefits: Benefits, years: int) -> list[BenefitLine]:
    ramp = benefits.ramp_factors(years)
    return [
        BenefitLine(
            stream=name, year=year, amount_usd=amount * ramp[year], source=source, drivers=drivers
        )
        for name, amount, source, drivers in benefits.streams()
        for year in range(1, years + 1)
        if amount * ramp[year] > 0
    ]


def by_year(amounts: list[tuple[int, float]], years: int) -> np.ndarray:
    out = np.zeros(years + 1)
    for year, amount in amounts:
        out[year] += amount
    return out


def evaluate(
    *,
    scenario: str,
    stack: str | None,
    cost_lines: list[CostLine],
    benefits: Benefits,
    years: int,
    discount_rate: float,
    timing: Timing = Timing.END_OF_YEAR,
    notes: list[str] | None = None,
) -> TcoResult:
    """Cash flows and every metric for one scenario."""
    beyond = [line for line in cost_lines if line.year > years]
    if beyond:
        raise ValueError(
            f"cost line {beyond[0].item!r} falls in year {beyond[0].year}, after the horizon"
        )
    gains = benefit_lines(benefits, years)
    costs = by_year([(c.year, c.amount_usd) for c in cost_lines], years)
    income = by_year([(b.year, b.amount_usd) for b in gains], years)
    flows = income - costs
    times = times_for(years, timing)
    metrics = _metrics(flows, discount_rate, times, timing)
    return TcoResult(
        scenario=scenario,
        stack=stack,
        years=years,
        discount_rate=discount_rate,
        timing=timing,
        cost_lines=cost_lines,
        benefit_lines=gains,
        costs_by_year=costs,
        benefits_by_year=income,
        notes=list(notes or []),
        **metrics,
    )


def times_for(years: int, timing: Timing) -> np.ndarray:
    """When each year's flow falls: ``[0, 1, ..., N]`` or ``[0, 0.5, ..., N - 0.5]``."""
    shift = 0.5 if timing is Timing.MID_YEAR else 0.0
    return np.array([0.0, *(t - shift for t in range(1, years + 1))])


def half_year_grid(flows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Flows (1-D, or rows of a 2-D array) placed on a half-year grid, where every
    year-end or mid-year flow falls on a whole period."""
    flows = np.asarray(flows)
    grid = np.zeros((*flows.shape[:-1], round(times[-1] * 2) + 1))
    grid[..., np.rint(times * 2).astype(int)] = flows
    return grid


def annualise_half_year(rate):
    """A half-year rate as a yearly one: ``(1 + r)^2 - 1``."""
    return np.expm1(2 * np.log1p(rate))


def irr_roots_for(flows: np.ndarray, times: np.ndarray, timing: Timing) -> tuple[float, ...]:
    """Every IRR of one series; mid-year flows are solved on a half-year grid, annualised."""
    if timing is Timing.MID_YEAR:
        return tuple(
            float(annualise_half_year(r)) for r in finance.irr_roots(half_year_grid(flows, times))
        )
    return tuple(finance.irr_roots(flows))


def _metrics(flows: np.ndarray, rate: float, times: np.ndarray, timing: Timing) -> dict[str, Any]:
    npv = float(np.sum(flows / (1 + rate) ** times))
    roots = irr_roots_for(flows, times, timing)
    irr = roots[0] if len(roots) == 1 else None
    try:
        mirr = float(finance.mirr(flows, rate, rate))
    except ValueError:
        mirr = None
    return {
        "npv": npv,
        "irr": irr,
        "irr_roots": roots,
        "mirr": mirr,
        "payback_years": _payback(flows, times, None),
        "discounted_payback_years": _payback(flows, times, rate),
    }


def _payback(flows: np.ndarray, times: np.ndarray, rate: float | None) -> float | None:
    """Years until cumulative (discounted, at the flows' own times) flows reach zero, with
    each year's flow accruing evenly over that year; ``None`` when never within the horizon."""
    values = flows if rate is None else flows / (1 + rate) ** times
    return finance.payback(values)
