"""Root refinement inside a bracket: Newton's method, safeguarded Newton (``rtsafe``),
Horner's rule, all vectorised over rows.

A bracket is a grid cell of :mod:`tco.finance.roots` in ``u = ln(1 + r)`` where the scaled
NPV changes sign.  It is refined in z = 1 + r (when u < 0) or z = 1 / (1 + r) (when u >= 0)
with Horner's rule for periodic flows, or in u with exponentials for dated flows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tco.finance._common import _ends


def _rtsafe(
    evaluate: Callable[[NDArray[np.float64], slice | NDArray[np.intp]], tuple[NDArray, NDArray]],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    x: NDArray[np.float64],
    floor: NDArray[np.float64],
    relative: bool,
    max_iter: int = 100,
) -> NDArray[np.float64]:
    """Safeguarded Newton (Numerical Recipes' ``rtsafe``), vectorised over rows.

    ``f(lo) < 0 < f(hi)`` row-wise and ``x`` lies between them; ``evaluate(x, rows)`` gives
    ``f`` and ``f'`` for those rows.  A Newton step is taken when it lands strictly inside
    the bracket and the step before last was at least twice as long, else the bracket is
    bisected.  A row stops when ``|f| <= floor`` (rounding noise), when a Newton step is
    below 1e-11 (quadratic convergence leaves an error far below that), or when the
    bracket or a bisection step reaches machine precision.  Rows that stop stay put.
    """
    lo, hi, x = lo.copy(), hi.copy(), x.copy()
    dx = np.abs(hi - lo)
    dx_old = dx.copy()
    everything = slice(None)
    f, df = evaluate(x, everything)
    rows = np.flatnonzero(np.abs(f) > floor)
    for _ in range(max_iter):
        if rows.size == 0:
            break
        sel = everything if rows.size == x.size else rows
        xi, fi, dfi, loi, hii = x[sel], f[sel], df[sel], lo[sel], hi[sel]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = fi / dfi
            landing = xi - newton
            use_newton = ((landing - loi) * (landing - hii) < 0) & (
                np.abs(2.0 * fi) <= np.abs(dx_old[sel] * dfi)
            )
        step = np.where(use_newton, newton, 0.5 * (hii - loi))
        xn = np.where(use_newton, landing, loi + step)
        dx_old[sel] = dx[sel]
        dx[sel] = step
        fn, dfn = evaluate(xn, sel)
        below = fn < 0
        lo_n = np.where(below, xn, loi)
        hi_n = np.where(below, hii, xn)
        lo[sel], hi[sel], x[sel], f[sel], df[sel] = lo_n, hi_n, xn, fn, dfn
        scale = np.abs(xn) if relative else np.maximum(1.0, np.abs(xn))
        done = (
            (np.abs(fn) <= floor[sel])
            | (np.abs(hi_n - lo_n) <= 4e-16 * scale)
            | (np.abs(step) <= np.where(use_newton, 1e-11, 4e-16) * scale)
        )
        rows = rows[~done]
    return x


def _solve_bracketed(
    evaluate: Callable[[NDArray[np.float64], slice | NDArray[np.intp]], tuple[NDArray, NDArray]],
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    x0: NDArray[np.float64],
    floor: NDArray[np.float64],
    relative: bool,
    newton_iter: int = 8,
) -> NDArray[np.float64]:
    """Root of every row's function in its bracket (``f(lo) < 0 < f(hi)``), from ``x0``.

    Plain Newton steps first, for all rows at once (cheap, and from a start inside a small
    grid cell they nearly always converge in three or four steps); a row is settled when
    its step falls below 1e-11 (relative), when Newton's error estimate after the step
    (``|s_k|^3 / |s_{k-1}|^2``, quadratic convergence) falls below 1e-15, or when
    ``|f| <= floor``.  Rows that do not settle,
    or settle outside their bracket, are solved again with :func:`_rtsafe`.
    """
    x = x0.copy()
    settled = np.zeros(x.size, dtype=bool)
    active = np.arange(x.size)  # rows still iterating; only they are evaluated
    previous = np.full(x.size, np.nan)  # |step| of the last iteration (none yet)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(newton_iter):
            sel = slice(None) if active.size == x.size else active
            xs = x[sel]
            f, df = evaluate(xs, sel)
            step = f / df
            size = np.abs(step)
            tol = 1e-11 * (np.abs(xs) if relative else np.maximum(1.0, np.abs(xs)))
            # Newton's error estimate: e_k ~ C e_{k-1}^2 with C ~ |s_k| / |s_{k-1}|^2, so the
            # error left after this step is about |s_k|^3 / |s_{k-1}|^2.
            left = size * (size / previous[sel]) ** 2
            now = (size <= tol) | (left <= 1e-4 * tol) | (np.abs(f) <= floor[sel])
            x[sel] = xs - step
            previous[sel] = size
            settled[active[now]] = True
            active = active[~now]
            if active.size == 0:
                break
    good = settled & (x >= np.minimum(lo, hi)) & (x <= np.maximum(lo, hi))
    redo = np.flatnonzero(~good)
    if redo.size:
        x[redo] = _rtsafe(
            lambda z, sel: evaluate(z, redo[sel]),
            lo[redo],
            hi[redo],
            x0[redo],
            floor[redo],
            relative,
        )
    return x


def _horner(
    coef_t: NDArray[np.float64], z: NDArray[np.float64], sel: slice | NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """p(z) and p'(z) for polynomials with ascending coefficients ``coef_t[j, row]``."""
    a = coef_t[:, sel]
    p = a[-1].copy()
    dp = np.zeros_like(p)
    for row in a[-2::-1]:
        dp *= z
        dp += p
        p *= z
        p += row
    return p, dp


def _horner_value(coef_t: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.float64]:
    """p(z) alone (no derivative), as :func:`_horner`."""
    p = coef_t[-1].copy()
    for row in coef_t[-2::-1]:
        p *= z
        p += row
    return p


def _refine_cells(
    flows: NDArray[np.float64],
    times: NDArray[np.float64],
    periodic: bool,
    ua: NDArray[np.float64],
    ub: NDArray[np.float64],
    va: NDArray[np.float64],
    vb: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Rates r = exp(u) - 1 of the root of each row's NPV in the grid cell [ua, ub].

    ``va``, ``vb`` are the (scaled) grid values at the cell's ends, of opposite signs.
    Every row is scaled to its own first and last non-zero flow, so a row gives the same
    root whichever other rows it is solved with.
    """
    periods = flows.shape[1]
    first, last = _ends(flows)
    lower = ua + ub < 0  # cell mostly below r = 0: work in 1 + r
    with np.errstate(divide="ignore", invalid="ignore"):
        u0 = ua - va * (ub - ua) / (vb - va)  # secant through the grid values
    u0 = np.where((u0 > ua) & (u0 < ub), u0, 0.5 * (ua + ub))
    negative_at_a = va < 0
    eps = np.finfo(np.float64).eps
    if periodic:
        # Ascending polynomial coefficients in z, starting at the first non-zero flow
        # (z = 1 / (1 + r)) or at the last one (z = 1 + r, coefficients reversed).
        # Built transposed, (T, M), so that Horner's rule reads contiguous rows.
        coef_t = np.where(lower, flows.T[::-1], flows.T)
        moved = np.flatnonzero(np.where(lower, periods - 1 - last, first))
        if moved.size:
            j = np.arange(periods)
            index = np.where(lower[moved, None], last[moved, None] - j, first[moved, None] + j)
            inside = (index >= 0) & (index < periods)
            taken = np.take_along_axis(flows[moved], np.clip(index, 0, periods - 1), 1)
            coef_t[:, moved] = np.where(inside, taken, 0.0).T
        coef_t = coef_t[: int((last - first).max(initial=0)) + 1]
        degree = coef_t.shape[0] - 1
        direction = np.where(lower, 1.0, -1.0)
        za, zb, z0 = np.exp(direction * ua), np.exp(direction * ub), np.exp(direction * u0)
        size = _horner_value(np.abs(coef_t), np.maximum(za, zb))
        floor = 4.0 * (degree + 1) * eps * size
        z = _solve_bracketed(
            lambda z, sel: _horner(coef_t, z, sel),
            np.where(negative_at_a, za, zb),
            np.where(negative_at_a, zb, za),
            z0,
            floor,
            relative=True,
        )
        return np.where(lower, z - 1.0, 1.0 / z - 1.0)
    k = np.where(lower, times[last], times[first])
    expo = np.where(flows != 0, k[:, None] - times[None, :], 0.0)
    dcoef = flows * expo
    size = np.maximum(
        np.abs(flows * np.exp(expo * ua[:, None])).sum(axis=1),
        np.abs(flows * np.exp(expo * ub[:, None])).sum(axis=1),
    )

    def evaluate(u: NDArray[np.float64], sel: slice | NDArray[np.intp]) -> tuple[NDArray, NDArray]:
        w = np.exp(expo[sel] * u[:, None])
        return (flows[sel] * w).sum(axis=1), (dcoef[sel] * w).sum(axis=1)

    u = _solve_bracketed(
        evaluate,
        np.where(negative_at_a, ua, ub),
        np.where(negative_at_a, ub, ua),
        u0,
        4.0 * periods * eps * size,
        relative=False,
    )
    return np.expm1(u)
