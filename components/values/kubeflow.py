"""Kubeflow data: pinned images of the workloads aiplat renders itself, and the Trainer
chart's values.

Images are pinned tags (K8S-08) with where each came from:

- notebook: AWS SageMaker Distribution 3.10.0 (GPU), Apache-2.0, from aws/sagemaker-distribution
  ``build_artifacts/v3/v3.10/v3.10.0/gpu.env.in``: JupyterLab 4.5, PyTorch 2.6+, XGBoost GPU and
  **AutoGluon >= 1.5** (the AutoML the design asks for), running as ``sagemaker-user``
  (UID 1000, GID 100). It is not a Kubeflow notebook-server image, so the Notebook starts
  JupyterLab itself under the controller's ``NB_PREFIX``.
- torch: the PyTorch CUDA runtime the upstream Trainer ``torch-distributed`` runtime uses.
- mpi: the mpi-operator's OpenMPI base v0.6.0, the runtime's default for MPI/Horovod-style
  jobs: it runs sshd as a non-root user. A Horovod training image built FROM it (adding CUDA
  and Horovod) is set per TrainJob in ``trainer.image``; aiplat builds no images.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.hardening import image


@dataclass(frozen=True, kw_only=True)
class ImagePin:
    repository: str
    tag: str
    licence: str
    source: str
    uid: int  # the image's non-root user
    gid: int

    @property
    def ref(self) -> str:
        return image(self.repository, self.tag)


NOTEBOOK = ImagePin(
    repository="public.ecr.aws/sagemaker/sagemaker-distribution",
    tag="3.10.0-gpu",
    licence="Apache-2.0",
    source="aws/sagemaker-distribution build_artifacts/v3/v3.10/v3.10.0 (autogluon>=1.5)",
    uid=1000,
    gid=100,
)
TORCH = ImagePin(
    repository="pytorch/pytorch",
    tag="2.7.1-cuda12.6-cudnn9-runtime",
    licence="BSD-3-Clause",
    source="kubeflow/trainer manifests/base/runtimes/torch_distributed.yaml",
    uid=1000,
    gid=1000,
)
MPI = ImagePin(
    repository="mpioperator/openmpi",
    tag="v0.6.0",
    licence="Apache-2.0",
    source=(
        "kubeflow/mpi-operator build/base (Dockerfile, openmpi.Dockerfile): OpenMPI, sshd "
        "runnable as the non-root mpiuser (UID 1000) on port 2222, /home/mpiuser/.sshd_config"
    ),
    uid=1000,
    gid=1000,
)
KATIB_DARTS = ImagePin(
    repository="ghcr.io/kubeflow/katib/darts-cnn-cifar10-gpu",
    tag="v0.19.0",
    licence="Apache-2.0",
    source="kubeflow/katib v0.19.0 examples/v1beta1/trial-images/darts-cnn-cifar10",
    uid=1000,
    gid=1000,
)
ALL_IMAGES = {"notebook": NOTEBOOK, "torch": TORCH, "mpi": MPI, "katib-darts": KATIB_DARTS}


def trainer_values() -> dict[str, object]:
    """Kubeflow Trainer 2.3.0: CRDs and JobSet from the chart (2.3 moved the CRDs into it),
    no built-in runtimes (aiplat renders its own, hardened and pinned to the GPU pools),
    requests and limits on the controller."""
    return {
        "crds": {"enabled": True},
        "jobset": {"install": True},
        "runtimes": {"defaultEnabled": False},
        "manager": {
            "replicas": 1,
            "resources": {
                "requests": {"cpu": "100m", "memory": "256Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"},
            },
        },
    }
