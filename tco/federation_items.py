"""The FATE link's billable items (expert tier, when the federation spans regions).

* one internal Network Load Balancer per FATE member reached from another region: the
  ``osx-remote`` LoadBalancer Service of type ``nlb`` (``components/federation.py``), which
  the in-tree AWS cloud provider turns into an NLB in the region of the cluster it runs on;
* one Route 53 private hosted zone naming them (``components/federation_link.py``), in the
  exchange's region.

The VPC peering between the regions has no hourly charge; the data crossing it is
inter-region transfer, not priced yet. Both derivations of :mod:`tco.inventory` use this
module, so they agree: :func:`items_from_resources` reads the captured Services and zones,
:func:`items_from_platform` the resolved spec (the same members, by
:func:`components.values.fate.remote_members`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from components.values import fate
from tco.model import InfraItem, ItemKind
from tiers.resolve import ResolvedPlatform

SERVICE = "kubernetes:core/v1:Service"
HOSTED_ZONE = "aws:route53/zone:Zone"
REGIONAL_PLATFORM = "aiplat:platform:RegionalPlatform"
AWS_PROVIDER = "pulumi:providers:aws"
NLB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"


def is_nlb_service(inputs: dict[str, Any]) -> bool:
    """A Service the AWS cloud provider fronts with a Network Load Balancer."""
    annotations = (inputs.get("metadata") or {}).get("annotations") or {}
    spec = inputs.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and annotations.get(NLB_TYPE) == "nlb"


def items_from_resources(
    resources: Sequence[Any], region_of: Callable[[Any], str], default_region: str
) -> list[InfraItem]:
    """An NLB item per LoadBalancer Service of type ``nlb``, in its cluster's region (that
    of the RegionalPlatform above it), and a zone item per Route 53 hosted zone."""
    by_urn = {r.urn: r for r in resources}
    items: list[InfraItem] = []
    for r in resources:
        if r.type == SERVICE and is_nlb_service(r.inputs):
            metadata = r.inputs["metadata"]
            region = _cluster_region(r, by_urn, resources) or default_region
            items.append(_nlb(r.urn, region, metadata["namespace"], metadata["name"]))
        elif r.type == HOSTED_ZONE:
            items.append(_zone(r.urn, region_of(r), r.inputs["name"]))
    return items


def items_from_platform(platform: ResolvedPlatform) -> list[InfraItem]:
    """The same items from the spec: an NLB per member reached from another region (in the
    region that hosts it) and the zone in the exchange's region."""
    spec = platform.stacks.federation
    remote = fate.remote_members(spec) if spec.enabled else {}
    if not remote or spec.exchange_region is None:
        return []
    regions = {p.name: p.region for p in spec.parties} | {fate.EXCHANGE: spec.exchange_region}
    items = [
        _nlb(
            f"{regions[m]}/{m}/{fate.REMOTE_SERVICE}",
            regions[m],
            _namespace(m),
            fate.REMOTE_SERVICE,
        )
        for m in sorted(remote)
    ]
    hub = spec.exchange_region
    items.append(_zone(f"{hub}/fate-link-zone", hub, fate.zone_name(platform.stack)))
    return items


def _namespace(member: str) -> str:
    return fate.EXCHANGE_NAMESPACE if member == fate.EXCHANGE else fate.party_namespace(member)


def _nlb(ref: str, region: str, namespace: str, name: str) -> InfraItem:
    return InfraItem(
        kind=ItemKind.LOAD_BALANCER, region=region, ref=ref, quantity=1, key=f"{namespace}/{name}"
    )


def _zone(ref: str, region: str, name: str) -> InfraItem:
    return InfraItem(kind=ItemKind.DNS_ZONE, region=region, ref=ref, quantity=1, key=name)


def _cluster_region(resource: Any, by_urn: dict[str, Any], resources: Sequence[Any]) -> str | None:
    """The region of the RegionalPlatform a Kubernetes resource sits under: that of the
    AWS provider the RegionalPlatform owns (a Kubernetes resource's own provider is its
    cluster's, which names no region)."""
    parent = getattr(resource, "parent", None)
    while parent is not None and parent in by_urn:
        node = by_urn[parent]
        if node.type == REGIONAL_PLATFORM:
            providers = [
                r
                for r in resources
                if getattr(r, "parent", None) == node.urn and r.type == AWS_PROVIDER
            ]
            return providers[0].inputs.get("region") if providers else None
        parent = getattr(node, "parent", None)
    return None
