"""DataEngines: the data engines a tier turns on, in one cluster: Spark (Kubeflow Spark
operator), Ray (KubeRay), Dask (dask-kubernetes operator), Flink (Flink Kubernetes
operator), Kafka (Strimzi in the cluster, or Amazon MSK), ClickHouse (Altinity operator)
reading the Iceberg lake, and a Hive metastore where the lake's metadata service is Hive.

Which engines run comes from ``platform.stacks.data_engines``; their sizes from
``platform.engines`` (the tier's :class:`~tiers.model.EngineSizes`, scaled for the
environment); where Kafka runs from ``platform.kafka``. Each engine gets its own hardened
:class:`~components.platform_namespace.PlatformNamespace`, its operator as a pinned Helm
release (values in ``components/values``) and the custom resources rendered here (specs
from the pure functions of ``components/data_engines_*.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_kubernetes as k8s

from components import data_engines_hive as hive_spec
from components import data_engines_msk as msk
from components import data_engines_network as net
from components import data_engines_olap as olap
from components import data_engines_python as python_engines
from components import data_engines_spark as spark_spec
from components import data_engines_streaming as streaming
from components.helm import pinned_release
from components.lake_access import LakeAccess
from components.platform_namespace import (
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
)
from components.values import clickhouse, dask, flink, hive, ray, spark, strimzi
from components.values.engines_common import iceberg_catalog
from tiers import pins
from tiers.model import DataEngine, KafkaMode, Metastore
from tiers.pins import ChartPin
from tiers.resolve import ResolvedPlatform

if TYPE_CHECKING:
    from components.cluster_services import RegionNetwork


@dataclass(frozen=True, kw_only=True)
class DataEnginesArgs:
    platform: ResolvedPlatform
    lake: LakeAccess | None
    region: str | None = None  # AWS only
    network: RegionNetwork | None = None  # AWS only (for MSK)

    def __post_init__(self) -> None:
        engines = self.platform.stacks.data_engines
        if self.platform.kafka is KafkaMode.MSK:
            if DataEngine.KAFKA not in engines:
                raise ValueError("kafka: msk needs a tier with Kafka")
            if self.network is None or self.region is None:
                raise ValueError("kafka: msk needs the region's network (target aws)")


def lake_catalog(lake: LakeAccess) -> dict[str, Any]:
    """The lake's Iceberg catalog properties, as the engines' catalogs take them."""
    return iceberg_catalog(
        lake.catalog.value, lake.catalog_warehouse, lake.catalog_uri, lake.s3_endpoint, lake.region
    )


class DataEngines(pulumi.ComponentResource):
    """The tier's data engines in one cluster. Pass the cluster's Kubernetes provider (and,
    on AWS, the region's AWS provider, for MSK) in ``opts.providers``."""

    TYPE = "aiplat:data:DataEngines"

    namespaces: dict[str, PlatformNamespace]
    kafka_bootstrap: pulumi.Output[str] | None
    metastore: Metastore

    def __init__(
        self, name: str, args: DataEnginesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        platform = args.platform
        engines = platform.stacks.data_engines
        sizes = platform.engines
        lake = args.lake
        self._catalog = lake_catalog(lake) if lake else None
        self.metastore = hive_spec.metastore_plan(platform.stacks.lake.metastore, platform.target)
        self.namespaces = {}
        self.kafka_bootstrap = None
        kafka_on = DataEngine.KAFKA in engines
        strimzi_on = kafka_on and platform.kafka is KafkaMode.STRIMZI
        vpc_cidr = args.network.vpc_cidr if args.network is not None else None
        self._kafka_allow = net.kafka(platform.kafka if kafka_on else None, vpc_cidr)
        self._hive_allow = net.hive_client(self.metastore is Metastore.HIVE)
        if self.metastore is Metastore.HIVE:
            self._hive()
        if DataEngine.SPARK in engines:
            self._spark()
        if DataEngine.RAY in engines:
            self._operator_and_resource(
                webhook=False,
                namespace=ray.NAMESPACE,
                quota=python_engines.ray_quota(sizes),
                account=ServiceAccountSpec(name=ray.SERVICE_ACCOUNT, automount_token=True),
                release=(ray.RELEASE, pins.KUBERAY_OPERATOR, ray.values()),
                resource=(
                    "ray.io/v1",
                    "RayCluster",
                    ray.CLUSTER,
                    python_engines.ray_cluster(sizes),
                ),
            )
        if DataEngine.DASK in engines:
            # No CRD schema is pinned for DaskCluster: it is rendered, not schema-validated.
            self._operator_and_resource(
                webhook=False,
                namespace=dask.NAMESPACE,
                quota=python_engines.dask_quota(sizes),
                account=ServiceAccountSpec(name=dask.SERVICE_ACCOUNT),
                release=(dask.RELEASE, pins.DASK_KUBERNETES_OPERATOR, dask.values()),
                resource=(
                    "kubernetes.dask.org/v1",
                    "DaskCluster",
                    dask.CLUSTER,
                    python_engines.dask_cluster(sizes),
                ),
            )
        if DataEngine.FLINK in engines:
            self._operator_and_resource(
                webhook=True,
                namespace=flink.NAMESPACE,
                quota=streaming.flink_quota(sizes),
                account=ServiceAccountSpec(name=flink.SERVICE_ACCOUNT, automount_token=True),
                release=(flink.RELEASE, pins.FLINK_OPERATOR, flink.values()),
                resource=(
                    "flink.apache.org/v1beta1",
                    "FlinkDeployment",
                    flink.DEPLOYMENT,
                    streaming.flink_deployment(sizes),
                ),
                webhook_pods=flink.OPERATOR_PODS,
                extra_allows=self._kafka_allow + self._hive_allow,
            )
        if strimzi_on:
            self._strimzi()
        elif kafka_on:
            self._msk()
        if DataEngine.CLICKHOUSE in engines:
            self._clickhouse()
        self.register_outputs(
            {
                "namespaces": sorted(self.namespaces),
                "kafkaBootstrap": self.kafka_bootstrap,
                "metastore": self.metastore.value,
            }
        )

    # --- shared pieces ---------------------------------------------------------------

    def _lake_allows(self, https: bool = False) -> net.Allows:
        lake = self._args.lake
        return net.lake(lake.catalog if lake else None, https)

    def _namespace(
        self,
        namespace: str,
        quota: Quota,
        accounts: tuple[ServiceAccountSpec, ...],
        allows: tuple[NetworkAllow, ...] = (),
        api_server: bool = True,
    ) -> PlatformNamespace:
        ns = PlatformNamespace(
            f"{self._name}-{namespace}",
            PlatformNamespaceArgs(
                namespace=namespace,
                pod_security=PodSecurity.RESTRICTED,
                quota=quota,
                service_accounts=accounts,
                allows=allows,
                allow_api_server=api_server,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.namespaces[namespace] = ns
        return ns

    def _release(
        self, ns: PlatformNamespace, release: str, pin: ChartPin, values: Mapping[str, Any]
    ) -> k8s.helm.v3.Release:
        return pinned_release(
            f"{self._name}-{release}",
            release_name=release,
            pin=pin,
            namespace=ns.name,
            values=values,
            opts=pulumi.ResourceOptions(parent=self, depends_on=ns.ready),
        )

    def _custom(
        self,
        key: str,
        api_version: str,
        kind: str,
        metadata: dict[str, Any],
        spec: dict[str, Any],
        depends_on: list[pulumi.Resource],
        protect: bool = False,
    ) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{key}",
            api_version=api_version,
            kind=kind,
            metadata=metadata,
            spec=spec,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on, protect=protect),
        )

    def _operator_and_resource(
        self,
        *,
        webhook: bool,
        namespace: str,
        quota: Quota,
        account: ServiceAccountSpec,
        release: tuple[str, ChartPin, Mapping[str, Any]],
        resource: tuple[str, str, str, dict[str, Any]],
        webhook_pods: tuple[tuple[str, str], ...] = (),
        extra_allows: tuple[NetworkAllow, ...] = (),
    ) -> None:
        allows = self._lake_allows() + extra_allows
        if webhook:
            allows += net.webhook(webhook_pods)
        ns = self._namespace(namespace, quota, (account,), allows)
        operator = self._release(ns, *release)
        api_version, kind, object_name, spec = resource
        self._custom(
            namespace,
            api_version,
            kind,
            {"name": object_name, "namespace": namespace},
            spec,
            [operator, *ns.ready],
        )

    # --- engines with more than one object -------------------------------------------

    def _spark(self) -> None:
        lake = self._args.lake
        annotations = lake.service_account_annotations("spark") if lake else {}
        sizes = self._args.platform.engines
        allows = (
            self._lake_allows(https=True)  # HTTPS also for the Iceberg packages (Maven)
            + self._kafka_allow
            + self._hive_allow
            + net.webhook(spark.OPERATOR_PODS)
        )
        ns = self._namespace(
            spark.NAMESPACE,
            spark_spec.quota(sizes),
            (
                ServiceAccountSpec(
                    name=spark.SERVICE_ACCOUNT, automount_token=True, annotations=annotations
                ),
            ),
            allows,
        )
        operator = self._release(ns, spark.RELEASE, pins.SPARK_OPERATOR, spark.values())
        self._custom(
            "spark",
            "sparkoperator.k8s.io/v1beta2",
            "SparkApplication",
            {"name": spark_spec.APP_NAME, "namespace": spark.NAMESPACE},
            spark_spec.application(sizes, self._catalog),
            [operator, *ns.ready],
        )

    def _strimzi(self) -> None:
        platform = self._args.platform
        sizes = platform.engines
        ns = self._namespace(
            strimzi.NAMESPACE, streaming.kafka_quota(sizes), (), net.kafka_listener()
        )
        if not platform.stacks.mesh:
            raise ValueError(
                "kafka: the Strimzi listener's certificate comes from the mesh's cert-manager; "
                "a tier with in-cluster Kafka needs mesh: true"
            )
        operator = self._release(ns, strimzi.RELEASE, pins.STRIMZI, strimzi.values())
        listener = self._custom(
            "kafka-listener-cert",
            "cert-manager.io/v1",
            "Certificate",
            {"name": strimzi.LISTENER_SECRET, "namespace": strimzi.NAMESPACE},
            streaming.listener_certificate(),
            list(ns.ready),
        )
        after = [operator, listener, *ns.ready]
        cluster_label = {"strimzi.io/cluster": strimzi.CLUSTER}
        kafka = self._custom(
            "kafka",
            "kafka.strimzi.io/v1",
            "Kafka",
            {
                "name": strimzi.CLUSTER,
                "namespace": strimzi.NAMESPACE,
                "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"},
            },
            streaming.kafka(sizes),
            after,
            protect=platform.protect,
        )
        for pool, spec in streaming.node_pools(sizes).items():
            self._custom(
                f"kafka-pool-{pool}",
                "kafka.strimzi.io/v1",
                "KafkaNodePool",
                {"name": pool, "namespace": strimzi.NAMESPACE, "labels": dict(cluster_label)},
                spec,
                after,
                protect=platform.protect,
            )
        for topic, spec in streaming.topics(sizes).items():
            self._custom(
                f"topic-{topic}",
                "kafka.strimzi.io/v1",
                "KafkaTopic",
                {"name": topic, "namespace": strimzi.NAMESPACE, "labels": dict(cluster_label)},
                spec,
                [*after, kafka],
            )
        self.kafka_bootstrap = pulumi.Output.from_input(strimzi.BOOTSTRAP)

    def _msk(self) -> None:
        platform = self._args.platform
        network = self._args.network
        assert network is not None and self._args.region is not None  # checked in the args
        cluster = msk.build_msk(
            self, self._name, msk.plan_for(platform, self._args.region, network)
        )
        self.kafka_bootstrap = cluster.bootstrap_brokers_sasl_iam

    def _clickhouse(self) -> None:
        platform = self._args.platform
        sizes = platform.engines
        lake = self._args.lake
        allows = self._lake_allows() + self._hive_allow
        ns = self._namespace(
            clickhouse.NAMESPACE,
            olap.quota(sizes),
            (
                ServiceAccountSpec(
                    name=clickhouse.SERVICE_ACCOUNT,
                    # IRSA on AWS: the pods' credential chain reads the lake through Glue
                    annotations=lake.service_account_annotations("clickhouse") if lake else {},
                ),
            ),
            allows,
        )
        operator = self._release(
            ns, clickhouse.RELEASE, pins.CLICKHOUSE_OPERATOR, clickhouse.values()
        )
        sql = (
            olap.lake_sql(
                lake.catalog.value,
                lake.catalog_warehouse,
                lake.catalog_uri,
                lake.s3_endpoint,
                lake.region,
            )
            if lake
            else "-- no lake in this stack\n"
        )
        init = k8s.core.v1.ConfigMap(
            f"{self._name}-clickhouse-lake-init",
            metadata={"name": clickhouse.INIT_CONFIG_MAP, "namespace": clickhouse.NAMESPACE},
            data={"01-lake.sql": sql},
            opts=pulumi.ResourceOptions(parent=self, depends_on=ns.ready),
        )
        after = [operator, init, *ns.ready]
        if olap.replicated(sizes):
            after.append(
                self._custom(
                    "clickhouse-keeper",
                    olap.KEEPER_API,
                    "ClickHouseKeeperInstallation",
                    {"name": clickhouse.KEEPER, "namespace": clickhouse.NAMESPACE},
                    olap.keeper(),
                    after,
                    protect=platform.protect,
                )
            )
        self._custom(
            "clickhouse",
            "clickhouse.altinity.com/v1",
            "ClickHouseInstallation",
            {"name": clickhouse.INSTALLATION, "namespace": clickhouse.NAMESPACE},
            olap.installation(sizes),
            after,
            protect=platform.protect,
        )

    def _hive(self) -> None:
        platform = self._args.platform
        allows = self._lake_allows() + net.hive_server()
        ns = self._namespace(
            hive.NAMESPACE,
            hive_spec.quota(),
            (ServiceAccountSpec(name=hive.SERVICE_ACCOUNT),),
            allows,
            api_server=False,
        )
        inside = pulumi.ResourceOptions(parent=self, depends_on=ns.ready)
        k8s.apps.v1.Deployment(
            f"{self._name}-hive-metastore",
            metadata={"name": hive.NAME, "namespace": hive.NAMESPACE, "labels": hive_spec.LABELS},
            spec=hive_spec.deployment(platform.engines.hive_replicas),
            opts=inside,
        )
        k8s.core.v1.Service(
            f"{self._name}-hive-metastore",
            metadata={"name": hive.NAME, "namespace": hive.NAMESPACE},
            spec=hive_spec.service(),
            opts=inside,
        )
