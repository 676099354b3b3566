"""LakeAccess: what in-cluster services need to know about the lake, on either target.

Built once from the AWS :class:`~components.lakehouse.Lakehouse` or the on-prem
:class:`~components.lake_onprem.OnPremLake`, and passed down to the services that read and
write it (engines, pipelines, Feast, serving's log writer), so none of them looks at which
target it runs on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi

from components.lake_onprem import OnPremLake
from components.lakehouse import CONSUMERS, Lakehouse
from components.values import polaris_setup, seaweedfs

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


class CatalogKind(StrEnum):
    GLUE = "glue"
    REST = "rest"


@dataclass(frozen=True, kw_only=True)
class LakeAccess:
    """The lake as its consumers see it. ``role_arns`` maps a consumer of
    :data:`components.lakehouse.CONSUMERS` to its IAM role (IRSA; empty on-prem)."""

    catalog: CatalogKind
    warehouse_uri: pulumi.Input[str]
    artifacts_uri: pulumi.Input[str]
    catalog_uri: str | None = None
    s3_endpoint: str | None = None
    region: str | None = None
    role_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    @property
    def catalog_warehouse(self) -> pulumi.Input[str]:
        """What Iceberg clients pass as ``warehouse``: the warehouse location to Glue, the
        catalog's name to the REST catalog (Polaris finds its catalogs by name)."""
        if self.catalog is CatalogKind.GLUE:
            return self.warehouse_uri
        return polaris_setup.CATALOG

    def service_account_annotations(self, consumer: str) -> dict[str, pulumi.Input[str]]:
        """IRSA annotation for a consumer's ServiceAccount (none on-prem, where the object
        store's credentials come from a Secret)."""
        if consumer not in CONSUMERS:
            raise ValueError(f"unknown lake consumer {consumer!r}; use one of {sorted(CONSUMERS)}")
        arn = self.role_arns.get(consumer)
        return {IRSA_ANNOTATION: arn} if arn is not None else {}


def from_lakehouse(lake: Lakehouse, region: str) -> LakeAccess:
    return LakeAccess(
        catalog=CatalogKind.GLUE,
        warehouse_uri=pulumi.Output.concat("s3://", lake.warehouse_bucket, "/"),
        artifacts_uri=pulumi.Output.concat("s3://", lake.artifacts_bucket, "/"),
        region=region,
        role_arns=dict(lake.role_arns),
    )


def from_onprem(lake: OnPremLake) -> LakeAccess:
    warehouse, _landing, artifacts, *_ = seaweedfs.BUCKETS
    return LakeAccess(
        catalog=CatalogKind.REST,
        warehouse_uri=f"s3://{warehouse}/",
        artifacts_uri=f"s3://{artifacts}/",
        catalog_uri=lake.catalog_uri,
        s3_endpoint=lake.s3_endpoint,
    )
