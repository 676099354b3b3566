"""Finance primitives of the TCO engine: NPV, IRR, MIRR, payback, XNPV and XIRR.

Conventions shared by every function here:

- **Sign**: cash out (spend) is negative, cash in (benefit) is positive.
- **Timing**: ``cash_flows[..., t]`` occurs at the *end* of period ``t``; ``t = 0`` is now
  and is not discounted.  A spreadsheet's ``NPV(r, v1, ..., vn)`` discounts its first value
  by one period, so ``spreadsheet NPV(r, v) == npv(r, [0, *v])`` and
  ``npv(r, cf) == cf[0] + spreadsheet NPV(r, cf[1:])``.
- **Shapes**: ``cash_flows`` is 1-D ``(T,)`` for one scenario or 2-D ``(N, T)`` for ``N``
  scenarios (rows) on the same period grid; pad shorter scenarios with trailing zeros.
- **Errors**: bad input raises :class:`FinanceInputError` (a ``ValueError``); a rate that
  does not exist or is not unique raises :class:`IrrError` for one scenario and is reported
  through a status array for many.  Nothing returns a silent NaN.

Internal rates of return are found without ``numpy_financial.irr`` (which picks the root
of a companion-matrix polynomial closest to zero, fails upstream regressions gh-39/gh-44
and is slow).  The root finder works in ``u = ln(1 + r)``: Descartes' rule of signs on the
cash flows decides how many roots can exist, a fixed grid of ``u`` brackets them (coarse
when at most one root is possible, dense otherwise), and Newton's method started inside
each bracket refines it, for all scenarios at once; a scenario whose Newton iterates leave
the bracket is solved again with safeguarded Newton (Newton steps kept inside the bracket,
bisection otherwise), so every bracket yields a root.
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_HIGH",
    "DEFAULT_LOW",
    "FinanceInputError",
    "IrrError",
    "IrrResult",
    "IrrStatus",
    "irr",
    "irr_roots",
    "mirr",
    "npv",
    "payback",
    "xirr",
    "xnpv",
]

#: Lower end of the IRR search range: the stand-in for -100 % (a rate of exactly -100 %
#: makes every discount factor infinite).
DEFAULT_LOW = -0.999999
#: Upper end of the IRR search range (1000 %).
DEFAULT_HIGH = 10.0

# Bracketing grids in u = ln(1 + r), spacing per region: below r = -90 %, r in [-90 %, 200 %]
# (where real projects' rates live), above 200 %.  The region ends are slightly off those
# round rates and the steps do not divide the distance to u = 0, so no grid point sits on a
# round rate such as 0 %, 10 % or 200 %: an exact zero of the NPV on a grid point would
# leave its sign, and so the bracketing of a neighbouring root, to rounding.
_GRID_BREAKS = (-2.3026, 1.0987)  # r = -90.0002 % and 200.02 %
_COARSE_STEPS = (1.5, 0.2, 0.35)  # at most one root possible (one sign change)
_DENSE_STEPS = (0.05, 0.01, 0.02)  # several roots possible
_CHUNK_ELEMENTS = 1 << 18  # rows x grid points at once in the 2-D path (2 MiB, cache-sized)
_DOUBLE_ROOT_RTOL = 1e-11  # |NPV| at a critical point, relative to sum |terms|, to call it a root


class FinanceInputError(ValueError):
    """Invalid input to a finance function; the message is one line saying what to fix."""


class IrrStatus(enum.IntEnum):
    """Outcome of an internal-rate-of-return search for one scenario.

    ``OK`` (0): exactly one rate in the search range.  ``NO_ROOT`` (1): none, either
    because the cash flows never change sign or because every root lies outside the range.
    ``MULTIPLE_ROOTS`` (2): two or more rates make the NPV zero, so "the" IRR is undefined;
    use :func:`mirr`, :func:`irr_roots`, or a narrower ``low``/``high``.
    """

    OK = 0
    NO_ROOT = 1
    MULTIPLE_ROOTS = 2


class IrrError(ValueError):
    """No unique internal rate of return for one scenario.

    Attributes
    ----------
    status : IrrStatus
        ``NO_ROOT`` or ``MULTIPLE_ROOTS``.
    roots : tuple of float
        Every rate found in the search range, ascending (empty for ``NO_ROOT``).
    """

    def __init__(self, message: str, *, status: IrrStatus, roots: Sequence[float] = ()) -> None:
        super().__init__(message)
        self.status = IrrStatus(status)
        self.roots: tuple[float, ...] = tuple(float(r) for r in roots)


class IrrResult(NamedTuple):
    """Rates for ``N`` scenarios, returned by the 2-D forms of :func:`irr`, :func:`xirr`
    and :func:`mirr`.

    Attributes
    ----------
    rate : ndarray of float64, shape (N,)
        The rate where ``status == IrrStatus.OK``, NaN elsewhere.
    status : ndarray of int8, shape (N,)
        :class:`IrrStatus` codes; NaN in ``rate`` always has a non-OK status here.
    """

    rate: NDArray[np.float64]
    status: NDArray[np.int8]


# --------------------------------------------------------------------------- validation


def _flows(cash_flows: ArrayLike, *, min_periods: int = 1, what: str = "") -> NDArray[np.float64]:
    """Validated float64 copy of ``cash_flows`` with shape (T,) or (N, T)."""
    try:
        arr = np.array(cash_flows, dtype=np.float64)
    except (TypeError, ValueError):
        raise FinanceInputError(
            "cash_flows must be numbers in a (T,) or (N, T) array; "
            "pad shorter rows with trailing zeros"
        ) from None
    if arr.ndim == 0:
        raise FinanceInputError("cash_flows must be a sequence of periods, not a single number")
    if arr.ndim > 2:
        raise FinanceInputError(f"cash_flows must be 1-D (T,) or 2-D (N, T); got shape {arr.shape}")
    periods = arr.shape[-1]
    if periods == 0:
        raise FinanceInputError("cash_flows is empty; give at least two periods")
    if periods < min_periods:
        raise FinanceInputError(
            f"cash_flows has {periods} period; {what} needs at least {min_periods}"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        index = where[0] if len(where) == 1 else where
        raise FinanceInputError(
            f"cash_flows has a non-finite value ({arr[where]}) at index {index}"
        )
    return arr


def _rates(rate: ArrayLike, name: str = "discount rate") -> NDArray[np.float64]:
    """Validated float64 array of rates, each finite and > -100 %."""
    try:
        arr = np.asarray(rate, dtype=np.float64)
    except (TypeError, ValueError):
        raise FinanceInputError(f"{name} must be a number or an array of numbers") from None
    if arr.size == 0:
        raise FinanceInputError(f"{name} is empty")
    if not np.isfinite(arr).all():
        raise FinanceInputError(f"{name} must be finite (got {arr[~np.isfinite(arr)].flat[0]})")
    if (arr <= -1.0).any():
        raise FinanceInputError(
            f"{name} must be > -100% (got {float(arr[arr <= -1.0].flat[0]):.2%})"
        )
    return arr


def _scalar_rate(rate: float, name: str) -> float:
    arr = _rates(rate, name)
    if arr.ndim != 0:
        raise FinanceInputError(f"{name} must be a single number (got shape {arr.shape})")
    return float(arr)


def _search_range(low: float, high: float) -> tuple[float, float]:
    lo = _scalar_rate(low, "low")
    hi = _scalar_rate(high, "high")
    if not lo < hi:
        raise FinanceInputError(f"low must be below high (got low={lo:.2%}, high={hi:.2%})")
    return math.log1p(lo), math.log1p(hi)


def _range_text(low: float, high: float) -> str:
    if low == DEFAULT_LOW and high == DEFAULT_HIGH:
        return "(-100%, 1000%]"
    return f"[{low:.2%}, {high:.2%}]"


def _year_fractions(dates: ArrayLike, periods: int) -> NDArray[np.float64]:
    """Spreadsheet day count: actual days from ``dates[0]`` divided by 365."""
    try:
        days = np.asarray(dates, dtype="datetime64[D]")
    except (TypeError, ValueError):
        raise FinanceInputError(
            "dates must be datetime.date, numpy.datetime64 or ISO 'YYYY-MM-DD' strings"
        ) from None
    if days.ndim != 1 or days.size != periods:
        raise FinanceInputError(
            f"dates has {days.size} entries but cash_flows has {periods} periods; "
            "give one date per period"
        )
    if np.isnat(days).any():
        raise FinanceInputError(
            f"dates has a missing value (NaT) at index {int(np.isnat(days).argmax())}"
        )
    offset = (days - days[0]).astype(np.int64)
    if (offset < 0).any():
        i = int(np.argmax(offset < 0))
        raise FinanceInputError(
            f"dates[{i}] ({days[i]}) precedes the first date ({days[0]}); "
            "the first date must be the earliest, as in spreadsheet XNPV/XIRR"
        )
    return offset.astype(np.float64) / 365.0


# --------------------------------------------------------------------------- NPV


def _present_value(
    rate: NDArray[np.float64], flows: NDArray[np.float64], times: NDArray[np.float64]
) -> float | NDArray[np.float64]:
    """``sum_t flows[..., t] / (1 + rate) ** times[t]`` with shape rate.shape + flows.shape[:-1]."""
    r = rate.reshape(-1, *([1] * flows.ndim))  # (R, 1[, 1])
    with np.errstate(over="ignore"):
        out = (flows[None, ...] / (1.0 + r) ** times).sum(axis=-1)
    out = out.reshape(rate.shape + flows.shape[:-1])
    return float(out) if out.ndim == 0 else out


def npv(rate: ArrayLike, cash_flows: ArrayLike) -> float | NDArray[np.float64]:
    r"""Net present value of periodic cash flows.

    .. math:: \mathrm{NPV}(r) = \sum_{t=0}^{T-1} \frac{CF_t}{(1 + r)^t}

    Sign convention: cash out is negative, cash in is positive.  Timing convention:
    ``cash_flows[..., t]`` occurs at the end of period ``t``; ``t = 0`` is now and is not
    discounted.  This is numpy-financial's ``npv``, **not** the spreadsheet's: spreadsheet
    ``NPV(r, v)`` discounts its first value by one period and equals ``npv(r, [0, *v])``.

    Parameters
    ----------
    rate : float or array_like
        Discount rate(s) per period, each > -1 (-100 %).
    cash_flows : array_like, shape (T,) or (N, T)
        One scenario, or ``N`` scenarios on the same period grid.

    Returns
    -------
    float or ndarray
        Shape ``rate.shape + cash_flows.shape[:-1]``: a float for a scalar rate and one
        scenario; ``(N,)`` for a scalar rate and ``N`` scenarios; ``(R, N)`` for ``R`` rates
        and ``N`` scenarios (as numpy-financial's ``npv``).

    Raises
    ------
    FinanceInputError
        Empty or non-finite cash flows, or a rate <= -100 %.

    Examples
    --------
    >>> round(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]), 5)
    3065.22267
    """
    flows = _flows(cash_flows)
    r = _rates(rate)
    return _present_value(r, flows, np.arange(flows.shape[-1], dtype=np.float64))


def xnpv(rate: ArrayLike, cash_flows: ArrayLike, dates: ArrayLike) -> float | NDArray[np.float64]:
    r"""Net present value of cash flows on calendar dates (spreadsheet ``XNPV``).

    .. math:: \mathrm{XNPV}(r) = \sum_i \frac{CF_i}{(1 + r)^{(d_i - d_0)/365}}

    Sign convention: cash out is negative, cash in is positive.  Timing convention: flow
    ``i`` occurs on ``dates[i]``; ``dates[0]`` is now (not discounted) and must be the
    earliest date; the day count is actual days / 365, as in the spreadsheet function.
    Unlike spreadsheet ``NPV``, spreadsheet ``XNPV`` also leaves the first flow
    undiscounted, so the two agree here.

    Parameters
    ----------
    rate : float or array_like
        Annual discount rate(s), each > -1.
    cash_flows : array_like, shape (T,) or (N, T)
        One scenario, or ``N`` scenarios sharing ``dates``.
    dates : sequence of datetime.date, numpy.datetime64 or ISO ``YYYY-MM-DD`` strings
        One date per period (times of day are truncated).

    Returns
    -------
    float or ndarray
        Shape ``rate.shape + cash_flows.shape[:-1]``, as :func:`npv`.
    """
    flows = _flows(cash_flows)
    r = _rates(rate)
    return _present_value(r, flows, _year_fractions(dates, flows.shape[-1]))


# --------------------------------------------------------------------------- root finding
#
# NPV(r) = sum_t c_t exp(-tau_t u) with u = ln(1 + r).  For bracketing it is evaluated
# scaled by a positive factor exp(k u) that keeps every term <= |c_t|: k = max(tau) where
# u < 0 (a polynomial in 1 + r) and k = min(tau) where u >= 0 (a polynomial in 1 / (1 + r)).
# A positive factor keeps the sign and the roots.  Brackets are refined in z = 1 + r (when
# u < 0) or z = 1 / (1 + r) (when u >= 0) with Horner's rule for periodic flows, or in u
# with exponentials for dated flows.


def _sign_changes(flows: NDArray[np.float64]) -> NDArray[np.intp]:
    """Sign changes along the last axis of (N, T) flows, zeros skipped (Descartes' count)."""
    signs = np.ascontiguousarray(np.sign(flows.T), dtype=np.int8)  # (T, N): rows contiguous
    last = np.zeros(flows.shape[0], dtype=np.int8)  # last non-zero sign so far
    count = np.zeros(flows.shape[0], dtype=np.intp)
    for column in signs:
        count += column * last < 0
        np.copyto(last, column, where=column != 0)
    return count


@functools.lru_cache(maxsize=64)
def _grid(u_lo: float, u_hi: float, dense: bool) -> NDArray[np.float64]:
    """Bracketing grid in u over [u_lo, u_hi], both ends included, finer where r is usual."""
    steps = _DENSE_STEPS if dense else _COARSE_STEPS
    edges = [u_lo, *(b for b in _GRID_BREAKS if u_lo < b < u_hi), u_hi]
    parts = []
    for a, b in itertools.pairwise(edges):
        step = steps[sum(0.5 * (a + b) > brk for brk in _GRID_BREAKS)]
        parts.append(np.linspace(a, b, max(1, math.ceil((b - a) / step)) + 1)[:-1])
    grid = np.concatenate([*parts, [u_hi]])
    grid.setflags(write=False)
    return grid


def _grid_scale(grid: NDArray[np.float64], t_min: float, t_max: float) -> NDArray[np.float64]:
    return np.where(grid < 0, t_max, t_min)


def _basis(grid: NDArray[np.float64], times: NDArray[np.float64]) -> NDArray[np.float64]:
    """(T, G) matrix so that ``flows @ basis`` is the scaled NPV on the grid."""
    k = _grid_scale(grid, times.min(), times.max())
    return np.exp((k[None, :] - times[:, None]) * grid[None, :])


def _ends(flows: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of the first and last non-zero flow of every row (0 for all-zero rows)."""
    periods = flows.shape[1]
    first = np.zeros(flows.shape[0], dtype=np.intp)
    last = np.full(flows.shape[0], periods - 1, dtype=np.intp)
    late = np.flatnonzero(flows[:, 0] == 0)  # usually few rows: skip the rest
    first[late] = np.argmax(flows[late] != 0, axis=1)
    early = np.flatnonzero(flows[:, -1] == 0)
    last[early] -= np.argmax(flows[early, ::-1] != 0, axis=1)
    return first, last


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
    its step falls below 1e-11 (relative) or ``|f| <= floor``.  Rows that do not settle,
    or settle outside their bracket, are solved again with :func:`_rtsafe`.
    """
    x = x0.copy()
    settled = np.zeros(x.size, dtype=bool)
    everything = slice(None)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(newton_iter):
            f, df = evaluate(x, everything)
            step = f / df
            scale = np.abs(x) if relative else np.maximum(1.0, np.abs(x))
            now = (np.abs(step) <= 1e-11 * scale) | (np.abs(f) <= floor)
            x = np.where(settled, x, x - step)
            settled |= now
            if settled.all():
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
        size, _ = _horner(np.abs(coef_t), np.maximum(za, zb), slice(None))
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


def _grid_scan(
    values: NDArray[np.float64], dense: bool
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Sign structure of scaled NPV values (M, G) on the grid.

    Returns ``crossing`` (M, G-1): a strict sign change in cell g; ``zero`` (M, G): exact
    zeros; ``candidate`` (M, G): interior local minima of |NPV| between neighbours of the
    same sign, where a double root or a pair of close roots may hide (dense grid only).
    """
    pos = values > 0
    neg = values < 0
    zero = ~(pos | neg)
    crossing = (pos[:, :-1] & neg[:, 1:]) | (neg[:, :-1] & pos[:, 1:])
    candidate = np.zeros_like(zero)
    if dense and values.shape[1] >= 3:
        mag = np.abs(values)
        middle = mag[:, 1:-1]
        same_sign = (pos[:, :-2] & pos[:, 1:-1] & pos[:, 2:]) | (
            neg[:, :-2] & neg[:, 1:-1] & neg[:, 2:]
        )
        candidate[:, 1:-1] = same_sign & (middle <= mag[:, :-2]) & (middle < mag[:, 2:])
    return crossing, zero, candidate


def _roots_one(
    flows: NDArray[np.float64],
    times: NDArray[np.float64],
    periodic: bool,
    u_lo: float,
    u_hi: float,
) -> tuple[list[float], int]:
    """All rates r of one scenario with NPV(r) = 0 and ln(1 + r) in [u_lo, u_hi], ascending,
    and the number of sign changes in its flows."""
    keep = flows != 0
    c, tau = flows[keep], times[keep]
    changes = int(_sign_changes(c[None, :])[0]) if c.size else 0
    if changes == 0:
        return [], 0
    dense = changes >= 2
    grid = _grid(u_lo, u_hi, dense)
    values = c @ _basis(grid, tau)
    crossing, zero, candidate = _grid_scan(values[None, :], dense)
    roots = [float(r) for r in np.expm1(grid[zero[0]])]
    cells = np.flatnonzero(crossing[0])
    if cells.size:
        rows = np.broadcast_to(flows, (cells.size, flows.size))
        found = _refine_cells(
            rows, times, periodic, grid[cells], grid[cells + 1], values[cells], values[cells + 1]
        )
        roots.extend(float(r) for r in found)
    spots = np.flatnonzero(candidate[0])
    if spots.size:
        rows = np.broadcast_to(flows, (spots.size, flows.size))
        kind, r1, r2 = _hidden_roots(rows, times, grid, spots, np.sign(values[spots]))
        roots.extend(float(r) for r in r1[kind >= 1])
        roots.extend(float(r) for r in r2[kind == 2])
    roots.sort()
    unique: list[float] = []
    for r in roots:
        if not unique or r - unique[-1] > 1e-12 * (1.0 + abs(r)):
            unique.append(r)
    return unique, changes


def _hidden_roots(
    flows: NDArray[np.float64],
    times: NDArray[np.float64],
    grid: NDArray[np.float64],
    g: NDArray[np.intp],
    sigma: NDArray[np.float64],
) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64]]:
    """Roots hidden between grid[g - 1] and grid[g + 1] for each (row, g), where |NPV| has a
    local minimum on the grid without a sign change (NPV has sign ``sigma`` around it).

    Finds the critical point of the scaled NPV in the interval and inspects its value:
    ``kind`` 1 is a double root (the NPV touches zero; rate in ``r1``), ``kind`` 2 two
    roots closer than the grid spacing (``r1 < r2``), ``kind`` 0 nothing.
    """
    m = g.size
    kind = np.zeros(m, dtype=np.int8)
    r1 = np.full(m, np.nan)
    r2 = np.full(m, np.nan)
    if m == 0:
        return kind, r1, r2
    first, last = _ends(flows)
    k = np.where(grid[g] < 0, times[last], times[first])
    expo = np.where(flows != 0, k[:, None] - times[None, :], 0.0)
    slope = flows * expo  # d/du of sum_t flows_t exp(expo_t u)
    a, b = grid[g - 1], grid[g + 1]

    def at(coef: NDArray, rows: NDArray, u: NDArray) -> NDArray:
        return (coef[rows] * np.exp(expo[rows] * u[:, None])).sum(axis=1)

    every = np.arange(m)
    da, db = at(slope, every, a), at(slope, every, b)
    inside = np.flatnonzero((sigma * da < 0) & (sigma * db > 0))
    if inside.size == 0:  # no critical point in the interval: an artefact of the scaling
        return kind, r1, r2
    ends = (a[inside], b[inside], da[inside], db[inside])
    crit = np.log1p(_refine_cells(slope[inside], times, False, *ends))
    terms = flows[inside] * np.exp(expo[inside] * crit[:, None])
    value = terms.sum(axis=1)
    double = np.abs(value) <= _DOUBLE_ROOT_RTOL * np.abs(terms).sum(axis=1)
    pair = ~double & (sigma[inside] * value < 0)
    kind[inside[double]] = 1
    r1[inside[double]] = np.expm1(crit[double])
    rows = inside[pair]
    if rows.size:
        c_pair, v_pair = crit[pair], value[pair]
        v_a, v_b = at(flows, rows, a[rows]), at(flows, rows, b[rows])
        kind[rows] = 2
        r1[rows] = _refine_cells(flows[rows], times, False, a[rows], c_pair, v_a, v_pair)
        r2[rows] = _refine_cells(flows[rows], times, False, c_pair, b[rows], v_pair, v_b)
    return kind, r1, r2


def _roots_1d(
    cash_flows: ArrayLike, times: NDArray[np.float64] | None, low: float, high: float
) -> tuple[tuple[float, ...], int]:
    flows = _flows(cash_flows, min_periods=2, what="an internal rate of return")
    if flows.ndim != 1:
        raise FinanceInputError(f"cash_flows must be 1-D (T,) here; got shape {flows.shape}")
    periodic = times is None
    if times is None:
        times = np.arange(flows.size, dtype=np.float64)
    u_lo, u_hi = _search_range(low, high)
    roots, changes = _roots_one(flows, times, periodic, u_lo, u_hi)
    return tuple(roots), changes


def irr_roots(
    cash_flows: ArrayLike, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH
) -> tuple[float, ...]:
    r"""Every internal rate of return of one scenario in ``[low, high]``, ascending.

    .. math:: \sum_{t=0}^{T-1} \frac{CF_t}{(1 + r)^t} = 0

    Sign convention: cash out is negative, cash in is positive.  Timing convention:
    ``cash_flows[t]`` occurs at the end of period ``t``; ``t = 0`` is now, undiscounted
    (spreadsheet ``NPV(r, v)`` would discount ``v[0]`` one period: it equals
    ``npv(r, [0, *v])``, which has the same roots as ``npv(r, v)``).  Descartes' rule of signs bounds the number of roots
    by the number of sign changes in the cash flows; no sign change means no root.  Roots
    are bracketed on a grid in ``u = ln(1 + r)`` (dense when several roots are possible)
    and refined with Newton's method (safeguarded by the bracket) to about 1e-12.  At each
    local minimum of ``|NPV|`` on the grid the critical point is located too, which finds a
    double root (the NPV touches zero without changing sign) and two roots closer together
    than the grid spacing.  A root of multiplicity ``m`` is only determined to about
    ``eps ** (1 / m)`` (e.g. 1e-5 for a triple root), as for any floating-point solver,
    and two roots closer than about that are reported as one.

    Parameters
    ----------
    cash_flows : array_like, shape (T,)
        One scenario, ``T >= 2``.
    low, high : float
        Search range; ``-1 < low < high``.  The default ``(-0.999999, 10]`` stands for
        (-100 %, 1000 %].

    Returns
    -------
    tuple of float
        Possibly empty.

    Examples
    --------
    >>> [round(r, 12) for r in irr_roots([-100, 230, -132])]
    [0.1, 0.2]
    """
    return _roots_1d(cash_flows, None, low, high)[0]


def _unique_rate(roots: tuple[float, ...], changes: int, low: float, high: float) -> float:
    if len(roots) == 1:
        return roots[0]
    span = _range_text(low, high)
    if not roots:
        if changes == 0:
            raise IrrError(
                "cash flows never change sign: no internal rate of return",
                status=IrrStatus.NO_ROOT,
            )
        raise IrrError(
            f"cash flows have no internal rate of return in {span}", status=IrrStatus.NO_ROOT
        )
    listed = ", ".join(f"{r:.2%}" for r in roots)
    raise IrrError(
        f"cash flows have {len(roots)} internal rates of return in {span}: {listed}; "
        "use mirr() or irr_roots(), or narrow low/high",
        status=IrrStatus.MULTIPLE_ROOTS,
        roots=roots,
    )


def _rates_2d(
    flows: NDArray[np.float64],
    times: NDArray[np.float64],
    periodic: bool,
    low: float,
    high: float,
) -> IrrResult:
    """Vectorised unique-root search for (N, T) flows sharing ``times``.

    Rows go through in cache-sized chunks: the scaled NPV on a grid (one matrix product),
    the grid cell where it changes sign, Newton's method in that cell.  Rows with one sign
    change in their flows have exactly one rate (Descartes), so a coarse grid brackets it;
    rows with more use a dense grid and count its sign changes, exact zeros and the roots
    hidden at local minima of |NPV| (:func:`_hidden_roots`), all vectorised.  Only a row
    with one sign change and an exact zero on the coarse grid (rare) goes through the 1-D
    routine.
    """
    u_lo, u_hi = _search_range(low, high)
    n = flows.shape[0]
    rate = np.full(n, np.nan)
    status = np.full(n, IrrStatus.NO_ROOT, dtype=np.int8)
    if n == 0:
        return IrrResult(rate, status)
    changes = _sign_changes(flows)
    one_by_one: list[NDArray[np.intp]] = []

    def solve(rows: NDArray, sub: NDArray, grid: NDArray, values: NDArray, cell: NDArray) -> None:
        at = np.arange(rows.size)
        ua, ub, va, vb = grid[cell], grid[cell + 1], values[at, cell], values[at, cell + 1]
        rate[rows] = _refine_cells(sub, times, periodic, ua, ub, va, vb)
        status[rows] = IrrStatus.OK

    # One sign change: exactly one rate in (-100 %, inf), so the NPV changes sign at most
    # once along the grid: the crossing cell follows from counting signs.
    group = np.flatnonzero(changes == 1)
    if group.size:
        grid = _grid(u_lo, u_hi, False)
        basis = _basis(grid, times)
        ones = np.ones(grid.size)
        chunk = max(1, _CHUNK_ELEMENTS // grid.size)
        for start in range(0, group.size, chunk):
            rows = group[start : start + chunk]
            # (the usual case, every row with one sign change, needs no copy)
            sub = flows[start : start + chunk] if group.size == n else flows[rows]
            values = sub @ basis
            if not values.all():  # an exact zero on the grid (rare): look closer
                exact = (values == 0).any(axis=1)
                one_by_one.append(rows[exact])
                rows, sub, values = rows[~exact], sub[~exact], values[~exact]
            balance = np.sign(values) @ ones  # (#positive - #negative) grid points
            hit = np.abs(balance) < grid.size
            n_first = (grid.size + np.where(values[:, 0] > 0, balance, -balance)) // 2
            cell = n_first[hit].astype(np.intp) - 1
            solve(rows[hit], sub[hit], grid, values[hit], cell)

    # Several sign changes: up to that many rates; count them on a dense grid.
    group = np.flatnonzero(changes >= 2)
    if group.size:
        grid = _grid(u_lo, u_hi, True)
        basis = _basis(grid, times)
        # Rescale each row to its own first/last non-zero period, as the 1-D routine does,
        # so that both see the same local minima of |NPV|.
        first, last = _ends(flows[group])
        k_all = _grid_scale(grid, float(times.min()), float(times.max()))
        chunk = max(1, _CHUNK_ELEMENTS // grid.size)
        for start in range(0, group.size, chunk):
            part = slice(start, start + chunk)
            rows = group[part]
            k_row = np.where(grid < 0, times[last[part], None], times[first[part], None])
            sub = flows[rows]
            with np.errstate(over="ignore", invalid="ignore"):
                values = (sub @ basis) * np.exp((k_row - k_all) * grid)
            crossing, zero, candidate = _grid_scan(values, True)
            n_cross = np.count_nonzero(crossing, axis=1)
            n_zero = np.count_nonzero(zero, axis=1)
            # Local minima of |NPV| may hide a double root or a close pair; look only
            # where they can still decide between one root and several.
            ci, cg = np.nonzero(candidate & (n_cross + n_zero < 2)[:, None])
            kind, hidden, _ = _hidden_roots(sub[ci], times, grid, cg, np.sign(values[ci, cg]))
            total = n_cross + n_zero + np.bincount(ci, weights=kind, minlength=rows.size)
            status[rows[total >= 2]] = IrrStatus.MULTIPLE_ROOTS
            single = total == 1
            by_cell = single & (n_cross == 1)
            cell = np.argmax(crossing[by_cell], axis=1)
            solve(rows[by_cell], sub[by_cell], grid, values[by_cell], cell)
            on_grid = single & (n_zero == 1)
            rate[rows[on_grid]] = np.expm1(grid[np.argmax(zero[on_grid], axis=1)])
            double = kind == 1
            touch = double & single[ci]
            rate[rows[ci[touch]]] = hidden[touch]
            status[rows[on_grid]] = IrrStatus.OK
            status[rows[ci[touch]]] = IrrStatus.OK

    for i in np.concatenate(one_by_one) if one_by_one else ():
        roots, _ = _roots_one(flows[i], times, periodic, u_lo, u_hi)
        if len(roots) == 1:
            rate[i], status[i] = roots[0], IrrStatus.OK
        else:
            status[i] = IrrStatus.MULTIPLE_ROOTS if roots else IrrStatus.NO_ROOT
    return IrrResult(rate, status)


def irr(
    cash_flows: ArrayLike, *, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH
) -> float | IrrResult:
    r"""Internal rate of return: the unique ``r`` in ``[low, high]`` with NPV(r) = 0.

    .. math:: \sum_{t=0}^{T-1} \frac{CF_t}{(1 + r)^t} = 0

    Sign convention: cash out is negative, cash in is positive.  Timing convention:
    ``cash_flows[..., t]`` occurs at the end of period ``t``; ``t = 0`` is now and is not
    discounted (as :func:`npv`; spreadsheet ``IRR`` uses the same timing because a rate
    that zeroes ``NPV(r, [0, *v])`` also zeroes ``npv(r, v)``).

    Unlike ``numpy_financial.irr`` this never guesses among several roots and never
    returns an unexplained NaN.  Cash flows that change sign more than once can have
    several rates (``[-100, 230, -132]`` has 10 % and 20 %); then there is no IRR and the
    error (1-D) or status (2-D) says so.  :func:`mirr` is the unambiguous alternative;
    :func:`irr_roots` lists the roots; a narrower ``low``/``high`` picks one on purpose.

    Parameters
    ----------
    cash_flows : array_like, shape (T,) or (N, T)
        ``T >= 2``.  Rows of different lengths must be padded with trailing zeros.
    low, high : float, keyword-only
        Search range, ``-1 < low < high``; default (-100 %, 1000 %].

    Returns
    -------
    float
        For 1-D cash flows.
    IrrResult
        For 2-D cash flows: ``rate`` (N,) with NaN wherever ``status`` (N,) is not
        ``IrrStatus.OK``.  Never raises for a scenario without a unique rate.  All rows
        are solved together in numpy (no Python loop over rows), giving the same rates
        and statuses as the 1-D form row by row; the only exception is a row with one
        sign change whose NPV is exactly zero on a grid point (rare), which is handed to
        the 1-D routine.

    Raises
    ------
    IrrError
        1-D only: ``status`` ``NO_ROOT`` (``roots == ()``) or ``MULTIPLE_ROOTS`` (with
        ``roots``).
    FinanceInputError
        Fewer than two periods, non-finite values, or an invalid range.

    Examples
    --------
    >>> round(irr([-100, 110]), 12)
    0.1
    """
    flows = _flows(cash_flows, min_periods=2, what="an internal rate of return")
    if flows.ndim == 2:
        return _rates_2d(flows, np.arange(flows.shape[1], dtype=np.float64), True, low, high)
    roots, changes = _roots_1d(flows, None, low, high)
    return _unique_rate(roots, changes, low, high)


def xirr(
    cash_flows: ArrayLike,
    dates: ArrayLike,
    *,
    low: float = DEFAULT_LOW,
    high: float = DEFAULT_HIGH,
) -> float | IrrResult:
    r"""Annual internal rate of return of cash flows on calendar dates (spreadsheet ``XIRR``).

    The unique ``r`` in ``[low, high]`` with
    :math:`\sum_i CF_i (1 + r)^{-(d_i - d_0)/365} = 0`, i.e. ``xnpv(r, cf, dates) == 0``.
    Sign convention: cash out negative, cash in positive; timing: flow ``i`` on
    ``dates[i]``, ``dates[0]`` (the earliest) is now and undiscounted, as in spreadsheet
    ``XNPV``/``XIRR`` (unlike spreadsheet ``NPV``, which discounts its first value one
    period: ``NPV(r, v) == npv(r, [0, *v])``); day count actual/365.  Where the
    spreadsheet's iteration from a guess returns one root or ``#NUM!``, this returns the
    unique root or raises :class:`IrrError` exactly as :func:`irr`.

    Parameters
    ----------
    cash_flows : array_like, shape (T,) or (N, T)
        One scenario, or ``N`` scenarios sharing ``dates``.
    dates : sequence of datetime.date, numpy.datetime64 or ISO ``YYYY-MM-DD`` strings
        One per period.
    low, high : float, keyword-only
        Search range; default (-100 %, 1000 %].

    Returns
    -------
    float or IrrResult
        As :func:`irr`.
    """
    flows = _flows(cash_flows, min_periods=2, what="an internal rate of return")
    times = _year_fractions(dates, flows.shape[-1])
    # Descartes' rule counts sign changes in order of time; later dates may come in any order.
    order = np.argsort(times, kind="stable")
    flows, times = flows[..., order], times[order]
    if flows.ndim == 2:
        return _rates_2d(flows, times, False, low, high)
    roots, changes = _roots_1d(flows, times, low, high)
    return _unique_rate(roots, changes, low, high)


# --------------------------------------------------------------------------- MIRR


def mirr(cash_flows: ArrayLike, finance_rate: float, reinvest_rate: float) -> float | IrrResult:
    r"""Modified internal rate of return (numpy-financial's and the spreadsheet's definition).

    .. math::

        \mathrm{MIRR} = \left(\frac{\left|\sum_t P_t (1 + r_r)^{T-1-t}\right|}
                              {\left|\sum_t N_t (1 + r_f)^{-t}\right|}\right)^{1/(T-1)} - 1

    where ``P_t = max(CF_t, 0)`` are compounded to the last period at the reinvestment rate
    ``r_r`` and ``N_t = min(CF_t, 0)`` are discounted to now at the finance rate ``r_f``.
    Sign convention: cash out negative, cash in positive.  Timing: ``cash_flows[..., t]``
    at the end of period ``t``, ``t = 0`` now, undiscounted.  ``T`` counts every period,
    trailing zeros included (padding a row changes its MIRR, as it would in a spreadsheet).
    Spreadsheet ``MIRR`` gives the same value: it builds the ratio from spreadsheet ``NPV``
    (first value discounted one period, ``NPV(r, v) == npv(r, [0, *v])``) and corrects
    for that shift.  Unlike IRR the result is always unique.

    Parameters
    ----------
    cash_flows : array_like, shape (T,) or (N, T)
        ``T >= 2``.
    finance_rate : float
        Rate paid on the money invested (negative flows), > -1.
    reinvest_rate : float
        Rate earned on reinvested positive flows, > -1.

    Returns
    -------
    float
        For 1-D cash flows.
    IrrResult
        For 2-D: ``rate`` with NaN where ``status`` is ``IrrStatus.NO_ROOT`` (the row has
        no negative or no positive flow); never raises for such rows.

    Raises
    ------
    IrrError
        1-D cash flows without both a negative and a positive flow (``status`` NO_ROOT).
    FinanceInputError
        Fewer than two periods, non-finite values, or a rate <= -100 %.
    """
    flows = _flows(cash_flows, min_periods=2, what="a modified internal rate of return")
    f_rate = _scalar_rate(finance_rate, "finance rate")
    r_rate = _scalar_rate(reinvest_rate, "reinvestment rate")
    rows = np.atleast_2d(flows)
    periods = rows.shape[1]
    t = np.arange(periods, dtype=np.float64)
    gains = np.where(rows > 0, rows, 0.0)
    costs = np.where(rows < 0, rows, 0.0)
    defined = (gains != 0).any(axis=1) & (costs != 0).any(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        numer = np.abs((gains / (1.0 + r_rate) ** t).sum(axis=1))
        denom = np.abs((costs / (1.0 + f_rate) ** t).sum(axis=1))
        value = (numer / denom) ** (1.0 / (periods - 1)) * (1.0 + r_rate) - 1.0
    if flows.ndim == 1:
        if not defined[0]:
            raise IrrError(
                "cash flows never change sign: no modified internal rate of return",
                status=IrrStatus.NO_ROOT,
            )
        return float(value[0])
    status = np.where(defined, IrrStatus.OK, IrrStatus.NO_ROOT).astype(np.int8)
    return IrrResult(np.where(defined, value, np.nan), status)


# --------------------------------------------------------------------------- payback


def payback(cash_flows: ArrayLike, rate: float | None = None) -> float | NDArray[np.float64] | None:
    r"""Payback period in (fractional) periods, simple or discounted.

    With cumulative flows :math:`S_t = \sum_{s \le t} CF_s / (1 + r)^s` (``r = 0`` when
    ``rate`` is None), payback is the first period ``t`` with :math:`S_t \ge 0` after the
    cumulative position has gone below zero, interpolated linearly inside that period:

    .. math:: \text{payback} = (t - 1) + \frac{-S_{t-1}}{CF_t / (1 + r)^t}

    A scenario whose cumulative position is never negative pays back at ``0.0``.  Sign
    convention: cash out negative, cash in positive.  Timing: ``cash_flows[..., t]``
    occurs at the end of period ``t`` and ``cash_flows[..., 0]`` at ``t = 0`` (now), so
    ``[-1000, 500, 500, 500]`` pays back at 2.0.  Only the *first* recovery counts: later
    outflows that push the cumulative position below zero again are not considered.
    (This is not the "total cost / annual benefit" shortcut, which ignores timing.)  The
    discounting matches :func:`npv`, not spreadsheet ``NPV`` (which discounts its first
    value one period: ``NPV(r, v) == npv(r, [0, *v])``).

    Parameters
    ----------
    cash_flows : array_like, shape (T,) or (N, T)
    rate : float, optional
        Discount rate per period (> -1) for discounted payback; None for simple payback.

    Returns
    -------
    float or None
        For 1-D cash flows; None when the flows never pay back within the horizon.
    ndarray of float64, shape (N,)
        For 2-D cash flows; NaN means "never pays back within the horizon".
    """
    flows = _flows(cash_flows)
    rows = np.atleast_2d(flows)
    periods = rows.shape[1]
    t = np.arange(periods)
    if rate is not None:
        rows = rows / (1.0 + _scalar_rate(rate, "discount rate")) ** t.astype(np.float64)
    cumulative = np.cumsum(rows, axis=1)
    below = cumulative < 0
    ever_below = below.any(axis=1)
    first_below = np.argmax(below, axis=1)
    recovered = (cumulative >= 0) & (t[None, :] > first_below[:, None])
    pays_back = recovered.any(axis=1)
    when = np.argmax(recovered, axis=1)
    prev = np.maximum(when - 1, 0)
    deficit = -np.take_along_axis(cumulative, prev[:, None], axis=1)[:, 0]
    inflow = np.take_along_axis(rows, when[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        fractional = prev + deficit / inflow
    result = np.where(~ever_below, 0.0, np.where(pays_back, fractional, np.nan))
    if flows.ndim == 1:
        return None if math.isnan(result[0]) else float(result[0])
    return result
