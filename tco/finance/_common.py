"""Shared pieces of :mod:`tco.finance`: errors, statuses, results, input validation.

The conventions (sign, timing, shapes, errors) are in the :mod:`tco.finance` docstring.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Lower end of the IRR search range: the stand-in for -100 % (a rate of exactly -100 %
#: makes every discount factor infinite).
DEFAULT_LOW = -0.999999
#: Upper end of the IRR search range (1000 %).
DEFAULT_HIGH = 10.0


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


# --------------------------------------------------------------------------- shared helpers


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
