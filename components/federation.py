"""Federation: the FATE parties (and the exchange) one cluster hosts.

KubeFATE's ``fate`` chart (pinned as a release asset: :data:`tiers.pins.FATE`) installs each
party in its own :class:`~components.platform_namespace.PlatformNamespace` ``fate-<party>``
and the exchange in ``fate-exchange``. Parties talk only through the exchange: a party's
OSX route table sends every other party's ID to the exchange, and its NetworkPolicies let
its pods reach only their own namespace, DNS and the exchange's OSX port (and admit only
the exchange). With the mesh on, an Istio ``AuthorizationPolicy`` per namespace admits the
same peers by mTLS identity (the mesh's STRICT PeerAuthentication is the mesh's own).

Where each member runs is data: a party's ``region`` (and the spec's ``exchange_region``);
:class:`~components.cluster_services.ClusterServices` creates one Federation per cluster
with what that cluster hosts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.helm import pinned_release
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
)
from components.values import fate
from tiers.model import FatePartySpec, FederationSpec
from tiers.pins import ChartPin

SERVICE_ACCOUNT = "fate"
PARTY_QUOTA = Quota(cpu="32", memory="128Gi", gpus=0, pods=60)
EXCHANGE_QUOTA = Quota(cpu="4", memory="8Gi", gpus=0, pods=10)


def _osx_link(name: str, direction: Direction, namespaces: tuple[str, ...]) -> NetworkAllow:
    """OSX to OSX on the in-cluster port, with the named namespaces; or, with no
    namespace (the peer is in another region), on the TLS port with a peer outside the
    cluster."""
    if namespaces:
        return NetworkAllow(
            name=name,
            direction=direction,
            namespaces=namespaces,
            peer_pods=(fate.OSX_LABEL,),
            ports=(fate.OSX_PORT,),
            pods=(fate.OSX_LABEL,),
        )
    return NetworkAllow(
        name=name,
        direction=direction,
        any_peer=True,
        ports=(fate.OSX_TLS_PORT,),
        pods=(fate.OSX_LABEL,),
    )


def party_allows(spec: FederationSpec, party: FatePartySpec) -> tuple[NetworkAllow, ...]:
    """A party's only ways out of its namespace: to and from the exchange's OSX."""
    local = party.region == spec.exchange_region
    peers = (fate.EXCHANGE_NAMESPACE,) if local else ()
    return (
        _osx_link("from-exchange", Direction.INGRESS, peers),
        _osx_link("to-exchange", Direction.EGRESS, peers),
    )


def exchange_allows(spec: FederationSpec) -> tuple[NetworkAllow, ...]:
    """The exchange talks to every party's OSX: by namespace in its own cluster, on the
    TLS port with parties in other regions."""
    local = tuple(
        fate.party_namespace(p.name) for p in spec.parties if p.region == spec.exchange_region
    )
    allows: list[NetworkAllow] = []
    if local:
        allows += [
            _osx_link("from-parties", Direction.INGRESS, local),
            _osx_link("to-parties", Direction.EGRESS, local),
        ]
    if any(p.region != spec.exchange_region for p in spec.parties):
        allows += [
            _osx_link("from-remote-parties", Direction.INGRESS, ()),
            _osx_link("to-remote-parties", Direction.EGRESS, ()),
        ]
    return tuple(allows)


def authorization_policy(namespace: str, peers: tuple[str, ...], remote: bool) -> dict[str, Any]:
    """ALLOW only mTLS peers of the listed namespaces (the own namespace always); with a
    peer in another region, also its OSX TLS port (FATE's own mutual TLS)."""
    rules: list[dict[str, Any]] = [
        {"from": [{"source": {"namespaces": sorted({namespace, *peers})}}]}
    ]
    if remote:
        rules.append({"to": [{"operation": {"ports": [str(fate.OSX_TLS_PORT)]}}]})
    return {"action": "ALLOW", "rules": rules}


@dataclass(frozen=True, kw_only=True)
class FederationArgs:
    stack: str
    spec: FederationSpec  # resolved: every party (and the exchange) placed in a region
    region: str | None  # this cluster's region (None on a cluster the user brings)
    chart: ChartPin
    mesh: bool  # the platform's mesh is on: sidecars, AuthorizationPolicy
    # Each region's VPC CIDR (AWS): members reached from another region get an internal
    # NLB admitting those regions' VPCs only. None on a cluster the user brings.
    region_cidrs: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.spec.enabled:
            raise ValueError("federation is off in the spec")
        if not self.parties and not self.hosts_exchange:
            raise ValueError(f"region {self.region} hosts no FATE party and not the exchange")

    @property
    def parties(self) -> tuple[FatePartySpec, ...]:
        return tuple(p for p in self.spec.parties if p.region == self.region)

    @property
    def hosts_exchange(self) -> bool:
        return self.spec.exchange_region == self.region


class Federation(pulumi.ComponentResource):
    """The FATE parties and the exchange of one cluster. Pass the cluster's Kubernetes
    provider in ``opts``."""

    TYPE = "aiplat:federation:Federation"

    namespaces: dict[str, str]
    remote_hosts: dict[str, pulumi.Output[str]]  # member -> its NLB's DNS name

    def __init__(
        self, name: str, args: FederationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        spec = args.spec
        self.namespaces = {}
        self.remote_hosts = {}
        if args.hosts_exchange:
            remote = any(p.region != spec.exchange_region for p in spec.parties)
            local = tuple(
                fate.party_namespace(p.name) for p in spec.parties if p.region == args.region
            )
            ns = self._namespace(fate.EXCHANGE, fate.EXCHANGE_NAMESPACE, EXCHANGE_QUOTA)
            ns_ready = pulumi.ResourceOptions(parent=self, depends_on=ns.ready)
            self._release(fate.EXCHANGE, ns, fate.exchange_values(args.stack, spec), ns_ready)
            table = fate.route_table(
                spec.exchange_party_id, fate.exchange_routes(args.stack, spec), own_flow=False
            )
            self._config_map(fate.EXCHANGE, ns, "fate-route-table", {"route_table.json": table})
            self._authorization(fate.EXCHANGE, ns, local, remote)
            self._remote_entry(fate.EXCHANGE, ns)
        for party in args.parties:
            namespace = fate.party_namespace(party.name)
            ns = self._namespace(party.name, namespace, PARTY_QUOTA, party)
            ns_ready = pulumi.ResourceOptions(parent=self, depends_on=ns.ready)
            self._release(party.name, ns, fate.party_values(args.stack, spec, party), ns_ready)
            routes = fate.party_routes(args.stack, spec, party)
            table = fate.route_table(party.party_id, routes, own_flow=True)
            self._config_map(party.name, ns, "fate-route-table", {"route_table.json": table})
            self._config_map(
                party.name, ns, "fate-job-templates", fate.job_templates(spec, party), raw=True
            )
            local = party.region == spec.exchange_region
            peers = (fate.EXCHANGE_NAMESPACE,) if local else ()
            self._authorization(party.name, ns, peers, remote=not local)
            self._remote_entry(party.name, ns)
        self.register_outputs({"namespaces": self.namespaces, "remoteHosts": self.remote_hosts})

    def _remote_entry(self, member: str, ns: PlatformNamespace) -> None:
        """The internal NLB another region reaches this member's OSX through (if any)."""
        cidrs = self._args.region_cidrs
        reached_from = fate.remote_members(self._args.spec).get(member)
        if cidrs is None or not reached_from:
            return
        body = fate.remote_service(ns.name, tuple(cidrs[r] for r in reached_from))
        service = k8s.core.v1.Service(
            f"{self._name}-{member}-{fate.REMOTE_SERVICE}",
            metadata=body["metadata"],
            spec=body["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=ns.ready),
        )
        self.remote_hosts[member] = service.status.apply(_load_balancer_host)

    def _namespace(
        self, member: str, namespace: str, quota: Quota, party: FatePartySpec | None = None
    ) -> PlatformNamespace:
        args = self._args
        allows = party_allows(args.spec, party) if party else exchange_allows(args.spec)
        ns = PlatformNamespace(
            f"{self._name}-{member}",
            PlatformNamespaceArgs(
                namespace=namespace,
                # FATE's images (MySQL, Eggroll, FATE Flow) and the mesh's sidecars need
                # baseline; restricted is not possible for the chart's pods
                pod_security=PodSecurity.BASELINE,
                quota=quota,
                service_accounts=(ServiceAccountSpec(name=SERVICE_ACCOUNT),),
                allows=allows,
                mesh_injection=args.mesh,
                labels={"aiplat.io/fate-member": member},
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.namespaces[member] = namespace
        return ns

    def _release(
        self,
        member: str,
        ns: PlatformNamespace,
        values: dict[str, Any],
        opts: pulumi.ResourceOptions,
    ) -> None:
        pinned_release(
            f"{self._name}-{member}-fate",
            release_name=f"fate-{member}",
            pin=self._args.chart,
            namespace=ns.name,
            values=values,
            opts=opts,
        )

    def _config_map(
        self,
        member: str,
        ns: PlatformNamespace,
        config_name: str,
        data: dict[str, Any],
        raw: bool = False,
    ) -> None:
        k8s.core.v1.ConfigMap(
            f"{self._name}-{member}-{config_name}",
            metadata={
                "name": config_name,
                "namespace": ns.name,
                "labels": {"app.kubernetes.io/part-of": "fate"},
            },
            data=data
            if raw
            else {k: json.dumps(v, indent=2, sort_keys=True) for k, v in data.items()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=ns.ready),
        )

    def _authorization(
        self, member: str, ns: PlatformNamespace, peers: tuple[str, ...], remote: bool
    ) -> None:
        if not self._args.mesh:
            return
        k8s.apiextensions.CustomResource(
            f"{self._name}-{member}-authz",
            api_version="security.istio.io/v1",
            kind="AuthorizationPolicy",
            metadata={"name": "fate-peers", "namespace": ns.name},
            spec=authorization_policy(ns.name, peers, remote),
            opts=pulumi.ResourceOptions(parent=self, depends_on=ns.ready),
        )


def _load_balancer_host(status: Any) -> str:
    """The NLB's DNS name from a LoadBalancer Service's status (Pulumi waits for it)."""
    ingress = (status.load_balancer.ingress if status and status.load_balancer else None) or []
    host = ingress[0].hostname if ingress else None
    if not host:
        raise ValueError("the OSX load balancer has no hostname yet")
    return host
