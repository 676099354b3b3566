"""FederationLink: the network between the regions of a FATE federation (expert tier).

Parties in another region than the exchange reach it (and it them) on OSX's TLS port
through internal Network Load Balancers (``components/federation.py`` creates one per
member reached from afar, admitting the peer regions' VPCs only). This component makes
those load balancers reachable and findable:

- a VPC peering connection from the exchange's region (the hub) to each region hosting a
  party (a spoke), requested in the hub and accepted in the spoke; AWS encrypts traffic
  between regions over peering;
- routes to the peer's VPC block in every private route table on both sides (and only
  there: nothing public routes across);
- a private Route 53 zone ``<stack>.fate.internal`` associated with every VPC of the
  federation, with one CNAME per member to its load balancer, the names the OSX route
  tables already use (:func:`components.values.fate.external_host`).

Spokes are not peered with each other: parties only ever talk to the exchange. Named by
region code, so adding a region adds a peering and changes no existing URN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.values import fate


@dataclass(frozen=True, kw_only=True)
class LinkEnd:
    """One region's side of the link."""

    region: str
    code: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    route_table_ids: Mapping[str, pulumi.Input[str]]  # zone -> private route table
    provider: aws.Provider


@dataclass(frozen=True, kw_only=True)
class FederationLinkArgs:
    stack: str
    hub: LinkEnd  # the exchange's region
    spokes: tuple[LinkEnd, ...]  # regions hosting parties, exchange excluded
    hosts: Mapping[str, pulumi.Input[str]]  # member -> its load balancer's DNS name

    def __post_init__(self) -> None:
        if not self.spokes:
            raise ValueError("a federation link needs at least one region besides the hub")
        regions = [self.hub.region, *(s.region for s in self.spokes)]
        if len(set(regions)) != len(regions):
            raise ValueError(f"federation link regions must be distinct (got {regions})")
        if not self.hosts:
            raise ValueError("a federation link needs the members' load balancer names")


class FederationLink(pulumi.ComponentResource):
    """VPC peering hub-to-spoke, routes, and the private zone naming each member."""

    TYPE = "aiplat:federation:FederationLink"

    zone_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: FederationLinkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        hub = args.hub
        tags = {"aiplat:stack": args.stack, "aiplat:part": "fate-link"}
        self.peerings: dict[str, aws.ec2.VpcPeeringConnection] = {}
        for spoke in args.spokes:
            peering = aws.ec2.VpcPeeringConnection(
                f"{name}-{spoke.code}",
                vpc_id=hub.vpc_id,
                peer_vpc_id=spoke.vpc_id,
                peer_region=spoke.region,
                tags={**tags, "Name": f"{name}-{hub.code}-{spoke.code}"},
                opts=pulumi.ResourceOptions(parent=self, provider=hub.provider),
            )
            accepted = aws.ec2.VpcPeeringConnectionAccepter(
                f"{name}-{spoke.code}-accept",
                vpc_peering_connection_id=peering.id,
                auto_accept=True,
                tags={**tags, "Name": f"{name}-{hub.code}-{spoke.code}"},
                opts=pulumi.ResourceOptions(parent=self, provider=spoke.provider),
            )
            self.peerings[spoke.region] = peering
            self._routes(name, hub, spoke, peering, accepted)
            self._routes(name, spoke, hub, peering, accepted)
        zone = aws.route53.Zone(
            f"{name}-zone",
            name=fate.zone_name(args.stack),
            comment=f"FATE federation of {args.stack}: one name per member reached across regions",
            vpcs=[
                aws.route53.ZoneVpcArgs(vpc_id=end.vpc_id, vpc_region=end.region)
                for end in (hub, *args.spokes)
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, provider=hub.provider),
        )
        for member, host in sorted(args.hosts.items()):
            aws.route53.Record(
                f"{name}-{member}",
                zone_id=zone.zone_id,
                name=fate.external_host(args.stack, member),
                type="CNAME",
                ttl=60,
                records=[host],
                opts=pulumi.ResourceOptions(parent=self, provider=hub.provider),
            )
        self.zone_id = zone.zone_id
        self.register_outputs({"zoneId": zone.zone_id})

    def _routes(
        self,
        name: str,
        end: LinkEnd,
        peer: LinkEnd,
        peering: aws.ec2.VpcPeeringConnection,
        accepted: aws.ec2.VpcPeeringConnectionAccepter,
    ) -> None:
        """The peer's block via the peering, in every private route table of ``end``
        (``<name>-use1a-to-eun1``: zone a of use1 towards eun1)."""
        for zone, table in sorted(end.route_table_ids.items()):
            aws.ec2.Route(
                f"{name}-{end.code}{zone[-1]}-to-{peer.code}",
                route_table_id=table,
                destination_cidr_block=peer.vpc_cidr,
                vpc_peering_connection_id=peering.id,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=end.provider, depends_on=[accepted]
                ),
            )
