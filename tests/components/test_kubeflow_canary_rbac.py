"""The reference pipeline's canary steps get exactly the access they use, where they use
it (K8S-07): a Role and RoleBinding in the serving namespace for kubeflow/pipeline-runner,
naming the SeldonDeployment (seldon) or the Istio split and the two KServe variants
(kserve), created after the namespace; nothing for a backend the steps refuse; never a
ClusterRole."""

from __future__ import annotations

import pytest
import yaml

from aiplat.harness import Capture, run_program
from aiplat.manifests import manifests
from aiplat.stackfiles import load

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
ROLE = "aiplat-pipeline-canary"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"


def grants(cap: Capture) -> list:
    """Every RBAC object named after the canary role, whatever its kind."""
    return [m for m in manifests(cap) if m.name == ROLE]


def with_backend(backend: str) -> Capture:
    values = {**load("advanced-dev").engine_values(), "servingBackend": backend}
    return run_program("advanced-dev", values, preview=True)


RUNNER = [{"kind": "ServiceAccount", "name": "pipeline-runner", "namespace": "kubeflow"}]
# Multi-user runs (every shipped tier with pipelines has profiles) run as the profile's editor.
EDITOR = [{"kind": "ServiceAccount", "name": "default-editor", "namespace": "kubeflow-user"}]


def canary_grants(cap: Capture) -> tuple[list, list]:
    objects = grants(cap)
    assert {m.kind for m in objects} == {"Role", "RoleBinding"}
    roles = [m for m in objects if m.kind == "Role"]
    bindings = [m for m in objects if m.kind == "RoleBinding"]
    assert len(roles) == len(bindings) >= 1
    for role, binding in zip(roles, bindings, strict=True):
        assert role.namespace == binding.namespace == "seldon"
        assert binding.body["subjects"] == RUNNER + EDITOR
        assert binding.body["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "aiplat-pipeline-canary",
        }
    return roles, bindings


@pytest.mark.parametrize("stack", ["advanced-dev", "expert-prod"])
@both_modes
def test_the_pipeline_runner_may_only_get_and_patch_the_seldon_deployment(capture, stack, preview):
    roles, _ = canary_grants(capture(stack, preview))
    for role in roles:
        assert role.body["rules"] == [
            {
                "apiGroups": ["machinelearning.seldon.io"],
                "resources": ["seldondeployments"],
                "resourceNames": ["reference-model"],
                "verbs": ["get", "patch"],
            }
        ]


def test_on_kserve_the_pipeline_runner_may_only_move_the_split_and_the_two_variants():
    cap = with_backend("kserve")
    (role,), _ = canary_grants(cap)
    assert role.body["rules"] == [
        {
            "apiGroups": ["networking.istio.io"],
            "resources": ["virtualservices"],
            "resourceNames": ["reference-model"],
            "verbs": ["get", "patch"],
        },
        {
            "apiGroups": ["serving.kserve.io"],
            "resources": ["inferenceservices"],
            "resourceNames": ["reference-model-main", "reference-model-canary"],
            "verbs": ["get", "patch"],
        },
    ]
    spec = next(
        yaml.safe_load_all(
            next(m for m in manifests(cap) if m.name == "aiplat-reference-pipeline").body["data"][
                "pipeline.yaml"
            ]
        )
    )
    backend = spec["root"]["dag"]["tasks"]["deploy-canary"]["inputs"]["parameters"]["backend"]
    assert backend == {"runtimeValue": {"constant": "kserve"}}


@both_modes
def test_the_canary_role_waits_for_the_serving_namespace(capture, preview):
    cap = capture("advanced-dev", preview)
    (namespace,) = [
        r
        for r in cap.resources
        if r.type == "kubernetes:core/v1:Namespace" and r.inputs["metadata"]["name"] == "seldon"
    ]
    grants = [
        r
        for r in cap.resources
        if r.type in (f"{RBAC}Role", f"{RBAC}RoleBinding") and r.inputs["metadata"]["name"] == ROLE
    ]
    assert len(grants) == 2
    for grant in grants:
        assert namespace.urn in grant.dependencies


def test_with_a_backend_the_steps_refuse_no_role_is_granted():
    cap = with_backend("tfserving")
    assert any(m.name == "aiplat-reference-pipeline" for m in manifests(cap))
    assert grants(cap) == []


def test_single_user_pipelines_bind_the_runner_only_and_profiles_add_their_editor():
    from components.kubeflow_decisions import canary_subjects
    from tiers.model import KubeflowPart

    single = frozenset({KubeflowPart.PIPELINES})
    assert canary_subjects(single) == RUNNER
    assert canary_subjects(single | {KubeflowPart.PROFILES}) == RUNNER + EDITOR
