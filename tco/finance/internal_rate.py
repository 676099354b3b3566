"""Internal rate of return: :func:`irr`, :func:`irr_roots` and :func:`xirr`.

The root finder itself is in :mod:`tco.finance.roots` (bracketing) and
:mod:`tco.finance.refine` (Newton's method in a bracket).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tco.finance._common import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    FinanceInputError,
    IrrError,
    IrrResult,
    IrrStatus,
    _flows,
    _range_text,
    _search_range,
    _year_fractions,
)
from tco.finance.roots import _rates_2d, _roots_one


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
