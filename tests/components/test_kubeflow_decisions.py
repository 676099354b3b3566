"""Kubeflow's pure decisions as tables: which kustomize directories each part installs,
Pod Security of the kubeflow namespace, GPU placement and sizing, and the manifest pins."""

from __future__ import annotations

import pytest

from components import kubeflow_workloads as work
from components.kubeflow_decisions import system_pod_security
from components.kubeflow_manifests import directory_name, kustomize_sources
from components.platform_namespace import PodSecurity
from tiers import pins
from tiers.model import KubeflowPart as P
from tiers.model import PoolRole
from tiers.resolve import resolve
from tiers.stack_config import StackConfig


def pool_paths(parts: set[P]) -> dict[str, list[str]]:
    return {
        part.value: [pin.path.rsplit("/", 1)[-1] for pin in found]
        for part, found in kustomize_sources(frozenset(parts)).items()
    }


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({P.NOTEBOOKS}, {"notebooks": ["standalone"]}),
        ({P.NOTEBOOKS, P.TRAINER}, {"notebooks": ["standalone"]}),
        (
            {P.NOTEBOOKS, P.PROFILES, P.DASHBOARD},
            {
                "notebooks": ["kubeflow", "istio"],
                "profiles": ["base", "kubeflow"],
                "dashboard": ["oauth2-proxy", "m2m-dex-only", "oauth2-proxy"],
            },
        ),
        ({P.PIPELINES}, {"pipelines": ["cluster-scoped-resources", "platform-agnostic"]}),
        (
            {P.PIPELINES, P.PROFILES},
            {
                "pipelines": ["cluster-scoped-resources", "platform-agnostic-multi-user"],
                "profiles": ["base", "kubeflow"],
            },
        ),
        ({P.KATIB}, {"katib": ["katib-standalone"]}),
        (
            {P.KATIB, P.PROFILES},
            {"katib": ["katib-with-kubeflow"], "profiles": ["base", "kubeflow"]},
        ),
    ],
)
def test_each_part_installs_its_own_kustomize_directories(parts, expected):
    assert pool_paths(parts) == expected


@pytest.mark.parametrize(
    ("parts", "mesh", "level"),
    [
        ({P.NOTEBOOKS}, False, PodSecurity.RESTRICTED),
        ({P.NOTEBOOKS, P.TRAINER}, True, PodSecurity.BASELINE),
        ({P.PIPELINES}, False, PodSecurity.BASELINE),  # single-user runs GPU steps here
        ({P.PIPELINES, P.PROFILES}, False, PodSecurity.RESTRICTED),
    ],
)
def test_the_kubeflow_namespace_is_restricted_unless_gpu_steps_or_sidecars_run_there(
    parts, mesh, level
):
    assert system_pod_security(frozenset(parts), mesh) is level


def platform(tier: str, env: str = "prod"):
    return resolve(f"{tier}-{env}", StackConfig(tier=tier, environment=env))


def test_gpu_placement_lands_on_the_pool_and_shares_the_node():
    where = work.placement(platform("poc").gpu_pools, PoolRole.TRAINING)
    assert where.pool == "training"
    assert where.node_selector == {"aiplat.io/pool": "training"}
    assert where.tolerations == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ]
    # g5.12xlarge: 4 GPUs, 48 vCPUs, 192 GiB
    assert where.share(4).as_k8s() == {
        "requests": {"cpu": "36", "memory": "144Gi"},
        "limits": {"cpu": "47", "memory": "168Gi", "nvidia.com/gpu": "4"},
    }
    assert where.share(1).as_k8s()["limits"] == {
        "cpu": "11",
        "memory": "42Gi",
        "nvidia.com/gpu": "1",
    }


def test_a_container_cannot_hold_more_gpus_than_a_node_has():
    where = work.placement(platform("poc").gpu_pools, PoolRole.NOTEBOOK)
    with pytest.raises(
        ValueError, match=r"^pool notebook: a container can hold 1\.\.1 GPUs \(got 2\)$"
    ):
        where.share(2)


def test_kubeflow_needs_a_pool_of_each_role_it_uses():
    pools = tuple(p for p in platform("poc").gpu_pools if p.role is not PoolRole.NOTEBOOK)
    with pytest.raises(ValueError, match=r"^no GPU pool with role 'notebook'; Kubeflow needs one$"):
        work.placement(pools, PoolRole.NOTEBOOK)


def test_the_user_profile_quota_covers_both_pools_at_their_maximum():
    spec = platform("intermediate")
    quota = work.user_quota(
        work.placement(spec.gpu_pools, PoolRole.NOTEBOOK),
        work.placement(spec.gpu_pools, PoolRole.TRAINING),
    )
    pools = {p.role: p for p in spec.gpu_pools}
    expected = sum(
        pools[r].instance.accelerators * pools[r].max_nodes
        for r in (PoolRole.NOTEBOOK, PoolRole.TRAINING)
    )
    assert quota.gpus == expected > 0


def test_every_manifest_pin_is_an_exact_release_tag_with_a_licence():
    found = pins.all_manifest_pins()
    assert len(found) >= 12
    for pin in found.values():
        assert pin.ref in {"26.03", "2.17.0", "v0.19.0"}
        assert pin.licence == "Apache-2.0" and pin.source
        assert pin.url == f"{pin.repository}//{pin.path}?ref={pin.ref}"


@pytest.mark.parametrize("ref", ["master", "main", "v1", "2.17", "latest", "release-1.9", ""])
def test_a_manifest_pin_refuses_a_branch_or_loose_version(ref):
    with pytest.raises(ValueError, match=r"pin an exact release tag"):
        pins.ManifestPin(
            repository="https://github.com/kubeflow/katib",
            path="manifests/v1beta1/installs/katib-standalone",
            ref=ref,
            licence="Apache-2.0",
            source="test",
        )


def test_directory_names_are_short_and_stable():
    assert directory_name(pins.KFP_CLUSTER_SCOPED) == "kustomize-cluster-scoped-resources"
    assert directory_name(pins.KATIB_STANDALONE) == "installs-katib-standalone"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({P.NOTEBOOKS}, ("notebook-controller-system",)),
        ({P.NOTEBOOKS, P.TRAINER}, ("notebook-controller-system",)),
        ({P.NOTEBOOKS, P.PROFILES}, ()),
        ({P.NOTEBOOKS, P.PROFILES, P.DASHBOARD}, ("auth", "oauth2-proxy")),
        ({P.TRAINER}, ()),
    ],
)
def test_namespaces_upstream_installs_into_are_created_hardened_first(parts, expected):
    from components.kubeflow_decisions import upstream_namespaces

    assert upstream_namespaces(frozenset(parts)) == expected
