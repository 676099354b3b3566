"""Kubeflow training workloads aiplat renders itself, as pure functions: the Trainer's
torch and MPI ClusterTrainingRuntimes, the suspended reference TrainJob, and the Katib HPO
and NAS experiments. Pod templates come from :func:`components.kubeflow_workloads.hardened_pod`
(K8S-03, K8S-04, K8S-06, K8S-08) and land on the training pool."""

from __future__ import annotations

from typing import Any

from components import kubeflow_workloads as work
from components.hardening import Resources, container, scratch_volume
from components.kubeflow_workloads import (
    DATA_PVC,
    LABELS,
    TRAINER_GROUP,
    TRIAL_CONTAINER,
    TRIAL_SCRIPT_CONFIGMAP,
    GpuPlacement,
)
from components.values import kubeflow as images

TORCH_RUNTIME = "aiplat-torch-gpu"
MPI_RUNTIME = "aiplat-mpi-gpu"


def _job_template(pod: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
    template: dict[str, Any] = {"spec": {"template": {"spec": pod}}}
    if labels:
        template["metadata"] = {"labels": labels}
    return template


def torch_runtime(where: GpuPlacement) -> dict[str, Any]:
    """ClusterTrainingRuntime for PyTorch DDP on the training pool: one process per GPU."""
    tmp_volume, tmp_mount = scratch_volume("tmp", "/tmp", "16Gi")
    node = container(
        name="node",
        image_ref=images.TORCH.ref,
        resources=where.share(where.gpus_per_node),
        mounts=(tmp_mount,),
    )
    pod = work.hardened_pod(
        containers=[node],
        volumes=(tmp_volume,),
        where=where,
        service_account="trainer",
        uid=images.TORCH.uid,
        gid=images.TORCH.gid,
    )
    return {
        "metadata": {"name": TORCH_RUNTIME, "labels": dict(LABELS)},
        "spec": {
            "mlPolicy": {"numNodes": 1, "torch": {}},
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {
                            "name": "node",
                            "template": _job_template(
                                pod, {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}
                            ),
                        }
                    ]
                }
            },
        },
    }


def mpi_runtime(where: GpuPlacement) -> dict[str, Any]:
    """ClusterTrainingRuntime for MPI/Horovod: a CPU launcher runs ``mpirun``; GPU nodes run
    sshd as the image's non-root user with writable paths as scratch volumes."""
    ssh_dir = "/home/mpiuser/.ssh"
    tmp_volume, tmp_mount = scratch_volume("tmp", "/tmp", "16Gi")
    launcher = container(
        name="launcher",
        image_ref=images.MPI.ref,
        resources=Resources(
            cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="4Gi"
        ),
        command=("mpirun",),
        mounts=(tmp_mount,),
    )
    node = container(
        name="node",
        image_ref=images.MPI.ref,
        resources=where.share(where.gpus_per_node),
        command=("/usr/sbin/sshd",),
        # The image's config writes its PID file under the (read-only) home: move it to /tmp.
        args=("-De", "-f", "/home/mpiuser/.sshd_config", "-o", "PidFile=/tmp/sshd.pid"),
        mounts=(tmp_mount,),
    )
    common = {"service_account": "trainer", "uid": images.MPI.uid, "gid": images.MPI.gid}
    launcher_pod = work.hardened_pod(
        containers=[launcher], volumes=(tmp_volume,), where=None, **common
    )
    node_pod = work.hardened_pod(containers=[node], volumes=(tmp_volume,), where=where, **common)
    return {
        "metadata": {"name": MPI_RUNTIME, "labels": dict(LABELS)},
        "spec": {
            "mlPolicy": {
                "numNodes": 2,
                "mpi": {
                    "numProcPerNode": where.gpus_per_node,
                    "mpiImplementation": "OpenMPI",
                    "sshAuthMountPath": ssh_dir,
                    "runLauncherAsNode": False,
                },
            },
            "template": {
                "spec": {
                    "successPolicy": {"operator": "All", "targetReplicatedJobs": ["launcher"]},
                    "replicatedJobs": [
                        {"name": "launcher", "template": _job_template(launcher_pod)},
                        {
                            "name": "node",
                            "template": _job_template(
                                node_pod, {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}
                            ),
                        },
                    ],
                }
            },
        },
    }


def reference_train_job(namespace: str, where: GpuPlacement) -> dict[str, Any]:
    """A suspended TrainJob: the template users copy (resume it to run). It trains the
    reference model (``pipelines/trial.py``) on one node of the training pool with every
    GPU of the node; a runtime patch mounts the script and the feature export."""
    resources = where.share(where.gpus_per_node).as_k8s()
    pod_patch = {
        "volumes": [
            {"name": "trainer", "configMap": {"name": TRIAL_SCRIPT_CONFIGMAP}},
            {"name": "data", "persistentVolumeClaim": {"claimName": DATA_PVC, "readOnly": True}},
        ],
        "containers": [
            {
                "name": "node",
                "volumeMounts": [
                    {"name": "trainer", "mountPath": "/opt/aiplat", "readOnly": True},
                    {"name": "data", "mountPath": "/data", "readOnly": True},
                ],
            }
        ],
    }
    return {
        "metadata": {"name": "reference-torch", "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "suspend": True,
            "runtimeRef": {
                "apiGroup": TRAINER_GROUP,
                "kind": "ClusterTrainingRuntime",
                "name": TORCH_RUNTIME,
            },
            "trainer": {
                "image": images.TORCH.ref,
                "command": ["python", "/opt/aiplat/trial.py", "--data=/data/features.npz"],
                "numNodes": 1,
                "resourcesPerNode": resources,
            },
            "runtimePatches": [
                {
                    "manager": "aiplat.io/reference",
                    "trainingRuntimeSpec": {
                        "template": {
                            "spec": {
                                "replicatedJobs": [
                                    {
                                        "name": "node",
                                        "template": {"spec": {"template": {"spec": pod_patch}}},
                                    }
                                ]
                            }
                        }
                    },
                }
            ],
        },
    }


