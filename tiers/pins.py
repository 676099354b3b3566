"""Every version aiplat pins, in one place, with where it came from.

Charts are pinned by name, repository and exact version; Kubernetes by minor version with
the EKS node AMI release that goes with it. Upgrading is a one-line change here, and the
offline preview shows what it changes. Sources: ../shared/reference/component-versions.md
(researched 2026-11) and the upstream repositories named beside each pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXACT_VERSION = re.compile(r"v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?")


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    """A Helm chart at an exact version.

    ``repository`` is a Helm repository URL or an ``oci://`` registry path; ``None`` when
    ``chart`` is itself the URL of a packaged chart (a release asset, as KubeFATE ships).
    ``licence`` is the SPDX identifier of the software the chart installs.
    """

    chart: str
    repository: str | None
    version: str
    licence: str
    source: str

    def __post_init__(self) -> None:
        if not _EXACT_VERSION.fullmatch(self.version):
            raise ValueError(f"chart {self.chart}: pin an exact version (got {self.version!r})")
        if not self.licence:
            raise ValueError(f"chart {self.chart}: name the licence of what it installs")
        if self.repository is None and not self.chart.startswith("https://"):
            raise ValueError(f"chart {self.chart}: without a repository, chart must be a URL")

    def release_args(self) -> dict[str, object]:
        """The ``chart``/``version``/``repository_opts`` arguments of a Helm v3 Release."""
        if self.repository is None:
            return {"chart": self.chart, "version": self.version}
        if self.repository.startswith("oci://"):
            # Helm takes an OCI chart as one reference, with no repository.
            return {"chart": f"{self.repository}/{self.chart}", "version": self.version}
        return {
            "chart": self.chart,
            "version": self.version,
            "repository_opts": {"repo": self.repository},
        }


# Kubernetes minor versions in EKS standard support on 2026-11-23 (1.34 until 2026-12-02,
# 1.35 until 2027-03-27, 1.36 until 2027-08-02; endoflife.date from the AWS versions page),
# each with its EKS AL2023 node AMI release version. One release version covers every AL2023
# AMI type (STANDARD, NVIDIA, NEURON). Source: awslabs/amazon-eks-ami CHANGELOG.md,
# "AMI Release v20260714".
EKS_NODE_RELEASE_VERSIONS: dict[str, str] = {
    "1.34": "1.34.9-20260714",
    "1.35": "1.35.6-20260714",
    "1.36": "1.36.2-20260714",
}
DEFAULT_KUBERNETES_VERSION = "1.35"

NVIDIA_DEVICE_PLUGIN = ChartPin(
    chart="nvidia-device-plugin",
    repository="https://nvidia.github.io/k8s-device-plugin",
    version="0.20.0",
    licence="Apache-2.0",
    source="NVIDIA/k8s-device-plugin release 0.20.0 (2026-08-19)",
)

# The on-prem lake (target kubernetes): object store, Postgres and Iceberg REST catalog.
SEAWEEDFS = ChartPin(
    chart="seaweedfs",
    repository="https://seaweedfs.github.io/seaweedfs/helm",
    version="4.44.0",
    licence="Apache-2.0",
    source=(
        "seaweedfs/seaweedfs k8s/charts/seaweedfs/Chart.yaml at cc8364a0 (2026-08-22): "
        "version 4.44.0, appVersion 4.44 (read from git; the newest helm-* tag stored is older)"
    ),
)
CLOUDNATIVE_PG = ChartPin(
    chart="cloudnative-pg",
    repository="https://cloudnative-pg.github.io/charts",
    version="0.29.0",
    licence="Apache-2.0",
    source=(
        "cloudnative-pg/charts charts/cloudnative-pg/Chart.yaml at b21ad2da (2026-07-20): "
        "version 0.29.0, appVersion 1.30.0"
    ),
)
CLOUDNATIVE_PG_CLUSTER = ChartPin(
    chart="cluster",
    repository="https://cloudnative-pg.github.io/charts",
    version="0.8.1",
    licence="Apache-2.0",
    source="cloudnative-pg/charts charts/cluster/Chart.yaml at b21ad2da and tag cluster-v0.8.1",
)
POLARIS = ChartPin(
    chart="polaris",
    repository="https://downloads.apache.org/polaris/helm-chart",
    version="1.7.0",
    licence="Apache-2.0",
    source=(
        "apache/polaris helm/polaris/Chart.yaml at tag apache-polaris-1.7.0 (version and "
        "appVersion 1.7.0); repository from ../shared/reference/component-versions.md"
    ),
)

# Platform services (issues 5, 6, 8). Versions from ../shared/reference/component-versions.md
# (researched 2026-11: the newest release found upstream then), licences from each project's
# LICENSE file.
CERT_MANAGER = ChartPin(
    chart="cert-manager",
    repository="https://charts.jetstack.io",
    version="v1.21.1",
    licence="Apache-2.0",
    source="cert-manager v1.21.1 (2026-07-29); component-versions.md",
)
_ISTIO_REPO = "https://istio-release.storage.googleapis.com/charts"
_ISTIO_VERSION = "1.29.1"
_ISTIO_SOURCE = (
    "Istio 1.29.1, as kubeflow/manifests master and ai-on-eks pin it; component-versions.md"
)
ISTIO_BASE = ChartPin(
    chart="base",
    repository=_ISTIO_REPO,
    version=_ISTIO_VERSION,
    licence="Apache-2.0",
    source=_ISTIO_SOURCE,
)
ISTIOD = ChartPin(
    chart="istiod",
    repository=_ISTIO_REPO,
    version=_ISTIO_VERSION,
    licence="Apache-2.0",
    source=_ISTIO_SOURCE,
)
ISTIO_CNI = ChartPin(
    chart="cni",
    repository=_ISTIO_REPO,
    version=_ISTIO_VERSION,
    licence="Apache-2.0",
    source=_ISTIO_SOURCE,
)
KUBE_PROMETHEUS_STACK = ChartPin(
    chart="kube-prometheus-stack",
    repository="https://prometheus-community.github.io/helm-charts",
    version="88.5.3",
    licence="Apache-2.0",
    source="prometheus-community/helm-charts HEAD 2026-08-22; component-versions.md",
)
DCGM_EXPORTER = ChartPin(
    chart="dcgm-exporter",
    repository="https://nvidia.github.io/dcgm-exporter/helm-charts",
    version="4.8.2",
    licence="Apache-2.0",
    source=(
        "NVIDIA/dcgm-exporter deployment/Chart.yaml at d5e5f510 (2026-05-12; tag 4.5.3-4.8.2, "
        "the newest stored): version and appVersion 4.8.2, image tag 4.5.3-4.8.2-distroless"
    ),
)
KUBEFLOW_TRAINER = ChartPin(
    chart="kubeflow-trainer",
    repository="oci://ghcr.io/kubeflow/charts",
    version="2.3.0",
    licence="Apache-2.0",
    source="kubeflow/trainer 2.3.0 (2026-08-05), charts/kubeflow-trainer; component-versions.md",
)
# Seldon Core: 1.17.1 is the last Apache-2.0 release; 1.18.x and every 2.x are BSL-1.1.
SELDON_CORE_OPERATOR = ChartPin(
    chart="seldon-core-operator",
    repository="https://storage.googleapis.com/seldon-charts",
    version="1.17.1",
    licence="Apache-2.0",
    source="SeldonIO/seldon-core v1.17.1, the last Apache-2.0 release; component-versions.md",
)
KSERVE_CRD = ChartPin(
    chart="kserve-crd",
    repository="oci://ghcr.io/kserve/charts",
    version="v0.20.0",
    licence="Apache-2.0",
    source="kserve/kserve v0.20.0 (2026-08-06); component-versions.md",
)
KSERVE = ChartPin(
    chart="kserve-resources",
    repository="oci://ghcr.io/kserve/charts",
    version="v0.20.0",
    licence="Apache-2.0",
    source="kserve/kserve v0.20.0 (2026-08-06); component-versions.md",
)
FEAST_FEATURE_SERVER = ChartPin(
    chart="feast-feature-server",
    repository="https://feast-helm-charts.storage.googleapis.com",
    version="0.66.0",
    licence="Apache-2.0",
    source="feast-dev/feast 0.66.0 (2026-08-21); component-versions.md",
)
# Feast's online store on a cluster: Valkey (BSD-3-Clause), not Redis (7.4+ is RSALv2/SSPL,
# and AGPLv3 from 8.0: not the permissive licence the platform defaults to).
VALKEY = ChartPin(
    chart="valkey",
    repository="https://valkey.io/valkey-helm/",
    version="0.11.0",
    licence="BSD-3-Clause",
    source=(
        "valkey-io/valkey-helm valkey/Chart.yaml at tag valkey-0.11.0 (dbcf6a60, 2026-07-22): "
        "version 0.11.0, appVersion 9.1.1; repository from the repository's README"
    ),
)
KUBERAY_OPERATOR = ChartPin(
    chart="kuberay-operator",
    repository="https://ray-project.github.io/kuberay-helm/",
    version="1.7.0",
    licence="Apache-2.0",
    source="ray-project/kuberay 1.7.0 (2026-08-19); component-versions.md",
)
SPARK_OPERATOR = ChartPin(
    chart="spark-operator",
    repository="https://kubeflow.github.io/spark-operator",
    version="2.5.2",
    licence="Apache-2.0",
    source="kubeflow/spark-operator 2.5.2 (2026-07-30); component-versions.md",
)
FLINK_OPERATOR = ChartPin(
    chart="flink-kubernetes-operator",
    repository="https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0/",
    version="1.15.0",
    licence="Apache-2.0",
    source="apache/flink-kubernetes-operator 1.15.0 (2026-05-07); component-versions.md",
)
STRIMZI = ChartPin(
    chart="strimzi-kafka-operator",
    repository="oci://quay.io/strimzi-helm",
    version="1.2.0",
    licence="Apache-2.0",
    source="strimzi/strimzi-kafka-operator 1.2.0 (2026-08-18); component-versions.md",
)
CLICKHOUSE_OPERATOR = ChartPin(
    chart="altinity-clickhouse-operator",
    repository="https://helm.altinity.com",
    version="0.25.6",
    licence="Apache-2.0",
    source="Altinity/clickhouse-operator 0.25.6 (2025-12); component-versions.md",
)
DASK_KUBERNETES_OPERATOR = ChartPin(
    chart="dask-kubernetes-operator",
    repository="https://helm.dask.org",
    version="2026.3.0",
    licence="BSD-3-Clause",
    source=(
        "dask/helm-chart gh-pages index.yaml at 4748a3da (2026-03-31): newest "
        "dask-kubernetes-operator 2026.3.0 (created 2026-03-02); chart source "
        "dask/dask-kubernetes dask_kubernetes/operator/deployment/helm (published to "
        "https://helm.dask.org by chartpress); licence from dask/dask-kubernetes LICENSE"
    ),
)
# KubeFATE has no Helm repository: the chart is a release asset, installed from its URL.
FATE = ChartPin(
    chart="https://github.com/FederatedAI/KubeFATE/releases/download/v2.0.0/fate-v2.0.0.tgz",
    repository=None,
    version="2.0.0",
    licence="Apache-2.0",
    source="FederatedAI/KubeFATE v2.0.0 release asset fate-v2.0.0.tgz (last commit 2024-01-25)",
)
KARPENTER = ChartPin(
    chart="karpenter",
    repository="oci://public.ecr.aws/karpenter",
    version="1.14.1",
    licence="Apache-2.0",
    source="aws/karpenter-provider-aws 1.14.1 (2026-08-20); component-versions.md",
)


def all_chart_pins() -> dict[str, ChartPin]:
    """Every chart pin in this module, by constant name."""
    return {name: value for name, value in globals().items() if isinstance(value, ChartPin)}


# Kubeflow parts that ship as kustomize manifests, not Helm charts (issue 5). Pinned to exact
# release tags (never a branch) and installed as remote kustomize directories.
_EXACT_REF = re.compile(r"v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?|\d{2}\.\d{2}(\.\d+)?")


@dataclass(frozen=True, kw_only=True)
class ManifestPin:
    """A kustomize directory in a git repository at an exact release tag.

    ``repository`` is the ``https://github.com/<owner>/<name>`` URL, ``path`` the directory
    holding the ``kustomization.yaml``, ``ref`` the release tag: semantic versions
    (``2.17.0``, ``v0.19.0``) or Kubeflow's calendar releases (``26.03``).
    """

    repository: str
    path: str
    ref: str
    licence: str
    source: str

    def __post_init__(self) -> None:
        if not self.repository.startswith("https://github.com/"):
            raise ValueError(f"manifest {self.path}: repository must be a GitHub https URL")
        if not _EXACT_REF.fullmatch(self.ref):
            raise ValueError(f"manifest {self.path}: pin an exact release tag (got {self.ref!r})")
        if not self.licence:
            raise ValueError(f"manifest {self.path}: name the licence of what it installs")
        if self.path.startswith("/") or self.path.endswith("/") or ".." in self.path:
            raise ValueError(f"manifest {self.path!r}: path must be relative, without '..'")

    @property
    def url(self) -> str:
        """The kustomize remote target: ``https://github.com/o/r//path?ref=tag``."""
        return f"{self.repository}//{self.path}?ref={self.ref}"


