"""The mesh: cert-manager with an internal CA and Istio (base, istiod with CNI, the CNI node
agent) as pinned releases, mesh-wide STRICT mTLS (K8S-11), cert-manager restricted and only
istio-system privileged (K8S-02); on every stack whose tier turns the mesh on, in preview and
update mode. Pure decisions are tested as tables."""

from __future__ import annotations

from typing import Any

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import crd_dir, has_crd_schema, manifest_of, validate, validate_custom
from aiplat.stackfiles import load, stack_names
from components.mesh import (
    ISTIOD_EGRESS,
    MeshArgs,
    control_plane_replicas,
)
from components.platform_namespace import allow_spec
from components.values import cert_manager, istio
from components.values.quota import Requests, daemon_quota, quota
from tiers import pins

MESH = "aiplat:mesh:Mesh"
SERVICES = "aiplat:platform:ClusterServices"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
PEER_AUTH = "kubernetes:security.istio.io/v1:PeerAuthentication"
MESH_STACKS = [s for s in stack_names() if load(s).resolve().stacks.mesh]
NO_MESH_STACKS = [s for s in stack_names() if not load(s).resolve().stacks.mesh]
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
PINS = {
    "cert-manager": (pins.CERT_MANAGER, "cert-manager"),
    "istio-base": (pins.ISTIO_BASE, "istio-system"),
    "istio-cni": (pins.ISTIO_CNI, "istio-system"),
    "istiod": (pins.ISTIOD, "istio-system"),
}

every_mesh_stack = pytest.mark.parametrize("stack", MESH_STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)
needs_crds = pytest.mark.skipif(
    not crd_dir().is_dir(), reason=f"no CRD schemas at {crd_dir()} (../shared/crds)"
)


def descendants(cap: Capture, root: CapturedResource) -> list[CapturedResource]:
    found, frontier = [], {root.urn}
    for resource in cap.resources:  # registration order: parents come first
        if resource.parent in frontier:
            found.append(resource)
            frontier.add(resource.urn)
    return found


def mesh_parts(cap: Capture, type_: str, mesh: CapturedResource) -> list[CapturedResource]:
    return [r for r in descendants(cap, mesh) if r.type == type_]


def releases(cap: Capture, mesh: CapturedResource) -> dict[str, CapturedResource]:
    return {r.inputs["name"]: r for r in mesh_parts(cap, RELEASE, mesh)}


def meshes(cap: Capture) -> list[CapturedResource]:
    """One mesh per cluster (per region on AWS)."""
    found = cap.of_type(MESH)
    assert found
    return found


def test_the_mesh_is_on_for_some_stacks_and_off_for_others():
    assert "intermediate-prod" in MESH_STACKS and "intermediate-onprem" in MESH_STACKS
    assert "poc-dev" in NO_MESH_STACKS and "poc-local" in NO_MESH_STACKS


@every_mesh_stack
@both_modes
def test_the_mesh_is_a_child_of_cluster_services_named_after_it(capture, stack, preview):
    cap = capture(stack, preview)
    services = cap.of_type(SERVICES)
    meshes = cap.of_type(MESH)
    assert len(meshes) == len(services)
    for svc in services:
        (mesh,) = [m for m in meshes if m.parent == svc.urn]
        assert mesh.name == f"{svc.name}-mesh"


@pytest.mark.parametrize("stack", NO_MESH_STACKS)
def test_no_mesh_where_the_tier_leaves_it_off(capture, stack):
    cap = capture(stack, True)
    assert cap.of_type(MESH) == []
    assert cap.of_type(PEER_AUTH) == []


