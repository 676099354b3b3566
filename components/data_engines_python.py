"""Ray (KubeRay) and Dask (dask-kubernetes operator): the platform's RayCluster and
DaskCluster specs and their namespaces' quotas, as pure functions of the engine sizes.

Both are CPU engines for Python jobs (HPO, feature extraction); their pods are hardened
(non-root, read-only root filesystem with scratch volumes, all capabilities dropped,
seccomp RuntimeDefault, requests and limits, pinned images).
"""

from __future__ import annotations

import math
from typing import Any

from components.hardening import (
    Resources,
    container,
    container_security_context,
    http_probes,
    image,
    pod_security_context,
    pod_spec,
    scratch_volume,
)
from components.platform_namespace import Quota
from components.values import dask, ray
from tiers.model import EngineSizes

_PART_OF = {"app.kubernetes.io/part-of": "aiplat-engines"}


def _cpu(value: str) -> float:
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


def _gib(value: str) -> float:
    return float(value[:-2]) / 1024 if value.endswith("Mi") else float(value[:-2])


def quota_for(parts: list[tuple[Resources, int]], extra_pods: int = 4) -> Quota:
    """A namespace quota holding ``count`` pods of each resources spec (by their limits,
    so the quota never blocks a pod the sizes allow) plus one operator."""
    cpu = 1 + sum(_cpu(r.cpu_limit) * n for r, n in parts)
    memory = 1 + sum(_gib(r.memory_limit) * n for r, n in parts)
    pods = sum(n for _, n in parts) + extra_pods
    return Quota(cpu=str(math.ceil(cpu)), memory=f"{math.ceil(memory)}Gi", gpus=0, pods=pods)


def ray_quota(sizes: EngineSizes) -> Quota:
    return quota_for([(ray.HEAD, 1), (ray.AUTOSCALER, 1), (ray.WORKER, sizes.ray_max_workers)])


def _ray_pod(name: str, resources: Resources, automount: bool) -> dict[str, Any]:
    tmp, tmp_mount = scratch_volume("ray-tmp", "/tmp", "10Gi")
    main = container(
        name=name,
        image_ref=image(*ray.IMAGE),
        resources=resources,
        ports=dict(ray.PORTS) if name == "ray-head" else None,
        mounts=(tmp_mount,),
    )
    spec = pod_spec(
        service_account=ray.SERVICE_ACCOUNT,
        containers=[main],
        volumes=(tmp,),
        automount_token=automount,
    )
    spec["securityContext"] = pod_security_context(ray.RAY_UID)
    return {"metadata": {"labels": dict(_PART_OF)}, "spec": spec}


def ray_cluster(sizes: EngineSizes) -> dict[str, Any]:
    """The RayCluster ``spec``: a head (the autoscaler sidecar calls the Kubernetes API, so
    the head mounts its token) and one CPU worker group scaling from zero."""
    return {
        "rayVersion": ray.RAY_VERSION,
        "enableInTreeAutoscaling": True,
        "autoscalerOptions": {
            "upscalingMode": "Default",
            "idleTimeoutSeconds": 120,
            "resources": ray.AUTOSCALER.as_k8s(),
            "securityContext": container_security_context(),
        },
        "headGroupSpec": {
            "serviceType": "ClusterIP",
            "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
            "template": _ray_pod("ray-head", ray.HEAD, automount=True),
        },
        "workerGroupSpecs": [
            {
                "groupName": "cpu",
                "replicas": 0,
                "minReplicas": 0,
                "maxReplicas": sizes.ray_max_workers,
                "rayStartParams": {},
                "template": _ray_pod("ray-worker", ray.WORKER, automount=False),
            }
        ],
    }


def dask_quota(sizes: EngineSizes) -> Quota:
    return quota_for([(dask.SCHEDULER, 1), (dask.WORKER, sizes.dask_workers)])


def _dask_pod(
    name: str, resources: Resources, args: tuple[str, ...], ports: dict[str, int]
) -> dict[str, Any]:
    tmp, tmp_mount = scratch_volume("dask-tmp", "/tmp", "10Gi")
    probes = http_probes(dask.DASHBOARD_PORT, "/health") if name == "scheduler" else None
    main = container(
        name=name,
        image_ref=image(*dask.IMAGE),
        resources=resources,
        args=args,
        ports=ports,
        probes=probes,
        mounts=(tmp_mount,),
        env={"DASK_TEMPORARY_DIRECTORY": "/tmp"},
    )
    return pod_spec(service_account=dask.SERVICE_ACCOUNT, containers=[main], volumes=(tmp,))


def dask_cluster(sizes: EngineSizes) -> dict[str, Any]:
    """The DaskCluster ``spec`` (kubernetes.dask.org/v1): a scheduler behind a ClusterIP
    Service and ``dask_workers`` workers."""
    scheduler_labels = {
        "dask.org/cluster-name": dask.CLUSTER,
        "dask.org/component": "scheduler",
    }
    return {
        "scheduler": {
            "spec": _dask_pod(
                "scheduler",
                dask.SCHEDULER,
                ("dask-scheduler",),
                {"tcp-comm": dask.SCHEDULER_PORT, "http-dashboard": dask.DASHBOARD_PORT},
            ),
            "service": {
                "type": "ClusterIP",
                "selector": scheduler_labels,
                "ports": [
                    {
                        "name": "tcp-comm",
                        "protocol": "TCP",
                        "port": dask.SCHEDULER_PORT,
                        "targetPort": "tcp-comm",
                    },
                    {
                        "name": "http-dashboard",
                        "protocol": "TCP",
                        "port": dask.DASHBOARD_PORT,
                        "targetPort": "http-dashboard",
                    },
                ],
            },
        },
        "worker": {
            "replicas": sizes.dask_workers,
            "spec": _dask_pod(
                "worker",
                dask.WORKER,
                (
                    "dask-worker",
                    "--name",
                    "$(DASK_WORKER_NAME)",
                    "--dashboard",
                    "--dashboard-address",
                    str(dask.WORKER_DASHBOARD_PORT),
                ),
                {"http-dashboard": dask.WORKER_DASHBOARD_PORT},
            ),
        },
    }
