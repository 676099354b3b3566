"""Amazon MSK, when a stack sets ``aiplat:kafka: msk`` (MSK-01 of security-checks.md):
TLS between clients and brokers and inside the cluster, encryption at rest with a customer
KMS key (rotation on, explicit key policy), broker logs to CloudWatch, brokers only in the
region's private subnets with no public access, and a security group that admits only the
VPC CIDR on the TLS port. Clients authenticate with IAM (SASL/IAM over TLS, port 9098).

Topics are not created here (the AWS provider has no MSK topic resource): create
``ml.prediction_log``, ``ml.feature_log`` and ``ml.feedback`` with the Kafka admin tools.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from components import iam_documents as docs
from components.values.kafka_topics import broker_config
from tiers.managed import broker_nodes

if TYPE_CHECKING:
    from components.cluster_services import RegionNetwork
    from tiers.resolve import ResolvedPlatform

KAFKA_VERSION = "3.9.x"  # an MSK-provided version label
TLS_IAM_PORT = 9098  # SASL/IAM over TLS, from inside the VPC


@dataclass(frozen=True, kw_only=True)
class MskPlan:
    cluster_name: str
    brokers: int  # per the tier, before rounding to the zones
    instance_type: str
    storage_gib: int
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    vpc_cidr: str
    zones: int
    log_retention_days: int
    protect: bool


def plan_for(platform: ResolvedPlatform, region: str, network: RegionNetwork) -> MskPlan:
    """The MSK plan of one region, from the resolved sizes and the region's network."""
    return MskPlan(
        cluster_name=f"aiplat-{platform.stack}-{region}",
        brokers=platform.engines.kafka_brokers,
        instance_type=platform.engines.msk_instance_type,
        storage_gib=platform.engines.kafka_storage_gib,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        vpc_cidr=network.vpc_cidr,
        zones=len(network.zones),
        log_retention_days=platform.network.flow_log_retention_days,
        protect=platform.protect,
    )


def server_properties(brokers: int) -> str:
    lines = [
        f"{key}={str(value).lower() if isinstance(value, bool) else value}"
        for key, value in broker_config(brokers).items()
    ]
    return "\n".join(lines) + "\n"


def build_msk(owner: pulumi.Resource, name: str, plan: MskPlan) -> aws.msk.Cluster:
    """The MSK cluster and what it needs, children of ``owner`` (whose AWS provider they
    inherit)."""
    child = pulumi.ResourceOptions(parent=owner)
    stateful = pulumi.ResourceOptions(parent=owner, protect=plan.protect)
    identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=owner))
    partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=owner)).partition
    root = f"arn:{partition}:iam::{identity.account_id}:root"
    key = aws.kms.Key(
        f"{name}-msk",
        description=f"MSK encryption at rest for {plan.cluster_name}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps(docs.kms_key_policy(root)),
        opts=stateful,
    )
    aws.kms.Alias(
        f"{name}-msk",
        name=f"alias/aiplat/{plan.cluster_name}/msk",
        target_key_id=key.key_id,
        opts=child,
    )
    logs = aws.cloudwatch.LogGroup(
        f"{name}-msk",
        name=f"/aws/msk/{plan.cluster_name}",
        retention_in_days=plan.log_retention_days,
        opts=child,
    )
    group = aws.ec2.SecurityGroup(
        f"{name}-msk",
        description=f"MSK brokers of {plan.cluster_name}: TLS from the VPC only",
        vpc_id=plan.vpc_id,
        ingress=[
            {
                "description": "Kafka clients in the VPC (SASL/IAM over TLS)",
                "protocol": "tcp",
                "from_port": TLS_IAM_PORT,
                "to_port": TLS_IAM_PORT,
                "cidr_blocks": [plan.vpc_cidr],
            }
        ],
        egress=[
            {
                "description": "Within the VPC only",
                "protocol": "-1",
                "from_port": 0,
                "to_port": 0,
                "cidr_blocks": [plan.vpc_cidr],
            }
        ],
        tags={"Name": f"{name}-msk"},
        opts=child,
    )
    configuration = aws.msk.Configuration(
        f"{name}-msk",
        name=f"{plan.cluster_name}-config",
        kafka_versions=[KAFKA_VERSION],
        server_properties=server_properties(plan.brokers),
        opts=child,
    )
    return aws.msk.Cluster(
        f"{name}-msk",
        cluster_name=plan.cluster_name,
        kafka_version=KAFKA_VERSION,
        number_of_broker_nodes=broker_nodes(plan.brokers, plan.zones),
        broker_node_group_info={
            "instance_type": plan.instance_type,
            "client_subnets": plan.subnet_ids,
            "security_groups": [group.id],
            "storage_info": {"ebs_storage_info": {"volume_size": plan.storage_gib}},
            "connectivity_info": {"public_access": {"type": "DISABLED"}},
        },
        client_authentication={"unauthenticated": False, "sasl": {"iam": True}},
        encryption_info={
            "encryption_at_rest_kms_key_arn": key.arn,
            "encryption_in_transit": {"client_broker": "TLS", "in_cluster": True},
        },
        logging_info={
            "broker_logs": {"cloudwatch_logs": {"enabled": True, "log_group": logs.name}}
        },
        configuration_info={"arn": configuration.arn, "revision": configuration.latest_revision},
        enhanced_monitoring="PER_BROKER",
        opts=stateful,
    )
