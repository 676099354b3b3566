"""Hardened pod and container specs for every workload aiplat renders itself (K8S-03,
K8S-04, K8S-06, K8S-08, K8S-09, K8S-10 of security-checks.md), as pure functions.

Components build their Deployments, Jobs and custom resources' pod templates from these, so
the hardening is written once: non-root, no privilege escalation, read-only root filesystem
(writable paths are explicit ``emptyDir`` volumes), all capabilities dropped, seccomp
``RuntimeDefault``, requests and limits on every container (``nvidia.com/gpu`` limits on GPU
containers), pinned image tags, secrets mounted as files, and probes where a port is served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GPU_RESOURCE = "nvidia.com/gpu"
NON_ROOT_UID = 65532  # the "nonroot" user of distroless images
_TAG = re.compile(r"[\w][\w.-]{0,127}")


@dataclass(frozen=True, kw_only=True)
class Resources:
    """Requests and limits of one container. ``gpus`` sets ``nvidia.com/gpu`` (a limit,
    which Kubernetes copies to the request)."""

    cpu_request: str
    memory_request: str
    cpu_limit: str
    memory_limit: str
    gpus: int = 0

    def __post_init__(self) -> None:
        if self.gpus < 0:
            raise ValueError(f"gpus must be >= 0 (got {self.gpus})")

    def as_k8s(self) -> dict[str, dict[str, str]]:
        limits = {"cpu": self.cpu_limit, "memory": self.memory_limit}
        if self.gpus:
            limits[GPU_RESOURCE] = str(self.gpus)
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": limits,
        }


SMALL = Resources(
    cpu_request="100m", memory_request="128Mi", cpu_limit="500m", memory_limit="512Mi"
)


def image(repository: str, tag: str) -> str:
    """``repository:tag`` with a pinned tag: never empty and never ``latest`` (K8S-08)."""
    if tag == "latest" or not _TAG.fullmatch(tag):
        raise ValueError(f"image {repository}: pin an exact tag (got {tag!r})")
    return f"{repository}:{tag}"


def container_security_context() -> dict[str, Any]:
    """K8S-03 for one container."""
    return {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context(uid: int = NON_ROOT_UID) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def http_probes(port: int | str, ready_path: str, live_path: str | None = None) -> dict[str, Any]:
    """Readiness and liveness probes over HTTP GET on ``port``."""
    return {
        "readinessProbe": {
            "httpGet": {"path": ready_path, "port": port},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
        },
        "livenessProbe": {
            "httpGet": {"path": live_path or ready_path, "port": port},
            "initialDelaySeconds": 15,
            "periodSeconds": 20,
        },
    }


def tcp_probes(port: int | str) -> dict[str, Any]:
    return {
        "readinessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 10},
        "livenessProbe": {
            "tcpSocket": {"port": port},
            "initialDelaySeconds": 15,
            "periodSeconds": 20,
        },
    }


def container(
    *,
    name: str,
    image_ref: str,
    resources: Resources,
    args: tuple[str, ...] = (),
    command: tuple[str, ...] = (),
    ports: dict[str, int] | None = None,
    env: dict[str, str] | None = None,
    probes: dict[str, Any] | None = None,
    mounts: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    """A hardened container. ``env`` carries plain settings only: secrets go in ``mounts``
    (see :func:`secret_volume`), never in the environment (K8S-09)."""
    spec: dict[str, Any] = {
        "name": name,
        "image": image_ref,
        "imagePullPolicy": "IfNotPresent",
        "resources": resources.as_k8s(),
        "securityContext": container_security_context(),
    }
    if command:
        spec["command"] = list(command)
    if args:
        spec["args"] = list(args)
    if ports:
        spec["ports"] = [
            {"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports.items()
        ]
    if env:
        spec["env"] = [{"name": k, "value": v} for k, v in env.items()]
    if probes:
        spec.update(probes)
    if mounts:
        spec["volumeMounts"] = list(mounts)
    return spec


def scratch_volume(
    name: str, mount_path: str, size: str = "1Gi"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A writable ``emptyDir`` (the root filesystem is read-only): (volume, mount)."""
    return (
        {"name": name, "emptyDir": {"sizeLimit": size}},
        {"name": name, "mountPath": mount_path},
    )


def secret_volume(
    name: str, secret_name: str, mount_path: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Secret mounted read-only as files (K8S-09): (volume, mount)."""
    return (
        {"name": name, "secret": {"secretName": secret_name, "defaultMode": 0o440}},
        {"name": name, "mountPath": mount_path, "readOnly": True},
    )


def anti_affinity(labels: dict[str, str]) -> dict[str, Any]:
    """Spread replicas across nodes (preferred, so a small cluster still schedules them)."""
    return {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": dict(labels)},
                        "topologyKey": "kubernetes.io/hostname",
                    },
                }
            ]
        }
    }


def pod_spec(
    *,
    service_account: str,
    containers: list[dict[str, Any]],
    volumes: tuple[dict[str, Any], ...] = (),
    automount_token: bool = False,
    node_selector: dict[str, str] | None = None,
    tolerations: list[dict[str, str]] | None = None,
    affinity: dict[str, Any] | None = None,
    restart_policy: str | None = None,
) -> dict[str, Any]:
    """A pod spec with a dedicated service account, its token unmounted unless the workload
    calls the Kubernetes API (K8S-06), no host namespaces, and the pod security context."""
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        "automountServiceAccountToken": automount_token,
        "hostNetwork": False,
        "hostPID": False,
        "hostIPC": False,
        "securityContext": pod_security_context(),
        "containers": containers,
    }
    if volumes:
        spec["volumes"] = list(volumes)
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    if tolerations:
        spec["tolerations"] = list(tolerations)
    if affinity:
        spec["affinity"] = affinity
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    return spec
