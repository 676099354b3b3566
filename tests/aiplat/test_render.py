"""aiplat render: one YAML file per Kubernetes object with a stable name, plus the Helm
release manifest; every plain object passes strict kubernetes_validate."""

from __future__ import annotations

import pytest
import yaml

from aiplat.manifests import BUILT_IN_GROUPS, Manifest, helm_releases, manifests, validate_plain
from aiplat.review_manifests import HELM_FILE, write_manifests
from aiplat.stackfiles import load, stack_names


def _version(stack: str, cap) -> str:
    versions = {c.inputs["version"] for c in cap.of_type("aws:eks/cluster:Cluster")}
    return min(versions) if versions else load(stack).resolve().kubernetes_version


@pytest.mark.parametrize("stack", stack_names())
def test_every_rendered_plain_object_passes_strict_kubernetes_validate(capture, stack, tmp_path):
    cap = capture(stack, True)
    written = write_manifests(cap, tmp_path)
    objects = [p for p in written if p.name != HELM_FILE]
    assert len(objects) == len(manifests(cap))
    for path in objects:
        body = yaml.safe_load(path.read_text())
        group = body["apiVersion"].rpartition("/")[0] or "core"
        if group not in BUILT_IN_GROUPS:
            continue
        manifest = Manifest(
            urn="",
            resource_name=path.stem,
            group=group,
            version=body["apiVersion"].rpartition("/")[2],
            kind=body["kind"],
            body=body,
        )
        assert validate_plain(manifest, _version(stack, cap)) == [], path
    helm = yaml.safe_load((tmp_path / HELM_FILE).read_text())
    assert helm["stack"] == stack
    assert [r["release"] for r in helm["releases"]] == [
        r.inputs["name"] for r in helm_releases(cap)
    ]
    for release in helm["releases"]:
        assert release["chart"] and release["version"] and release["namespace"]
        assert isinstance(release["values"], dict)


def test_file_names_are_namespace_kind_name_and_stable(cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    code, out, err = cli("render", "--stack", "intermediate-onprem", "--out", str(first))
    assert code == 0, err
    cli("render", "--stack", "intermediate-onprem", "--out", str(second))
    files = sorted(str(p.relative_to(first)) for p in first.rglob("*.yaml"))
    assert files == sorted(str(p.relative_to(second)) for p in second.rglob("*.yaml"))
    assert "lake/networkpolicy-default-deny.yaml" in files
    assert "_cluster/namespace-lake.yaml" in files
    assert sorted(out.split()) == files


def test_clusters_in_several_regions_get_their_own_directories(capture, tmp_path):
    cap = capture("expert-prod", True)
    written = write_manifests(cap, tmp_path)
    assert len({p for p in written}) == len(written), "no object overwrote another"