_KF_MANIFESTS = "https://github.com/kubeflow/manifests"
_KF_MANIFESTS_REF = "26.03"
_KF_MANIFESTS_SOURCE = "kubeflow/manifests tag 26.03 (2026-03-21); component-versions.md"


def _kubeflow_platform(path: str) -> ManifestPin:
    return ManifestPin(
        repository=_KF_MANIFESTS,
        path=path,
        ref=_KF_MANIFESTS_REF,
        licence="Apache-2.0",
        source=_KF_MANIFESTS_SOURCE,
    )


# Notebooks: the notebook controller (standalone without Profiles; the Kubeflow overlay with
# them) and, with the dashboard, the Jupyter web app.
KF_NOTEBOOK_CONTROLLER = _kubeflow_platform(
    "applications/jupyter/notebook-controller/upstream/overlays/standalone"
)
KF_NOTEBOOK_CONTROLLER_MULTI_USER = _kubeflow_platform(
    "applications/jupyter/notebook-controller/upstream/overlays/kubeflow"
)
KF_JUPYTER_WEB_APP = _kubeflow_platform(
    "applications/jupyter/jupyter-web-app/upstream/overlays/istio"
)
# Profiles (multi-user namespaces) with KFAM, and the roles every Kubeflow app binds to.
KF_ROLES = _kubeflow_platform("common/kubeflow-roles/base")
KF_PROFILES = _kubeflow_platform("applications/profiles/upstream/overlays/kubeflow")
# Central dashboard behind oauth2-proxy, with Dex as the OIDC identity provider.
KF_CENTRAL_DASHBOARD = _kubeflow_platform("applications/centraldashboard/overlays/oauth2-proxy")
KF_DEX = _kubeflow_platform("common/dex/overlays/oauth2-proxy")
KF_OAUTH2_PROXY = _kubeflow_platform("common/oauth2-proxy/overlays/m2m-dex-only")

