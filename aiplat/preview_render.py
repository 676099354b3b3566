"""Renderers for the offline preview and review (table, json, csv, md, html)."""

from __future__ import annotations

from aiplat.preview import PreviewReport, TreeNode
from aiplat.render import OutputFormat, Table, rich_table, table_to_csv, table_to_md, to_json


def _count(node: TreeNode) -> int:
    return sum(1 + _count(child) for child in node.children)


def _components_only(node: TreeNode) -> list[TreeNode]:
    return [c for c in node.children if not c.resource.custom]


def _custom_summary(node: TreeNode) -> str:
    kinds: dict[str, int] = {}
    for child in node.children:
        if child.resource.custom:
            short = child.resource.type.rsplit(":", 1)[-1]
            kinds[short] = kinds.get(short, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))


def _markdown_tree(nodes: list[TreeNode], depth: int = 0) -> list[str]:
    lines = []
    for node in nodes:
        lines.append(f"{'  ' * depth}- **{node.resource.name}** `{node.resource.type}`")
        custom = _custom_summary(node)
        if custom:
            lines.append(f"{'  ' * (depth + 1)}- {custom}")
        lines += _markdown_tree(_components_only(node), depth + 1)
    return lines


def _html_tree(nodes: list[TreeNode]) -> str:
    from html import escape

    items = []
    for node in nodes:
        custom = _custom_summary(node)
        extra = f"<br><small>{escape(custom)}</small>" if custom else ""
        items.append(
            f"<li><b>{escape(node.resource.name)}</b> <code>{escape(node.resource.type)}</code>"
            f"{extra}{_html_tree(_components_only(node))}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _rich_tree(report: PreviewReport):
    from rich.tree import Tree

    root = Tree(f"[bold]{report.stack.name}[/bold]  ({len(report.resources)} resources)")

    def add(parent, nodes: list[TreeNode]) -> None:
        for node in nodes:
            branch = parent.add(f"[bold]{node.resource.name}[/bold]  {node.resource.type}")
            custom = _custom_summary(node)
            if custom:
                branch.add(f"[dim]{custom}[/dim]")
            add(branch, _components_only(node))

    add(root, report.tree())
    return root


def resources_table(report: PreviewReport) -> Table:
    rows = [[r.type, r.name, r.parent or "", r.protect] for r in report.resources]
    return Table("Resources", ["type", "name", "parent", "protect"], rows)


def render_preview(report: PreviewReport, fmt: str) -> str | list:
    """``fmt``: table, json, csv, md or html. json, md, html and table carry the review
    (costs per component, policy findings, totals); md and html add the diagram."""
    from aiplat.diagram import build_diagram, to_mermaid, to_svg
    from aiplat.review import build_review
    from aiplat.review_tables import review_html, review_tables

    fmt = str(fmt)
    if fmt == OutputFormat.CSV.value:
        return table_to_csv(resources_table(report))
    review = build_review(report.stack, report.capture)
    if fmt == OutputFormat.JSON.value:
        return to_json({**review.as_json(), "resource_list": report.as_json()})
    diagram = build_diagram(report.capture)
    if fmt == OutputFormat.MD.value:
        parts = [f"# Offline preview: {report.stack.name}", "", "## Diagram", ""]
        parts += ["```mermaid", to_mermaid(diagram), "```", "", "## Components", ""]
        parts += _markdown_tree(report.tree())
        parts.append("")
        parts += [table_to_md(t) for t in review_tables(review)]
        parts += [table_to_md(t) for t in report.tables()]
        return "\n".join(parts)
    if fmt == "html":
        return review_html(review, to_svg(diagram), report.tables(), _html_tree(report.tree()))
    return [
        _rich_tree(report),
        *(rich_table(t) for t in review_tables(review)),
        *(rich_table(t) for t in report.tables()),
    ]
