"""Deterministic sensitivity: sweeps, the design's five sweeps, tornado, two-way tables and
break-even values, all evaluated on a :class:`~tco.drivers.LinearModel` in one vectorised
call each.

Metrics (:data:`tco.drivers.METRICS`): ``npv`` (USD, at each point's discount rate),
``irr`` (fraction; NaN/None when not unique), ``payback`` and ``discounted_payback``
(years; None when never within the horizon), ``tco`` (undiscounted total cost, USD) and
``roi`` ((benefits - TCO) / TCO, undiscounted). Conventions are :mod:`tco.results`'s.

Results are plain data (:class:`aiplat.render.Table`) so the CLI renders them as a table,
JSON, CSV or Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from aiplat.render import Table
from tco.drivers import DRIVERS, METRICS, LinearModel, baselines, check_driver
from tco.results import TcoResult
from tco.scenario import Scenario
from tiers.errors import SpecError

_SCAN_POINTS = 801  # grid points when scanning for a non-linear break-even
_LINEAR_METRICS = ("npv", "tco")  # linear in each multiplicative driver on its own


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise SpecError(
            "--metric", f"unknown metric {metric!r}", f"use one of: {', '.join(METRICS)}"
        )
    return metric


def _plain(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def metric_values(model: LinearModel, driver: str, values: ArrayLike, metric: str) -> NDArray:
    """``metric`` at each value of ``driver`` (others at baseline); NaN where undefined."""
    check_driver(driver, "--driver")
    _check_metric(metric)
    return model.outcome({driver: np.asarray(values, dtype=float).ravel()}).metric(metric)


def sweep(model: LinearModel, driver: str, values: ArrayLike, metric: str = "npv") -> Table:
    """One driver through ``values``, the others at baseline: rows ``[value, metric]``."""
    xs = np.asarray(values, dtype=float).ravel()
    ys = metric_values(model, driver, xs, metric)
    return Table(
        f"{metric} vs {driver} ({DRIVERS[driver].unit})",
        [driver, metric],
        [[float(x), _plain(y)] for x, y in zip(xs, ys, strict=True)],
    )


@dataclass(frozen=True)
class DesignSweep:
    """One sweep of seed-design section 5.4 with the end points the design prints."""

    name: str
    driver: str
    metric: str
    table: Table
    printed: tuple[float, float]
    note: str = ""

    @property
    def ours(self) -> tuple[float | None, float | None]:
        return self.table.rows[0][1], self.table.rows[-1][1]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "driver": self.driver,
            "metric": self.metric,
            "points": self.table.records(),
            "ours": list(self.ours),
            "printed": list(self.printed),
            "note": self.note,
        }


def _points(start: float, stop: float, n: int) -> NDArray:
    return np.round(np.linspace(start, stop, n), 10)  # 0.4, not 0.39999999999999997


# (name, driver, points in natural units, metric, printed end points) as section 5.4 asks
_DESIGN: tuple[tuple[str, str, NDArray, str, tuple[float, float]], ...] = (
    ("revenue base 100M -> 1B", "revenue_base", _points(100e6, 1e9, 10), "payback", (2.8, 0.84)),
    ("R&D efficiency gain 30% -> 100%", "efficiency_gain", _points(0.3, 1.0, 8), "irr",
     (0.44, 0.89)),
    ("bad-debt reduction 10% -> 30%", "bad_debt_reduction", _points(0.1, 0.3, 6), "npv",
     (11.25e6, 16.12e6)),
    ("discount rate 5% -> 20%", "discount_rate", _points(0.05, 0.20, 7), "npv",
     (14.79e6, 10.36e6)),
    ("GPU unit price 15,000 -> 5,000 USD", "gpu_unit_price", _points(15e3, 5e3, 6), "tco",
     (12.6e6, 10.2e6)),
)  # fmt: skip
_DESIGN_GPU_PRICE = 15_000.0  # where the design's GPU sweep starts


def design_sweeps(scenario: Scenario, result: TcoResult) -> list[DesignSweep]:
    """The five sweeps of seed-design section 5.4 on ``result`` (evaluated from
    ``scenario``), each with the design's printed end points for comparison.

    The printed end points do not follow from the design's own inputs; ours are computed
    under the stated conventions. Without a stated GPU unit price
    (``driver_baselines.gpu_unit_price``) the GPU sweep runs over the same ratios
    (1 -> 1/3) as multipliers of the priced GPU lines. A stream the scenario lacks gives a
    flat sweep.
    """
    base = baselines(scenario, result)
    model = LinearModel.from_result(result, base)
    out = []
    for name, driver, points, metric, printed in _DESIGN:
        note = ""
        if driver == "gpu_unit_price" and "gpu_unit_price" not in scenario.driver_baselines:
            points = points / _DESIGN_GPU_PRICE * base[driver]
            note = "no stated GPU unit price: values are multipliers of the priced GPU lines"
        if not any(driver in g for g in model.groups) and DRIVERS[driver].multiplicative:
            note = f"no line carries {driver}: the sweep is flat"
        out.append(
            DesignSweep(name, driver, metric, sweep(model, driver, points, metric), printed, note)
        )
    return out


def design_comparison(sweeps: Sequence[DesignSweep]) -> Table:
    """Ours next to the design's printed end points, one row per sweep."""
    rows = [
        [s.name, s.metric, s.table.rows[0][0], s.table.rows[-1][0], *s.ours, *s.printed]
        for s in sweeps
    ]
    columns = ["sweep", "metric", "from", "to", "ours_start", "ours_end"]
    return Table(
        "Sensitivity sweeps (seed-design 5.4): ours vs printed",
        [*columns, "printed_start", "printed_end"],
        rows,
    )


