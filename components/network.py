"""Network: a VPC with private and public subnets per zone, NAT, and flow logs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.decisions import subnet_plan, zone_suffix
from tiers.resolve import NetworkPlan


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    plan: NetworkPlan
    # Karpenter finds the node subnets by the tag ``karpenter.sh/discovery: <cluster name>``
    karpenter_discovery: str | None = None

    def __post_init__(self) -> None:
        if self.plan.az_count < 2:
            raise ValueError("a network needs at least two availability zones")


class Network(pulumi.ComponentResource):
    """A VPC over 2 zones (3 in prod): private subnets for nodes, public ones for load
    balancers and NAT only; one NAT gateway, or one per zone; flow logs to CloudWatch.

    Subnets are named by zone, never by position, so changing the zone count adds or
    removes subnets without renaming the others.
    """

    TYPE = "aiplat:network:Network"

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    zones: list[str]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        plan = args.plan

        available = aws.get_availability_zones(
            state="available",
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self),
        )
        self.zones = sorted(available.names)[: plan.az_count]
        if len(self.zones) < plan.az_count:
            raise ValueError(
                f"region offers {len(self.zones)} zones; the network needs {plan.az_count}"
            )

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=plan.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": name},
            opts=child,
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={"Name": f"{name}-public"},
            opts=child,
        )

        public_subnets: dict[str, aws.ec2.Subnet] = {}
        private_subnets: dict[str, aws.ec2.Subnet] = {}
        for subnet in subnet_plan(plan.vpc_cidr, self.zones):
            suffix = zone_suffix(subnet.zone)
            public_subnets[subnet.zone] = aws.ec2.Subnet(
                f"{name}-public-{suffix}",
                vpc_id=vpc.id,
                cidr_block=subnet.public_cidr,
                availability_zone=subnet.zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{suffix}", "kubernetes.io/role/elb": "1"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{suffix}",
                subnet_id=public_subnets[subnet.zone].id,
                route_table_id=public_rt.id,
                opts=child,
            )
            private_subnets[subnet.zone] = aws.ec2.Subnet(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                cidr_block=subnet.private_cidr,
                availability_zone=subnet.zone,
                map_public_ip_on_launch=False,
                tags={
                    "Name": f"{name}-private-{suffix}",
                    "kubernetes.io/role/internal-elb": "1",
                    **(
                        {"karpenter.sh/discovery": args.karpenter_discovery}
                        if args.karpenter_discovery
                        else {}
                    ),
                },
                opts=child,
            )

        nat_zones = self.zones if plan.nat_per_az else self.zones[:1]
        nat_by_zone = {}
        for zone in nat_zones:
            suffix = zone_suffix(zone)
            eip = aws.ec2.Eip(f"{name}-nat-{suffix}", domain="vpc", opts=child)
            nat_by_zone[zone] = aws.ec2.NatGateway(
                f"{name}-nat-{suffix}",
                allocation_id=eip.id,
                subnet_id=public_subnets[zone].id,
                tags={"Name": f"{name}-nat-{suffix}"},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
            )
        self.private_route_table_ids: dict[str, pulumi.Output[str]] = {}
        for zone in self.zones:
            suffix = zone_suffix(zone)
            nat = nat_by_zone.get(zone, nat_by_zone[nat_zones[0]])
            # Routes are separate resources (never inline), so that others (the FATE
            # link's peering routes) can be added to these tables.
            route_table = aws.ec2.RouteTable(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                tags={"Name": f"{name}-private-{suffix}"},
                opts=child,
            )
            aws.ec2.Route(
                f"{name}-private-{suffix}-default",
                route_table_id=route_table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=child,
            )
            self.private_route_table_ids[zone] = route_table.id
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{suffix}",
                subnet_id=private_subnets[zone].id,
                route_table_id=route_table.id,
                opts=child,
            )

        self._flow_logs(name, vpc, plan.flow_log_retention_days)

        self.vpc_id = vpc.id
        self.private_subnet_ids = pulumi.Output.all(*(s.id for s in private_subnets.values()))
        self.public_subnet_ids = pulumi.Output.all(*(s.id for s in public_subnets.values()))
        self.first_private_subnet_id = private_subnets[self.zones[0]].id
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "privateSubnetIds": self.private_subnet_ids,
                "publicSubnetIds": self.public_subnet_ids,
            }
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, retention_days: int) -> None:
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", retention_in_days=retention_days, opts=child
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=json.dumps(
                iam_documents.service_trust("vpc-flow-logs.amazonaws.com")
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: json.dumps(iam_documents.flow_log_delivery(arn))
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=child,
        )
