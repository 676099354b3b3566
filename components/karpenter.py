"""Karpenter: elastic GPU capacity for the pools the tier spec marks ``provisioner: karpenter``.

The controller runs as a pinned Helm release in kube-system with an IRSA role whose policy
is Karpenter's scoped v1 controller policy (components/iam_karpenter.py); spot interruptions,
rebalance recommendations, instance state changes and scheduled health events reach it
through an SSE-encrypted SQS queue. Each Karpenter pool gets one ``NodePool`` and one
``EC2NodeClass``; the system pool and managed pools stay EKS managed node groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import iam_documents as docs
from components import iam_karpenter
from components.helm import pinned_release
from components.values import karpenter as values
from tiers.model import Provisioner
from tiers.pins import ChartPin
from tiers.resolve import ResolvedGpuPool


@dataclass(frozen=True, kw_only=True)
class KarpenterArgs:
    cluster_name: str
    region: str
    account: str
    partition: str
    node_release_version: str
    pools: tuple[ResolvedGpuPool, ...]
    pin: ChartPin
    cluster_endpoint: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    volume_key_arn: pulumi.Input[str]
    eks_cluster_name: pulumi.Input[str]  # the cluster's output: access entries wait for it
    efa_zone: str | None = None
    wait_for: tuple[pulumi.Resource, ...] = ()  # what the Helm release needs first

    def __post_init__(self) -> None:
        if not self.pools:
            raise ValueError("Karpenter needs at least one pool with provisioner karpenter")
        managed = [p.name for p in self.pools if p.provisioner is not Provisioner.KARPENTER]
        if managed:
            raise ValueError(f"pools {managed} are not marked provisioner: karpenter")


class Karpenter(pulumi.ComponentResource):
    """Karpenter controller, its IAM, the interruption queue, and NodePools per GPU pool.

    Needs the region's aws provider and the cluster's kubernetes provider in ``opts``.
    """

    TYPE = "aiplat:cluster:Karpenter"

    node_role_arn: pulumi.Output[str]
    queue_url: pulumi.Output[str]
    node_pools: list[str]

    def __init__(
        self, name: str, args: KarpenterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        cluster = args.cluster_name

        # nodes: the three node policies only (IAM-01), admitted by an EC2_LINUX access entry
        node_role = aws.iam.Role(
            f"{name}-node",
            name=f"{cluster}-karpenter-node",
            assume_role_policy=json.dumps(docs.service_trust("ec2.amazonaws.com")),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=node_role.name,
                policy_arn=docs.managed_policy_arn(args.partition, policy),
                opts=child,
            )
            for policy in docs.NODE_ROLE_POLICIES
        ]
        access = aws.eks.AccessEntry(
            f"{name}-node",
            cluster_name=args.eks_cluster_name,
            principal_arn=node_role.arn,
            type="EC2_LINUX",
            opts=child,
        )

        queue = aws.sqs.Queue(
            f"{name}-interruption",
            name=f"{cluster}-karpenter",
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        aws.sqs.QueuePolicy(
            f"{name}-interruption",
            queue_url=queue.url,
            policy=queue.arn.apply(
                lambda arn: json.dumps(iam_karpenter.interruption_queue_policy(arn))
            ),
            opts=child,
        )
        for event, pattern in iam_karpenter.INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event}",
                description=f"Karpenter interruption handling: {event} ({cluster})",
                event_pattern=json.dumps(pattern),
                opts=child,
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{event}",
                rule=rule.name,
                arn=queue.arn,
                target_id="KarpenterInterruptionQueue",
                opts=child,
            )

        controller_role = aws.iam.Role(
            f"{name}-controller",
            description=f"Karpenter controller of {cluster}",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda a: json.dumps(
                    docs.irsa_trust(a[0], a[1], values.NAMESPACE, values.SERVICE_ACCOUNT)
                )
            ),
            opts=child,
        )
        controller_policy = aws.iam.RolePolicy(
            f"{name}-controller",
            role=controller_role.id,
            policy=pulumi.Output.all(queue.arn, node_role.arn).apply(
                lambda a: json.dumps(
                    iam_karpenter.controller_policy(
                        partition=args.partition,
                        region=args.region,
                        account=args.account,
                        cluster_name=cluster,
                        queue_arn=a[0],
                        node_role_arn=a[1],
                    )
                )
            ),
            opts=child,
        )

        # subnets carry the discovery tag from Network; the cluster security group gets it here
        aws.ec2.Tag(
            f"{name}-cluster-sg",
            resource_id=args.cluster_security_group_id,
            key=values.DISCOVERY_TAG,
            value=cluster,
            opts=child,
        )

        release = pinned_release(
            f"{name}-controller",
            release_name="karpenter",
            pin=args.pin,
            namespace=values.NAMESPACE,
            values=values.values(
                cluster_name=cluster,
                cluster_endpoint=args.cluster_endpoint,
                queue_name=queue.name,
                role_arn=controller_role.arn,
            ),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[controller_policy, access, *args.wait_for]
            ),
        )

        after_controller = pulumi.ResourceOptions(parent=self, depends_on=[release, *attachments])
        self.node_pools = []
        for pool in args.pools:
            placement = None
            if pool.efa:
                placement = f"{cluster}-{pool.name}"
                aws.ec2.PlacementGroup(
                    f"{name}-{pool.name}", name=placement, strategy="cluster", opts=child
                )
            node_class = k8s.apiextensions.CustomResource(
                f"{name}-{pool.name}-class",
                api_version="karpenter.k8s.aws/v1",
                kind="EC2NodeClass",
                metadata={"name": pool.name},
                spec=values.node_class_spec(
                    pool,
                    cluster_name=cluster,
                    node_role=f"{cluster}-karpenter-node",
                    node_release_version=args.node_release_version,
                    volume_key_arn=args.volume_key_arn,
                    placement_group=placement,
                ),
                opts=after_controller,
            )
            k8s.apiextensions.CustomResource(
                f"{name}-{pool.name}",
                api_version="karpenter.sh/v1",
                kind="NodePool",
                metadata={"name": pool.name},
                spec=values.node_pool_spec(pool, args.efa_zone),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[node_class]),
            )
            self.node_pools.append(pool.name)

        self.node_role_arn = node_role.arn
        self.queue_url = queue.url
        self.register_outputs(
            {
                "nodeRoleArn": self.node_role_arn,
                "queueUrl": self.queue_url,
                "nodePools": self.node_pools,
            }
        )