def _tornado_ends(model: LinearModel, name: str, low: float, high: float) -> tuple[float, float]:
    b = model.baselines[name]
    if name == "years":
        return max(1.0, b - 1), b + 1
    return b * low, b * high


def tornado(
    model: LinearModel, drivers: Iterable[str] | None = None, low: float = 0.8, high: float = 1.2
) -> Table:
    """NPV with each driver in turn at ``baseline x low`` and ``baseline x high``.

    ``discount_rate`` moves by the same factors (+/-20 % of the rate by default); ``years``
    goes to baseline - 1 (at least 1) and baseline + 1. Rows
    ``[driver, low_value, high_value, npv_low, npv_high, swing]``, ``swing = |npv_high -
    npv_low|``, sorted by swing, largest first. One model evaluation of ``2D`` rows.
    """
    names = [check_driver(d, "--drivers") for d in (drivers if drivers is not None else DRIVERS)]
    n = len(names)
    ends = [_tornado_ends(model, name, low, high) for name in names]
    values = {name: np.full(2 * n, model.baselines[name]) for name in names}
    for i, (name, (lo, hi)) in enumerate(zip(names, ends, strict=True)):
        values[name][i], values[name][n + i] = lo, hi
    npv = model.npv(values)
    base = float(model.npv()[0])
    rows = [
        [name, lo, hi, float(npv[i]), float(npv[n + i]), abs(float(npv[n + i] - npv[i]))]
        for i, (name, (lo, hi)) in enumerate(zip(names, ends, strict=True))
    ]
    rows.sort(key=lambda row: -row[5])
    return Table(
        f"NPV tornado, drivers x{low:g} / x{high:g} (baseline NPV {base:,.0f} USD)",
        ["driver", "low_value", "high_value", "npv_low", "npv_high", "swing"],
        rows,
    )


@dataclass(frozen=True)
class TwoWay:
    """``grid[i, j]`` is the metric at ``driver_a = values_a[i]``, ``driver_b = values_b[j]``."""

    driver_a: str
    values_a: tuple[float, ...]
    driver_b: str
    values_b: tuple[float, ...]
    metric: str
    grid: NDArray

    def table(self) -> Table:
        columns = [f"{self.driver_a} \\ {self.driver_b}", *(f"{v:g}" for v in self.values_b)]
        rows = [
            [a, *(_plain(x) for x in row)] for a, row in zip(self.values_a, self.grid, strict=True)
        ]
        return Table(f"{self.metric} by {self.driver_a} and {self.driver_b}", columns, rows)


def two_way(
    model: LinearModel,
    driver_a: str,
    values_a: ArrayLike,
    driver_b: str,
    values_b: ArrayLike,
    metric: str = "npv",
) -> TwoWay:
    """``metric`` over the grid ``values_a x values_b`` (one evaluation of all cells)."""
    check_driver(driver_a, "--driver-a")
    check_driver(driver_b, "--driver-b")
    if driver_a == driver_b:
        raise SpecError("--driver-b", "is the same driver as --driver-a", "pick two drivers")
    a = np.asarray(values_a, dtype=float).ravel()
    b = np.asarray(values_b, dtype=float).ravel()
    ga, gb = np.meshgrid(a, b, indexing="ij")
    flat = model.outcome({driver_a: ga.ravel(), driver_b: gb.ravel()}).metric(_check_metric(metric))
    return TwoWay(
        driver_a,
        tuple(map(float, a)),
        driver_b,
        tuple(map(float, b)),
        metric,
        flat.reshape(ga.shape),
    )