_KFP = "https://github.com/kubeflow/pipelines"
_KFP_REF = "2.17.0"
_KFP_SOURCE = "kubeflow/pipelines 2.17.0 (2026-07-09), manifests/kustomize; component-versions.md"
KFP_CLUSTER_SCOPED = ManifestPin(
    repository=_KFP,
    path="manifests/kustomize/cluster-scoped-resources",
    ref=_KFP_REF,
    licence="Apache-2.0",
    source=_KFP_SOURCE,
)
KFP_SINGLE_USER = ManifestPin(
    repository=_KFP,
    path="manifests/kustomize/env/platform-agnostic",
    ref=_KFP_REF,
    licence="Apache-2.0",
    source=_KFP_SOURCE,
)
KFP_MULTI_USER = ManifestPin(
    repository=_KFP,
    path="manifests/kustomize/env/platform-agnostic-multi-user",
    ref=_KFP_REF,
    licence="Apache-2.0",
    source=_KFP_SOURCE,
)

_KATIB = "https://github.com/kubeflow/katib"
_KATIB_REF = "v0.19.0"
_KATIB_SOURCE = "kubeflow/katib v0.19.0, manifests/v1beta1/installs; component-versions.md"
KATIB_STANDALONE = ManifestPin(
    repository=_KATIB,
    path="manifests/v1beta1/installs/katib-standalone",
    ref=_KATIB_REF,
    licence="Apache-2.0",
    source=_KATIB_SOURCE,
)
KATIB_WITH_KUBEFLOW = ManifestPin(
    repository=_KATIB,
    path="manifests/v1beta1/installs/katib-with-kubeflow",
    ref=_KATIB_REF,
    licence="Apache-2.0",
    source=_KATIB_SOURCE,
)


def all_manifest_pins() -> dict[str, ManifestPin]:
    """Every kustomize pin in this module, by constant name."""
    return {name: value for name, value in globals().items() if isinstance(value, ManifestPin)}
