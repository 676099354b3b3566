"""Edge sites: clusters the user brings, each with its own provider, a hardened namespace,
a small probed model server (GPU where the site has it) and a model-sync CronJob pulling
from the central artifacts bucket with file-mounted credentials; bad input is one line;
adding a site changes no existing URN. The program runs under mocks in both modes."""

from __future__ import annotations

import pytest
import yaml

from aiplat.harness import Capture, CapturedResource, run_program
from aiplat.manifests import manifests, validate
from aiplat.stackfiles import load
from components import edge_site
from components.hardening import GPU_RESOURCE

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
EDGE = "aiplat:edge:EdgeSite"
K8S_PROVIDER = "pulumi:providers:kubernetes"
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob")


def descendants(cap: Capture, root: CapturedResource) -> list[CapturedResource]:
    found, todo = [], [root.urn]
    while todo:
        parent = todo.pop()
        for r in cap.resources:
            if r.parent == parent:
                found.append(r)
                todo.append(r.urn)
    return found


def sites(cap: Capture) -> dict[str, CapturedResource]:
    return {r.name.removeprefix("aiplat-edge-"): r for r in cap.of_type(EDGE)}


def of_type(cap: Capture, site: CapturedResource, type_: str) -> list[CapturedResource]:
    return [r for r in descendants(cap, site) if r.type == type_]


def pod_spec(workload: CapturedResource) -> dict:
    spec = workload.inputs["spec"]
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


@both_modes
def test_expert_prod_has_its_edge_sites_each_with_its_own_provider(capture, preview):
    cap = capture("expert-prod", preview)
    found = sites(cap)
    assert set(found) == {"store-east", "plant-west"}
    aiplat = next(iter(cap.of_type("aiplat:platform:AiPlatform")))
    for name, site in found.items():
        assert site.parent == aiplat.urn, "edge sites belong to the platform, not to a region"
        (provider,) = of_type(cap, site, K8S_PROVIDER)
        assert provider.inputs["kubeconfig"] == f"~/.kube/edge-{name}.yaml"
        assert provider.inputs["context"] == name
        for r in descendants(cap, site):
            if r.type.startswith("kubernetes:"):
                assert r.provider and r.provider.startswith(provider.urn), r.name


@both_modes
def test_k8s_02_05_the_edge_namespace_is_labelled_and_default_deny(capture, preview):
    cap = capture("expert-prod", preview)
    for name, site in sites(cap).items():
        (namespace,) = of_type(cap, site, "kubernetes:core/v1:Namespace")
        labels = namespace.inputs["metadata"]["labels"]
        level = "baseline" if name == "store-east" else "restricted"
        assert labels["pod-security.kubernetes.io/enforce"] == level
        policies = {
            p.inputs["metadata"]["name"]: p.inputs["spec"]
            for p in of_type(cap, site, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        }
        assert set(policies["default-deny"]["policyTypes"]) == {"Ingress", "Egress"}
        assert "allow-dns" in policies
        egress = policies["object-store"]
        assert egress["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "model-sync"}}
        assert egress["egress"][0]["ports"] == [{"protocol": "TCP", "port": 443}]


@both_modes
def test_k8s_03_04_08_09_10_edge_workloads_are_hardened(capture, preview):
    cap = capture("expert-prod", preview)
    for name, site in sites(cap).items():
        (deployment,) = of_type(cap, site, WORKLOADS[0])
        (cronjob,) = of_type(cap, site, WORKLOADS[1])
        for workload in (deployment, cronjob):
            pod = pod_spec(workload)
            assert pod["automountServiceAccountToken"] is False
            assert pod["securityContext"]["runAsNonRoot"] is True
            for c in pod["containers"]:
                security = c["securityContext"]
                assert (
                    security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
                )
                assert security["capabilities"] == {"drop": ["ALL"]}
                assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
                assert not c["image"].endswith(":latest") and ":" in c["image"]
                assert all("valueFrom" not in e for e in c.get("env", []))
        server = pod_spec(deployment)["containers"][0]
        assert "readinessProbe" in server and "livenessProbe" in server
        gpus = server["resources"]["limits"].get(GPU_RESOURCE)
        assert gpus == ("1" if name == "store-east" else None)
        pdbs = of_type(cap, site, "kubernetes:policy/v1:PodDisruptionBudget")
        assert len(pdbs) == 1 and pdbs[0].inputs["spec"]["maxUnavailable"] == 1


@both_modes
def test_model_sync_pulls_the_central_artifacts_bucket_with_mounted_credentials(capture, preview):
    cap = capture("expert-prod", preview)
    (lake,) = cap.of_type("aiplat:lake:Lakehouse")
    (artifacts,) = [
        r
        for r in cap.of_type("aws:s3/bucket:Bucket")
        if r.parent == lake.urn and r.name.endswith("-artifacts")
    ]
    for site in sites(cap).values():
        (cronjob,) = of_type(cap, site, WORKLOADS[1])
        pod = pod_spec(cronjob)
        (sync,) = pod["containers"]
        assert f"s3://{artifacts.id}/models/" in sync["args"]
        secrets = [v for v in pod["volumes"] if "secret" in v]
        assert [v["secret"]["secretName"] for v in secrets] == [edge_site.CREDENTIALS_SECRET]
        mounts = {m["name"]: m for m in sync["volumeMounts"]}
        assert mounts[secrets[0]["name"]]["readOnly"] is True
        env = {e["name"]: e["value"] for e in sync["env"]}
        assert env["AWS_SHARED_CREDENTIALS_FILE"].startswith(edge_site.CREDENTIALS_DIR)
        assert env["AWS_DEFAULT_REGION"] == "us-east-1"


@both_modes
def test_every_edge_object_validates(capture, preview):
    cap = capture("expert-prod", preview)
    urns = {r.urn for site in sites(cap).values() for r in descendants(cap, site)}
    objects = [m for m in manifests(cap) if m.urn in urns]
    assert {"Deployment", "CronJob", "Service", "PodDisruptionBudget"} <= {m.kind for m in objects}
    for m in objects:
        assert validate(m, "1.35") == [], m.resource_name


def test_tiers_without_edge_sites_create_none(capture):
    assert capture("advanced-prod", True).of_type(EDGE) == []


def write_stack(tmp_path, **config) -> str:
    values = {**load("expert-dev").values, **config}
    path = tmp_path / "Pulumi.expert-dev.yaml"
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in values.items()}}))
    return str(path)


