"""Measures besides NPV and IRR: modified internal rate of return (:func:`mirr`) and payback
(:func:`payback`)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tco.finance._common import IrrError, IrrResult, IrrStatus, _flows, _scalar_rate

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
