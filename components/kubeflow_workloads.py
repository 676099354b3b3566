"""What the Kubeflow component renders itself, as pure functions: where GPU work lands,
the user profile's quota, the hardened pod template, the Notebook, the registered pipeline
and its RBAC (training workloads: :mod:`components.kubeflow_training`). Every pod template
is built with :mod:`components.hardening` (K8S-03, K8S-04, K8S-06, K8S-08)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from components.decisions import accelerator_resource
from components.existing_cluster import gpu_scheduling
from components.hardening import (
    GPU_RESOURCE,
    Resources,
    container,
    pod_security_context,
    pod_spec,
    scratch_volume,
    tcp_probes,
)
from components.platform_namespace import Quota
from components.values import kubeflow as images
from pipelines import canary
from tiers.model import PoolRole
from tiers.resolve import ResolvedGpuPool

TRAINER_GROUP = "trainer.kubeflow.org"
TRIAL_CONTAINER = "training-container"
TRIAL_SCRIPT_CONFIGMAP = "reference-trainer"
DATA_PVC = "reference-data"
PIPELINE_CONFIGMAP = "aiplat-reference-pipeline"
CANARY_ROLE = "aiplat-pipeline-canary"
LABELS = {"app.kubernetes.io/part-of": "kubeflow", "app.kubernetes.io/managed-by": "aiplat"}


@dataclass(frozen=True, kw_only=True)
class GpuPlacement:
    """One GPU pool as workloads see it: how to land there and what a node holds."""

    pool: str
    node_selector: dict[str, str]
    tolerations: list[dict[str, str]]
    gpus_per_node: int
    vcpus_per_node: int
    memory_gib_per_node: int
    max_nodes: int

    @property
    def max_gpus(self) -> int:
        return self.gpus_per_node * self.max_nodes

    def share(self, gpus: int) -> Resources:
        """Requests and limits for a container holding ``gpus`` of a node's GPUs: its share
        of the node's CPU and memory, leaving room for the node's daemons."""
        if not 1 <= gpus <= self.gpus_per_node:
            raise ValueError(
                f"pool {self.pool}: a container can hold 1..{self.gpus_per_node} GPUs (got {gpus})"
            )
        cpu = self.vcpus_per_node * gpus // self.gpus_per_node
        memory = self.memory_gib_per_node * gpus // self.gpus_per_node
        return Resources(
            cpu_request=str(max(1, cpu * 3 // 4)),
            memory_request=f"{max(1, memory * 3 // 4)}Gi",
            cpu_limit=str(max(1, cpu - 1)),
            memory_limit=f"{max(1, memory * 7 // 8)}Gi",
            gpus=gpus,
        )


def placement(pools: tuple[ResolvedGpuPool, ...], role: PoolRole) -> GpuPlacement:
    """The first pool with ``role``; its accelerator must be NVIDIA (the workloads request
    ``nvidia.com/gpu``)."""
    for pool in pools:
        if pool.role is role:
            if accelerator_resource(pool.instance) != GPU_RESOURCE:
                raise ValueError(
                    f"pool {pool.name}: Kubeflow workloads request {GPU_RESOURCE}; "
                    f"{pool.instance.name} has none"
                )
            scheduling = gpu_scheduling(pool)
            return GpuPlacement(
                pool=pool.name,
                node_selector=scheduling.node_selector,
                tolerations=scheduling.tolerations,
                gpus_per_node=pool.instance.accelerators,
                vcpus_per_node=pool.instance.vcpus,
                memory_gib_per_node=pool.instance.memory_gib,
                max_nodes=pool.max_nodes,
            )
    raise ValueError(f"no GPU pool with role {role.value!r}; Kubeflow needs one")


def user_quota(*pools: GpuPlacement) -> Quota:
    """The user profile may use every GPU of its pools at their maximum size, and the CPU
    and memory that come with them (requests; the pools bound the rest)."""
    return Quota(
        cpu=str(sum(p.vcpus_per_node * p.max_nodes for p in pools)),
        memory=f"{sum(p.memory_gib_per_node * p.max_nodes for p in pools)}Gi",
        gpus=sum(p.max_gpus for p in pools),
        pods=100,
    )


def hardened_pod(
    *,
    containers: list[dict[str, Any]],
    volumes: tuple[dict[str, Any], ...],
    where: GpuPlacement | None,
    service_account: str,
    uid: int,
    gid: int,
    restart_policy: str | None = None,
    automount_token: bool = False,
) -> dict[str, Any]:
    spec = pod_spec(
        service_account=service_account,
        containers=containers,
        volumes=volumes,
        automount_token=automount_token,
        node_selector=where.node_selector if where else None,
        tolerations=where.tolerations if where else None,
        restart_policy=restart_policy,
    )
    security = pod_security_context(uid)
    security["runAsGroup"] = gid
    security["fsGroup"] = gid
    spec["securityContext"] = security
    return spec


def workspace_pvc(name: str, namespace: str, size_gib: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": f"{size_gib}Gi"}},
        },
    }


def notebook(name: str, namespace: str, where: GpuPlacement, workspace: str) -> dict[str, Any]:
    """A Notebook (kubeflow.org/v1) on the notebook pool with one GPU: JupyterLab from the
    pinned AutoML image (AutoGluon), its home on the workspace PVC, /tmp as scratch."""
    nb = images.NOTEBOOK
    home = "/home/sagemaker-user"
    tmp_volume, tmp_mount = scratch_volume("tmp", "/tmp", "4Gi")
    lab = container(
        name=name,  # the notebook controller expects the container named after the Notebook
        image_ref=nb.ref,
        resources=where.share(1),
        command=("jupyter-lab",),
        args=(
            "--ServerApp.base_url=$(NB_PREFIX)",
            "--ServerApp.ip=0.0.0.0",
            "--ServerApp.port=8888",
            f"--ServerApp.root_dir={home}",
            "--no-browser",
        ),
        ports={"notebook-port": 8888},
        env={"HOME": home, "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime"},
        probes=tcp_probes(8888),
        mounts=({"name": "workspace", "mountPath": home}, tmp_mount),
    )
    volumes = ({"name": "workspace", "persistentVolumeClaim": {"claimName": workspace}}, tmp_volume)
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "template": {
                "spec": hardened_pod(
                    containers=[lab],
                    volumes=volumes,
                    where=where,
                    service_account="notebook",
                    uid=nb.uid,
                    gid=nb.gid,
                )
            }
        },
    }


def trial_script_configmap(namespace: str, script: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": TRIAL_SCRIPT_CONFIGMAP,
            "namespace": namespace,
            "labels": dict(LABELS),
        },
        "data": {"trial.py": script},
    }


def pipeline_metadata(namespace: str) -> dict[str, Any]:
    """The ConfigMap that registers the compiled reference pipeline in the pipelines
    namespace (its data: :func:`pipeline_data`)."""
    return {
        "name": PIPELINE_CONFIGMAP,
        "namespace": namespace,
        "labels": {**LABELS, "aiplat.io/pipeline": "reference"},
    }


def pipeline_data(ir_yaml: str, settings: dict[str, Any]) -> dict[str, str]:
    return {"pipeline.yaml": ir_yaml, "settings.json": json.dumps(settings, sort_keys=True)}


def canary_rules(backend: str, endpoint: str) -> list[dict[str, Any]]:
    """What the pipeline's canary, promote and rollback steps may do in the serving
    namespace (K8S-07: named objects, two verbs, no wildcards): get and patch the
    SeldonDeployment (seldon), or the VirtualService that splits the traffic and the stable
    and canary InferenceServices (kserve). None for a backend the steps refuse."""

    def rule(kind: tuple[str, str, str], *names: str) -> dict[str, Any]:
        group, _, plural = kind
        return {
            "apiGroups": [group],
            "resources": [plural],
            "resourceNames": list(names),
            "verbs": ["get", "patch"],
        }

    if backend == "seldon":
        return [rule(canary.SELDON, endpoint)]
    if backend == "kserve":
        return [
            rule(canary.VIRTUAL_SERVICE, endpoint),
            rule(
                canary.INFERENCE_SERVICE,
                canary.kserve_service(endpoint, canary.STABLE),
                canary.kserve_service(endpoint, canary.CANARY),
            ),
        ]
    return []


PROFILE_IAM_PLUGIN = "AwsIamForServiceAccount"  # the profile controller's plugin kind
PROFILE_EDITOR = "default-editor"  # the profile's ServiceAccount that pipeline runs use


def profile_spec(owner: str, lake_role_arn: Any | None) -> dict[str, Any]:
    """The ``Profile`` spec of the user profile: its owner (an OIDC user, as Dex names
    them) and, on AWS, the IAM plugin in ``annotateOnly`` mode, so the profile controller
    only puts the lake role on ``default-editor`` (the role's trust policy stays
    Pulumi's). Quota is not set here: the namespace's own ResourceQuota applies."""
    spec: dict[str, Any] = {
        "owner": {"kind": "User", "name": owner, "apiGroup": "rbac.authorization.k8s.io"}
    }
    if lake_role_arn is not None:
        spec["plugins"] = [
            {
                "kind": PROFILE_IAM_PLUGIN,
                "spec": {"awsIamRole": lake_role_arn, "annotateOnly": True},
            }
        ]
    return spec
