"""ClickHouse (Altinity operator) reading the Iceberg lake: the ClickHouseInstallation, the
ClickHouseKeeperInstallation it needs when replicated, and the init SQL that attaches the
lake's catalog as database ``lake`` (ClickHouse's ``DataLakeCatalog`` database engine: Glue
on AWS, Iceberg REST on-prem), as pure functions of the engine sizes and the lake.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi

from components.hardening import (
    container,
    http_probes,
    image,
    pod_security_context,
    pod_spec,
    scratch_volume,
)
from components.platform_namespace import Quota
from components.values import clickhouse as ch
from tiers.model import EngineSizes

INIT_DIR = "/docker-entrypoint-initdb.d"  # the official image runs *.sql here on first start
KEEPER_API = "clickhouse-keeper.altinity.com/v1"
KEEPER_HOST = f"keeper-{ch.KEEPER}.{ch.NAMESPACE}.svc"  # the operator's keeper Service


def replicated(sizes: EngineSizes) -> bool:
    return sizes.clickhouse_replicas > 1


def quota(sizes: EngineSizes) -> Quota:
    servers = sizes.clickhouse_shards * sizes.clickhouse_replicas
    keepers = ch.KEEPER_REPLICAS if replicated(sizes) else 0
    cpu = 1 + 4 * servers + keepers
    memory = 1 + 16 * servers + keepers
    return Quota(cpu=str(cpu), memory=f"{math.ceil(memory)}Gi", gpus=0, pods=servers + keepers + 4)


def lake_sql(
    catalog: str,
    warehouse_uri: pulumi.Input[str],
    catalog_uri: str | None,
    s3_endpoint: str | None,
    region: str | None,
) -> pulumi.Output[str]:
    """``CREATE DATABASE lake`` over the lake's Iceberg catalog. Credentials are not
    written here: on AWS ClickHouse uses the pod's AWS credentials chain; a REST catalog
    that requires a client secret needs ``catalog_credential`` added by the operator of
    the platform (see docs/architecture.md, "Data engines")."""
    settings = [f"catalog_type = '{catalog}'"]
    if region:
        settings.append(f"region = '{region}'")
    if s3_endpoint:
        settings.append(f"storage_endpoint = '{s3_endpoint}'")
    engine = f"DataLakeCatalog('{catalog_uri}')" if catalog_uri else "DataLakeCatalog"
    return pulumi.Output.concat(
        f"CREATE DATABASE IF NOT EXISTS {ch.LAKE_DATABASE}\nENGINE = {engine}\nSETTINGS ",
        ", ".join(settings),
        ", warehouse = '",
        warehouse_uri,
        "';\n",
    )


def installation(sizes: EngineSizes) -> dict[str, Any]:
    """The ClickHouseInstallation ``spec``: ``shards x replicas`` servers, hardened pods,
    persistent data, a ClusterIP service, DataLakeCatalog enabled for the default profile."""
    logs, logs_mount = scratch_volume("ch-log", "/var/log/clickhouse-server", "2Gi")
    tmp, tmp_mount = scratch_volume("ch-tmp", "/tmp", "10Gi")
    init = {"name": "lake-init", "configMap": {"name": ch.INIT_CONFIG_MAP}}
    server = container(
        name="clickhouse",
        image_ref=image(*ch.IMAGE),
        resources=ch.SERVER,
        ports={"http": ch.HTTP_PORT, "tcp": ch.TCP_PORT, "interserver": ch.INTERSERVER_PORT},
        probes=http_probes(ch.HTTP_PORT, "/ping"),
        mounts=(
            logs_mount,
            tmp_mount,
            {"name": "lake-init", "mountPath": INIT_DIR, "readOnly": True},
        ),
    )
    spec = pod_spec(
        service_account=ch.SERVICE_ACCOUNT, containers=[server], volumes=(logs, tmp, init)
    )
    spec["securityContext"] = pod_security_context(ch.CLICKHOUSE_UID)
    configuration: dict[str, Any] = {
        "clusters": [
            {
                "name": ch.CLUSTER,
                "layout": {
                    "shardsCount": sizes.clickhouse_shards,
                    "replicasCount": sizes.clickhouse_replicas,
                },
            }
        ],
        "profiles": {
            "default/allow_experimental_database_iceberg": 1,
            "default/allow_experimental_database_glue_catalog": 1,
        },
    }
    if replicated(sizes):
        configuration["zookeeper"] = {"nodes": [{"host": KEEPER_HOST, "port": ch.KEEPER_PORT}]}
    return {
        "defaults": {
            "templates": {
                "podTemplate": "clickhouse",
                "dataVolumeClaimTemplate": "data",
                "serviceTemplate": "cluster-ip",
            }
        },
        "configuration": configuration,
        "templates": {
            "podTemplates": [{"name": "clickhouse", "spec": spec}],
            "volumeClaimTemplates": [
                {
                    "name": "data",
                    "reclaimPolicy": "Retain",
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": f"{ch.DATA_GIB}Gi"}},
                    },
                }
            ],
            "serviceTemplates": [
                {
                    "name": "cluster-ip",
                    "spec": {
                        "type": "ClusterIP",
                        "ports": [
                            {"name": "http", "port": ch.HTTP_PORT},
                            {"name": "tcp", "port": ch.TCP_PORT},
                        ],
                    },
                }
            ],
        },
    }


def keeper() -> dict[str, Any]:
    """The ClickHouseKeeperInstallation ``spec`` (three Keeper replicas). Its CRD schema is
    not among the pinned ones, so it is rendered but not schema-validated."""
    tmp, tmp_mount = scratch_volume("keeper-tmp", "/tmp", "1Gi")
    logs, logs_mount = scratch_volume("keeper-log", "/var/log/clickhouse-keeper", "1Gi")
    main = container(
        name="clickhouse-keeper",
        image_ref=image(*ch.KEEPER_IMAGE),
        resources=ch.KEEPER_RESOURCES,
        ports={"client": ch.KEEPER_PORT},
        mounts=(tmp_mount, logs_mount),
    )
    spec = pod_spec(service_account=ch.SERVICE_ACCOUNT, containers=[main], volumes=(tmp, logs))
    spec["securityContext"] = pod_security_context(ch.CLICKHOUSE_UID)
    return {
        "defaults": {
            "templates": {"podTemplate": "keeper", "dataVolumeClaimTemplate": "keeper-data"}
        },
        "configuration": {
            "clusters": [{"name": "keeper", "layout": {"replicasCount": ch.KEEPER_REPLICAS}}]
        },
        "templates": {
            "podTemplates": [{"name": "keeper", "spec": spec}],
            "volumeClaimTemplates": [
                {
                    "name": "keeper-data",
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                    },
                }
            ],
        },
    }
