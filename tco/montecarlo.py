"""Monte Carlo over the drivers of a :class:`~tco.drivers.LinearModel`, fully vectorised.

Each driver with a :class:`Distribution` gets ``samples`` draws at once, from its own
stream ``numpy.random.default_rng([seed, crc32(name)])`` (so the same seed and distributions
give the same result, and a driver's draws do not move when another driver is added); the
others stay at baseline. Cash flows, NPV, TCO and IRR are computed for blocks of
:data:`CHUNK` rows, one thread per core (bounded memory; ``progress(done)`` after each
block): flows ``(n, T+1)`` by one matrix product, NPV at each row's discount rate, IRR by
:func:`tco.finance.irr` on the 2-D block. Rows without a unique IRR are counted by status,
never dropped silently.

Distributions (natural units of the driver):

* ``triangular(low, mode, high)``;
* ``pert(low, mode, high)``: ``low + (high - low) X``, :math:`X \\sim
  \\mathrm{Beta}(1 + \\lambda\\frac{mode - low}{high - low},\\ 1 + \\lambda\\frac{high -
  mode}{high - low})` with the standard :math:`\\lambda = 4` (mean
  :math:`(low + 4\\,mode + high) / 6`);
* ``uniform(low, high)``;
* ``lognormal(mean, sigma)``: ``mean`` and ``sigma`` of the variable itself, so
  :math:`\\ln X \\sim N(\\mu, s^2)` with :math:`s^2 = \\ln(1 + \\sigma^2/mean^2)`,
  :math:`\\mu = \\ln mean - s^2/2`.

A zero-width distribution returns its value exactly (so the MC equals the deterministic
model). ``years`` draws are rounded to whole years.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray

from tco.drivers import LinearModel, check_driver
from tco.finance import IrrStatus
from tco.finance._blas import single_threaded_blas
from tiers.errors import SpecError

Kind = Literal["triangular", "pert", "lognormal", "uniform"]
KINDS: tuple[str, ...] = get_args(Kind)
CHUNK = 20_000  # rows per block
WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads evaluating blocks
PERT_LAMBDA = 4.0
_FIELDS = {"kind", "low", "mode", "high", "mean", "sigma"}


@dataclass(frozen=True)
class Distribution:
    """An input distribution; ``low``/``mode``/``high`` or (lognormal) ``mean``/``sigma``."""

    kind: Kind
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sigma: float | None = None
    where: str = field(default="distribution", compare=False, repr=False)

    def __post_init__(self) -> None:
        w = self.where
        if self.kind not in KINDS:
            raise SpecError(
                f"{w}.kind", f"unknown kind {self.kind!r}", f"use one of: {', '.join(KINDS)}"
            )
        if self.kind == "lognormal":
            if self.mean is None or self.sigma is None:
                raise SpecError(w, "lognormal needs mean and sigma", "give mean and sigma")
            if self.mean <= 0 or self.sigma < 0:
                raise SpecError(w, "lognormal needs mean > 0 and sigma >= 0", "fix mean/sigma")
            return
        need = ("low", "high") if self.kind == "uniform" else ("low", "mode", "high")
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise SpecError(w, f"{self.kind} needs {', '.join(need)}", f"give {', '.join(missing)}")
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        mode = low if self.mode is None else float(self.mode)
        if low > high:
            raise SpecError(w, f"low {low:g} > high {high:g}", "swap low and high")
        if not low <= mode <= high:
            raise SpecError(w, f"mode {mode:g} outside [{low:g}, {high:g}]", "put mode in range")

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        """``n`` independent draws."""
        if self.kind == "lognormal":
            mean, sigma = float(self.mean), float(self.sigma)  # type: ignore[arg-type]
            if sigma == 0:
                return np.full(n, mean)
            s2 = np.log1p((sigma / mean) ** 2)
            return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
        low, high = float(self.low), float(self.high)  # type: ignore[arg-type]
        if low == high:
            return np.full(n, low)
        if self.kind == "uniform":
            return rng.uniform(low, high, n)
        mode = float(self.mode)  # type: ignore[arg-type]
        if self.kind == "triangular":
            return rng.triangular(low, mode, high, n)
        width = high - low
        alpha = 1 + PERT_LAMBDA * (mode - low) / width
        beta = 1 + PERT_LAMBDA * (high - mode) / width
        return low + width * rng.beta(alpha, beta, n)

    def as_json(self) -> dict[str, Any]:
        keys = ("mean", "sigma") if self.kind == "lognormal" else ("low", "mode", "high")
        return {"kind": self.kind} | {
            k: getattr(self, k) for k in keys if getattr(self, k) is not None
        }


def default_distributions(baselines: Mapping[str, float]) -> dict[str, Distribution]:
    """Triangular +/-20 % around the baseline on revenue_uplift, efficiency_gain,
    bad_debt_reduction, gpu_unit_price, utilisation and people_cost; PERT +/-20 % (mode at
    the baseline) on revenue_base. Discount rate, horizon and GPU count stay fixed."""
    out = {}
    for name in ("revenue_base", "revenue_uplift", "efficiency_gain", "bad_debt_reduction",
                 "gpu_unit_price", "utilisation", "people_cost"):  # fmt: skip
        b = float(baselines[name])
        kind: Kind = "pert" if name == "revenue_base" else "triangular"
        out[name] = Distribution(kind, low=0.8 * b, mode=b, high=1.2 * b, where=name)
    return out


def parse_distributions(document: object, where: str = "distributions") -> dict[str, Distribution]:
    """Distributions from a mapping ``driver -> {kind, low, mode, high}`` (lognormal:
    ``{kind, mean, sigma}``), e.g. parsed YAML; one-line :class:`SpecError` on bad input."""
    if not isinstance(document, Mapping):
        raise SpecError(
            where, "must be a mapping of driver -> {kind, low, mode, high}", "see docs/tco.md"
        )
    out = {}
    for name, spec in document.items():
        field_ = f"{where}.{name}"
        check_driver(str(name), field_)
        if not isinstance(spec, Mapping):
            raise SpecError(field_, "must be a mapping {kind, low, mode, high}", "fix the entry")
        unknown = sorted(set(map(str, spec)) - _FIELDS)
        if unknown:
            raise SpecError(
                f"{field_}.{unknown[0]}", "unknown key", f"use: {', '.join(sorted(_FIELDS))}"
            )
        if "kind" not in spec:
            raise SpecError(f"{field_}.kind", "missing", f"use one of: {', '.join(KINDS)}")
        numbers = {}
        for key in _FIELDS - {"kind"}:
            if spec.get(key) is not None:
                value = spec[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise SpecError(
                        f"{field_}.{key}", f"{value!r} is not a number", "give a number"
                    )
                numbers[key] = float(value)
        kind: Any = str(spec["kind"])
        out[str(name)] = Distribution(kind, where=field_, **numbers)
    return out


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-sample NPV, TCO and IRR (rate NaN where ``irr_status`` is not OK)."""

    samples: int
    seed: int
    distributions: Mapping[str, Distribution]
    npv: NDArray[np.float64]
    tco: NDArray[np.float64]
    irr: NDArray[np.float64]
    irr_status: NDArray[np.int8]

    def irr_failures(self) -> dict[str, Any]:
        """``{"total": k, "by_status": {"no_root": a, "multiple_roots": b}}``."""
        counts = np.bincount(self.irr_status.astype(np.intp), minlength=len(IrrStatus))
        by = {s.name.lower(): int(counts[s]) for s in IrrStatus if s is not IrrStatus.OK}
        return {"total": sum(by.values()), "by_status": by}

    def as_json(self) -> dict[str, Any]:
        """Summary: percentiles are numpy's linear-interpolation percentiles; IRR ones over
        the rows with a unique IRR (None when there are none)."""
        p10, p50, p90 = (float(x) for x in np.percentile(self.npv, [10, 50, 90]))
        ok = self.irr[self.irr_status == IrrStatus.OK]
        irr = [float(x) for x in np.percentile(ok, [10, 50, 90])] if ok.size else [None] * 3
        return {
            "samples": self.samples,
            "seed": self.seed,
            "distributions": {k: d.as_json() for k, d in self.distributions.items()},
            "npv_mean": float(self.npv.mean()),
            "npv_p10": p10,
            "npv_p50": p50,
            "npv_p90": p90,
            "prob_npv_negative": float(np.mean(self.npv < 0)),
            "irr_p10": irr[0],
            "irr_p50": irr[1],
            "irr_p90": irr[2],
            "irr_failures": self.irr_failures(),
            "tco_mean": float(self.tco.mean()),
        }


