"""OnPremLake: the lake on a cluster the user brings (``target: kubernetes``): an in-cluster
S3-compatible object store (SeaweedFS), Postgres (CloudNativePG) and an Iceberg REST catalog
(Apache Polaris), each a pinned Helm v3 release whose values are data
(``components/values``), in a ``lake`` namespace that is Pod Security ``restricted`` and
default-deny, with explicit allows between the catalog, Postgres and the object store.

No credentials are generated or stored: the releases read Secrets the user creates in the
namespace (see docs/architecture.md, "On-prem lake").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.lakehouse import CONSUMERS
from components.values import cloudnative_pg, polaris, polaris_setup, seaweedfs
from tiers.model import Environment
from tiers.pins import ChartPin

PSA_LEVEL = "restricted"
PSA_LABELS = {
    f"pod-security.kubernetes.io/{mode}": PSA_LEVEL for mode in ("enforce", "audit", "warn")
}
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")

# Release names (fixed, so in-cluster service names are known: ``seaweedfs-s3``,
# ``lake-postgres-rw``, ``polaris``).
OBJECT_STORE_RELEASE = "seaweedfs"
POSTGRES_OPERATOR_RELEASE = "cnpg"
POSTGRES_RELEASE = "lake-postgres"
CATALOG_RELEASE = "polaris"

# Pod selectors, from the charts' labels.
OBJECT_STORE_PODS = {"app.kubernetes.io/name": "seaweedfs"}
S3_PODS = {**OBJECT_STORE_PODS, "app.kubernetes.io/component": "s3"}
POSTGRES_PODS = {"cnpg.io/cluster": cloudnative_pg.CLUSTER_NAME}
OPERATOR_PODS = {"app.kubernetes.io/name": "cloudnative-pg"}
CATALOG_PODS = {"app.kubernetes.io/name": "polaris"}
SETUP_PODS = polaris_setup.PODS  # the catalog's bootstrap and create-catalog Jobs
API_SERVER_PORTS = (443, 6443)


@dataclass(frozen=True, kw_only=True)
class OnPremLakeArgs:
    environment: Environment
    lake_size_tb: float
    object_store: ChartPin
    postgres_operator: ChartPin
    postgres: ChartPin
    catalog: ChartPin
    namespace: str = "lake"
    storage_class: str | None = None  # None: the cluster's default StorageClass
    protect: bool = False

    def __post_init__(self) -> None:
        if self.lake_size_tb <= 0:
            raise ValueError("lake_size_tb must be > 0 for an enabled lake")
        if not _DNS_LABEL.fullmatch(self.namespace):
            raise ValueError(f"namespace {self.namespace!r} is not a DNS-1123 label")
        if self.storage_class is not None and not self.storage_class.strip():
            raise ValueError("storage_class, when given, must name a StorageClass")


def _port(port: int, protocol: str = "TCP") -> dict[str, Any]:
    return {"protocol": protocol, "port": port}


def _pods(labels: dict[str, str]) -> dict[str, Any]:
    return {"podSelector": {"matchLabels": labels}}


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {
        "namespaceSelector": {
            "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": names}
            ]
        }
    }


def network_policies() -> dict[str, dict[str, Any]]:
    """The lake namespace's NetworkPolicy specs, by name: deny everything, then allow DNS
    and exactly the paths the lake uses."""
    consumers = sorted({c.namespace for c in CONSUMERS.values()})
    api_server = {"ports": [_port(p) for p in API_SERVER_PORTS]}
    return {
        "default-deny": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-dns": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            **_namespaces(["kube-system"]),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [_port(53, "UDP"), _port(53, "TCP")],
                }
            ],
        },
        # SeaweedFS components (master, volume, filer, S3 gateway) talk among themselves.
        "object-store-internal": {
            "podSelector": {"matchLabels": OBJECT_STORE_PODS},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [_pods(OBJECT_STORE_PODS)]}],
            "egress": [{"to": [_pods(OBJECT_STORE_PODS)]}],
        },
        # The S3 gateway: from the catalog, Postgres backups and the lake's consumers.
        "object-store-s3-ingress": {
            "podSelector": {"matchLabels": S3_PODS},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [_pods(CATALOG_PODS), _pods(POSTGRES_PODS), _namespaces(consumers)],
                    "ports": [_port(seaweedfs.S3_PORT)],
                }
            ],
        },
        # The catalog: serves the consumers; reaches Postgres and the S3 gateway.
        "catalog": {
            "podSelector": {"matchLabels": CATALOG_PODS},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [_namespaces(consumers), _pods(SETUP_PODS)],
                    "ports": [_port(polaris.PORT)],
                }
            ],
            "egress": [
                {"to": [_pods(POSTGRES_PODS)], "ports": [_port(cloudnative_pg.PORT)]},
                {"to": [_pods(S3_PODS)], "ports": [_port(seaweedfs.S3_PORT)]},
            ],
        },
        # Postgres: the catalog's connections, replication between instances, the
        # operator's status polls; out to the S3 gateway (backups) and the API server.
        "postgres": {
            "podSelector": {"matchLabels": POSTGRES_PODS},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [_pods(CATALOG_PODS), _pods(POSTGRES_PODS), _pods(SETUP_PODS)],
                    "ports": [_port(cloudnative_pg.PORT)],
                },
                {
                    "from": [_pods(OPERATOR_PODS)],
                    "ports": [_port(cloudnative_pg.STATUS_PORT), _port(cloudnative_pg.PORT)],
                },
            ],
            "egress": [
                {
                    "to": [_pods(POSTGRES_PODS)],
                    "ports": [_port(cloudnative_pg.PORT), _port(cloudnative_pg.STATUS_PORT)],
                },
                {"to": [_pods(S3_PODS)], "ports": [_port(seaweedfs.S3_PORT)]},
                api_server,
            ],
        },
        # The setup Jobs: the admin tool bootstraps the realm in Postgres; curl creates
        # the catalog through Polaris's management API.
        "catalog-setup": {
            "podSelector": {"matchLabels": SETUP_PODS},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [
                {"to": [_pods(POSTGRES_PODS)], "ports": [_port(cloudnative_pg.PORT)]},
                {"to": [_pods(CATALOG_PODS)], "ports": [_port(polaris.PORT)]},
            ],
        },
        # The operator: its admission webhook is called by the API server (whose address
        # a policy cannot name portably); it polls the instances and calls the API server.
        "postgres-operator": {
            "podSelector": {"matchLabels": OPERATOR_PODS},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"ports": [_port(cloudnative_pg.WEBHOOK_PORT)]}],
            "egress": [
                {
                    "to": [_pods(POSTGRES_PODS)],
                    "ports": [_port(cloudnative_pg.STATUS_PORT), _port(cloudnative_pg.PORT)],
                },
                api_server,
            ],
        },
    }


class OnPremLake(pulumi.ComponentResource):
    """The lake's object store, Postgres and Iceberg REST catalog on an existing cluster.
    Pass the ExistingCluster's provider in ``opts.provider``."""

    TYPE = "aiplat:lake:OnPremLake"

    namespace: str
    catalog_uri: str
    s3_endpoint: str

    def __init__(
        self, name: str, args: OnPremLakeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        ns_name = args.namespace
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = ns_name
        self.s3_endpoint = f"http://{OBJECT_STORE_RELEASE}-s3.{ns_name}.svc:{seaweedfs.S3_PORT}"
        self.catalog_base = f"http://{CATALOG_RELEASE}.{ns_name}.svc:{polaris.PORT}"
        self.catalog_uri = f"{self.catalog_base}/api/catalog"

        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={
                "name": ns_name,
                "labels": {**PSA_LABELS, "app.kubernetes.io/part-of": "aiplat-lake"},
            },
            opts=child,
        )
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        policies = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-netpol-{policy}",
                metadata={"name": policy, "namespace": ns_name},
                spec=spec,
                opts=in_ns,
            )
            for policy, spec in network_policies().items()
        ]
        catalog_sa = k8s.core.v1.ServiceAccount(
            f"{name}-catalog-sa",
            metadata={"name": polaris.SERVICE_ACCOUNT, "namespace": ns_name},
            automount_service_account_token=False,
            opts=in_ns,
        )
        ready = [namespace, *policies]

        def release(
            suffix: str,
            release_name: str,
            pin: ChartPin,
            values: dict[str, Any],
            depends_on: list[pulumi.Resource],
            protect: bool = False,
        ) -> k8s.helm.v3.Release:
            return k8s.helm.v3.Release(
                f"{name}-{suffix}",
                name=release_name,
                chart=pin.chart,
                version=pin.version,
                repository_opts={"repo": pin.repository},
                namespace=ns_name,
                values=values,
                atomic=True,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on, protect=protect),
            )

        self.object_store = release(
            "object-store",
            OBJECT_STORE_RELEASE,
            args.object_store,
            seaweedfs.values(args.lake_size_tb, args.environment, args.storage_class),
            ready,
            args.protect,
        )
        self.postgres_operator = release(
            "postgres-operator",
            POSTGRES_OPERATOR_RELEASE,
            args.postgres_operator,
            cloudnative_pg.operator_values(),
            ready,
        )
        self.postgres = release(
            "postgres",
            POSTGRES_RELEASE,
            args.postgres,
            cloudnative_pg.cluster_values(args.environment, self.s3_endpoint, args.storage_class),
            [*ready, self.postgres_operator, self.object_store],
            args.protect,
        )
        # Polaris starts on a bootstrapped realm; the catalog is created once it serves.
        setup_sa = k8s.core.v1.ServiceAccount(
            f"{name}-catalog-setup-sa",
            metadata={"name": polaris_setup.SERVICE_ACCOUNT, "namespace": ns_name},
            automount_service_account_token=False,
            opts=in_ns,
        )
        bootstrap = self._job(
            f"{name}-catalog-bootstrap",
            polaris_setup.bootstrap_job(ns_name, args.catalog.version),
            in_ns,
            [setup_sa, self.postgres],
        )
        self.catalog = release(
            "catalog",
            CATALOG_RELEASE,
            args.catalog,
            polaris.values(args.environment),
            [*ready, catalog_sa, self.postgres, self.object_store, bootstrap],
        )
        self._job(
            f"{name}-catalog-create",
            polaris_setup.catalog_job(ns_name, self.catalog_base, self.s3_endpoint),
            in_ns,
            [setup_sa, self.catalog, bootstrap],
        )
        self.register_outputs(
            {
                "namespace": ns_name,
                "catalogUri": self.catalog_uri,
                "s3Endpoint": self.s3_endpoint,
            }
        )

    def _job(
        self, name: str, body: dict[str, Any], opts: pulumi.ResourceOptions, after: list
    ) -> k8s.batch.v1.Job:
        """One of the catalog's setup Jobs (``components/values/polaris_setup.py``); both
        are idempotent, so a re-run (a replaced Job) changes nothing."""
        return k8s.batch.v1.Job(
            name,
            metadata=body["metadata"],
            spec=body["spec"],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=after)),
        )
