"""Kubeflow, part by part from the spec (poc: notebooks only; expert: every part), with the
program run under mocks in both preview and update mode: pinned kustomize directories and
Trainer chart, the objects aiplat renders validated (K8S-01) and hardened (K8S-03, K8S-04,
K8S-08), namespaces locked down (K8S-02, K8S-05, K8S-06)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import crd_dir, has_crd_schema, manifest_of, manifests, validate
from aiplat.stackfiles import load
from components import kubeflow_manifests
from components.hardening import GPU_RESOURCE
from components.kubeflow import Kubeflow
from components.kubeflow_decisions import upstream_namespaces
from tiers import pins
from tiers.model import KubeflowPart

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
ALL = frozenset(KubeflowPart)
EXPECTED_PARTS = {
    "poc-dev": {KubeflowPart.NOTEBOOKS},
    "poc-local": {KubeflowPart.NOTEBOOKS},
    "intermediate-onprem": {KubeflowPart.NOTEBOOKS, KubeflowPart.TRAINER},
    "advanced-dev": ALL,
    "expert-prod": ALL,
}
STACKS = list(EXPECTED_PARTS)
DIRECTORY = "kubernetes:kustomize/v2:Directory"
RELEASE = "kubernetes:helm.sh/v3:Release"
CUSTOM_KINDS = {"Notebook", "ClusterTrainingRuntime", "TrainJob", "Experiment"}

every_stack = pytest.mark.parametrize("stack", STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)


def kubeflow_children(cap: Capture) -> list[CapturedResource]:
    """Every resource under a Kubeflow component (any depth)."""
    return cap.under(Kubeflow.TYPE)


def pod_specs(value: Any) -> list[dict[str, Any]]:
    """Every pod spec (a mapping with ``containers``) anywhere in a nested structure. A
    TrainJob's ``runtimePatches`` are not pod templates (they merge into the runtime's
    hardened one); see test_train_job_patches_only_add_read_only_mounts."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if isinstance(value.get("containers"), list):
            found.append(value)
        for k, v in value.items():
            if k != "runtimePatches":
                found.extend(pod_specs(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(pod_specs(v))
    return found


def rendered(cap: Capture) -> list:
    return [m for m in manifests(kubeflow_children(cap)) if m.kind != "Directory"]


@every_stack
@both_modes
def test_each_stack_gets_exactly_the_kubeflow_parts_its_tier_names(capture, stack, preview):
    cap = capture(stack, preview)
    parts = EXPECTED_PARTS[stack]
    assert load(stack).resolve().stacks.kubeflow == parts
    children = kubeflow_children(cap)
    kinds = {m.kind for m in manifests(children)}
    assert "Notebook" in kinds
    assert ("TrainJob" in kinds) == (KubeflowPart.TRAINER in parts)
    assert ("Experiment" in kinds) == (KubeflowPart.KATIB in parts)
    releases = [r for r in children if r.type == RELEASE]
    assert len(releases) == (
        len(cap.of_type(Kubeflow.TYPE)) if KubeflowPart.TRAINER in parts else 0
    )
    directories = {r.inputs["directory"] for r in children if r.type == DIRECTORY}
    expected = {
        pin.url for pins_ in kubeflow_manifests.kustomize_sources(parts).values() for pin in pins_
    }
    assert directories == expected


@every_stack
@both_modes
def test_kustomize_directories_are_pinned_remote_targets_at_exact_tags(capture, stack, preview):
    urls = {pin.url: pin for pin in pins.all_manifest_pins().values()}
    for resource in kubeflow_children(capture(stack, preview)):
        if resource.type == DIRECTORY:
            pin = urls[resource.inputs["directory"]]
            assert resource.inputs["directory"] == f"{pin.repository}//{pin.path}?ref={pin.ref}"
            assert pin.ref not in {"master", "main", "HEAD", "latest"}


@pytest.mark.parametrize("stack", ["intermediate-onprem", "advanced-dev"])
@both_modes
def test_the_trainer_is_the_pinned_helm_chart_in_the_kubeflow_namespace(capture, stack, preview):
    (release, *_) = [r for r in kubeflow_children(capture(stack, preview)) if r.type == RELEASE]
    pin = pins.KUBEFLOW_TRAINER
    assert release.inputs["chart"] == f"{pin.repository}/{pin.chart}"
    assert release.inputs["version"] == "2.3.0"
    assert release.inputs["namespace"] == "kubeflow"
    assert release.inputs["values"]["runtimes"]["defaultEnabled"] is False


@every_stack
@both_modes
def test_every_object_kubeflow_renders_is_valid_against_kubernetes_1_35_and_its_crd(
    capture, stack, preview
):
    if not crd_dir().is_dir():
        pytest.skip(f"CRD schemas not found at {crd_dir()} (set AIPLAT_CRDS)")
    objects = rendered(capture(stack, preview))
    assert objects
    for manifest in objects:
        if manifest.kind in CUSTOM_KINDS:
            assert has_crd_schema(manifest), manifest.kind
        assert validate(manifest, "1.35") == [], (manifest.kind, manifest.name)


def test_crd_validation_catches_a_broken_notebook(capture):
    if not crd_dir().is_dir():
        pytest.skip(f"CRD schemas not found at {crd_dir()} (set AIPLAT_CRDS)")
    (resource,) = [
        r for r in kubeflow_children(capture("poc-dev", False)) if r.type.endswith(":Notebook")
    ]
    broken = CapturedResource(**{**resource.__dict__, "inputs": dict(resource.inputs)})
    broken.inputs["spec"] = {"template": {"spec": {"containers": [{"image": 1}]}}}
    assert validate(manifest_of(broken), "1.35") != []


@pytest.mark.parametrize("stack", ["advanced-dev", "expert-prod"])
def test_katib_trials_are_valid_hardened_batch_jobs_on_the_training_pool(capture, stack):
    experiments = [m for m in rendered(capture(stack, False)) if m.kind == "Experiment"]
    assert {e.name for e in experiments} >= {"reference-hpo"}
    for experiment in experiments:
        trial = experiment.body["spec"]["trialTemplate"]["trialSpec"]
        kubernetes_validate.validate(trial, "1.35", strict=True)
        pod = trial["spec"]["template"]["spec"]
        assert pod["nodeSelector"] == {"aiplat.io/pool": "training"}
        assert pod["containers"][0]["resources"]["limits"][GPU_RESOURCE] == "1"


@pytest.mark.parametrize(("stack", "nas"), [("advanced-dev", False), ("expert-prod", True)])
def test_nas_runs_only_where_the_tier_asks_for_it(capture, stack, nas):
    names = {m.name for m in rendered(capture(stack, False)) if m.kind == "Experiment"}
    assert ("reference-nas-darts" in names) == nas
    assert load(stack).resolve().stacks.nas is nas


@every_stack
@both_modes
def test_every_pod_template_kubeflow_renders_is_hardened(capture, stack, preview):
    specs = [spec for m in rendered(capture(stack, preview)) for spec in pod_specs(m.body)]
    assert specs
    for spec in specs:
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in spec["containers"]:
            ctx = c["securityContext"]
            assert ctx["runAsNonRoot"] is True
            assert ctx["allowPrivilegeEscalation"] is False
            assert ctx["readOnlyRootFilesystem"] is True
            assert ctx["capabilities"] == {"drop": ["ALL"]}
            assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
            assert {"cpu", "memory"} <= set(c["resources"]["requests"])
            assert {"cpu", "memory"} <= set(c["resources"]["limits"])
            repository, _, tag = c["image"].rpartition(":")
            assert repository and tag and tag != "latest" and "/" not in tag
            if GPU_RESOURCE in c["resources"]["limits"]:
                assert int(c["resources"]["limits"][GPU_RESOURCE]) >= 1
                assert spec["nodeSelector"]["aiplat.io/pool"] in {"notebook", "training"}
                assert any(t["key"] == GPU_RESOURCE for t in spec["tolerations"])


@every_stack
@both_modes
def test_gpu_workloads_request_nvidia_gpus_on_their_pools(capture, stack, preview):
    objects = {m.kind: m for m in rendered(capture(stack, preview))}
    notebook = objects["Notebook"].body["spec"]["template"]["spec"]
    assert notebook["nodeSelector"] == {"aiplat.io/pool": "notebook"}
    assert notebook["containers"][0]["resources"]["limits"][GPU_RESOURCE] == "1"
    assert notebook["containers"][0]["name"] == objects["Notebook"].name
    if "TrainJob" in objects:
        job = objects["TrainJob"].body["spec"]
        assert job["suspend"] is True
        assert int(job["trainer"]["resourcesPerNode"]["limits"][GPU_RESOURCE]) >= 1


@every_stack
@both_modes
def test_kubeflow_namespaces_are_platform_namespaces_with_gpu_quota(capture, stack, preview):
    children = kubeflow_children(capture(stack, preview))
    namespaces = {
        r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"]
        for r in children
        if r.type == "kubernetes:core/v1:Namespace"
    }
    parts = EXPECTED_PARTS[stack]
    upstream = set(upstream_namespaces(frozenset(parts)))
    assert set(namespaces) == {"kubeflow", "kubeflow-user"} | upstream
    if KubeflowPart.DASHBOARD in parts:
        assert {"auth", "oauth2-proxy"} <= upstream
    if parts == {KubeflowPart.NOTEBOOKS}:
        assert upstream == {"notebook-controller-system"}
    assert namespaces["kubeflow-user"]["pod-security.kubernetes.io/enforce"] == "baseline"
    platform = load(stack).resolve()
    mesh = "enabled" if platform.stacks.mesh else None
    assert all(labels.get("istio-injection") == mesh for labels in namespaces.values())
    quotas = {
        r.inputs["metadata"]["namespace"]: r.inputs["spec"]["hard"]
        for r in children
        if r.type == "kubernetes:core/v1:ResourceQuota"
    }
    pools = {p.role.value: p for p in platform.gpu_pools}
    gpus = sum(
        pools[r].instance.accelerators * pools[r].max_nodes for r in ("notebook", "training")
    )
    assert quotas["kubeflow-user"][f"requests.{GPU_RESOURCE}"] == str(gpus)
    policies = {
        (r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"])
        for r in children
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    }
    assert {(ns, "default-deny") for ns in namespaces} <= policies
    assert ("kubeflow", "from-api-server-webhooks") in policies


@pytest.mark.parametrize(("stack", "irsa"), [("advanced-dev", True)])
def test_the_pipeline_runner_is_the_lakes_pipelines_consumer(capture, stack, irsa):
    accounts = [
        r
        for r in kubeflow_children(capture(stack, False))
        if r.type == "kubernetes:core/v1:ServiceAccount"
        and r.inputs["metadata"]["name"] == "pipeline-runner"
    ]
    assert accounts
    for account in accounts:
        assert account.inputs["metadata"]["namespace"] == "kubeflow"
        annotations = account.inputs["metadata"].get("annotations") or {}
        assert ("eks.amazonaws.com/role-arn" in annotations) is irsa


@pytest.mark.parametrize("stack", ["advanced-dev", "expert-prod"])
@both_modes
def test_the_compiled_reference_pipeline_is_registered_in_the_kubeflow_namespace(
    capture, stack, preview
):
    import yaml

    maps = [
        m
        for m in rendered(capture(stack, preview))
        if m.kind == "ConfigMap" and m.name == "aiplat-reference-pipeline"
    ]
    assert maps
    for cm in maps:
        assert cm.namespace == "kubeflow"
        spec = next(yaml.safe_load_all(cm.body["data"]["pipeline.yaml"]))
        train = spec["deploymentSpec"]["executors"]["exec-train-model"]["container"]
        assert train["resources"]["accelerator"]["resourceType"] == GPU_RESOURCE
        assert "deploy-canary" in spec["root"]["dag"]["tasks"]


def test_poc_dev_has_no_pipelines_katib_or_trainer(capture):
    kinds = {m.kind for m in rendered(capture("poc-dev", True))}
    assert {"TrainJob", "Experiment", "ClusterTrainingRuntime"}.isdisjoint(kinds)
    assert not [r for r in kubeflow_children(capture("poc-dev", True)) if r.type == RELEASE]


@pytest.mark.parametrize("stack", ["poc-local", "intermediate-onprem"])
@both_modes
def test_on_a_cluster_you_bring_kubeflow_uses_its_provider(capture, stack, preview):
    cap = capture(stack, preview)
    (provider,) = cap.of_type("pulumi:providers:kubernetes")
    children = [r for r in kubeflow_children(cap) if r.type in (DIRECTORY, RELEASE)]
    assert children
    for resource in children:
        assert resource.provider and resource.provider.startswith(provider.urn)


def test_the_registered_pipeline_reads_the_lake_through_its_catalog(capture):
    import yaml

    for stack, kind in (("advanced-dev", "glue"),):
        (cm, *_) = [
            m
            for m in rendered(capture(stack, False))
            if m.kind == "ConfigMap" and m.name == "aiplat-reference-pipeline"
        ]
        spec = next(yaml.safe_load_all(cm.body["data"]["pipeline.yaml"]))
        params = spec["root"]["inputDefinitions"]["parameters"]
        assert params["catalog_type"]["defaultValue"] == kind
        assert params["feature_table"]["defaultValue"] == "features.customer_features"


@pytest.mark.parametrize("stack", ["intermediate-onprem", "expert-prod"])
def test_train_job_patches_only_add_read_only_mounts(capture, stack):
    jobs = [m for m in rendered(capture(stack, False)) if m.kind == "TrainJob"]
    assert jobs
    for job in jobs:
        for patch in job.body["spec"]["runtimePatches"]:
            for replicated in patch["trainingRuntimeSpec"]["template"]["spec"]["replicatedJobs"]:
                pod = replicated["template"]["spec"]["template"]["spec"]
                assert set(pod) == {"volumes", "containers"}
                for c in pod["containers"]:
                    assert set(c) == {"name", "volumeMounts"}
                    assert all(m["readOnly"] for m in c["volumeMounts"])


@pytest.mark.parametrize("stack", ["advanced-dev", "expert-prod"])
@both_modes
def test_with_profiles_the_user_namespace_is_the_owners_profile(capture, stack, preview):
    cap = capture(stack, preview)
    profiles = [m for m in rendered(cap) if m.kind == "Profile"]
    assert profiles and {p.name for p in profiles} == {"kubeflow-user"}
    for profile in profiles:
        spec = profile.body["spec"]
        assert spec["owner"] == {
            "kind": "User",
            "name": "user@example.com",
            "apiGroup": "rbac.authorization.k8s.io",
        }
        # On AWS the controller only annotates default-editor with the lake role.
        (iam,) = spec["plugins"]
        assert iam["kind"] == "AwsIamForServiceAccount" and iam["spec"]["annotateOnly"] is True
        assert "awsIamRole" in iam["spec"]
    # The controller adopts the hardened namespace aiplat creates: same owner annotation.
    users = [m for m in rendered(cap) if m.kind == "Namespace" and m.name == "kubeflow-user"]
    assert users and all(u.body["metadata"]["annotations"] == {"owner": "user@example.com"}
                         for u in users)  # fmt: skip


@pytest.mark.parametrize("stack", ["poc-dev", "intermediate-onprem"])
def test_without_profiles_there_is_no_profile_and_no_owner(capture, stack):
    cap = capture(stack, True)
    assert not [m for m in rendered(cap) if m.kind == "Profile"]
    users = [m for m in rendered(cap) if m.kind == "Namespace" and m.name == "kubeflow-user"]
    assert users and all("annotations" not in u.body["metadata"] for u in users)


def test_the_profile_editor_has_the_pipeline_runners_lake_access_under_its_own_role():
    from components.lakehouse import CONSUMERS

    runner, editor = CONSUMERS["pipelines"], CONSUMERS["profile-editor"]
    assert (editor.namespace, editor.service_account) == ("kubeflow-user", "default-editor")
    assert editor.grants == runner.grants and editor.glue_namespaces == runner.glue_namespaces


def test_a_profile_without_a_lake_role_has_no_plugin():
    from components.kubeflow_workloads import profile_spec

    assert "plugins" not in profile_spec("alice@example.com", None)


def test_on_a_cluster_you_bring_the_registered_pipeline_reads_the_lake_with_a_secret():
    import json

    from aiplat.harness import run_program

    values = {**load("intermediate-onprem").engine_values(), "tier": "advanced"}
    cap = run_program("advanced-onprem", values, preview=True)
    (registered,) = [m for m in rendered(cap) if m.name == "aiplat-reference-pipeline"]
    settings = json.loads(registered.body["data"]["settings.json"])
    assert settings["lake_client_secret"] == "pipeline-lake-client"
    assert settings["s3_endpoint"].endswith(".lake.svc:8333")
    assert settings["warehouse"] == "warehouse"  # the Polaris catalog, by name
    assert "pipeline-lake-client" in registered.body["data"]["pipeline.yaml"]
