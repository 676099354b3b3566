"""TCO results as tables (summary, costs by category and year, cash flows, cost lines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiplat.render import Table

if TYPE_CHECKING:
    from tco.results import TcoResult


def _usd(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2%}"


def _years(x: float | None) -> str:
    return "never (within the horizon)" if x is None else f"{x:.2f}"


def summary_table(result: TcoResult) -> Table:
    roots = ", ".join(_pct(r) for r in result.irr_roots) or "none"
    irr = _pct(result.irr) if result.irr is not None else f"ambiguous or none (roots: {roots})"
    rows = [
        ["stack", result.stack or "-"],
        ["scenario", result.scenario],
        ["horizon", f"{result.years} years, {result.timing.value}"],
        ["discount rate", _pct(result.discount_rate)],
        ["TCO total (USD)", _usd(result.tco_total)],
        ["TCO per year (USD)", _usd(result.tco_per_year)],
        ["benefits total (USD)", _usd(float(result.benefits_by_year.sum()))],
        ["NPV (USD)", _usd(result.npv)],
        ["IRR", irr],
        ["MIRR", _pct(result.mirr)],
        ["payback (years)", _years(result.payback_years)],
        ["discounted payback (years)", _years(result.discounted_payback_years)],
        ["ROI", _pct(result.roi)],
        *(["note", note] for note in result.notes),
    ]
    return Table(f"TCO/ROI of {result.stack or result.scenario}", ["metric", "value"], rows)


def costs_table(result: TcoResult) -> Table:
    years = list(range(result.years + 1))
    totals: dict[str, list[float]] = {}
    for line in result.cost_lines:
        totals.setdefault(line.category.value, [0.0] * len(years))[line.year] += line.amount_usd
    rows = [
        [cat, *(_usd(v) for v in values), _usd(sum(values))]
        for cat, values in sorted(totals.items())
    ]
    rows.append(["total", *(_usd(v) for v in result.costs_by_year), _usd(result.tco_total)])
    return Table(
        "Costs by category and year (USD)",
        ["category", *(f"year {y}" for y in years), "total"],
        rows,
    )


def cash_flow_table(result: TcoResult) -> Table:
    rows = [
        [
            f["year"],
            _usd(f["costs_usd"]),
            _usd(f["benefits_usd"]),
            _usd(f["net_usd"]),
            _usd(f["cumulative_usd"]),
        ]
        for f in result.as_json()["cash_flows"]
    ]
    columns = ["year", "costs (cash out)", "benefits (cash in)", "net", "cumulative"]
    return Table("Cash flows (USD; costs negative)", columns, rows)


def cost_lines_table(result: TcoResult) -> Table:
    rows = [
        [c.category.value, c.item, c.year, round(c.amount_usd, 2), c.source]
        for c in result.cost_lines
    ]
    return Table("Cost lines", ["category", "item", "year", "amount_usd", "source"], rows)


def compare_table(a: TcoResult, b: TcoResult) -> Table:
    def row(label: str, x: float | None, y: float | None, fmt=_usd) -> list[str]:
        delta = None if x is None or y is None else y - x
        return [label, fmt(x), fmt(y), fmt(delta)]

    rows = [
        row("TCO total (USD)", a.tco_total, b.tco_total),
        row("TCO per year (USD)", a.tco_per_year, b.tco_per_year),
        row("NPV (USD)", a.npv, b.npv),
        row("IRR", a.irr, b.irr, _pct),
        row("payback (years)", a.payback_years, b.payback_years, _years),
        row("ROI", a.roi, b.roi, _pct),
    ]
    for category in sorted(set(a.costs_by_category()) | set(b.costs_by_category())):
        rows.append(
            row(
                f"  {category} (USD)",
                a.costs_by_category().get(category, 0.0),
                b.costs_by_category().get(category, 0.0),
            )
        )
    label_a, label_b = _label(a), _label(b)
    return Table(f"{label_a} vs {label_b}", ["metric", label_a, label_b, "difference"], rows)


def _label(result: TcoResult) -> str:
    deployment = next(
        (
            n.split(";")[0].removeprefix("deployment: ")
            for n in result.notes
            if n.startswith("deployment:")
        ),
        "",
    )
    name = result.stack or result.scenario
    return f"{name} ({deployment})" if deployment else name
