"""``aiplat render`` and ``aiplat check``: the Kubernetes objects a stack creates as YAML files
(one per object, stable names) plus its Helm releases, and the policy and schema check of
every stack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiplat.harness import Capture
from aiplat.manifests import Manifest, helm_releases, manifests, validate

CLUSTER_SCOPE = "_cluster"
HELM_FILE = "helm-releases.yaml"


def _dump(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def _providers(capture: Capture) -> dict[str, str]:
    """Kubernetes provider URN -> its resource name (one per cluster)."""
    return {r.urn: r.name for r in capture.of_type("pulumi:providers:kubernetes")}


def manifest_path(m: Manifest, cluster: str | None) -> Path:
    """``[<cluster>/]<namespace>/<kind>-<name>.yaml`` (``_cluster`` for cluster-scoped)."""
    path = Path(m.namespace or CLUSTER_SCOPE) / f"{m.kind.lower()}-{m.name}.yaml"
    return Path(cluster) / path if cluster else path


def _cluster_of(capture: Capture, providers: dict[str, str]):
    by_urn = capture.by_urn()
    several = len(providers) > 1

    def cluster(urn: str) -> str | None:
        if not several:
            return None
        provider = (by_urn[urn].provider or "").rsplit("::", 1)[0]
        return providers.get(provider, "unknown-cluster")

    return cluster


def helm_manifest(capture: Capture) -> list[dict[str, Any]]:
    return [
        {
            "release": r.inputs.get("name", r.name),
            "chart": r.inputs.get("chart"),
            "version": r.inputs.get("version"),
            "repository": (r.inputs.get("repositoryOpts") or {}).get("repo"),
            "namespace": r.inputs.get("namespace"),
            "values": r.inputs.get("values") or {},
        }
        for r in helm_releases(capture)
    ]


def write_manifests(capture: Capture, out: Path) -> list[Path]:
    """Write every object and the Helm release manifest under ``out``; the paths written."""
    providers = _providers(capture)
    cluster = _cluster_of(capture, providers)
    written: list[Path] = []
    for m in manifests(capture):
        path = out / manifest_path(m, cluster(m.urn))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(m.body))
        written.append(path)
    helm = out / HELM_FILE
    out.mkdir(parents=True, exist_ok=True)
    helm.write_text(_dump({"stack": capture.stack, "releases": helm_manifest(capture)}))
    written.append(helm)
    return written


@dataclass(frozen=True)
class StackCheck:
    stack: str
    resources: int
    mandatory: list  # policies.offline.Finding
    advisory: list
    invalid: list[tuple[str, str]]  # (object, problem)

    @property
    def ok(self) -> bool:
        return not self.mandatory and not self.invalid

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": self.resources,
            "mandatory": [f.as_json() for f in self.mandatory],
            "advisory": [f.as_json() for f in self.advisory],
            "invalid_manifests": [{"object": o, "problem": p} for o, p in self.invalid],
        }


def kubernetes_version(capture: Capture, default: str) -> str:
    versions = {r.inputs.get("version") for r in capture.of_type("aws:eks/cluster:Cluster")}
    versions.discard(None)
    return min(versions) if versions else default


def check_capture(capture: Capture, kube_version: str) -> StackCheck:
    from policies.offline import evaluate

    findings = evaluate(capture.resources)
    invalid = [
        (f"{m.kind}/{m.namespace or ''}/{m.name}", problem)
        for m in manifests(capture)
        for problem in validate(m, kube_version)
    ]
    return StackCheck(
        stack=capture.stack,
        resources=len(capture.resources),
        mandatory=[f for f in findings if f.mandatory],
        advisory=[f for f in findings if not f.mandatory],
        invalid=invalid,
    )