def _trial_job(where: GpuPlacement, command: tuple[str, ...], image_ref: str) -> dict[str, Any]:
    tmp_volume, tmp_mount = scratch_volume("tmp", "/tmp", "8Gi")
    trial = container(
        name=TRIAL_CONTAINER,
        image_ref=image_ref,
        resources=where.share(1),
        command=command,
        mounts=(
            tmp_mount,
            {"name": "trainer", "mountPath": "/opt/aiplat", "readOnly": True},
            {"name": "data", "mountPath": "/data", "readOnly": True},
        ),
    )
    volumes = (
        tmp_volume,
        {"name": "trainer", "configMap": {"name": TRIAL_SCRIPT_CONFIGMAP}},
        {"name": "data", "persistentVolumeClaim": {"claimName": DATA_PVC, "readOnly": True}},
    )
    pod = work.hardened_pod(
        containers=[trial],
        volumes=volumes,
        where=where,
        service_account="trainer",
        uid=images.TORCH.uid,
        gid=images.TORCH.gid,
        restart_policy="Never",
    )
    return {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": pod}}}


def hpo_experiment(namespace: str, where: GpuPlacement, max_trials: int) -> dict[str, Any]:
    """Katib HPO of the reference model (TPE over learning rate and width), maximising AUC.
    One trial at a time: the data volume is ReadWriteOnce."""
    command = (
        "python",
        "/opt/aiplat/trial.py",
        "--learning-rate=${trialParameters.learningRate}",
        "--hidden=${trialParameters.hidden}",
    )
    return {
        "metadata": {"name": "reference-hpo", "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "objective": {
                "type": "maximize",
                "goal": 0.9,
                "objectiveMetricName": "auc",
                "additionalMetricNames": ["loss"],
            },
            "algorithm": {"algorithmName": "tpe"},
            "parallelTrialCount": 1,
            "maxTrialCount": max_trials,
            "maxFailedTrialCount": 3,
            "metricsCollectorSpec": {"collector": {"kind": "StdOut"}},
            "parameters": [
                {
                    "name": "lr",
                    "parameterType": "double",
                    "feasibleSpace": {"min": "0.0001", "max": "0.1"},
                },
                {
                    "name": "hidden",
                    "parameterType": "int",
                    "feasibleSpace": {"min": "8", "max": "128"},
                },
            ],
            "trialTemplate": {
                "primaryContainerName": TRIAL_CONTAINER,
                "trialParameters": [
                    {"name": "learningRate", "reference": "lr"},
                    {"name": "hidden", "reference": "hidden"},
                ],
                "trialSpec": _trial_job(where, command, images.TORCH.ref),
            },
        },
    }


def nas_experiment(namespace: str, where: GpuPlacement) -> dict[str, Any]:
    """Katib NAS with DARTS (Katib's pinned DARTS trial image), for tiers that ask for it."""
    command = (
        "python3",
        "run_trial.py",
        '--algorithm-settings="${trialParameters.algorithmSettings}"',
        '--search-space="${trialParameters.searchSpace}"',
        '--num-layers="${trialParameters.numberLayers}"',
    )
    job = _trial_job(where, command, images.KATIB_DARTS.ref)

    def categorical(*values: str) -> list[dict[str, Any]]:
        return [
            {
                "name": "filter_size",
                "parameterType": "categorical",
                "feasibleSpace": {"list": list(values)},
            }
        ]

    return {
        "metadata": {"name": "reference-nas-darts", "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "objective": {"type": "maximize", "objectiveMetricName": "Best-Genotype"},
            "metricsCollectorSpec": {
                "collector": {"kind": "StdOut"},
                "source": {"filter": {"metricsFormat": ["([\\w-]+)=(Genotype.*)"]}},
            },
            "algorithm": {
                "algorithmName": "darts",
                "algorithmSettings": [{"name": "num_epochs", "value": "3"}],
            },
            "parallelTrialCount": 1,
            "maxTrialCount": 1,
            "maxFailedTrialCount": 1,
            "nasConfig": {
                "graphConfig": {"numLayers": 3},
                "operations": [
                    {"operationType": "separable_convolution", "parameters": categorical("3")},
                    {"operationType": "dilated_convolution", "parameters": categorical("3", "5")},
                    {"operationType": "max_pooling", "parameters": categorical("3")},
                    {"operationType": "skip_connection"},
                ],
            },
            "trialTemplate": {
                "primaryContainerName": TRIAL_CONTAINER,
                "trialParameters": [
                    {"name": "algorithmSettings", "reference": "algorithm-settings"},
                    {"name": "searchSpace", "reference": "search-space"},
                    {"name": "numberLayers", "reference": "num-layers"},
                ],
                "trialSpec": job,
            },
        },
    }
