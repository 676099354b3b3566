"""S3 bucket settings the lake's buckets share (the Lakehouse's and the replicas in other
regions), as data: SSE-KMS with a customer key and bucket keys (S3-01), all four public
access flags (S3-02), ACLs off (S3-04), and the lifecycle rules."""

from __future__ import annotations

from typing import Any

import pulumi

NONCURRENT_VERSION_DAYS = 90  # overwritten or deleted Iceberg files stay recoverable this long
ABORT_MULTIPART_DAYS = 7
OWNER_ENFORCED = {"object_ownership": "BucketOwnerEnforced"}
# Access logging cannot deliver to an SSE-KMS bucket: the log buckets use SSE-S3.
SSE_S3_RULES = [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]


def public_access_block() -> dict[str, bool]:
    return {
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }


def kms_encryption_rules(key_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    return [
        {
            "apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms",
                "kms_master_key_id": key_arn,
            },
            "bucket_key_enabled": True,
        }
    ]


def access_log_lifecycle_rules(retention_days: int) -> list[dict[str, Any]]:
    return [
        {
            "id": "expire-access-logs",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "expiration": {"days": retention_days},
            "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
        }
    ]


def noncurrent_version_rule() -> dict[str, Any]:
    return {
        "id": "expire-noncurrent-versions",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_MULTIPART_DAYS},
    }
