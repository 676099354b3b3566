"""Root bracketing of the IRR search: Descartes' count, the grid in ``u = ln(1 + r)``, the
sign scan, hidden (double or close) roots, and the 1-D and vectorised 2-D searches.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from numpy.typing import NDArray

from tco.finance._blas import single_threaded_blas
from tco.finance._common import IrrResult, IrrStatus, _ends, _search_range
from tco.finance.refine import _refine_cells

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

# NPV(r) = sum_t c_t exp(-tau_t u) with u = ln(1 + r).  For bracketing it is evaluated
# scaled by a positive factor exp(k u) that keeps every term <= |c_t|: k = max(tau) where
# u < 0 (a polynomial in 1 + r) and k = min(tau) where u >= 0 (a polynomial in 1 / (1 + r)).
# A positive factor keeps the sign and the roots.  Brackets are refined in z = 1 + r (when
# u < 0) or z = 1 / (1 + r) (when u >= 0) with Horner's rule for periodic flows, or in u
# with exponentials for dated flows.


def _sign_changes(flows: NDArray[np.float64]) -> NDArray[np.intp]:
    """Sign changes along the last axis of (N, T) flows, zeros skipped (Descartes' count).

    Works on the transposed signs, one contiguous column of ``N`` bytes per period."""
    if np.count_nonzero(flows) == flows.size:  # no zeros: count flips of "positive"
        positive = np.ascontiguousarray((flows > 0).T).view(np.uint8)
        small = flows.shape[1] <= 256  # then fewer than 256 flips: bytes suffice
        flips = np.zeros(flows.shape[0], dtype=np.uint8 if small else np.intp)
        for before, after in itertools.pairwise(positive):
            flips += before ^ after
        return flips.astype(np.intp)
    signs = np.ascontiguousarray(np.sign(flows.T), dtype=np.int8)  # (T, N)
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


def _rates_2d(
    flows: NDArray[np.float64],
    times: NDArray[np.float64],
    periodic: bool,
    low: float,
    high: float,
) -> IrrResult:
    """Vectorised unique-root search for (N, T) flows sharing ``times`` (one BLAS thread:
    its matrix products are too thin to gain from more, see :mod:`tco.finance._blas`)."""
    with single_threaded_blas():
        return _solve_rows(flows, times, periodic, low, high)


def _solve_rows(
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
