"""Resolution of where a stack reaches: its regions (each must have TCO prices), its FATE
federation (parties placed in explicit regions, privacy settings checked) and its edge sites
(each with the kubeconfig the stack gives). Called by :func:`tiers.resolve.resolve`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from tiers.errors import SpecError
from tiers.model import EdgeSiteSpec, FatePartySpec, FederationSpec, Target, check_privacy
from tiers.stack_config import NAMESPACE, FederationOverride, StackConfig


@dataclass(frozen=True, kw_only=True)
class ResolvedEdgeSite:
    """An edge site with the kubeconfig the stack gives for it."""

    name: str
    gpu: bool
    kubeconfig: str
    context: str | None = None


PROJECT_DIR = Path(__file__).resolve().parent.parent


def priced_regions(prices_file: str | None = None) -> tuple[str, ...]:
    """Regions the TCO price catalog covers: the shipped price files, plus the region the
    stack's own price file (``aiplat:tcoPrices``) names."""
    from tco.catalog import shipped_regions

    regions = list(shipped_regions())
    if prices_file:
        path = PROJECT_DIR / prices_file
        document = yaml.safe_load(path.read_text()) if path.is_file() else None
        region = document.get("region") if isinstance(document, dict) else None
        if isinstance(region, str) and region not in regions:
            regions.append(region)
    return tuple(regions)


def check_priced(regions: tuple[str, ...], prices_file: str | None) -> None:
    known = priced_regions(prices_file)
    for region in regions:
        if region not in known:
            raise SpecError(
                f"{NAMESPACE}:regions",
                f"the TCO price catalog has no prices for {region} (it covers {', '.join(known)})",
                f"use covered regions, or add a price file for {region} (schema: "
                f"tco/prices/aws-us-east-1.yaml) and point {NAMESPACE}:tcoPrices at it",
            )


def federation(
    spec: FederationSpec, config: StackConfig, regions: tuple[str, ...]
) -> FederationSpec:
    """The tier's federation with the stack's overrides; every party and the exchange
    placed in an explicit region of the stack (``None`` on a cluster the user brings)."""
    override = config.federation or FederationOverride()
    field = f"{NAMESPACE}:federation"
    for name in override.parties:
        if name not in {p.name for p in spec.parties}:
            known = ", ".join(p.name for p in spec.parties) or "none"
            raise SpecError(
                f"{field}.parties.{name}",
                f"tier {config.tier.value} has no FATE party {name!r}",
                f"use one of: {known}",
            )
    aws = config.target is Target.AWS
    parties = []
    for party in spec.parties:
        change = override.parties.get(party.name)
        region = (change.region if change and change.region else party.region) or regions[0]
        if aws and region not in regions:
            raise SpecError(
                f"{field}.parties.{party.name}.region",
                f"FATE party {party.name} is placed in {region}, not one of the stack's regions",
                f"add {region} to {NAMESPACE}:regions, or set "
                f"{field}.parties.{party.name}.region to one of: {', '.join(regions)}",
            )
        party_id = change.partyId if change and change.partyId else party.party_id
        parties.append(replace(party, region=region if aws else None, party_id=party_id))
    ids = [p.party_id for p in parties] + [spec.exchange_party_id]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SpecError(
            f"{field}.parties",
            f"party IDs must be unique (the exchange is {spec.exchange_party_id}); "
            f"{', '.join(map(str, duplicates))} is used twice",
            "give every party its own partyId",
        )
    epsilon = override.epsilon if override.epsilon is not None else spec.epsilon
    delta = override.delta if override.delta is not None else spec.delta
    problem = check_privacy(epsilon, delta)
    if problem:
        key = "epsilon" if problem.startswith("epsilon") else "delta"
        raise SpecError(
            f"{field}.{key}",
            problem,
            "epsilon is the privacy budget (> 0, smaller is more private); "
            "delta is a probability in [0, 1), typically below 1/records",
        )
    exchange_region = (spec.exchange_region or regions[0]) if aws else None
    _check_placement(parties, exchange_region, field)
    return replace(
        spec,
        parties=tuple(parties),
        epsilon=epsilon,
        delta=delta,
        secure_aggregation=_pick(override.secureAggregation, spec.secure_aggregation),
        differential_privacy=_pick(override.differentialPrivacy, spec.differential_privacy),
        exchange_region=exchange_region,
    )


def _pick(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _check_placement(parties: list[FatePartySpec], exchange_region: str | None, field: str) -> None:
    """A cluster without the exchange hosts at most one party: its network policy then
    admits the exchange's traffic from outside the cluster and no other party."""
    by_region: dict[str | None, list[str]] = {}
    for party in parties:
        by_region.setdefault(party.region, []).append(party.name)
    for region, names in by_region.items():
        if region != exchange_region and len(names) > 1:
            raise SpecError(
                f"{field}.parties",
                f"parties {', '.join(names)} share {region}, where the exchange does not run",
                f"place them in different regions, or in the exchange's region {exchange_region}",
            )


def edge_sites(
    sites: tuple[EdgeSiteSpec, ...], config: StackConfig
) -> tuple[ResolvedEdgeSite, ...]:
    """The tier's edge sites plus the stack's extra ones, each with its kubeconfig."""
    given = config.edgeSites
    tier_sites = {site.name: site for site in sites}
    names = [*tier_sites, *(name for name in given if name not in tier_sites)]
    resolved = []
    for name in names:
        field = f"{NAMESPACE}:edgeSites.{name}"
        site = given.get(name)
        if site is None or not site.kubeconfig:
            raise SpecError(
                f"{field}.kubeconfig",
                f"edge site {name} has no kubeconfig",
                f"set {field}.kubeconfig to the path or contents of the site cluster's kubeconfig",
            )
        try:
            spec = tier_sites.get(name) or EdgeSiteSpec(name=name)
        except ValueError as exc:
            raise SpecError(field, str(exc), "name the site with a short DNS-1123 label") from None
        resolved.append(
            ResolvedEdgeSite(
                name=name,
                gpu=_pick(site.gpu, spec.gpu),
                kubeconfig=site.kubeconfig,
                context=site.context,
            )
        )
    return tuple(resolved)