@every_mesh_stack
@both_modes
def test_cert_manager_and_istio_are_pinned_releases(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        found = releases(cap, mesh)
        assert set(found) == set(PINS)
        for name, (pin, namespace) in PINS.items():
            inputs = found[name].inputs
            assert (inputs["chart"], inputs["version"]) == (pin.chart, pin.version)
            assert inputs["repositoryOpts"] == {"repo": pin.repository}
            assert inputs["namespace"] == namespace
            assert inputs["atomic"] is True


@every_mesh_stack
@both_modes
def test_istiod_runs_in_cni_mode_so_meshed_namespaces_can_be_baseline(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        values = releases(cap, mesh)["istiod"].inputs["values"]
        assert values["pilot"]["cni"]["enabled"] is True
        proxy = values["global"]["proxy"]
        assert proxy["privileged"] is False
        assert set(proxy["resources"]) == {"requests", "limits"}


@every_mesh_stack
@both_modes
def test_istio_is_installed_base_then_cni_then_istiod(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        found = releases(cap, mesh)
        assert found["istio-base"].urn in found["istio-cni"].dependencies
        assert {found["istio-base"].urn, found["istio-cni"].urn} <= set(
            found["istiod"].dependencies
        )


@every_mesh_stack
@both_modes
def test_k8s_02_cert_manager_is_restricted_and_istio_system_privileged(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        levels = {
            ns.inputs["metadata"]["name"]: ns.inputs["metadata"]["labels"]
            for ns in mesh_parts(cap, NAMESPACE, mesh)
        }
        assert set(levels) == {"cert-manager", "istio-system"}
        for mode in ("enforce", "audit", "warn"):
            label = f"pod-security.kubernetes.io/{mode}"
            assert levels["cert-manager"][label] == "restricted"
            assert levels["istio-system"][label] == "privileged"


@every_mesh_stack
@both_modes
def test_k8s_11_mesh_wide_mtls_is_strict(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        (policy,) = mesh_parts(cap, PEER_AUTH, mesh)
        assert policy.inputs["metadata"] == {"name": "default", "namespace": "istio-system"}
        assert policy.inputs["spec"] == {"mtls": {"mode": "STRICT"}}
        assert releases(cap, mesh)["istiod"].urn in policy.dependencies


@every_mesh_stack
@both_modes
def test_the_internal_ca_issuer_is_signed_by_a_self_signed_root(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        issuers = {
            r.inputs["metadata"]["name"]: r.inputs["spec"]
            for r in mesh_parts(cap, "kubernetes:cert-manager.io/v1:ClusterIssuer", mesh)
        }
        assert issuers == {
            "aiplat-selfsigned": {"selfSigned": {}},
            "aiplat-ca": {"ca": {"secretName": "aiplat-ca"}},
        }
        (ca,) = mesh_parts(cap, "kubernetes:cert-manager.io/v1:Certificate", mesh)
        assert ca.inputs["spec"]["isCA"] is True
        assert ca.inputs["spec"]["issuerRef"]["name"] == "aiplat-selfsigned"


@every_mesh_stack
@both_modes
def test_k8s_01_every_plain_mesh_object_validates(capture, stack, preview):
    cap = capture(stack, preview)
    version = load(stack).resolve().kubernetes_version
    for mesh in meshes(cap):
        plain = [
            m for r in descendants(cap, mesh) if (m := manifest_of(r)) is not None and m.built_in
        ]
        assert {m.kind for m in plain} >= {"Namespace", "NetworkPolicy", "ResourceQuota"}
        for m in plain:
            assert validate(m, version) == [], m.resource_name


@needs_crds
@every_mesh_stack
@both_modes
def test_k8s_01_every_mesh_custom_resource_validates_against_its_crd(capture, stack, preview):
    cap = capture(stack, preview)
    for mesh in meshes(cap):
        custom = [
            m
            for r in descendants(cap, mesh)
            if (m := manifest_of(r)) is not None and not m.built_in
        ]
        assert {m.kind for m in custom} == {"PeerAuthentication", "ClusterIssuer", "Certificate"}
        for m in custom:
            assert has_crd_schema(m), m.kind
            assert validate_custom(m) == [], m.resource_name


@needs_crds
def test_the_crd_check_catches_a_wrong_mtls_mode(capture):
    cap = capture(MESH_STACKS[0], True)
    (policy,) = mesh_parts(cap, PEER_AUTH, meshes(cap)[0])
    m = manifest_of(policy)
    assert m is not None
    bad = m.body | {"spec": {"mtls": {"mode": "STRICTEST"}}}
    problems = validate_custom(type(m)(**{**m.__dict__, "body": bad}))
    assert problems and "STRICTEST" in problems[0]


@pytest.mark.parametrize(("system_nodes", "replicas"), [(1, 1), (2, 2), (3, 2), (10, 2)])
def test_control_plane_replicas_are_two_once_there_are_two_system_nodes(system_nodes, replicas):
    assert control_plane_replicas(system_nodes) == replicas


def test_control_plane_replicas_need_a_system_node():
    with pytest.raises(ValueError) as error:
        control_plane_replicas(0)
    assert str(error.value) == "system_nodes must be >= 1 (got 0)"


@pytest.mark.parametrize(
    ("max_nodes", "per_node", "fixed", "expected"),
    [
        (
            1,
            Requests(cpu_m=100, memory_mi=100),
            Requests(cpu_m=0, memory_mi=0, pods=0),
            ("100m", "100Mi", 1),
        ),
        (
            10,
            Requests(cpu_m=100, memory_mi=100),
            Requests(cpu_m=3000, memory_mi=11264, pods=15),
            ("4000m", "12264Mi", 25),
        ),
        (
            460,
            Requests(cpu_m=150, memory_mi=192, pods=2),
            Requests(cpu_m=0, memory_mi=0, pods=0),
            ("69000m", "88320Mi", 920),
        ),
    ],
)
def test_daemon_quota_grows_with_the_node_ceiling(max_nodes, per_node, fixed, expected):
    q = daemon_quota(max_nodes, per_node, fixed)
    assert (q.cpu, q.memory, q.pods, q.gpus) == (*expected, 0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: daemon_quota(0, Requests(cpu_m=1, memory_mi=1), Requests(cpu_m=1, memory_mi=1)),
            "max_nodes must be >= 1 (got 0)",
        ),
        (lambda: Requests(cpu_m=1, memory_mi=1).times(-1), "count must be >= 0 (got -1)"),
        (
            lambda: Requests(cpu_m=-1, memory_mi=1),
            "requests must be >= 0 (got Requests(cpu_m=-1, memory_mi=1, pods=1))",
        ),
    ],
)
def test_quota_sizing_refuses_nonsense(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


def test_a_quota_always_admits_one_pod():
    assert quota(Requests(cpu_m=0, memory_mi=0, pods=0)).pods == 1


@pytest.mark.parametrize(
    ("min_replicas", "cpu_m", "pods"), [(1, 3000, 15), (2, 3000, 15), (6, 3500, 16)]
)
def test_istio_system_has_room_for_istiod_at_its_ceiling(min_replicas, cpu_m, pods):
    per_node, fixed = istio.namespace_requests(min_replicas)
    assert per_node == istio.CNI_POD
    assert (fixed.cpu_m, fixed.pods) == (cpu_m, pods)


@every_mesh_stack
def test_istio_system_quota_fits_a_cni_agent_on_every_node(capture, stack):
    platform = load(stack).resolve()
    max_nodes = platform.system_pool.max_nodes + sum(p.max_nodes for p in platform.gpu_pools)
    cap = capture(stack, True)
    for mesh in meshes(cap):
        (q,) = [
            r
            for r in mesh_parts(cap, "kubernetes:core/v1:ResourceQuota", mesh)
            if r.inputs["metadata"]["namespace"] == "istio-system"
        ]
        hard = q.inputs["spec"]["hard"]
        assert int(hard["pods"]) >= max_nodes + istio.istiod_max_replicas(1)
        assert int(hard["requests.cpu"].removesuffix("m")) >= max_nodes * istio.CNI_POD.cpu_m


@pytest.mark.parametrize(
    ("system_nodes", "max_nodes", "message"),
    [
        (0, 3, "mesh: need 1 <= system_nodes <= max_nodes (got 0, 3)"),
        (4, 3, "mesh: need 1 <= system_nodes <= max_nodes (got 4, 3)"),
    ],
)
def test_mesh_args_reject_impossible_sizes(system_nodes, max_nodes, message):
    with pytest.raises(ValueError) as error:
        MeshArgs(system_nodes=system_nodes, max_nodes=max_nodes)
    assert str(error.value) == message


@pytest.mark.parametrize(("replicas", "budget"), [(1, False), (2, True), (3, True)])
def test_cert_manager_gets_a_disruption_budget_only_with_two_replicas(replicas, budget):
    values = cert_manager.values(replicas)
    assert values["replicaCount"] == values["webhook"]["replicaCount"] == replicas
    assert values["podDisruptionBudget"]["enabled"] is budget
    assert values["global"]["leaderElection"]["namespace"] == "cert-manager"


def test_cert_manager_installs_its_crds_and_hardens_every_pod():
    values = cert_manager.values(1)
    assert values["crds"] == {"enabled": True, "keep": True}
    parts: list[dict[str, Any]] = [
        values,
        values["webhook"],
        values["cainjector"],
        values["startupapicheck"],
    ]
    for part in parts:
        assert part["securityContext"]["runAsNonRoot"] is True
        assert part["containerSecurityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert part["containerSecurityContext"]["readOnlyRootFilesystem"] is True
        assert set(part["resources"]) == {"requests", "limits"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cert_manager.values(0), "cert-manager: replicas must be >= 1 (got 0)"),
        (lambda: istio.istiod_values(0), "istiod: min_replicas must be >= 1 (got 0)"),
    ],
)
def test_replica_counts_below_one_are_refused(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value) == message


@pytest.mark.parametrize(("replicas", "autoscale_max"), [(1, 5), (2, 5), (6, 6)])
def test_istiod_autoscales_from_its_replicas(replicas, autoscale_max):
    pilot = istio.istiod_values(replicas)["pilot"]
    assert (pilot["autoscaleMin"], pilot["autoscaleMax"]) == (replicas, autoscale_max)


def test_meshed_namespaces_reach_istiod_for_config_and_certificates():
    assert allow_spec(ISTIOD_EGRESS) == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "podSelector": {"matchLabels": {"app": "istiod"}},
                        "namespaceSelector": {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/metadata.name",
                                    "operator": "In",
                                    "values": ["istio-system"],
                                }
                            ]
                        },
                    }
                ],
                "ports": [{"protocol": "TCP", "port": 15012}],
            }
        ],
    }
