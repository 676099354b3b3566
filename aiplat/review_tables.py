"""The review as tables (components with cost, priced items, policy findings, totals) and as
a self-contained HTML document (inline SVG diagram, no scripts, no network)."""

from __future__ import annotations

from html import escape

from aiplat.render import Table, _cell
from aiplat.review import MONTHS, Review, component_type, key_settings


def usd(value: float) -> str:
    return f"{value:,.0f}"


def components_table(review: Review) -> Table:
    costs = review.cost_by_component()
    rows = [
        [
            name,
            component_type(review.capture, name).rsplit(":", 1)[-1],
            len(members),
            usd(costs.get(name, 0.0) / MONTHS),
            usd(costs.get(name, 0.0)),
            "; ".join(key_settings(members)),
        ]
        for name, members in review.components.items()
    ]
    return Table(
        "Components",
        ["component", "type", "resources", "USD/month", "USD/year", "key settings"],
        rows,
    )


def costs_table(review: Review) -> Table:
    rows = [
        [i.component, i.label, i.category, usd(i.monthly_usd), usd(i.yearly_usd)]
        for i in review.priced
    ]
    return Table(
        f"Cost by priced item ({review.pricing_note})",
        ["component", "item", "category", "USD/month", "USD/year"],
        rows,
    )


def findings_table(review: Review) -> Table:
    rows = [[f.policy, f.level, f.resource, f.message] for f in review.findings]
    return Table("Policy findings", ["id", "level", "resource", "message"], rows)


def totals_table(review: Review) -> Table:
    return Table(
        "Totals",
        ["resources", "components", "USD/month", "USD/year", "mandatory", "advisory"],
        [
            [
                len(review.resources),
                len(review.components),
                usd(review.yearly_usd / MONTHS),
                usd(review.yearly_usd),
                len(review.mandatory),
                len(review.advisory),
            ]
        ],
    )


def review_tables(review: Review) -> list[Table]:
    return [
        totals_table(review),
        components_table(review),
        costs_table(review),
        findings_table(review),
    ]


def table_html(table: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in table.rows
    )
    empty = "" if table.rows else f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    return (
        f"<h2>{escape(table.title)}</h2>\n<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}{empty}</tbody></table>"
    )


STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; font-size: 13px; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #e8eef6; }
.diagram { overflow-x: auto; border: 1px solid #ddd; padding: 8px; }
"""


def review_html(review: Review, svg: str, extra: list[Table], tree: str = "") -> str:
    sections = "\n".join(table_html(t) for t in [*review_tables(review), *extra])
    tree = f"<h2>Resource tree by component</h2>\n{tree}\n" if tree else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Architecture review: {escape(review.stack)}</title>"
        f"<style>{STYLE}</style></head><body>\n"
        f"<h1>Architecture review: {escape(review.stack)}</h1>\n"
        f'<h2>Diagram</h2>\n<div class="diagram">{svg}</div>\n{tree}{sections}\n</body></html>\n'
    )
