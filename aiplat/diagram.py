"""The platform diagram of a stack: components, clusters per region, node pools, the lake,
the serving path (clients to inference pools) and the data-return path (inference logs back
to the lake, the lake feeding training). Built from the capture; rendered as Mermaid (for
Markdown) or as a self-contained SVG (pure Python, no Graphviz, no scripts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from aiplat.harness import Capture

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
HELM = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
POOL_ROLE = "aiplat.io/pool-role"
LAKES = ("aiplat:lake:Lakehouse", "aiplat:lake:OnPremLake")
EXISTING = "aiplat:cluster:ExistingCluster"
REGIONAL = "aiplat:platform:RegionalPlatform"


@dataclass
class Group:
    id: str
    label: str
    nodes: list[tuple[str, str]] = field(default_factory=list)  # (id, label)
    groups: list[Group] = field(default_factory=list)


@dataclass
class Diagram:
    title: str
    root: Group
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, label)

    def node_ids(self) -> set[str]:
        found: set[str] = set()

        def walk(g: Group) -> None:
            found.update(n for n, _ in g.nodes)
            for child in g.groups:
                walk(child)

        walk(self.root)
        return found


def _id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def build_diagram(capture: Capture) -> Diagram:
    root = Group("stack", capture.stack, nodes=[("clients", "clients / applications")])
    regions: dict[str, Group] = {}
    pools_by_role: dict[str, list[str]] = {}
    providers = {r.urn: r.inputs.get("region", "") for r in capture.of_type("pulumi:providers:aws")}

    def region_of(provider: str | None) -> str:
        return providers.get((provider or "").rsplit("::", 1)[0], "cluster")

    def region_group(region: str) -> Group:
        if region not in regions:
            regions[region] = Group(_id("region", region), f"region {region}")
            root.groups.append(regions[region])
        return regions[region]

    by_urn = capture.by_urn()

    def regional(urn: str | None) -> str | None:
        while urn in by_urn:
            if by_urn[urn].type == REGIONAL:
                return urn
            urn = by_urn[urn].parent
        return None

    clusters: dict[str, Group] = {}
    by_region: dict[str | None, Group] = {}
    for c in capture.of_type(CLUSTER):
        name = c.inputs.get("name", c.name)
        group = Group(_id("cluster", name), f"EKS {name} v{c.inputs.get('version')}")
        region_group(region_of(c.provider)).groups.append(group)
        clusters[name] = group
        by_region[regional(c.urn)] = group
    for e in capture.of_type(EXISTING):
        group = Group(_id("cluster", e.name), f"existing cluster {e.name}")
        group.nodes.append((_id("workers", e.name), "existing nodes (GPU device plugin)"))
        region_group("on-prem").groups.append(group)
        clusters[e.name] = group
        by_region.setdefault(None, group)
    for g in capture.of_type(NODE_GROUP):
        cluster = clusters.get(g.inputs.get("clusterName"))
        if cluster is None:
            continue
        role = (g.inputs.get("labels") or {}).get(POOL_ROLE, "system")
        scaling = g.inputs.get("scalingConfig") or {}
        node = _id("pool", g.name)
        label = f"{role} pool: {', '.join(g.inputs.get('instanceTypes') or [])} x{scaling.get('desiredSize')}"
        cluster.nodes.append((node, label))
        pools_by_role.setdefault(role, []).append(node)
    services: dict[str, dict[str, list[str]]] = {}
    fallback = next(iter(clusters.values()), None)
    for r in [*capture.of_type(NAMESPACE), *capture.of_type(HELM)]:
        cluster = by_region.get(regional(r.urn)) or fallback
        if cluster is None:
            continue
        per = services.setdefault(cluster.id, {})
        if r.type == NAMESPACE:
            per.setdefault((r.inputs.get("metadata") or {}).get("name", r.name), [])
        else:
            per.setdefault(r.inputs.get("namespace") or "default", []).append(
                str(r.inputs.get("chart"))
            )
    for cluster in clusters.values():
        if not services.get(cluster.id):
            continue
        group = Group(_id(cluster.id, "services"), "platform services (namespace: charts)")
        for ns, charts in sorted(services[cluster.id].items()):
            text = f"{ns}: {', '.join(sorted(set(charts))) or 'objects'}"
            group.nodes.append((_id(cluster.id, "ns", ns), text))
        cluster.groups.append(group)
    lakes = [r for r in capture.resources if r.type in LAKES]
    for lake in lakes:
        root.nodes.append((_id("lake", lake.name), f"lake {lake.name} (Iceberg)"))
    diagram = Diagram(f"{capture.stack} platform", root)
    serving = (
        pools_by_role.get("inference") or [n for g in clusters.values() for n, _ in g.nodes][:1]
    )
    for node in serving:
        diagram.edges.append(("clients", node, "serving path"))
    for lake in lakes:
        lake_id = _id("lake", lake.name)
        for node in serving:
            diagram.edges.append((node, lake_id, "inference logs (data return)"))
        for node in pools_by_role.get("training", []):
            diagram.edges.append((lake_id, node, "training data"))
    return diagram


def to_mermaid(diagram: Diagram) -> str:
    lines = ["flowchart LR"]

    def label(text: str) -> str:
        return text.replace('"', "'")

    def emit(group: Group, depth: int) -> None:
        pad = "  " * depth
        for node, text in group.nodes:
            lines.append(f'{pad}{node}["{label(text)}"]')
        for child in group.groups:
            lines.append(f'{pad}subgraph {child.id}["{label(child.label)}"]')
            emit(child, depth + 1)
            lines.append(f"{pad}end")

    emit(diagram.root, 1)
    for src, dst, text in diagram.edges:
        lines.append(f'  {src} -->|"{label(text)}"| {dst}')
    return "\n".join(lines)


# --- SVG: nested boxes laid out top to bottom, edges as straight labelled lines ----------
BOX_W, BOX_H, PAD, GAP, HEAD = 300, 34, 14, 10, 26


def _layout(group: Group, x: float, y: float, boxes: dict, frames: list) -> tuple[float, float]:
    """Place ``group`` at (x, y); returns its (width, height)."""
    cursor = y + HEAD
    width = BOX_W + 2 * PAD
    for node, text in group.nodes:
        boxes[node] = (x + PAD, cursor, BOX_W, BOX_H, text)
        cursor += BOX_H + GAP
    for child in group.groups:
        w, h = _layout(child, x + PAD, cursor, boxes, frames)
        width = max(width, w + 2 * PAD)
        cursor += h + GAP
    height = cursor - y + PAD - GAP
    frames.append((x, y, width, height, group.label))
    return width, height


def to_svg(diagram: Diagram) -> str:
    boxes: dict[str, tuple] = {}
    frames: list[tuple] = []
    x = 10.0
    total_h = 0.0
    # top-level nodes in a left column, each region as its own column
    left = Group("top", diagram.title, nodes=diagram.root.nodes)
    w, h = _layout(left, x, 10, boxes, frames)
    x += w + 60
    total_h = max(total_h, h)
    for group in diagram.root.groups:
        w, h = _layout(group, x, 10, boxes, frames)
        x += w + 60
        total_h = max(total_h, h)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{x:.0f}" height="{total_h + 30:.0f}" '
        f'viewBox="0 0 {x:.0f} {total_h + 30:.0f}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{escape(diagram.title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for fx, fy, fw, fh, text in sorted(frames, key=lambda f: -f[2] * f[3]):
        parts.append(
            f'<rect class="group" x="{fx:.0f}" y="{fy:.0f}" width="{fw:.0f}" height="{fh:.0f}" '
            f'rx="8" fill="#f4f7fb" stroke="#8aa4c8"/>'
            f'<text x="{fx + 8:.0f}" y="{fy + 17:.0f}" font-weight="bold">{escape(text)}</text>'
        )
    for node, (bx, by, bw, bh, text) in boxes.items():
        parts.append(
            f'<g class="node" id="{node}"><rect x="{bx:.0f}" y="{by:.0f}" width="{bw}" height="{bh}" '
            f'rx="5" fill="#ffffff" stroke="#2f5d9a"/>'
            f'<text x="{bx + 8:.0f}" y="{by + 21:.0f}">{escape(text[:46])}</text></g>'
        )
    for src, dst, text in diagram.edges:
        if src not in boxes or dst not in boxes:
            continue
        sx, sy, sw, sh, _ = boxes[src]
        dx, dy, dw, dh, _ = boxes[dst]
        x1, y1 = (sx + sw, sy + sh / 2) if dx > sx else (sx, sy + sh / 2)
        x2, y2 = (dx, dy + dh / 2) if dx > sx else (dx + dw, dy + dh / 2)
        parts.append(
            f'<g class="edge"><line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
            f'stroke="#555" marker-end="url(#arrow)"/>'
            f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2 - 4:.0f}" fill="#a33" '
            f'text-anchor="middle" paint-order="stroke" stroke="#fff" stroke-width="3">'
            f"{escape(text)}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
