"""The offline preview of a stack: what ``pulumi up`` would create, grouped by component,
with the settings a reviewer looks at first (node pools, versions, chart pins)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from aiplat.harness import Capture, CapturedResource, run_program
from aiplat.render import Table
from aiplat.stackfiles import StackFile
from aiplat.summary import platform_summary
from tiers.model import Target

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


@dataclass(frozen=True)
class TreeNode:
    resource: CapturedResource
    children: tuple[TreeNode, ...]


@dataclass(frozen=True)
class PreviewReport:
    stack: StackFile
    capture: Capture

    @property
    def resources(self) -> list[CapturedResource]:
        return self.capture.resources

    def as_json(self) -> list[dict]:
        return [r.as_json() for r in self.resources]

    def tree(self) -> list[TreeNode]:
        """Resources under their parents; roots are those whose parent is the stack."""
        children: dict[str | None, list[CapturedResource]] = {}
        known = {r.urn for r in self.resources}
        for r in self.resources:
            children.setdefault(r.parent if r.parent in known else None, []).append(r)

        def node(r: CapturedResource) -> TreeNode:
            kids = sorted(children.get(r.urn, []), key=lambda c: (c.custom, c.type, c.name))
            return TreeNode(r, tuple(node(k) for k in kids))

        return [node(r) for r in children.get(None, [])]

    def summary(self) -> Table:
        platform = self.stack.resolve()
        rows = [
            ["stack", self.stack.name],
            ["tier", platform.tier.value],
            ["environment", platform.environment.value],
            ["target", platform.target.value],
            *(
                [["regions", list(platform.regions)], ["kubernetes", platform.kubernetes_version]]
                if platform.target is Target.AWS
                else [["cluster", platform.kube_context or "current kubeconfig context"]]
            ),
            ["GPU nodes (desired, all regions)", platform.gpu_nodes],
            ["resources", len(self.resources)],
            ["protected (prod stateful)", sum(r.protect for r in self.resources)],
        ]
        return Table(f"Preview of {self.stack.name}", ["setting", "value"], rows)

    def services(self) -> Table:
        """What the stack turns on, part by part (from the resolved spec)."""
        rows = [[part, value] for part, value in platform_summary(self.stack.resolve())]
        return Table("Platform services", ["part", "setting"], rows)

    def node_pools(self) -> Table:
        rows = []
        for group in self.capture.of_type(NODE_GROUP):
            i = group.inputs
            scaling = i.get("scalingConfig", {})
            rows.append(
                [
                    group.name,
                    ", ".join(i.get("instanceTypes", [])),
                    i.get("amiType"),
                    i.get("capacityType"),
                    scaling.get("minSize"),
                    scaling.get("desiredSize"),
                    scaling.get("maxSize"),
                    ", ".join(f"{t['key']}:{t['effect']}" for t in i.get("taints", [])),
                ]
            )
        columns = [
            "node group",
            "instance",
            "AMI",
            "capacity",
            "min",
            "desired",
            "max",
            "taints",
        ]
        return Table("Node pools", columns, rows)

    def clusters(self) -> Table:
        rows = [
            [
                c.inputs.get("name"),
                c.inputs.get("version"),
                c.inputs.get("vpcConfig", {}).get("endpointPublicAccess"),
                c.inputs.get("accessConfig", {}).get("authenticationMode"),
                c.protect,
            ]
            for c in self.capture.of_type(EKS_CLUSTER)
        ]
        return Table(
            "Clusters", ["cluster", "kubernetes", "public endpoint", "auth", "protected"], rows
        )

    def charts(self) -> Table:
        rows = [
            [
                r.inputs.get("name"),
                r.inputs.get("chart"),
                r.inputs.get("version"),
                (r.inputs.get("repositoryOpts") or {}).get("repo"),
                r.inputs.get("namespace"),
            ]
            for r in self.capture.of_type(HELM_RELEASE)
        ]
        return Table(
            "Helm releases (pinned)",
            ["release", "chart", "version", "repository", "namespace"],
            rows,
        )

    def counts(self) -> Table:
        counts = Counter(r.type for r in self.resources)
        rows = [[t, n] for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        return Table("Resources by type", ["type", "count"], rows)

    def tables(self) -> list[Table]:
        tables = [
            self.summary(),
            self.services(),
            self.clusters(),
            self.node_pools(),
            self.charts(),
            self.counts(),
        ]
        return [t for t in tables if t.rows]


def build_preview(stack: StackFile, *, preview: bool = True) -> PreviewReport:
    """Resolve the stack (bad input fails here, before anything runs), then run the real
    program offline for it."""
    stack.resolve()
    return PreviewReport(
        stack=stack, capture=run_program(stack.name, stack.engine_values(), preview=preview)
    )
