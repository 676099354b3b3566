"""LakeReplication: the primary side of warehouse replication: one S3 replication
configuration on the primary warehouse bucket, with a rule per secondary region's
:class:`~components.lake_replica.LakeReplica`, and the IAM role S3 assumes to replicate,
scoped to the source bucket, the replica buckets and their keys.

S3 allows one replication configuration per bucket, so adding a region adds a rule to this
configuration (and the replica to the role's policy): those two resources change; every
other resource of the existing regions keeps its URN and inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam_documents as docs

REPLICATION_READ_ACTIONS = (
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
)
REPLICATION_WRITE_ACTIONS = ("s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")


@dataclass(frozen=True, kw_only=True)
class Destination:
    """One replica, as plain strings (inside ``Output.apply``)."""

    region: str
    bucket_arn: str
    key_arn: str


def replication_policy(
    *, source_region: str, source_arn: str, source_key_arn: str, destinations: list[Destination]
) -> dict[str, Any]:
    """What S3 needs to replicate SSE-KMS objects from one bucket to the replicas: read the
    source's versions, decrypt with the source key (through S3 of the source region, for
    that bucket only), replicate into the replicas, encrypt with each replica's key."""
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source_arn,
        },
        {
            "Effect": "Allow",
            "Action": list(REPLICATION_READ_ACTIONS),
            "Resource": f"{source_arn}/*",
        },
        {
            "Effect": "Allow",
            "Action": list(REPLICATION_WRITE_ACTIONS),
            "Resource": sorted(f"{d.bucket_arn}/*" for d in destinations),
        },
        _kms(["kms:Decrypt"], source_key_arn, source_region, source_arn),
    ]
    statements += [
        _kms(["kms:Encrypt", "kms:GenerateDataKey"], d.key_arn, d.region, d.bucket_arn)
        for d in sorted(destinations, key=lambda d: d.region)
    ]
    return {"Version": docs.VERSION, "Statement": statements}


def _kms(actions: list[str], key_arn: str, region: str, bucket_arn: str) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": actions,
        "Resource": key_arn,
        "Condition": {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
            "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, f"{bucket_arn}/*"]},
        },
    }


def replication_rule(code: str, priority: int, bucket_arn: pulumi.Input[str], key_arn) -> dict:
    """One rule: every object (and delete markers) to one replica, re-encrypted with the
    replica's key; named by the replica region's code."""
    return {
        "id": f"warehouse-to-{code}",
        "status": "Enabled",
        "priority": priority,
        "filter": {"prefix": ""},
        "delete_marker_replication": {"status": "Enabled"},
        "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
        "destination": {
            "bucket": bucket_arn,
            "storage_class": "STANDARD",
            "encryption_configuration": {"replica_kms_key_id": key_arn},
        },
    }


@dataclass(frozen=True, kw_only=True)
class ReplicaTarget:
    region: str
    code: str
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]


@dataclass(frozen=True, kw_only=True)
class LakeReplicationArgs:
    stack: str
    source_region: str
    source_bucket: pulumi.Input[str]  # the warehouse bucket's name (id)
    source_bucket_arn: pulumi.Input[str]
    source_key_arn: pulumi.Input[str]
    replicas: tuple[ReplicaTarget, ...]
    depends_on: tuple[pulumi.Resource, ...] = ()  # versioning on the source and replicas

    def __post_init__(self) -> None:
        if not self.replicas:
            raise ValueError("replication needs at least one replica")
        regions = [r.region for r in self.replicas]
        if self.source_region in regions or len(set(regions)) != len(regions):
            raise ValueError(f"replica regions must be distinct secondary regions ({regions})")


class LakeReplication(pulumi.ComponentResource):
    """Replication of the primary warehouse to every replica. Create it with the primary
    region's AWS provider."""

    TYPE = "aiplat:lake:LakeReplication"

    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: LakeReplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"S3 replication of the {args.stack} warehouse to its replicas",
            assume_role_policy=json.dumps(docs.service_trust("s3.amazonaws.com")),
            opts=child,
        )
        replicas = args.replicas
        policy = aws.iam.RolePolicy(
            f"{name}-role",
            role=role.id,
            policy=pulumi.Output.all(
                args.source_bucket_arn,
                args.source_key_arn,
                *(r.bucket_arn for r in replicas),
                *(r.key_arn for r in replicas),
            ).apply(
                lambda a: json.dumps(
                    replication_policy(
                        source_region=args.source_region,
                        source_arn=a[0],
                        source_key_arn=a[1],
                        destinations=[
                            Destination(region=r.region, bucket_arn=b, key_arn=k)
                            for r, b, k in zip(
                                replicas,
                                a[2 : 2 + len(replicas)],
                                a[2 + len(replicas) :],
                                strict=True,
                            )
                        ],
                    )
                )
            ),
            opts=child,
        )
        aws.s3.BucketReplicationConfig(
            f"{name}-warehouse",
            bucket=args.source_bucket,
            role=role.arn,
            rules=[
                replication_rule(r.code, priority, r.bucket_arn, r.key_arn)
                for priority, r in enumerate(replicas, start=1)
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *args.depends_on]),
        )
        self.role_arn = role.arn
        self.register_outputs({"roleArn": self.role_arn})