def stream(seed: int, driver: str) -> np.random.Generator:
    """The driver's own random stream: ``numpy.random.default_rng([seed, crc32(driver)])``."""
    return np.random.default_rng([seed, zlib.crc32(driver.encode())])


def draw(distributions: Mapping[str, Distribution], samples: int, seed: int) -> dict[str, NDArray]:
    """All draws; each driver from its own :func:`stream`, so its draws depend only on the
    seed, its name and its distribution (adding or changing another driver leaves them
    as they were), and the drivers are drawn in parallel (numpy samples without the GIL)."""
    names = [check_driver(name, f"distributions.{name}") for name in sorted(distributions)]

    def sample(name: str) -> NDArray:
        values = distributions[name].sample(stream(seed, name), samples)
        return np.rint(values) if name == "years" else values

    if len(names) < 2:
        return {name: sample(name) for name in names}
    with ThreadPoolExecutor(max_workers=min(len(names), WORKERS)) as pool:
        return dict(zip(names, pool.map(sample, names), strict=True))


def run(
    model: LinearModel,
    distributions: Mapping[str, Distribution],
    samples: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """``samples`` draws of every distributed driver, evaluated in blocks of :data:`CHUNK`.

    Raises
    ------
    SpecError
        ``samples < 1``, an unknown driver, or draws outside a driver's domain (a
        discount rate <= -100 %, a horizon < 1 year).
    """
    if samples < 1:
        raise SpecError("--samples", f"must be >= 1 (got {samples})", "give a positive count")
    values = draw(distributions, samples, seed)
    if not values:  # nothing varies: every row is the baseline
        values = {"discount_rate": np.full(samples, model.baselines["discount_rate"])}
    npv, tco, irr = np.empty(samples), np.empty(samples), np.empty(samples)
    status = np.empty(samples, dtype=np.int8)

    def evaluate(block: slice) -> slice:
        out = model.outcome({k: v[block] for k, v in values.items()})
        npv[block], tco[block] = out.npv(), out.tco()
        irr[block], status[block] = out.irr()
        return block

    blocks = [slice(s, min(s + CHUNK, samples)) for s in range(0, samples, CHUNK)]
    done = 0
    # Blocks are independent and numpy releases the GIL in its loops: one thread per core
    # (each block writes only its own rows, so the result does not depend on the threads).
    workers = min(len(blocks), WORKERS)
    with single_threaded_blas(), ThreadPoolExecutor(max_workers=workers) as pool:
        for block in pool.map(evaluate, blocks):
            done += block.stop - block.start
            if progress is not None:
                progress(done)
    return MonteCarloResult(samples, seed, dict(distributions), npv, tco, irr, status)
