"""Benefit streams: the design's three (section 5.3) plus user-defined ones.

Each stream yields a yearly amount at full run-rate; a ramp-up schedule scales it in years
1..N (year 0 has no benefit). Amounts are positive (cash in).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

Fraction = Annotated[float, Field(ge=0)]
Usd = Annotated[float, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RevenueUplift(_Frozen):
    """Business benefit: ``base_usd x uplift`` per year (design: 3% of 150M = 4.5M)."""

    base_usd: Usd
    uplift: Fraction
    source: str = "stated assumption"

    def yearly(self) -> float:
        return self.base_usd * self.uplift


class RndEfficiency(_Frozen):
    """Efficiency benefit: ``base_usd x gain`` per year, the value of R&D time saved
    (design: +50% efficiency = 2.0M/year, so a 4.0M/year R&D effort affected)."""

    base_usd: Usd
    gain: Fraction
    source: str = "stated assumption"

    def yearly(self) -> float:
        return self.base_usd * self.gain


class BadDebtReduction(_Frozen):
    """Risk benefit: ``bad_debt_usd x reduction`` per year (design: 20% of 5.0M = 1.0M)."""

    bad_debt_usd: Usd
    reduction: Fraction
    source: str = "stated assumption"

    def yearly(self) -> float:
        return self.bad_debt_usd * self.reduction


class CustomStream(_Frozen):
    name: str
    usd_per_year: Usd
    source: str = "stated assumption"

    def yearly(self) -> float:
        return self.usd_per_year


class Benefits(_Frozen):
    """All benefit streams of a scenario with their ramp-up (fraction of run-rate in year
    1, 2, ...; the last value holds for later years)."""

    revenue_uplift: RevenueUplift | None = None
    rnd_efficiency: RndEfficiency | None = None
    bad_debt: BadDebtReduction | None = None
    custom: tuple[CustomStream, ...] = ()
    ramp: tuple[Fraction, ...] = (1.0,)

    @field_validator("ramp")
    @classmethod
    def _ramp(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("give at least one ramp-up fraction, e.g. [1.0]")
        return value

    def streams(self) -> list[tuple[str, float, str, tuple[str, ...]]]:
        """(name, yearly run-rate, source, drivers) for every stream that is set."""
        named = [
            ("revenue uplift", self.revenue_uplift, ("revenue_base", "revenue_uplift")),
            ("R&D efficiency", self.rnd_efficiency, ("efficiency_gain",)),
            ("bad-debt reduction", self.bad_debt, ("bad_debt_reduction",)),
        ]
        found = [(name, s.yearly(), s.source, d) for name, s, d in named if s is not None]
        return found + [(c.name, c.yearly(), c.source, ()) for c in self.custom]

    def ramp_factors(self, years: int) -> np.ndarray:
        """Fraction of run-rate in years 0..years (year 0 is always 0)."""
        ramp = list(self.ramp[:years]) + [self.ramp[-1]] * max(0, years - len(self.ramp))
        return np.array([0.0, *ramp])

    def scaled(self, factor: float) -> Benefits:
        """The same streams with every base (and custom amount) multiplied by ``factor``."""
        if factor < 0:
            raise ValueError(f"benefit scale must be >= 0 (got {factor})")
        return self.model_copy(
            update={
                "revenue_uplift": self.revenue_uplift
                and self.revenue_uplift.model_copy(
                    update={"base_usd": self.revenue_uplift.base_usd * factor}
                ),
                "rnd_efficiency": self.rnd_efficiency
                and self.rnd_efficiency.model_copy(
                    update={"base_usd": self.rnd_efficiency.base_usd * factor}
                ),
                "bad_debt": self.bad_debt
                and self.bad_debt.model_copy(
                    update={"bad_debt_usd": self.bad_debt.bad_debt_usd * factor}
                ),
                "custom": tuple(
                    c.model_copy(update={"usd_per_year": c.usd_per_year * factor})
                    for c in self.custom
                ),
            }
        )

    def yearly_run_rate(self) -> float:
        return sum(stream[1] for stream in self.streams())
