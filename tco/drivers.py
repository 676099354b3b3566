"""Sensitivity drivers and the linear model that makes sweeps and Monte Carlo vectorised.

Every cost line and benefit line names the multiplicative drivers that scale it
(``CostLine.drivers``, ``BenefitLine.drivers``). Under driver values ``v`` with baselines
``b`` a line's amount is

.. math:: a_\\ell(v) = a_\\ell \\prod_{d \\in D_\\ell} v_d / b_d

so the net cash flow of year ``t`` is linear in every single driver:

.. math:: CF_t(v) = CF_t + \\sum_g (m_g(v) - 1)\\,(B_{g,t} - C_{g,t}),
          \\quad m_g(v) = \\prod_{d \\in g} v_d / b_d

where ``g`` runs over the distinct driver sets of the lines, and ``B_g``/``C_g`` are the
yearly benefits/costs of the lines carrying exactly that set. For ``N`` samples this is one
``(N, G) @ (G, T+1)`` matrix product; at the baseline ``m_g = 1`` exactly, so the flows equal
:attr:`TcoResult.cash_flows <tco.results.TcoResult.cash_flows>` bit for bit.

Two drivers are not multiplicative: ``discount_rate`` (used in discounting, per sample) and
``years`` (the horizon). A shorter horizon truncates the flows; a longer one *repeats the
final year's flows* for the added years (an approximation: no refresh capex, ramp-up or
price change is modelled beyond the priced horizon). Rows of different horizons are padded
with trailing zeros, which change neither NPV, IRR nor payback.

Conventions are :mod:`tco.results`'s: costs negative, benefits positive; one-time costs at
``t = 0``; recurring flows at ``t = 1..N`` (end-of-year) or ``t = 0.5..N-0.5`` (mid-year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tco import finance
from tco.results import (
    TcoResult,
    annualise_half_year,
    half_year_grid,
    irr_roots_for,
    times_for,
)
from tco.scenario import Scenario, Timing
from tiers.errors import SpecError

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Driver:
    """A named input of the model. ``baseline`` is the registry default (1.0: a multiplier)."""

    name: str
    description: str
    unit: str
    baseline: float = 1.0

    @property
    def multiplicative(self) -> bool:
        """True when the driver scales line amounts (all but discount_rate and years)."""
        return self.name not in ("discount_rate", "years")


DRIVERS: dict[str, Driver] = {
    d.name: d
    for d in (
        Driver("revenue_base", "revenue the uplift applies to", "USD/year"),
        Driver("revenue_uplift", "revenue uplift from AI", "fraction"),
        Driver("efficiency_gain", "R&D efficiency gain", "fraction"),
        Driver("bad_debt_reduction", "bad-debt reduction from fraud detection", "fraction"),
        Driver("gpu_unit_price", "price per GPU (x baseline without a stated price)", "USD"),
        Driver("gpu_count", "number of GPUs (x baseline)", "multiplier"),
        Driver("utilisation", "fraction of hours nodes run (x assumption)", "multiplier"),
        Driver("people_cost", "people cost (x baseline)", "multiplier"),
        Driver("discount_rate", "discount rate per year", "fraction", 0.10),
        Driver("years", "horizon (longer repeats the final year)", "years", 3.0),
    )
}


def check_driver(name: str, where: str = "driver") -> str:
    """``name`` if it is a known driver, else a one-line :class:`SpecError`."""
    if name not in DRIVERS:
        raise SpecError(where, f"unknown driver {name!r}", f"use one of: {', '.join(DRIVERS)}")
    return name


def baselines(scenario: Scenario, result: TcoResult) -> dict[str, float]:
    """Every driver's baseline in natural units, for ``result`` evaluated from ``scenario``.

    ``revenue_base`` is the scenario's base times the ratio of the result's revenue lines to
    the scenario's own (so a stack's environment share carries over); the uplift, gain and
    reduction are the scenario's fractions; ``discount_rate`` and ``years`` are the
    result's; the rest come from ``scenario.driver_baselines`` or are 1.0 (a multiplier).
    """
    out = {name: d.baseline for name, d in DRIVERS.items()}
    for name, value in scenario.driver_baselines.items():
        out[check_driver(name, f"driver_baselines.{name}")] = float(value)
    b = scenario.benefits
    if b.revenue_uplift is not None:
        ramp = b.ramp_factors(result.years)
        unscaled = b.revenue_uplift.yearly() * float(ramp.sum())
        priced = sum(ln.amount_usd for ln in result.benefit_lines if "revenue_base" in ln.drivers)
        ratio = priced / unscaled if unscaled > 0 and priced > 0 else 1.0
        out["revenue_base"] = float(b.revenue_uplift.base_usd * ratio)
        out["revenue_uplift"] = b.revenue_uplift.uplift
    if b.rnd_efficiency is not None:
        out["efficiency_gain"] = b.rnd_efficiency.gain
    if b.bad_debt is not None:
        out["bad_debt_reduction"] = b.bad_debt.reduction
    out["discount_rate"] = result.discount_rate
    out["years"] = float(result.years)
    return out


@dataclass(frozen=True)
class Outcome:
    """Cash flows of ``N`` driver samples and their metrics (all arrays have ``N`` rows).

    ``flows``/``costs`` are ``(N, Y+1)`` with ``Y`` the longest horizon among the rows;
    ``rate`` is each row's discount rate. Undefined metrics are NaN (never pays back, no
    unique IRR).
    """

    flows: Array
    costs: Array
    rate: Array
    times: Array
    timing: Timing

    def npv(self) -> Array:
        """:math:`\\sum_t CF_t / (1 + r)^{\\tau_t}` per row, ``tau`` the flows' times.

        With one discount rate for every row (the usual Monte Carlo) the factors are
        computed once rather than per row (same arithmetic, so the same result)."""
        rate = self.rate[:, None]
        if rate.size and rate.min() == rate.max():
            rate = rate[:1]  # one row of factors, broadcast to all
        return np.sum(self.flows / (1.0 + rate) ** self.times[None, :], axis=1)

    def tco(self) -> Array:
        """Undiscounted total cost over the horizon."""
        return self.costs.sum(axis=1)

    def benefits(self) -> Array:
        return (self.flows + self.costs).sum(axis=1)

    def roi(self) -> Array:
        """(benefits - TCO) / TCO, undiscounted; NaN when the TCO is 0."""
        tco = self.tco()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(tco == 0, np.nan, (self.benefits() - tco) / tco)

    def irr(self) -> finance.IrrResult:
        """Unique IRR per row (:func:`tco.finance.irr`, 2-D); mid-year flows are solved on a
        half-year grid and annualised, :math:`(1 + r_{1/2})^2 - 1`, as :mod:`tco.results`."""
        if self.timing is not Timing.MID_YEAR:
            return finance.irr(self.flows)
        half = finance.irr(half_year_grid(self.flows, self.times))
        return finance.IrrResult(annualise_half_year(half.rate), half.status)

    def payback(self) -> Array:
        """Simple payback in years (:func:`tco.finance.payback`); NaN = never."""
        return finance.payback(self.flows)

    def discounted_payback(self) -> Array:
        """Payback of the flows discounted at each row's rate and the flows' own times."""
        return finance.payback(self.flows / (1 + self.rate[:, None]) ** self.times[None, :])

    def metric(self, name: str) -> Array:
        """One of :data:`METRICS` per row, NaN where undefined."""
        if name == "irr":
            return self.irr().rate
        if name not in METRICS:
            raise SpecError(
                "--metric", f"unknown metric {name!r}", f"use one of: {', '.join(METRICS)}"
            )
        return getattr(self, name)()


METRICS = ("npv", "irr", "payback", "discounted_payback", "tco", "roi")


@dataclass(frozen=True)
class LinearModel:
    """Cash flows as a linear function of the line-group multipliers (module docstring).

    Build with :meth:`from_result`. ``groups[g]`` is a driver set; ``benefit_matrix[g]`` and
    ``cost_matrix[g]`` hold the yearly amounts (``T+1`` columns) of the lines carrying it.
    """

    years: int
    timing: Timing
    baselines: Mapping[str, float]
    base_benefits: Array
    base_costs: Array
    groups: tuple[tuple[str, ...], ...]
    benefit_matrix: Array
    cost_matrix: Array

    @classmethod
    def from_result(
        cls, result: TcoResult, baselines: Mapping[str, float] | None = None
    ) -> LinearModel:
        """The model of ``result``; ``baselines`` (see :func:`baselines`) default to 1.0
        multipliers plus the result's discount rate and horizon."""
        base = {name: d.baseline for name, d in DRIVERS.items()}
        for name, value in (baselines or {}).items():
            base[check_driver(name, f"baselines.{name}")] = float(value)
        base["discount_rate"], base["years"] = result.discount_rate, float(result.years)
        lines = [(ln.drivers, ln.year, ln.amount_usd, 0) for ln in result.benefit_lines]
        lines += [(ln.drivers, ln.year, ln.amount_usd, 1) for ln in result.cost_lines]
        groups = sorted({tuple(sorted(set(d))) for d, *_ in lines if d})
        matrix = np.zeros((2, len(groups), result.years + 1))
        index = {g: i for i, g in enumerate(groups)}
        for drivers, year, amount, side in lines:
            if drivers:
                matrix[side, index[tuple(sorted(set(drivers)))], year] += amount
        for group in groups:
            for name in group:
                check_driver(name, "cost/benefit line drivers")
                if not DRIVERS[name].multiplicative or base[name] == 0:
                    raise SpecError(
                        f"driver {name!r}",
                        "cannot scale a line (not multiplicative, or a baseline of 0)",
                        "give it a positive baseline (scenario driver_baselines)",
                    )
        return cls(
            years=result.years,
            timing=result.timing,
            baselines=base,
            base_benefits=result.benefits_by_year.astype(float),
            base_costs=result.costs_by_year.astype(float),
            groups=tuple(groups),
            benefit_matrix=matrix[0],
            cost_matrix=matrix[1],
        )

    def drivers_in_use(self) -> list[str]:
        """Drivers that change something: those on some line, plus discount_rate and years."""
        used = {d for g in self.groups for d in g} | {"discount_rate", "years"}
        return [name for name in DRIVERS if name in used]

    def columns(self, values: Mapping[str, ArrayLike]) -> tuple[int, dict[str, Array]]:
        """``(N, {driver: (N,) values})`` for every driver: given ones broadcast to ``N``
        rows, the others at their baselines."""
        given = {check_driver(k, "values"): np.asarray(v, dtype=float) for k, v in values.items()}
        for name, arr in given.items():
            if arr.ndim > 1:
                raise SpecError(f"values[{name!r}]", "must be a scalar or 1-D", "pass a 1-D array")
        try:
            shape = np.broadcast_shapes(*(a.shape for a in given.values()))
        except ValueError:
            raise SpecError(
                "values", "driver arrays have different lengths", "give equal-length arrays"
            ) from None
        n = shape[0] if shape else 1
        out = {name: np.full(n, self.baselines[name]) for name in DRIVERS}
        out |= {k: np.broadcast_to(np.atleast_1d(a), (n,)) for k, a in given.items()}
        if np.any(out["discount_rate"] <= -1) or not np.all(np.isfinite(out["discount_rate"])):
            raise SpecError("discount_rate", "must be > -100%", "use a rate above -1")
        yrs = out["years"]
        if np.any(yrs < 1) or np.any(yrs != np.round(yrs)):
            raise SpecError("years", "must be whole years >= 1", "round the horizon")
        return n, out

    def outcome(self, values: Mapping[str, ArrayLike] | None = None) -> Outcome:
        """Flows, costs and rates for the samples in ``values`` (see :meth:`columns`)."""
        n, v = self.columns(values or {})
        mult = np.ones((n, len(self.groups)))
        for g, group in enumerate(self.groups):
            for name in group:
                mult[:, g] *= v[name] / self.baselines[name]
        excess = mult - 1.0  # exactly 0 at the baseline: the flows then equal the result's
        costs = self.base_costs + excess @ self.cost_matrix
        flows = (self.base_benefits - self.base_costs) + excess @ (
            self.benefit_matrix - self.cost_matrix
        )
        years = v["years"].astype(int)
        horizon = int(years.max())
        if horizon != self.years or np.any(years != self.years):
            flows, costs = (_rehorizon(a, years, horizon) for a in (flows, costs))
        return Outcome(
            flows, costs, v["discount_rate"], times_for(horizon, self.timing), self.timing
        )

    def flows(self, values: Mapping[str, ArrayLike] | None = None) -> Array:
        """Net cash flows ``(N, Y+1)``: benefits minus costs per year."""
        return self.outcome(values).flows

    def npv(self, values: Mapping[str, ArrayLike] | None = None) -> Array:
        """NPV per sample, each at its own discount rate."""
        return self.outcome(values).npv()

    def tco(self, values: Mapping[str, ArrayLike] | None = None) -> Array:
        """Undiscounted total cost per sample."""
        return self.outcome(values).tco()

    def evaluate_point(self, values: Mapping[str, ArrayLike] | None = None) -> dict[str, Any]:
        """Every metric at one point, keyed as :meth:`TcoResult.as_json`: ``irr`` is None
        unless exactly one root exists, ``irr_roots`` lists them all."""
        out = self.outcome(values)
        if out.flows.shape[0] != 1:
            raise SpecError("values", "evaluate_point takes one point", "pass scalars")
        flows = out.flows[0]
        roots = irr_roots_for(flows, out.times, self.timing)

        def maybe(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        return {
            "npv": float(out.npv()[0]),
            "irr": roots[0] if len(roots) == 1 else None,
            "irr_roots": list(roots),
            "payback_years": maybe(out.payback()[0]),
            "discounted_payback_years": maybe(out.discounted_payback()[0]),
            "tco_total": float(out.tco()[0]),
            "roi": maybe(out.roi()[0]),
        }


def _rehorizon(a: Array, years: NDArray[np.int_], horizon: int) -> Array:
    """Columns ``0..horizon``: the final year repeated beyond ``T``, zero beyond each row's
    own horizon."""
    t = a.shape[1] - 1
    if horizon > t:
        a = np.concatenate([a, np.repeat(a[:, -1:], horizon - t, axis=1)], axis=1)
    a = a[:, : horizon + 1]
    return np.where(np.arange(horizon + 1)[None, :] <= years[:, None], a, 0.0)
