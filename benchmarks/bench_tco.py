"""IRR throughput: ``tco.finance.irr`` on 100,000 scenarios against a numpy-financial loop.

A benchmark, not a test: it prints timings and ratios and asserts nothing. Run it with
``.venv/bin/python benchmarks/bench_tco.py [scenarios]``.

Scenarios are shaped like the design's intermediate tier (section 5.2/5.3): a year-0 outlay
around 12.6M, then 4-6 years of benefits around 7.5M less recurring costs around 0.4M,
each with noise (seeded), padded with zeros to 7 periods.  Targets from the issue: the
vectorised ``irr`` under 1 s for 100,000 scenarios on a 2-core machine, and at least
100x faster than calling ``numpy_financial.irr`` row by row (timed on a 2,000-row subset
and extrapolated).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy_financial as npf

from tco.finance import IrrStatus, irr

SCENARIOS = 100_000
SUBSET = 2_000
REPEATS = 3
SEED = 20240429  # the design document's date
PERIODS = 7  # year 0 plus up to 6 years

T = TypeVar("T")


def scenarios(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, PERIODS) cash flows: outlay now, then net benefits for a 4-6 year horizon."""
    horizon = rng.integers(4, 7, n)
    flows = np.zeros((n, PERIODS))
    flows[:, 0] = -12.6e6 * (1 + 0.10 * rng.standard_normal(n))
    benefits = 7.5e6 * (1 + 0.15 * rng.standard_normal((n, PERIODS - 1)))
    recurring = 0.4e6 * (1 + 0.25 * rng.standard_normal((n, PERIODS - 1)))
    flows[:, 1:] = benefits - recurring
    flows[np.arange(PERIODS) > horizon[:, None]] = 0.0
    return flows


def best_of(repeats: int, run: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def main(n: int = SCENARIOS) -> None:
    rng = np.random.default_rng(SEED)
    flows = scenarios(n, rng)
    subset = np.sort(rng.choice(n, size=min(SUBSET, n), replace=False))
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"numpy-financial {npf.__version__}, {os.cpu_count()} CPUs"
    )
    print(f"{n:,} scenarios of {PERIODS} periods (4-6 year horizons, zero-padded), seed {SEED}")

    ours, result = best_of(REPEATS, lambda: irr(flows))
    theirs, reference = best_of(REPEATS, lambda: np.array([npf.irr(flows[i]) for i in subset]))
    extrapolated = theirs * n / subset.size
    print(f"tco.finance.irr, all {n:,} rows (best of {REPEATS}):   {ours:9.4f} s")
    print(
        f"numpy_financial.irr loop, {subset.size:,} rows (best of {REPEATS}): {theirs:9.4f} s"
        f"  -> {extrapolated:.3f} s extrapolated to {n:,}"
    )
    print(f"speed-up (npf / ours):                       {extrapolated / ours:9.1f} x")
    print(
        f"target < 1 s: {'met' if ours < 1.0 else 'MISSED'};  target >= 100x: "
        f"{'met' if extrapolated / ours >= 100 else 'MISSED'}"
    )

    status = result.status
    counts = {s.name: int(np.count_nonzero(status == s)) for s in IrrStatus}
    print(f"statuses: {counts}  (non-OK: {int(np.count_nonzero(status != IrrStatus.OK))})")
    ok = status == IrrStatus.OK
    if ok.any():
        q = np.percentile(result.rate[ok], [0, 50, 100])
        print(f"IRR over OK rows: min {q[0]:.2%}, median {q[1]:.2%}, max {q[2]:.2%}")
    compared = np.isfinite(reference) & ok[subset]
    if compared.any():
        diff = np.abs(reference[compared] - result.rate[subset][compared])
        print(
            f"agreement with numpy_financial.irr on {int(compared.sum()):,}/{subset.size:,} "
            f"subset rows (npf finite and status OK): max |diff| = {diff.max():.3e}"
        )
    else:
        print("agreement: no subset row has a finite npf result and status OK")


def monte_carlo(n: int = SCENARIOS, years: int = 3) -> None:
    """The whole Monte Carlo of seed-central (sampling, flows, NPV, an IRR per scenario)
    against a numpy-financial IRR loop over the very same sampled flows, at the design's
    3-year horizon and, since the ratio depends on the series length, at a longer one."""
    from tco.drivers import LinearModel, baselines
    from tco.montecarlo import WORKERS, default_distributions, draw, run
    from tco.scenario import load_scenario
    from tco.stack import scenario_tco

    scenario = load_scenario("seed-central").model_copy(update={"years": years})
    result = scenario_tco(scenario)
    model = LinearModel.from_result(result, baselines(scenario, result))
    distributions = default_distributions(model.baselines)
    ours, outcome = best_of(REPEATS, lambda: run(model, distributions, n, SEED))
    flows = model.flows(draw(distributions, n, SEED))
    subset = min(SUBSET, n)
    theirs, _ = best_of(REPEATS, lambda: [npf.irr(flows[i]) for i in range(subset)])
    extrapolated = theirs * n / subset
    report = outcome.as_json()
    print()
    print(
        f"Monte Carlo of seed-central over {years} years ({years + 1} periods), {n:,} scenarios "
        f"with an IRR each (best of {REPEATS}; {WORKERS} threads, the baseline loop one):"
    )
    print(f"tco.montecarlo.run, all {n:,} scenarios:           {ours:9.4f} s")
    print(
        f"numpy_financial.irr loop over the same flows, {subset:,} rows: {theirs:9.4f} s"
        f"  -> {extrapolated:.3f} s extrapolated to {n:,}"
    )
    print(f"ratio (npf IRR loop / our whole Monte Carlo):      {extrapolated / ours:9.1f} x")
    print(
        f"target < 1 s: {'met' if ours < 1.0 else 'MISSED'};  target >= 100x: "
        f"{'met' if extrapolated / ours >= 100 else 'MISSED'}"
    )
    print(
        f"NPV mean {report['npv_mean']:,.0f}, P10 {report['npv_p10']:,.0f}, "
        f"P90 {report['npv_p90']:,.0f}; P(NPV<0) {report['prob_npv_negative']:.4f}; "
        f"IRR failures {report['irr_failures']}"
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SCENARIOS
    main(count)
    monte_carlo(count, years=3)
    monte_carlo(count, years=10)
