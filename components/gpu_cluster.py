"""GpuCluster: an EKS cluster with a system pool and one managed node group per GPU pool."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import iam_documents as docs
from components.decisions import (
    ami_type,
    efa_interface_count,
    pool_labels,
    pool_taints,
    tolerations,
)
from components.device_plugin import install_device_plugin
from components.karpenter import Karpenter, KarpenterArgs
from components.kubeconfig import eks_kubeconfig
from components.values.karpenter import EFA_TAG
from components.values.nvidia_device_plugin import sharing_labels
from tiers.instances import AcceleratorVendor
from tiers.model import CapacityReservation, Provisioner, ReservationKind
from tiers.pins import ChartPin
from tiers.resolve import ResolvedCpuPool, ResolvedGpuPool

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
SYSTEM_POOL = "system"


@dataclass(frozen=True, kw_only=True)
class GpuClusterArgs:
    cluster_name: str
    region: str
    kubernetes_version: str
    node_release_version: str
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[list[str]]
    efa_subnet_id: pulumi.Input[str]
    system_pool: ResolvedCpuPool
    gpu_pools: tuple[ResolvedGpuPool, ...]
    admin_role_arns: tuple[str, ...]
    public_access_cidrs: tuple[str, ...]
    log_retention_days: int
    protect: bool
    device_plugin: ChartPin | None
    karpenter: ChartPin | None = None  # installs Karpenter for pools marked provisioner: karpenter
    efa_zone: str | None = None  # the zone of efa_subnet_id (Karpenter EFA pools stay in it)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}", self.cluster_name):
            raise ValueError(f"invalid EKS cluster name {self.cluster_name!r}")
        if SYSTEM_POOL in {p.name for p in self.gpu_pools}:
            raise ValueError(f"a GPU pool may not be named {SYSTEM_POOL!r}")
        if self.system_pool.instance.is_accelerated:
            raise ValueError("the system pool must use a CPU instance type")


class GpuCluster(pulumi.ComponentResource):
    """EKS control plane (pinned version, private endpoint, KMS-encrypted secrets, all five
    log types, API-mode access with no hidden creator admin), node IAM with only the three
    node policies, a CPU system pool, and one managed node group per GPU pool with an AL2023
    accelerated AMI, taints, labels, IMDSv2-only launch templates, encrypted volumes, and EFA
    with a cluster placement group where the pool asks for it.
    """

    TYPE = "aiplat:cluster:GpuCluster"

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    admin_role_arn: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(
        self, name: str, args: GpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)

        identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=self)).partition
        self._partition = partition
        root = f"arn:{partition}:iam::{identity.account_id}:root"
        autoscaling_role = (
            f"arn:{partition}:iam::{identity.account_id}:role/aws-service-role/"
            "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
        )

        secrets_key = aws.kms.Key(
            f"{name}-secrets",
            description=f"EKS secrets envelope encryption for {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(docs.kms_key_policy(root)),
            opts=stateful,
        )
        self._volume_key = aws.kms.Key(
            f"{name}-volumes",
            description=f"EBS encryption for {args.cluster_name} nodes",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(docs.kms_key_policy(root, [autoscaling_role])),
            opts=stateful,
        )

        cluster_role = self._role(
            f"{name}-cluster", "eks.amazonaws.com", docs.CLUSTER_ROLE_POLICIES
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane",
            name=f"/aws/eks/{args.cluster_name}/cluster",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=cluster_role.role.arn,
            vpc_config={
                "subnet_ids": args.private_subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": bool(args.public_access_cidrs),
                "public_access_cidrs": list(args.public_access_cidrs) or None,
            },
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": secrets_key.arn}},
            enabled_cluster_log_types=list(LOG_TYPES),
            access_config={
                "authentication_mode": "API",
                "bootstrap_cluster_creator_admin_permissions": False,
            },
            deletion_protection=args.protect,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect,
                depends_on=[log_group, *cluster_role.attachments],
            ),
        )
        self._cluster = cluster

        admin_role = aws.iam.Role(
            f"{name}-admin",
            description=f"Cluster administrators of {args.cluster_name}",
            assume_role_policy=json.dumps(docs.account_trust(root)),
            opts=child,
        )
        admin_access = self._grant_admin(f"{name}-admin", admin_role.arn)
        for arn in args.admin_role_arns:
            self._grant_admin(f"{name}-admin-{_arn_slug(arn)}", arn)

        issuer = cluster.identities.apply(lambda ids: ids[0]["oidcs"][0]["issuer"])
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], opts=child
        )

        node_role = self._role(f"{name}-node", "ec2.amazonaws.com", docs.NODE_ROLE_POLICIES)
        self._node_role = node_role
        system_group = self._node_group(
            SYSTEM_POOL,
            instance=args.system_pool.instance,
            scaling=(
                args.system_pool.min_nodes,
                args.system_pool.desired_nodes,
                args.system_pool.max_nodes,
            ),
            capacity_type="ON_DEMAND",
            labels={"aiplat.io/pool": SYSTEM_POOL},
            taints=(),
            efa=False,
            volume_gib=args.system_pool.volume_gib,
        )
        efa_group = self._efa_security_group() if any(p.efa for p in args.gpu_pools) else None
        for pool in args.gpu_pools:
            if pool.provisioner is Provisioner.KARPENTER:
                continue  # a NodePool of the Karpenter component below
            self._node_group(
                pool.name,
                instance=pool.instance,
                scaling=(pool.min_nodes, pool.desired_nodes, pool.max_nodes),
                capacity_type=pool.capacity_type.value,
                labels={**pool_labels(pool), **_sharing_labels(pool)},
                taints=pool_taints(pool.instance),
                efa=pool.efa,
                volume_gib=pool.volume_gib,
                efa_group=efa_group,
                reservation=pool.reservation,
            )

        kubeconfig = pulumi.Output.all(
            cluster.name, cluster.endpoint, cluster.certificate_authority, admin_role.arn
        ).apply(lambda a: json.dumps(eks_kubeconfig(a[0], a[1], a[2]["data"], args.region, a[3])))
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=self)
        )
        nvidia_pools = [p for p in args.gpu_pools if p.instance.vendor is AcceleratorVendor.NVIDIA]
        if args.device_plugin and nvidia_pools:
            install_device_plugin(
                f"{name}-nvidia-device-plugin",
                args.device_plugin,
                tolerations(nvidia_pools[0].instance),
                # the release authenticates as the admin role: wait for its access entry
                pulumi.ResourceOptions(
                    parent=self, provider=self.provider, depends_on=[system_group, admin_access]
                ),
                {p.name: p.sharing for p in nvidia_pools},
            )
        elastic = tuple(p for p in args.gpu_pools if p.provisioner is Provisioner.KARPENTER)
        self.karpenter = None
        if args.karpenter and elastic:
            self.karpenter = Karpenter(
                f"{name}-karpenter",
                KarpenterArgs(
                    cluster_name=args.cluster_name,
                    region=args.region,
                    account=identity.account_id,
                    partition=partition,
                    node_release_version=args.node_release_version,
                    pools=elastic,
                    pin=args.karpenter,
                    cluster_endpoint=cluster.endpoint,
                    cluster_security_group_id=cluster.vpc_config.cluster_security_group_id,
                    oidc_provider_arn=oidc.arn,
                    oidc_issuer=issuer,
                    volume_key_arn=self._volume_key.arn,
                    eks_cluster_name=cluster.name,
                    efa_zone=args.efa_zone,
                    wait_for=(system_group, admin_access),
                ),
                pulumi.ResourceOptions(parent=self, providers={"kubernetes": self.provider}),
            )

        self.cluster_name = cluster.name
        self.kubeconfig = pulumi.Output.secret(kubeconfig)
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer = issuer
        self.admin_role_arn = admin_role.arn
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "oidcProviderArn": self.oidc_provider_arn,
                "oidcIssuer": self.oidc_issuer,
                "adminRoleArn": self.admin_role_arn,
            }
        )

    def _role(self, name: str, service: str, policies: tuple[str, ...]) -> _RoleWithPolicies:
        role = aws.iam.Role(
            name,
            assume_role_policy=json.dumps(docs.service_trust(service)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{policy}",
                role=role.name,
                policy_arn=docs.managed_policy_arn(self._partition, policy),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in policies
        ]
        return _RoleWithPolicies(role, attachments)

    def _grant_admin(
        self, name: str, principal_arn: pulumi.Input[str]
    ) -> aws.eks.AccessPolicyAssociation:
        entry = aws.eks.AccessEntry(
            name,
            cluster_name=self._cluster.name,
            principal_arn=principal_arn,
            type="STANDARD",
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.eks.AccessPolicyAssociation(
            name,
            cluster_name=self._cluster.name,
            principal_arn=principal_arn,
            policy_arn=docs.eks_access_policy_arn(
                self._partition, docs.CLUSTER_ADMIN_ACCESS_POLICY
            ),
            access_scope={"type": "cluster"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[entry]),
        )

    def _efa_security_group(self) -> aws.ec2.SecurityGroup:
        """EFA traffic must be allowed to and from the group itself (all protocols)."""
        name = f"{self._name}-efa"
        return aws.ec2.SecurityGroup(
            name,
            description="EFA: all traffic within the group",
            vpc_id=self._args.vpc_id,
            tags={EFA_TAG: self._args.cluster_name},  # Karpenter EFA node classes select it
            ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}],
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _node_group(
        self,
        pool: str,
        *,
        instance,
        scaling: tuple[int, int, int],
        capacity_type: str,
        labels: dict[str, str],
        taints,
        efa: bool,
        volume_gib: int,
        efa_group: aws.ec2.SecurityGroup | None = None,
        reservation: CapacityReservation | None = None,
    ) -> aws.eks.NodeGroup:
        name = f"{self._name}-{pool}"
        child = pulumi.ResourceOptions(parent=self)
        template: dict = {
            "metadata_options": {
                "http_endpoint": "enabled",
                "http_tokens": "required",
                "http_put_response_hop_limit": 1,
            },
            "block_device_mappings": [
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": volume_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "kms_key_id": self._volume_key.arn,
                        "delete_on_termination": "true",
                    },
                }
            ],
            "tag_specifications": [
                {"resource_type": "instance", "tags": {"Name": name, "aiplat.io/pool": pool}}
            ],
        }
        subnet_ids: pulumi.Input = self._args.private_subnet_ids
        if efa:
            placement = aws.ec2.PlacementGroup(name, strategy="cluster", opts=child)
            groups = [self._cluster.vpc_config.cluster_security_group_id, efa_group.id]
            template["placement"] = {"group_name": placement.name}
            template["network_interfaces"] = [
                {
                    "device_index": 0 if card == 0 else 1,
                    "network_card_index": card,
                    "interface_type": "efa",
                    "security_groups": groups,
                    "delete_on_termination": "true",
                }
                for card in range(efa_interface_count(instance))
            ]
            subnet_ids = [self._args.efa_subnet_id]
        if reservation is not None:
            capacity_type = _reserve(template, reservation)
        launch_template = aws.ec2.LaunchTemplate(
            name, update_default_version=True, opts=child, **template
        )
        low, desired, high = scaling
        return aws.eks.NodeGroup(
            name,
            cluster_name=self._cluster.name,
            node_role_arn=self._node_role.role.arn,
            subnet_ids=subnet_ids,
            instance_types=[instance.name],
            capacity_type=capacity_type,
            ami_type=ami_type(instance).value,
            release_version=self._args.node_release_version,
            scaling_config={"min_size": low, "desired_size": desired, "max_size": high},
            update_config={"max_unavailable_percentage": 33},
            labels=labels,
            taints=[{"key": t.key, "value": t.value, "effect": t.effect} for t in taints],
            launch_template={
                "id": launch_template.id,
                "version": launch_template.latest_version.apply(str),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._node_role.attachments),
        )


@dataclass(frozen=True)
class _RoleWithPolicies:
    role: aws.iam.Role
    attachments: list[aws.iam.RolePolicyAttachment]


def _sharing_labels(pool: ResolvedGpuPool) -> dict[str, str]:
    """The device plugin config label (and MIG layout) on NVIDIA pools' nodes."""
    if pool.instance.vendor is not AcceleratorVendor.NVIDIA:
        return {}
    return sharing_labels(pool.name, pool.sharing)


def _reserve(template: dict, reservation: CapacityReservation) -> str:
    """Target the pool's reservation from its launch template; returns the node group's
    capacity type (CAPACITY_BLOCK for capacity blocks, ON_DEMAND for a reservation)."""
    template["capacity_reservation_specification"] = {
        "capacity_reservation_target": {"capacity_reservation_id": reservation.id}
    }
    if reservation.kind is ReservationKind.CAPACITY_BLOCK:
        template["instance_market_options"] = {"market_type": "capacity-block"}
        return "CAPACITY_BLOCK"
    return "ON_DEMAND"


def _arn_slug(arn: str) -> str:
    """A stable, name-safe slug for an IAM role ARN (its role name, lower-cased)."""
    return re.sub(r"[^a-z0-9-]+", "-", arn.rsplit("/", 1)[-1].lower()).strip("-")
