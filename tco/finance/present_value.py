"""Net present value of periodic cash flows (:func:`npv`) and of dated ones (:func:`xnpv`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tco.finance._common import _flows, _rates, _year_fractions


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
