"""Shared data for the data engines' Helm values and custom resources: hardened operator
settings, pinned engine images, and the lake's Iceberg settings as each engine spells them.

Image tags are the ones awslabs/data-on-eks pins at its HEAD (2026) unless noted; none was
pulled here (no registry access), so each is as good as its source.
"""

from __future__ import annotations

from typing import Any

from components.hardening import Resources, container_security_context, pod_security_context

OPERATOR_RESOURCES = Resources(
    cpu_request="100m", memory_request="256Mi", cpu_limit="500m", memory_limit="512Mi"
)
WEBHOOK_PORT = 9443
# Iceberg runtime for the engines' JVMs (Apache Iceberg 1.10.0: Spark 4.0 and Flink 2.0).
ICEBERG_VERSION = "1.10.0"


def operator_hardening() -> dict[str, Any]:
    """The resources and security contexts every operator chart here takes (under its own
    key names; each values module maps them)."""
    return {
        "resources": OPERATOR_RESOURCES.as_k8s(),
        "securityContext": container_security_context(),
        "podSecurityContext": pod_security_context(),
    }


def iceberg_catalog(
    catalog: str,
    warehouse_uri: Any,
    catalog_uri: str | None,
    s3_endpoint: str | None,
    region: str | None,
) -> dict[str, Any]:
    """Iceberg catalog properties (the keys Iceberg's Spark and Flink catalogs share) for
    the lake: Glue on AWS, the REST catalog (Polaris) with the in-cluster S3 store on-prem."""
    props: dict[str, Any] = {"warehouse": warehouse_uri}
    if catalog == "glue":
        props["type"] = "glue"
        props["io-impl"] = "org.apache.iceberg.aws.s3.S3FileIO"
    else:
        props["type"] = "rest"
        props["uri"] = catalog_uri or ""
    if s3_endpoint:
        props["s3.endpoint"] = s3_endpoint
        props["s3.path-style-access"] = "true"
    if region:
        props["client.region"] = region
    return props