def test_an_extra_edge_site_adds_resources_and_keeps_every_urn_and_input(tmp_path):
    original = load("expert-dev")
    base = run_program("expert-dev", original.engine_values(), preview=True)
    extra = dict(original.values["edgeSites"], **{"depot-north": {"kubeconfig": "depot.yaml"}})
    more = run_program(
        "expert-dev", load(write_stack(tmp_path, edgeSites=extra)).engine_values(), preview=True
    )
    before = {r.urn: r.inputs for r in base.resources}
    after = {r.urn: r.inputs for r in more.resources}
    assert all(after.get(urn) == inputs for urn, inputs in before.items())
    added = set(after) - set(before)
    assert added and all("depot-north" in urn for urn in added)


@pytest.mark.parametrize(
    ("sites", "expected"),
    [
        (
            {"store-east": {"kubeconfig": "a.yaml"}},
            "aiplat:edgeSites.plant-west.kubeconfig: edge site plant-west has no kubeconfig",
        ),
        (
            {
                "store-east": {"kubeconfig": "a.yaml"},
                "plant-west": {"kubeconfig": "b.yaml"},
                "depot": {"context": "depot"},
            },
            "aiplat:edgeSites.depot.kubeconfig: edge site depot has no kubeconfig",
        ),
        (
            {"store-east": {"kubeconfig": "a.yaml", "gpus": 2}},
            "aiplat:edgeSites.store-east.gpus: unknown key",
        ),
    ],
)
def test_an_edge_site_without_a_kubeconfig_is_one_line_and_exit_one(cli, tmp_path, sites, expected):
    code, out, err = cli("preview", "--stack", write_stack(tmp_path, edgeSites=sites))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err and "fix: " in err


@both_modes
def test_k8s_04_06_edge_namespaces_have_quota_and_one_unmounted_account_per_workload(
    capture, preview
):
    cap = capture("expert-prod", preview)
    for name, site in sites(cap).items():
        (quota,) = of_type(cap, site, "kubernetes:core/v1:ResourceQuota")
        gpus = quota.inputs["spec"]["hard"][f"requests.{GPU_RESOURCE}"]
        assert gpus == (str(edge_site.REPLICAS) if name == "store-east" else "0")
        accounts = {
            a.inputs["metadata"]["name"]: a
            for a in of_type(cap, site, "kubernetes:core/v1:ServiceAccount")
        }
        assert set(accounts) == {edge_site.SERVER, edge_site.SYNC}
        assert all(a.inputs["automountServiceAccountToken"] is False for a in accounts.values())
