"""The lake's metadata service for the engines, and the Hive metastore aiplat renders when
that service is Hive.

:func:`metastore_plan` decides it from the tier's metastore and the target: on AWS the
tier's Glue stays Glue (the Lakehouse creates the databases); on a cluster the user brings
there is no Glue, so a tier that wants a metastore gets a Hive metastore (Iceberg tables
themselves stay in the lake's REST catalog).
"""

from __future__ import annotations

from typing import Any

from components.hardening import (
    container,
    image,
    pod_security_context,
    pod_spec,
    scratch_volume,
    secret_volume,
    tcp_probes,
)
from components.platform_namespace import Quota
from components.values import hive
from tiers.model import Metastore, Target

LABELS = {"app.kubernetes.io/name": hive.NAME, "app.kubernetes.io/part-of": "aiplat-engines"}


def metastore_plan(metastore: Metastore, target: Target) -> Metastore:
    if metastore is Metastore.GLUE and target is Target.KUBERNETES:
        return Metastore.HIVE
    return metastore


def quota() -> Quota:
    return Quota(cpu="2", memory="4Gi", gpus=0, pods=4)


def deployment(replicas: int) -> dict[str, Any]:
    """The metastore Deployment's ``spec``: the Thrift service on 9083, its configuration
    (with the database password) read as a file from a Secret the user creates."""
    site, site_mount = secret_volume("site", hive.SITE_SECRET, "/opt/hive/conf/secret")
    tmp, tmp_mount = scratch_volume("tmp", "/tmp", "1Gi")
    logs, logs_mount = scratch_volume("logs", "/opt/hive/logs", "1Gi")
    main = container(
        name="metastore",
        image_ref=image(*hive.IMAGE),
        resources=hive.RESOURCES,
        ports={"thrift": hive.PORT},
        env={
            "SERVICE_NAME": "metastore",
            "DB_DRIVER": "postgres",
            "IS_RESUME": "true",  # schema initialised once by the user (schematool)
            "HIVE_CUSTOM_CONF_DIR": "/opt/hive/conf/secret",
        },
        probes=tcp_probes(hive.PORT),
        mounts=(site_mount, tmp_mount, logs_mount),
    )
    spec = pod_spec(
        service_account=hive.SERVICE_ACCOUNT, containers=[main], volumes=(site, tmp, logs)
    )
    spec["securityContext"] = pod_security_context(hive.HIVE_UID)
    return {
        "replicas": replicas,
        "selector": {"matchLabels": {"app.kubernetes.io/name": hive.NAME}},
        "template": {"metadata": {"labels": dict(LABELS)}, "spec": spec},
    }


def service() -> dict[str, Any]:
    return {
        "type": "ClusterIP",
        "selector": {"app.kubernetes.io/name": hive.NAME},
        "ports": [{"name": "thrift", "port": hive.PORT, "targetPort": "thrift", "protocol": "TCP"}],
    }