def breakeven(
    model: LinearModel,
    driver: str,
    metric: str = "npv",
    target: float = 0.0,
    bracket: tuple[float, float] | None = None,
) -> float:
    """The value of ``driver`` (others at baseline) where ``metric`` equals ``target``.

    NPV and TCO are linear in a multiplicative driver ``d`` on its own,
    :math:`f(v) = f(b) + (v / b - 1)\\,(f(2b) - f(b))`, so the value is solved exactly:
    :math:`v^* = b + b\\,(\\text{target} - f(b)) / (f(2b) - f(b))` (it must be >= 0, or
    inside ``bracket`` when given). Otherwise (``discount_rate``, or IRR, payback, ROI) the
    metric is scanned over ``bracket`` (default: ``(0, 10b)``; ``(-0.99, 10)`` for
    ``discount_rate``, on a ``ln(1 + r)`` grid) and the first crossing refined by
    bisection; "never pays back" counts as an infinitely long payback. For
    ``discount_rate`` with ``metric="npv"`` and ``target=0`` the value is the IRR (the
    lowest one when there are several).

    Raises
    ------
    SpecError
        No break-even in the bracket, the metric does not depend on the driver, or the
        driver is ``years`` (an integer horizon: use :func:`sweep`).
    """
    check_driver(driver, "--driver")
    _check_metric(metric)
    where = f"breakeven {driver}"
    if driver == "years":
        raise SpecError(where, "the horizon is a whole number of years", "use a sweep over years")
    b = model.baselines[driver]
    if DRIVERS[driver].multiplicative and metric in _LINEAR_METRICS:
        f0, f1 = metric_values(model, driver, [b, 2 * b], metric)
        if f1 == f0:
            raise SpecError(where, f"{metric} does not depend on {driver}", "choose another driver")
        x = b + b * (target - f0) / (f1 - f0)
        lo, hi = bracket or (0.0, math.inf)
        if not lo <= x <= hi:
            raise SpecError(
                where,
                f"{metric} reaches {target:g} only at {driver} = {x:.6g}, outside [{lo:g}, {hi:g}]",
                "no break-even in range: widen the bracket or choose another target",
            )
        return float(x)
    lo, hi = bracket or ((-0.99, 10.0) if driver == "discount_rate" else (0.0, 10.0 * b))
    if not lo < hi:
        raise SpecError(where, f"bracket [{lo:g}, {hi:g}] is empty", "give low < high")
    log_grid = driver == "discount_rate" and lo > -1
    xs = (
        np.expm1(np.linspace(np.log1p(lo), np.log1p(hi), _SCAN_POINTS))
        if log_grid
        else np.linspace(lo, hi, _SCAN_POINTS)
    )

    def gap(x: NDArray) -> NDArray:
        y = metric_values(model, driver, x, metric) - target
        return np.where(np.isnan(y), np.inf, y) if "payback" in metric else y

    ys = gap(xs)
    sign = np.sign(ys)
    hit = np.flatnonzero((sign[:-1] * sign[1:] < 0) | (sign[:-1] == 0))
    if not hit.size:
        raise SpecError(
            where,
            f"{metric} does not reach {target:g} for {driver} in [{lo:g}, {hi:g}]",
            "no break-even in range: widen the bracket or choose another target",
        )
    i = int(hit[0])
    if sign[i] == 0:
        return float(xs[i])
    a, c, sa = float(xs[i]), float(xs[i + 1]), sign[i]
    for _ in range(200):
        mid = 0.5 * (a + c)
        if mid in (a, c):
            break
        sm = np.sign(gap(np.array([mid]))[0])
        if np.isnan(sm):
            raise SpecError(
                where, f"{metric} is undefined at {driver} = {mid:.6g}", "narrow the bracket"
            )
        if sm == 0:
            return mid
        a, c = (mid, c) if sm == sa else (a, mid)
    if not np.isfinite(gap(np.array([a, c]))).all():
        raise SpecError(
            where,
            f"{metric} jumps past {target:g} near {driver} = {a:.6g} (undefined on one side)",
            "no break-even: choose a target the metric reaches within the horizon",
        )
    return 0.5 * (a + c)
