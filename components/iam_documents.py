"""IAM and KMS policy documents as data: plain dicts, built by small pure functions.

Every function takes plain strings; components call them inside ``Output.apply`` (which
computes a string and never creates a resource). Nothing here grants ``Action: "*"`` or
``Principal: "*"`` (``"*"`` appears only as the principal of a *deny*: the TLS-only rule).
"""

from __future__ import annotations

from typing import Any

VERSION = "2012-10-17"

# IAM-01: the only managed policies a node role carries. Data access goes through
# IRSA or EKS Pod Identity, never the node role.
NODE_ROLE_POLICIES: tuple[str, ...] = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
)
CLUSTER_ROLE_POLICIES: tuple[str, ...] = ("AmazonEKSClusterPolicy",)
CLUSTER_ADMIN_ACCESS_POLICY = "AmazonEKSClusterAdminPolicy"


def managed_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


def eks_access_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def service_trust(service: str) -> dict[str, Any]:
    """Trust policy letting one AWS service principal assume the role."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def account_trust(account_root_arn: str) -> dict[str, Any]:
    """Trust policy for a role that principals of the account may assume (if their own IAM
    policies allow it): the platform admin role."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": account_root_arn},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def flow_log_delivery(log_group_arn: str) -> dict[str, Any]:
    """What VPC flow logs need to write into one log group, and nothing else."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            }
        ],
    }


def kms_key_policy(account_root_arn: str, service_roles: list[str] | None = None) -> dict[str, Any]:
    """A customer-managed key policy: the account administers the key (so IAM policies
    decide who uses it), and listed service-linked roles (the Auto Scaling role, for
    encrypted node volumes) may use it for data keys and grants.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": account_root_arn},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if service_roles:
        statements.append(
            {
                "Sid": "ServiceRolesUseKey",
                "Effect": "Allow",
                "Principal": {"AWS": service_roles},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
            }
        )
        statements.append(
            {
                "Sid": "ServiceRolesCreateGrants",
                "Effect": "Allow",
                "Principal": {"AWS": service_roles},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return {"Version": VERSION, "Statement": statements}


# --- Lakehouse (S3 + KMS + Glue), see components/lakehouse.py -----------------------------

S3_READ_ACTIONS: tuple[str, ...] = ("s3:GetObject", "s3:GetObjectVersion")
S3_WRITE_ACTIONS: tuple[str, ...] = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
KMS_DATA_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
GLUE_READ_ACTIONS: tuple[str, ...] = (
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
)
GLUE_WRITE_ACTIONS: tuple[str, ...] = (
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
)


def tls_only_deny(bucket_arn: str) -> dict[str, Any]:
    """The statement that refuses every request to a bucket not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls_only_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """Bucket policy of a data bucket: TLS only (access is granted by IAM, not here)."""
    return {"Version": VERSION, "Statement": [tls_only_deny(bucket_arn)]}


def access_log_bucket_policy(
    log_bucket_arn: str, source_bucket_arns: list[str], account_id: str
) -> dict[str, Any]:
    """Bucket policy of the access-log bucket: TLS only, and S3 server access logging (the
    ``logging.s3.amazonaws.com`` service, on behalf of the listed buckets of this account)
    may put objects. With BucketOwnerEnforced, the policy is the only way to grant it."""
    return {
        "Version": VERSION,
        "Statement": [
            tls_only_deny(log_bucket_arn),
            {
                "Sid": "S3ServerAccessLogsDelivery",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": sorted(source_bucket_arns)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
        ],
    }


def irsa_trust(
    oidc_provider_arn: str, issuer: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """IRSA trust policy: only one Kubernetes service account of the cluster whose OIDC
    provider is given may assume the role (IAM-02)."""
    host = issuer.removeprefix("https://")
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{host}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def lake_access_policy(
    *,
    grants: list[tuple[str, str, str]],
    key_arn: str,
    glue_resources: list[str],
    glue_write: bool,
) -> dict[str, Any]:
    """A lake consumer's permissions. ``grants`` are (bucket ARN, key prefix, access) with
    access ``read``, ``write`` or ``readwrite``; an empty prefix means the whole bucket.
    Objects are reachable only under the granted prefixes, listing only for read grants;
    the lake key for data keys; Glue actions only on the given catalog/database/table ARNs.
    """
    reads = [(b, p) for b, p, a in grants if "read" in a]
    writes = [(b, p) for b, p, a in grants if "write" in a]
    statements: list[dict[str, Any]] = []
    listed: dict[str, list[str]] = {}
    for bucket, prefix in reads:
        listed.setdefault(bucket, []).append(prefix)
    for bucket, prefixes in sorted(listed.items()):
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket,
        }
        if "" not in prefixes:
            statement["Condition"] = {
                "StringLike": {"s3:prefix": sorted(f"{p}*" for p in prefixes)}
            }
        statements.append(statement)
    if reads:
        statements.append(
            {
                "Effect": "Allow",
                "Action": list(S3_READ_ACTIONS),
                "Resource": sorted(f"{b}/{p}*" for b, p in reads),
            }
        )
    if writes:
        statements.append(
            {
                "Effect": "Allow",
                "Action": list(S3_WRITE_ACTIONS),
                "Resource": sorted(f"{b}/{p}*" for b, p in writes),
            }
        )
    statements.append({"Effect": "Allow", "Action": list(KMS_DATA_ACTIONS), "Resource": key_arn})
    if glue_resources:
        actions = GLUE_READ_ACTIONS + (GLUE_WRITE_ACTIONS if glue_write else ())
        statements.append(
            {"Effect": "Allow", "Action": list(actions), "Resource": sorted(glue_resources)}
        )
    return {"Version": VERSION, "Statement": statements}
