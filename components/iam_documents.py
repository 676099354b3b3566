"""IAM and KMS policy documents as data: plain dicts, built by small pure functions.

Every function takes plain strings; components call them inside ``Output.apply`` (which
computes a string and never creates a resource). Nothing here grants ``Action: "*"`` or ``Principal: "*"``.
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
