"""Spark on Kubernetes (Kubeflow Spark operator): the ``spark`` namespace's quota and the
reference ``SparkApplication``, as pure functions of the engine sizes and the lake.

The reference application runs Spark's bundled Pi example with the lake's Iceberg catalog
configured (catalog ``lake``), so it doubles as a smoke test of the image, the operator and
the IRSA wiring. Executors scale between the tier's min and max with dynamic allocation
(shuffle tracking, no external shuffle service) and prefer spot capacity where the tier says.
"""

from __future__ import annotations

import math
from typing import Any

from components.hardening import (
    container_security_context,
    image,
    pod_security_context,
    scratch_volume,
)
from components.platform_namespace import Quota
from components.values import spark as values
from components.values.engines_common import ICEBERG_VERSION
from tiers.model import EngineSizes

SPARK_UID = 185  # the ``spark`` user of the Apache Spark images
APP_NAME = "lake-smoke"
LOCAL_DIR = "/var/data/spark-local"
SPOT_LABEL = "karpenter.sh/capacity-type"
MEMORY_OVERHEAD = 1.4  # Spark's pod memory is the heap plus overhead (at least 384 MiB)


def spot_affinity() -> dict[str, Any]:
    """Prefer (not require) spot nodes, so executors still schedule where no spot pool
    exists (on-prem, or before Karpenter provisions one)."""
    return {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "preference": {
                        "matchExpressions": [
                            {"key": SPOT_LABEL, "operator": "In", "values": ["spot"]}
                        ]
                    },
                }
            ]
        }
    }


def quota(sizes: EngineSizes) -> Quota:
    """Room for the operator, one driver and every executor at the tier's maximum."""
    cpu = 1 + values.DRIVER_CORES + sizes.spark_max_executors * sizes.spark_executor_cores
    memory = 1 + math.ceil(
        MEMORY_OVERHEAD
        * (values.DRIVER_MEMORY_GIB + sizes.spark_max_executors * sizes.spark_executor_memory_gib)
    )
    return Quota(cpu=str(cpu), memory=f"{memory}Gi", gpus=0, pods=sizes.spark_max_executors + 8)


def spark_conf(lake_catalog: dict[str, Any] | None) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "spark.local.dir": LOCAL_DIR,
        "spark.jars.ivy": "/tmp/.ivy2",
        "spark.kubernetes.executor.deleteOnTermination": "true",
    }
    if lake_catalog:
        conf["spark.sql.extensions"] = (
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
        )
        conf["spark.sql.catalog.lake"] = "org.apache.iceberg.spark.SparkCatalog"
        for key, value in lake_catalog.items():
            conf[f"spark.sql.catalog.lake.{key}"] = value
    return conf


def _pod(cores: int, memory_gib: int, mounts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cores": cores,
        "coreRequest": str(cores),
        "coreLimit": str(cores),
        "memory": f"{memory_gib}g",
        "securityContext": container_security_context(),
        "podSecurityContext": pod_security_context(SPARK_UID),
        "volumeMounts": mounts,
        "labels": {"app.kubernetes.io/part-of": "aiplat-engines"},
    }


def application(sizes: EngineSizes, lake_catalog: dict[str, Any] | None) -> dict[str, Any]:
    """The reference SparkApplication's ``spec``."""
    local, local_mount = scratch_volume("spark-local-dir-1", LOCAL_DIR, "20Gi")
    tmp, tmp_mount = scratch_volume("tmp", "/tmp", "2Gi")
    mounts = [local_mount, tmp_mount]
    executor = _pod(sizes.spark_executor_cores, sizes.spark_executor_memory_gib, mounts)
    executor["instances"] = max(1, sizes.spark_min_executors)
    if sizes.spark_spot:
        executor["affinity"] = spot_affinity()
    driver = _pod(values.DRIVER_CORES, values.DRIVER_MEMORY_GIB, mounts)
    driver["serviceAccount"] = values.SERVICE_ACCOUNT
    spec: dict[str, Any] = {
        "type": "Python",
        "pythonVersion": "3",
        "mode": "cluster",
        "image": image(*values.IMAGE),
        "imagePullPolicy": "IfNotPresent",
        "mainApplicationFile": "local:///opt/spark/examples/src/main/python/pi.py",
        "arguments": ["100"],
        "sparkVersion": values.SPARK_VERSION,
        "sparkConf": spark_conf(lake_catalog),
        "restartPolicy": {"type": "Never"},
        "timeToLiveSeconds": 3600,
        "volumes": [local, tmp],
        "driver": driver,
        "executor": executor,
    }
    if lake_catalog:
        spec["deps"] = {"packages": [p.format(v=ICEBERG_VERSION) for p in values.ICEBERG_PACKAGES]}
    if sizes.spark_dynamic_allocation:
        spec["dynamicAllocation"] = {
            "enabled": True,
            "shuffleTrackingEnabled": True,
            "initialExecutors": max(1, sizes.spark_min_executors),
            "minExecutors": sizes.spark_min_executors,
            "maxExecutors": sizes.spark_max_executors,
        }
    return spec
