"""LakeReplica: the copy of the primary region's warehouse bucket in a secondary region.

S3 replication (set on the primary side by
:class:`~components.lake_replication.LakeReplication`) writes into this bucket. It is
hardened like the lake's own buckets (see :mod:`components.lakehouse`): SSE-KMS with a
customer key of *this* region (rotated, account-administered policy) and bucket keys, all
public access blocked, versioning (replication requires it on both sides), ACLs off
(BucketOwnerEnforced), TLS only, noncurrent versions expired, and server access logs to a
log bucket in the same region (S3 delivers access logs only within a region).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam_documents as docs
from components.lakehouse import ACCESS_LOGS
from components.values import buckets as bucket_settings

REPLICA = "warehouse-replica"


@dataclass(frozen=True, kw_only=True)
class LakeReplicaArgs:
    stack: str
    region: str
    code: str  # the region's short code (decisions.region_code)
    source_region: str
    access_log_retention_days: int
    protect: bool

    def __post_init__(self) -> None:
        if self.region == self.source_region:
            raise ValueError(f"a replica of the {self.source_region} lake needs another region")
        if self.access_log_retention_days < 1:
            raise ValueError("access_log_retention_days must be >= 1")


def alias_name(stack: str, code: str) -> str:
    return f"alias/aiplat/{stack}/lake-replica-{code}"


class LakeReplica(pulumi.ComponentResource):
    """A hardened replica bucket for the warehouse, with its own regional key and log
    bucket. Create it with the secondary region's AWS provider."""

    TYPE = "aiplat:lake:LakeReplica"

    bucket: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    region: str
    code: str
    ready: list[pulumi.Resource]  # versioning must be on before replication is configured

    def __init__(
        self, name: str, args: LakeReplicaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(
            parent=self, protect=args.protect, retain_on_delete=args.protect
        )
        identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=self)).partition
        root = f"arn:{partition}:iam::{identity.account_id}:root"

        key = aws.kms.Key(
            f"{name}-key",
            description=f"Lake replica encryption (S3 SSE-KMS) for {args.stack} in {args.region}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(docs.kms_key_policy(root)),
            opts=stateful,
        )
        aws.kms.Alias(
            f"{name}-key",
            name=alias_name(args.stack, args.code),
            target_key_id=key.key_id,
            opts=child,
        )

        logs_name = f"{name}-{ACCESS_LOGS}"
        logs = aws.s3.Bucket(logs_name, opts=stateful)
        bucket_name = f"{name}-{REPLICA}"
        bucket = aws.s3.Bucket(bucket_name, opts=stateful)
        for resource_name, target in ((logs_name, logs), (bucket_name, bucket)):
            aws.s3.BucketPublicAccessBlock(
                resource_name, bucket=target.id, **bucket_settings.public_access_block(), opts=child
            )
            aws.s3.BucketOwnershipControls(
                resource_name, bucket=target.id, rule=bucket_settings.OWNER_ENFORCED, opts=child
            )

        # the log bucket: SSE-S3 (access logging cannot deliver to SSE-KMS), logs expire
        aws.s3.BucketServerSideEncryptionConfiguration(
            logs_name,
            bucket=logs.id,
            rules=bucket_settings.SSE_S3_RULES,
            opts=child,
        )
        aws.s3.BucketPolicy(
            logs_name,
            bucket=logs.id,
            policy=pulumi.Output.all(logs.arn, bucket.arn).apply(
                lambda arns: json.dumps(
                    docs.access_log_bucket_policy(arns[0], [arns[1]], identity.account_id)
                )
            ),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            logs_name,
            bucket=logs.id,
            rules=bucket_settings.access_log_lifecycle_rules(args.access_log_retention_days),
            opts=child,
        )

        # the replica: SSE-KMS with this region's key, versioned, TLS only, logged
        aws.s3.BucketServerSideEncryptionConfiguration(
            bucket_name,
            bucket=bucket.id,
            rules=bucket_settings.kms_encryption_rules(key.arn),
            opts=child,
        )
        aws.s3.BucketPolicy(
            bucket_name,
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(docs.tls_only_bucket_policy(arn))),
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            bucket_name,
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            bucket_name,
            bucket=bucket.id,
            rules=[bucket_settings.noncurrent_version_rule()],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketLogging(
            bucket_name,
            bucket=bucket.id,
            target_bucket=logs.id,
            target_prefix=f"{REPLICA}/",
            opts=child,
        )

        self.bucket = bucket.id
        self.bucket_arn = bucket.arn
        self.key_arn = key.arn
        self.region = args.region
        self.code = args.code
        self.ready = [versioning]
        self.register_outputs(
            {"bucket": self.bucket, "bucketArn": self.bucket_arn, "keyArn": self.key_arn}
        )
