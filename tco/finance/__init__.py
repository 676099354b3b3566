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

from tco.finance._common import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    FinanceInputError,
    IrrError,
    IrrResult,
    IrrStatus,
)
from tco.finance.internal_rate import irr, irr_roots, xirr
from tco.finance.measures import mirr, payback
from tco.finance.present_value import npv, xnpv

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
