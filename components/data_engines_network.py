"""The engines' network allows (on top of each namespace's default-deny, DNS and
same-namespace rules), as pure functions: egress to the lake, to Kafka and to the Hive
metastore; ingress to operator webhooks, Kafka's TLS listener and the metastore."""

from __future__ import annotations

from components import data_engines_msk as msk
from components.lake_access import CatalogKind
from components.platform_namespace import Direction, NetworkAllow
from components.values import hive, polaris, seaweedfs, strimzi
from components.values.engines_common import WEBHOOK_PORT
from tiers.model import KafkaMode

Allows = tuple[NetworkAllow, ...]
# Namespaces whose pods produce to or consume from Kafka (seldon: the serving log writer).
KAFKA_CLIENTS: tuple[str, ...] = ("seldon", "feast", "spark", "flink")
LAKE_NAMESPACE = "lake"  # the on-prem lake (components/lake_onprem.py)


def lake(catalog: CatalogKind | None, https: bool = False) -> Allows:
    """Egress to the lake: HTTPS (S3, Glue, STS through the VPC's NAT) with a Glue
    catalog, the object store and REST catalog in the ``lake`` namespace with a REST one.
    ``https`` adds HTTPS anyway (Spark fetches the Iceberg packages from Maven)."""
    allows: list[NetworkAllow] = []
    if https or catalog is CatalogKind.GLUE:
        allows.append(
            NetworkAllow(name="https", direction=Direction.EGRESS, any_peer=True, ports=(443,))
        )
    if catalog is CatalogKind.REST:
        allows.append(
            NetworkAllow(
                name="lake",
                direction=Direction.EGRESS,
                namespaces=(LAKE_NAMESPACE,),
                ports=(seaweedfs.S3_PORT, polaris.PORT),
            )
        )
    return tuple(allows)


def kafka(mode: KafkaMode | None, vpc_cidr: str | None) -> Allows:
    """Egress to Kafka: Strimzi's TLS listener, or MSK's brokers in the VPC."""
    if mode is KafkaMode.STRIMZI:
        return (
            NetworkAllow(
                name="kafka",
                direction=Direction.EGRESS,
                namespaces=(strimzi.NAMESPACE,),
                ports=(strimzi.TLS_PORT,),
            ),
        )
    if mode is KafkaMode.MSK and vpc_cidr:
        return (
            NetworkAllow(
                name="msk", direction=Direction.EGRESS, cidr=vpc_cidr, ports=(msk.TLS_IAM_PORT,)
            ),
        )
    return ()


def hive_client(enabled: bool) -> Allows:
    if not enabled:
        return ()
    return (
        NetworkAllow(
            name="hive-metastore",
            direction=Direction.EGRESS,
            namespaces=(hive.NAMESPACE,),
            ports=(hive.PORT,),
        ),
    )


def webhook(pods: tuple[tuple[str, str], ...]) -> Allows:
    """The API server calls the operator's admission webhook (its address cannot be
    named portably, so any source, on the webhook port and the operator's pods only)."""
    return (
        NetworkAllow(
            name="webhook",
            direction=Direction.INGRESS,
            any_peer=True,
            ports=(WEBHOOK_PORT,),
            pods=pods,
        ),
    )


def kafka_listener() -> Allows:
    return (
        NetworkAllow(
            name="clients-tls",
            direction=Direction.INGRESS,
            namespaces=KAFKA_CLIENTS,
            ports=(strimzi.TLS_PORT,),
        ),
    )


def hive_server() -> Allows:
    """The metastore: Thrift from the engines, and out to its Postgres (wherever the
    user runs it)."""
    return (
        NetworkAllow(
            name="thrift-clients",
            direction=Direction.INGRESS,
            namespaces=hive.CLIENTS,
            ports=(hive.PORT,),
        ),
        NetworkAllow(
            name="postgres",
            direction=Direction.EGRESS,
            any_peer=True,
            ports=(hive.POSTGRES_PORT,),
        ),
    )
