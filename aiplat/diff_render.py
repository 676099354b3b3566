"""Renderers for ``aiplat diff`` (table, json, md)."""

from __future__ import annotations

from aiplat.diff import StackDiff
from aiplat.render import Table, rich_table, table_to_md, to_json
from aiplat.review import MONTHS


def _value(value) -> str:
    text = "(absent)" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def diff_tables(diff: StackDiff) -> list[Table]:
    title = f"{diff.a.stack} -> {diff.b.stack}"
    added = Table(
        f"Added ({len(diff.added)})",
        ["type", "name", "component"],
        [[r.type, r.name, r.component] for r in diff.added],
    )
    removed = Table(
        f"Removed ({len(diff.removed)})",
        ["type", "name", "component"],
        [[r.type, r.name, r.component] for r in diff.removed],
    )
    changed = Table(
        f"Changed ({len(diff.changed)})",
        ["type", "name", "input", "old", "new"],
        [
            [r.type, r.name, c.path, _value(c.old), _value(c.new)]
            for r in diff.changed
            for c in r.changes
        ],
    )
    costs = Table(
        "Cost delta by component (B - A)",
        ["component", "USD/month", "USD/year"],
        [[c, f"{d / MONTHS:+,.0f}", f"{d:+,.0f}"] for c, d in diff.cost_delta().items()],
    )
    totals = Table(
        f"Totals: {title}",
        ["added", "removed", "changed", "USD/month", "USD/year", f"mandatory in {diff.b.stack}"],
        [
            [
                len(diff.added),
                len(diff.removed),
                len(diff.changed),
                f"{diff.yearly_delta / MONTHS:+,.0f}",
                f"{diff.yearly_delta:+,.0f}",
                len(diff.b.mandatory),
            ]
        ],
    )
    return [totals, added, removed, changed, costs]


def render_diff(diff: StackDiff, fmt: str) -> str | list:
    if fmt == "json":
        return to_json(diff.as_json())
    tables = diff_tables(diff)
    if fmt == "md":
        return "\n".join(
            [f"# Diff: {diff.a.stack} -> {diff.b.stack}", "", *(table_to_md(t) for t in tables)]
        )
    return [rich_table(t) for t in tables]
