"""LakeRoles: the lake's consumer roles for a secondary region's cluster (expert tier).

The lake (buckets, key, Glue catalog) lives in the primary region; engines, pipelines,
Feast and the serving log writer run in every region. Each secondary cluster has its own
OIDC provider, so its service accounts need their own IRSA roles: one per consumer of
:data:`components.lakehouse.CONSUMERS`, trusting only that consumer's namespace and service
account on this cluster (IAM-02), with exactly the permissions of the primary region's
role for the same consumer (its policy document, reused). Writes therefore go to the one
warehouse through the one catalog; the secondary region's replica stays a read-only copy
for disaster recovery. Named by region code, so adding a region changes no existing URN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.lakehouse import CONSUMERS, consumer_role


@dataclass(frozen=True, kw_only=True)
class LakeRolesArgs:
    stack: str
    region: str
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    policies: Mapping[str, pulumi.Input[str]]  # consumer -> the primary role's policy JSON

    def __post_init__(self) -> None:
        missing = sorted(set(CONSUMERS) - set(self.policies))
        if missing:
            raise ValueError(f"no lake policy for consumers {missing}")


class LakeRoles(pulumi.ComponentResource):
    """One IRSA role per lake consumer for this region's cluster."""

    TYPE = "aiplat:lake:LakeRoles"

    role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: LakeRolesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role_arns = {}
        for consumer, spec in CONSUMERS.items():
            self.role_arns[consumer] = consumer_role(
                f"{name}-{consumer}",
                spec,
                oidc_provider_arn=args.oidc_provider_arn,
                oidc_issuer=args.oidc_issuer,
                description=(
                    f"Lake access for {spec.namespace}/{spec.service_account} "
                    f"({args.stack}, {args.region})"
                ),
                policy=args.policies[consumer],
                opts=child,
            )
        self.register_outputs({"roleArns": self.role_arns})
