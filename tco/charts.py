"""Charts of the TCO engine: an NPV tornado and a yearly cash-flow chart, each written as
PNG and SVG. Amounts are shown in USD millions; signs follow :mod:`tco.results` (costs
negative, benefits positive).

matplotlib is imported inside the functions only (``aiplat`` runs without it until a chart
is asked for), and figures are drawn on the Agg canvas directly: no ``pyplot``, no global
backend switch, safe in threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from aiplat.render import Table
    from tco.results import TcoResult

MILLION = 1e6
_FORMATS = ("png", "svg")
_LOW, _HIGH, _COST, _BENEFIT, _NET = "#4c72b0", "#dd8452", "#c44e52", "#55a868", "#333333"


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the environment
        from tiers.errors import SpecError

        raise SpecError("charts", "matplotlib is not installed", "pip install matplotlib") from None
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path_stem: str | Path) -> list[Path]:
    """``<stem>.png`` (150 dpi) and ``<stem>.svg``; the suffix is appended, never replaced."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in _FORMATS:
        path = stem.with_name(f"{stem.name}.{fmt}")
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(path, format=fmt, dpi=150, metadata=metadata)
        paths.append(path)
    return paths


def _rows(rows: Table | Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    return list(getattr(rows, "rows", rows))


def tornado_chart(
    rows: Table | Sequence[Sequence[Any]],
    path_stem: str | Path,
    *,
    baseline_npv: float | None = None,
    title: str = "NPV sensitivity (tornado)",
) -> list[Path]:
    """Horizontal bars from NPV at each driver's low value to NPV at its high value.

    Parameters
    ----------
    rows : Table or sequence of rows
        :func:`tco.sensitivity.tornado`'s rows ``[driver, low_value, high_value, npv_low,
        npv_high, swing]``; drawn in the given order, the first row on top.
    path_stem : str or Path
        Written to ``<path_stem>.png`` and ``<path_stem>.svg``.
    baseline_npv : float, optional
        When given, each bar is split there (low side and high side coloured apart) and
        marked with a vertical line.

    Returns
    -------
    list of Path
        The PNG and the SVG.
    """
    data = _rows(rows)
    figure = _figure(8.0, 1.2 + 0.45 * max(1, len(data)))
    ax = figure.add_subplot()
    y = np.arange(len(data))[::-1]
    for yi, (_driver, lo, hi, npv_lo, npv_hi, _swing) in zip(y, data, strict=True):
        a, b = float(npv_lo) / MILLION, float(npv_hi) / MILLION
        if baseline_npv is None:
            ax.barh(yi, b - a, left=a, color=_HIGH if b >= a else _LOW, height=0.6)
        else:
            base = baseline_npv / MILLION
            ax.barh(yi, a - base, left=base, color=_LOW, height=0.6)
            ax.barh(yi, b - base, left=base, color=_HIGH, height=0.6)
        right = max(a, b) if baseline_npv is None else max(a, b, baseline_npv / MILLION)
        ax.annotate(f"{lo:g} / {hi:g}", (right, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=7)  # fmt: skip
    if baseline_npv is not None:
        ax.axvline(baseline_npv / MILLION, color=_NET, linewidth=1)
    ax.set_yticks(y, [str(row[0]) for row in data])
    ax.set_xlabel("NPV (USD millions)")
    ax.set_title(title)
    if baseline_npv is not None:
        from matplotlib.patches import Patch

        patches = [Patch(color=_LOW, label="driver low"), Patch(color=_HIGH, label="driver high")]
        ax.legend(handles=patches, loc="lower right", fontsize=8)
    return _save(figure, path_stem)


def cashflow_chart(
    result: TcoResult, path_stem: str | Path, *, title: str | None = None
) -> list[Path]:
    """Yearly costs (negative bars), benefits (positive bars), net flow and cumulative net
    flow (lines), in USD millions, years 0..N (year 0: one-time costs).

    Returns
    -------
    list of Path
        ``<path_stem>.png`` and ``<path_stem>.svg``.
    """
    years = np.arange(result.years + 1)
    costs = -np.asarray(result.costs_by_year, dtype=float) / MILLION
    benefits = np.asarray(result.benefits_by_year, dtype=float) / MILLION
    net = benefits + costs
    figure = _figure(8.0, 4.5)
    ax = figure.add_subplot()
    ax.bar(years, costs, color=_COST, width=0.6, label="costs")
    ax.bar(years, benefits, color=_BENEFIT, width=0.6, label="benefits")
    ax.plot(years, net, color=_NET, marker="o", label="net cash flow")
    ax.plot(years, np.cumsum(net), color=_LOW, marker="s", linestyle="--", label="cumulative")
    ax.axhline(0, color=_NET, linewidth=0.8)
    ax.set_xticks(years)
    ax.set_xlabel(f"year ({result.timing.value}; year 0 = one-time costs)")
    ax.set_ylabel(f"{result.currency} millions")
    name = result.stack or result.scenario
    ax.set_title(
        title
        or f"Cash flows: {name} (NPV {result.npv / MILLION:,.2f}M at {result.discount_rate:.0%})"
    )
    ax.legend(fontsize=8)
    return _save(figure, path_stem)
