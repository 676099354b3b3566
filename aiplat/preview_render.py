"""Renderers for the offline preview (table, json, csv, md)."""

from __future__ import annotations

from aiplat.preview import PreviewReport, TreeNode
from aiplat.render import OutputFormat, Table, rich_table, table_to_csv, table_to_md, to_json


def _label(node: TreeNode) -> str:
    r = node.resource
    if r.custom:
        return f"{r.name}  [{r.type}]"
    return f"{r.name}  ({r.type}, {_count(node)} resources)"


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


def render_preview(report: PreviewReport, fmt: OutputFormat) -> str | list:
    if fmt is OutputFormat.JSON:
        return to_json(report.as_json())
    if fmt is OutputFormat.CSV:
        return table_to_csv(resources_table(report))
    if fmt is OutputFormat.MD:
        parts = [f"# Offline preview: {report.stack.name}", "", "## Components", ""]
        parts += _markdown_tree(report.tree())
        parts.append("")
        parts += [table_to_md(t) for t in report.tables()]
        return "\n".join(parts)
    return [_rich_tree(report), *(rich_table(t) for t in report.tables())]
