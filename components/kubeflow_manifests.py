"""Which upstream kustomize directories each Kubeflow part installs, as a pure decision.

The choice follows the parts switched on, never the tier: with Profiles, the components
install their multi-user (``kubeflow``) overlays; without, their standalone ones. Each entry
is a :class:`~tiers.pins.ManifestPin` at an exact release tag.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from tiers import pins
from tiers.model import KubeflowPart


def kustomize_sources(
    parts: frozenset[KubeflowPart],
) -> dict[KubeflowPart, tuple[pins.ManifestPin, ...]]:
    """Per part switched on, its kustomize directories in install order. The Trainer is a
    Helm chart (``pins.KUBEFLOW_TRAINER``), so it has none here."""
    multi_user = KubeflowPart.PROFILES in parts
    table: dict[KubeflowPart, tuple[pins.ManifestPin, ...]] = {
        KubeflowPart.NOTEBOOKS: (
            pins.KF_NOTEBOOK_CONTROLLER_MULTI_USER if multi_user else pins.KF_NOTEBOOK_CONTROLLER,
        )
        + ((pins.KF_JUPYTER_WEB_APP,) if KubeflowPart.DASHBOARD in parts else ()),
        KubeflowPart.PIPELINES: (
            pins.KFP_CLUSTER_SCOPED,
            pins.KFP_MULTI_USER if multi_user else pins.KFP_SINGLE_USER,
        ),
        KubeflowPart.KATIB: (pins.KATIB_WITH_KUBEFLOW if multi_user else pins.KATIB_STANDALONE,),
        KubeflowPart.PROFILES: (pins.KF_ROLES, pins.KF_PROFILES),
        KubeflowPart.DASHBOARD: (pins.KF_DEX, pins.KF_OAUTH2_PROXY, pins.KF_CENTRAL_DASHBOARD),
    }
    return {part: table[part] for part in KubeflowPart if part in parts and part in table}


def directory_name(pin: pins.ManifestPin) -> str:
    """A stable, short resource-name suffix for a pin: its path's last two segments."""
    return "-".join(pin.path.split("/")[-2:]).replace("_", "-")


def install(
    resource_name: str, pin: pins.ManifestPin, opts: pulumi.ResourceOptions
) -> k8s.kustomize.v2.Directory:
    """Install one pinned kustomize directory, fetched by the provider at deploy time from
    the remote target ``https://github.com/<repo>//<path>?ref=<tag>``. Under the offline
    mocks it is captured as one opaque ``kubernetes:kustomize/v2:Directory`` resource whose
    inputs carry that URL; the objects it expands to are not rendered here."""
    return k8s.kustomize.v2.Directory(resource_name, directory=pin.url, opts=opts)
