"""Every version aiplat pins, in one place, with where it came from.

Charts are pinned by name, repository and exact version; Kubernetes by minor version with
the EKS node AMI release that goes with it. Upgrading is a one-line change here, and the
offline preview shows what it changes. Sources: ../shared/reference/component-versions.md
(researched 2026-11) and the upstream repositories named beside each pin.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ChartPin:
    chart: str
    repository: str
    version: str
    source: str

    def __post_init__(self) -> None:
        if not self.version or self.version in {"latest", "*"}:
            raise ValueError(f"chart {self.chart}: pin an exact version")


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
    source="NVIDIA/k8s-device-plugin release 0.20.0 (2026-08-19)",
)

# The on-prem lake (target kubernetes): object store, Postgres and Iceberg REST catalog.
SEAWEEDFS = ChartPin(
    chart="seaweedfs",
    repository="https://seaweedfs.github.io/seaweedfs/helm",
    version="4.44.0",
    source=(
        "seaweedfs/seaweedfs k8s/charts/seaweedfs/Chart.yaml at cc8364a0 (2026-08-22): "
        "version 4.44.0, appVersion 4.44 (read from git; the newest helm-* tag stored is older)"
    ),
)
CLOUDNATIVE_PG = ChartPin(
    chart="cloudnative-pg",
    repository="https://cloudnative-pg.github.io/charts",
    version="0.29.0",
    source=(
        "cloudnative-pg/charts charts/cloudnative-pg/Chart.yaml at b21ad2da (2026-07-20): "
        "version 0.29.0, appVersion 1.30.0"
    ),
)
CLOUDNATIVE_PG_CLUSTER = ChartPin(
    chart="cluster",
    repository="https://cloudnative-pg.github.io/charts",
    version="0.8.1",
    source="cloudnative-pg/charts charts/cluster/Chart.yaml at b21ad2da and tag cluster-v0.8.1",
)
POLARIS = ChartPin(
    chart="polaris",
    repository="https://downloads.apache.org/polaris/helm-chart",
    version="1.7.0",
    source=(
        "apache/polaris helm/polaris/Chart.yaml at tag apache-polaris-1.7.0 (version and "
        "appVersion 1.7.0); repository from ../shared/reference/component-versions.md"
    ),
)
