"""Manifest extraction and validation: built-in kinds strictly with kubernetes_validate,
custom resources against their upstream CRD schema, made strict like the API server's
pruning (an unknown field is an error)."""

from __future__ import annotations

import pytest

from aiplat.harness import CapturedResource
from aiplat.manifests import crd_dir, manifest_of, validate

needs_crds = pytest.mark.skipif(
    not crd_dir().is_dir(), reason=f"CRD schemas not found at {crd_dir()} (../shared/crds)"
)


def resource(type_: str, inputs: dict) -> CapturedResource:
    return CapturedResource(
        urn=f"urn:pulumi:s::p::{type_}::x",
        id=None,
        type=type_,
        name="x",
        parent=None,
        custom=True,
        protect=False,
        dependencies=(),
        provider=None,
        inputs=inputs,
        outputs={},
    )


@pytest.mark.parametrize(
    ("type_", "expected"),
    [
        ("kubernetes:core/v1:Namespace", ("v1", "Namespace", True)),
        (
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            ("networking.k8s.io/v1", "NetworkPolicy", True),
        ),
        (
            "kubernetes:security.istio.io/v1:PeerAuthentication",
            ("security.istio.io/v1", "PeerAuthentication", False),
        ),
    ],
)
def test_a_kubernetes_type_token_names_the_api_version_and_kind(type_, expected):
    manifest = manifest_of(resource(type_, {"metadata": {"name": "x"}}))
    assert (manifest.api_version, manifest.kind, manifest.built_in) == expected


@pytest.mark.parametrize(
    "type_",
    ["kubernetes:helm.sh/v3:Release", "pulumi:providers:kubernetes", "aws:s3/bucket:Bucket"],
)
def test_releases_providers_and_cloud_resources_are_not_manifests(type_):
    assert manifest_of(resource(type_, {})) is None


def test_a_valid_network_policy_passes_and_a_misspelt_field_fails():
    good = manifest_of(
        resource(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            {"metadata": {"name": "deny", "namespace": "a"}, "spec": {"podSelector": {}}},
        )
    )
    bad = manifest_of(
        resource(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            {"metadata": {"name": "deny", "namespace": "a"}, "spec": {"podSelectr": {}}},
        )
    )
    assert validate(good, "1.35") == []
    assert validate(bad, "1.35")


@needs_crds
def test_a_custom_resource_is_checked_against_its_crd_with_unknown_fields_refused():
    def peer_auth(spec: dict):
        return manifest_of(
            resource(
                "kubernetes:security.istio.io/v1:PeerAuthentication",
                {"metadata": {"name": "default", "namespace": "istio-system"}, "spec": spec},
            )
        )

    assert validate(peer_auth({"mtls": {"mode": "STRICT"}}), "1.35") == []
    (typo,) = validate(peer_auth({"mtls": {"mdoe": "STRICT"}}), "1.35")
    assert "mdoe" in typo
    (bad_enum,) = validate(peer_auth({"mtls": {"mode": "SOMETIMES"}}), "1.35")
    assert bad_enum.startswith("spec/mtls/mode:")


def test_a_custom_resource_without_a_pinned_schema_is_not_reported():
    manifest = manifest_of(
        resource("kubernetes:example.com/v1:Widget", {"metadata": {"name": "w"}, "spec": {}})
    )
    assert validate(manifest, "1.35") == []


@pytest.mark.parametrize(
    "type_",
    [
        "kubernetes:kustomize/v2:Directory",
        "kubernetes:yaml/v2:ConfigGroup",
        "kubernetes:helm.sh/v4:Chart",
        "kubernetes:core/v1:ConfigMapList",
    ],
)
def test_the_providers_own_component_types_and_lists_are_not_objects(type_):
    assert manifest_of(resource(type_, {"directory": "https://example/x"})) is None
