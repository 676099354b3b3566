"""The architecture review of a stack: what it creates (by component, with key settings),
what that costs per month and per year (the TCO engine's resource pricing, each priced item
assigned to the component owning its resource), and what violates policy.

A component is the nearest component resource (``aiplat:...``) above a resource in the
capture; its cost is the year-1 cost of the items whose URN it owns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiplat.harness import Capture, CapturedResource
from aiplat.stackfiles import StackFile
from policies.offline import Finding
from tiers.resolve import ResolvedPlatform

UNOWNED = "(stack)"
SPEC_LAKE = "aiplat:lake:Lakehouse"
MONTHS = 12


@dataclass(frozen=True)
class PricedItem:
    component: str
    ref: str
    label: str
    category: str
    yearly_usd: float

    @property
    def monthly_usd(self) -> float:
        return self.yearly_usd / MONTHS


@dataclass(frozen=True)
class Review:
    stack: str
    platform: ResolvedPlatform
    capture: Capture
    findings: list[Finding]
    priced: list[PricedItem]
    pricing_note: str = ""
    components: dict[str, list[CapturedResource]] = field(default_factory=dict)

    @property
    def resources(self) -> list[CapturedResource]:
        return self.capture.resources

    def cost_by_component(self) -> dict[str, float]:
        """Yearly USD per component (components without priced items are absent)."""
        totals: dict[str, float] = defaultdict(float)
        for item in self.priced:
            totals[item.component] += item.yearly_usd
        return dict(sorted(totals.items()))

    @property
    def yearly_usd(self) -> float:
        return sum(i.yearly_usd for i in self.priced)

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.mandatory]

    @property
    def advisory(self) -> list[Finding]:
        return [f for f in self.findings if not f.mandatory]

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": len(self.resources),
            "components": [
                {
                    "component": name,
                    "type": component_type(self.capture, name),
                    "resources": len(members),
                    "monthly_usd": round(self.cost_by_component().get(name, 0.0) / MONTHS, 2),
                    "yearly_usd": round(self.cost_by_component().get(name, 0.0), 2),
                    "settings": key_settings(members),
                }
                for name, members in self.components.items()
            ],
            "costs": [
                {
                    "component": i.component,
                    "item": i.label,
                    "category": i.category,
                    "ref": i.ref,
                    "monthly_usd": round(i.monthly_usd, 2),
                    "yearly_usd": round(i.yearly_usd, 2),
                }
                for i in self.priced
            ],
            "pricing_note": self.pricing_note,
            "findings": [f.as_json() for f in self.findings],
            "totals": {
                "resources": len(self.resources),
                "monthly_usd": round(self.yearly_usd / MONTHS, 2),
                "yearly_usd": round(self.yearly_usd, 2),
                "mandatory": len(self.mandatory),
                "advisory": len(self.advisory),
            },
        }


def owners(capture: Capture) -> dict[str, str]:
    """URN -> the name of the nearest component resource at or above it."""
    by_urn = capture.by_urn()
    found: dict[str, str] = {}

    def owner(r: CapturedResource) -> str:
        if r.urn in found:
            return found[r.urn]
        if not r.custom and r.type != "pulumi:pulumi:Stack":
            result = component_label(r)
        elif r.parent in by_urn:
            result = owner(by_urn[r.parent])
        else:
            result = UNOWNED
        found[r.urn] = result
        return result

    for r in capture.resources:
        owner(r)
    return found


def component_label(r: CapturedResource) -> str:
    """Component names repeat across types (a region's platform, network and cluster share
    it), so a component is named with its type: ``aiplat-use1 [GpuCluster]``."""
    return f"{r.name} [{r.type.rsplit(':', 1)[-1]}]"


def component_type(capture: Capture, label: str) -> str:
    for r in capture.resources:
        if not r.custom and component_label(r) == label:
            return r.type
    return ""


def group_by_component(capture: Capture) -> dict[str, list[CapturedResource]]:
    owner = owners(capture)
    groups: dict[str, list[CapturedResource]] = defaultdict(list)
    for r in capture.resources:
        if r.custom:
            groups[owner[r.urn]].append(r)
    return dict(sorted(groups.items()))


def key_settings(members: list[CapturedResource]) -> list[str]:
    """The few settings a reviewer reads first, for the resources of one component."""
    notes: list[str] = []
    for r in members:
        i = r.inputs
        if r.type == "aws:eks/cluster:Cluster":
            vpc = i.get("vpcConfig") or {}
            notes.append(
                f"EKS {i.get('name')} v{i.get('version')}, public endpoint "
                f"{vpc.get('endpointPublicAccess')}, auth {(i.get('accessConfig') or {}).get('authenticationMode')}"
            )
        elif r.type == "aws:eks/nodeGroup:NodeGroup":
            s = i.get("scalingConfig") or {}
            notes.append(
                f"node pool {r.name}: {', '.join(i.get('instanceTypes') or [])} "
                f"{i.get('capacityType', '')} {s.get('minSize')}/{s.get('desiredSize')}/{s.get('maxSize')}"
            )
        elif r.type == "kubernetes:helm.sh/v3:Release":
            notes.append(f"chart {i.get('chart')} {i.get('version')} in {i.get('namespace')}")
        elif r.type in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            notes.append(f"bucket {r.name}")
        elif r.type == "kubernetes:core/v1:Namespace":
            labels = (i.get("metadata") or {}).get("labels") or {}
            level = labels.get("pod-security.kubernetes.io/enforce")
            notes.append(f"namespace {(i.get('metadata') or {}).get('name')} (PSA {level})")
    return notes


def price(
    stack: StackFile, platform: ResolvedPlatform, capture: Capture
) -> tuple[list[PricedItem], str]:
    """Year-1 cost of each billable item the TCO engine finds in the capture."""
    from tco.catalog import load_assumptions, load_hardware, load_region
    from tco.costing import CostContext, cloud_lines
    from tco.inventory import items_from_resources
    from tco.scenario import Deployment
    from tco.stack import TcoOptions, stack_scenario, with_stack_inputs

    options = with_stack_inputs(TcoOptions(), platform)
    scenario = stack_scenario(platform, options)
    if scenario.deployment is not Deployment.CLOUD:
        return (
            [],
            f"{scenario.name}: on-prem deployment, priced by `aiplat tco --stack {stack.name}`",
        )
    overlay = options.assumptions_file or (
        Path(scenario.assumptions_file) if scenario.assumptions_file else None
    )
    ctx = CostContext(
        years=1,
        purchase=scenario.purchase,
        assumptions=load_assumptions(overlay),
        hardware=load_hardware(),
        prices=lambda region: load_region(region, options.prices_file),
    )
    owner = owners(capture)
    lakes = [component_label(r) for r in capture.resources if r.type == SPEC_LAKE]
    priced = []
    for item in items_from_resources(capture.resources, platform):
        (line,) = cloud_lines([item], ctx)
        component = owner.get(item.ref) or (lakes[0] if lakes else UNOWNED)
        priced.append(
            PricedItem(component, item.ref, line.item, line.category.value, line.amount_usd)
        )
    note = f"scenario {scenario.name}, purchase {scenario.purchase.value}; year-1 cloud cost"
    return priced, note


def build_review(stack: StackFile, capture: Capture) -> Review:
    from policies.offline import evaluate

    platform = stack.resolve()
    priced, note = price(stack, platform, capture)
    return Review(
        stack=stack.name,
        platform=platform,
        capture=capture,
        findings=evaluate(capture.resources),
        priced=priced,
        pricing_note=note,
        components=group_by_component(capture),
    )
