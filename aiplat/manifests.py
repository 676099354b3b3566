"""Kubernetes objects a stack would create, read from the offline capture, and validated.

Plain objects (core, apps, networking, ...) are checked with ``kubernetes_validate`` in
strict mode against the stack's Kubernetes version (K8S-01). Custom resources are checked
against their upstream CRD schema (``../shared/crds`` or ``$AIPLAT_CRDS``), made strict the
way the API server's pruning is: an unknown field is an error, not silently dropped.
Helm releases are not objects (their charts cannot be rendered offline); see
:func:`helm_releases`.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiplat.harness import Capture, CapturedResource

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
# The provider's own component types (Helm releases and charts, kustomize directories, YAML
# groups): they install objects but are not objects themselves.
PULUMI_PACKAGES = frozenset({"helm.sh", "kustomize", "yaml"})
CRD_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "crds"
BUILT_IN_GROUPS = frozenset(
    {
        "core",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "rbac.authorization.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "node.k8s.io",
        "certificates.k8s.io",
    }
)


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """One Kubernetes object as the program registers it."""

    urn: str
    resource_name: str  # the Pulumi resource name
    group: str  # "core" for the legacy group
    version: str
    kind: str
    body: dict[str, Any]  # apiVersion, kind, metadata, spec, ...

    @property
    def api_version(self) -> str:
        return self.version if self.group == "core" else f"{self.group}/{self.version}"

    @property
    def name(self) -> str:
        return str(self.body.get("metadata", {}).get("name", self.resource_name))

    @property
    def namespace(self) -> str | None:
        return self.body.get("metadata", {}).get("namespace")

    @property
    def built_in(self) -> bool:
        return self.group in BUILT_IN_GROUPS


def _parse_type(type_token: str) -> tuple[str, str, str] | None:
    """``kubernetes:networking.k8s.io/v1:NetworkPolicy`` -> (group, version, kind)."""
    package, _, rest = type_token.partition(":")
    if package != "kubernetes" or type_token == HELM_RELEASE:
        return None
    api, _, kind = rest.partition(":")
    group, _, version = api.rpartition("/")
    if not kind or not version or group in PULUMI_PACKAGES or kind.endswith("List"):
        return None
    return group or "core", version, kind


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def manifest_of(resource: CapturedResource) -> Manifest | None:
    parsed = _parse_type(resource.type)
    if parsed is None:
        return None
    group, version, kind = parsed
    body = _strip(resource.inputs)
    body["apiVersion"] = version if group == "core" else f"{group}/{version}"
    body["kind"] = kind
    return Manifest(
        urn=resource.urn,
        resource_name=resource.name,
        group=group,
        version=version,
        kind=kind,
        body=body,
    )


def manifests(capture: Capture | Iterable[CapturedResource]) -> list[Manifest]:
    """Every Kubernetes object (plain and custom) in a capture, in registration order."""
    resources = capture.resources if isinstance(capture, Capture) else capture
    return [m for r in resources if (m := manifest_of(r)) is not None]


def helm_releases(capture: Capture) -> list[CapturedResource]:
    return capture.of_type(HELM_RELEASE)


def validate_plain(manifest: Manifest, kubernetes_version: str) -> list[str]:
    """Problems ``kubernetes_validate`` (strict) finds in a built-in object; [] when valid."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(manifest.body, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = "/".join(str(p) for p in error.path)
        return [f"{path or '<root>'}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {manifest.api_version} {manifest.kind} in {kubernetes_version}"]
    return []


def crd_dir() -> Path:
    return Path(os.environ.get("AIPLAT_CRDS", CRD_DIR))


@functools.cache
def _crd_schemas(directory: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    schemas: dict[tuple[str, str, str], dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        crd = yaml.load(path.read_text(), Loader=loader)
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if schema is not None:
                key = (spec["group"], version["name"], spec["names"]["kind"])
                schemas[key] = schema
    return schemas


def _strict(schema: Any) -> Any:
    """Unknown fields become errors, as the API server prunes them (structural schemas):
    ``additionalProperties: false`` on every object with ``properties`` that does not
    preserve unknown fields."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def _validator(directory: str, group: str, version: str, kind: str) -> Any | None:
    from jsonschema import Draft7Validator

    schema = _crd_schemas(directory).get((group, version, kind))
    if schema is None:
        return None
    strict = _strict(copy.deepcopy(schema))
    root = strict.setdefault("properties", {})
    # Some CRDs (Istio's) leave the object's envelope out of their schema.
    root["metadata"] = {"type": "object"}
    root.setdefault("apiVersion", {"type": "string"})
    root.setdefault("kind", {"type": "string"})
    return Draft7Validator(strict)


def has_crd_schema(manifest: Manifest) -> bool:
    directory = crd_dir()
    return directory.is_dir() and (manifest.group, manifest.version, manifest.kind) in (
        _crd_schemas(str(directory))
    )


def validate_custom(manifest: Manifest) -> list[str]:
    """Problems the pinned CRD schema finds in a custom resource; [] when valid.
    Raises LookupError when no schema is available for its group, version and kind."""
    directory = crd_dir()
    validator = (
        _validator(str(directory), manifest.group, manifest.version, manifest.kind)
        if directory.is_dir()
        else None
    )
    if validator is None:
        raise LookupError(f"no CRD schema for {manifest.api_version} {manifest.kind}")
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(manifest.body), key=lambda e: list(e.path))
    ]


def validate(manifest: Manifest, kubernetes_version: str) -> list[str]:
    """Problems in any object: built-in kinds with kubernetes_validate, custom resources
    with their CRD schema (none reported when no schema is pinned for the kind)."""
    if manifest.built_in:
        return validate_plain(manifest, kubernetes_version)
    if has_crd_schema(manifest):
        return validate_custom(manifest)
    return []
