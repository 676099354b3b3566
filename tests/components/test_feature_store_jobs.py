"""Feast's ``feast apply`` Job and materialisation CronJob (components/values/feast_jobs.py),
run under mocks in preview and update mode: on aiplat's own image as the ``feast`` service
account, hardened, reading the generated repository and the online store's password from
files, re-run when the repository changes, on a schedule per environment, and let out only
to the lake and the online store."""

from __future__ import annotations

import hashlib

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import Manifest, manifests, validate
from components.hardening import NON_ROOT_UID
from components.values import aiplat_image, feast, feast_jobs, valkey
from tiers.model import Environment

STORE = "aiplat:features:FeatureStore"
JOB = "kubernetes:batch/v1:Job"
CRON_JOB = "kubernetes:batch/v1:CronJob"
IMAGE = "ghcr.io/aiplat/aiplat:0.1.0"
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
STACKS = ["intermediate-dev", "intermediate-onprem", "advanced-prod", "expert-dev"]

both_modes = pytest.mark.parametrize("preview", MODES)
every_stack = pytest.mark.parametrize("stack", STACKS)


def store_resources(cap: Capture) -> list[CapturedResource]:
    return cap.under(STORE)


def of_kind(cap: Capture, kind: str) -> list[Manifest]:
    return [m for m in manifests(store_resources(cap)) if m.kind == kind]


def one(cap: Capture, type_: str) -> CapturedResource:
    (resource,) = [r for r in store_resources(cap) if r.type == type_]
    return resource


def job_pods(cap: Capture) -> dict[str, dict]:
    """The pod spec of the apply Job and of the CronJob's Jobs, by step."""
    (job,) = of_kind(cap, "Job")
    (cron,) = of_kind(cap, "CronJob")
    apply = job.body["spec"]["template"]["spec"]
    materialize = cron.body["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return {"apply": apply, "materialize": materialize}


@every_stack
@both_modes
def test_apply_and_materialize_run_aiplat_on_its_own_image_as_the_feast_account(
    capture, stack, preview
):
    for step, spec in job_pods(capture(stack, preview)).items():
        assert spec["serviceAccountName"] == "feast"
        assert spec["automountServiceAccountToken"] is False
        assert spec["restartPolicy"] == "Never"
        assert spec["securityContext"]["runAsUser"] == NON_ROOT_UID == aiplat_image.UID
        (init,) = spec["initContainers"]
        (main,) = spec["containers"]
        assert init["image"] == main["image"] == IMAGE
        assert init["command"] == ["python", "-c", feast_jobs.RENDER_SCRIPT]
        assert main["command"] == ["aiplat", "features", step, "--repo", "/feast/repo"]


@every_stack
@both_modes
def test_k8s_01_the_job_and_cron_job_validate(capture, stack, preview):
    cap = capture(stack, preview)
    found = [*of_kind(cap, "Job"), *of_kind(cap, "CronJob")]
    assert len(found) == 2
    for manifest in found:
        assert validate(manifest, "1.35") == [], manifest.kind


@every_stack
@both_modes
def test_the_job_pods_are_hardened_and_read_secrets_from_files(capture, stack, preview):
    for spec in job_pods(capture(stack, preview)).values():
        assert not (spec["hostNetwork"] or spec["hostPID"] or spec["hostIPC"])
        for container in [*spec["initContainers"], *spec["containers"]]:
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert security["seccompProfile"] == {"type": "RuntimeDefault"}
            assert set(container["resources"]) == {"requests", "limits"}
            assert "valueFrom" not in str(container.get("env", []))  # K8S-09
        volumes = {v["name"]: v for v in spec["volumes"]}
        password = volumes["online-store-password"]["secret"]
        assert password == {"secretName": valkey.PASSWORD_SECRET, "defaultMode": 0o440}
        assert volumes["repo-template"]["configMap"]["name"] == "feast-repo"
        assert volumes["repo"]["emptyDir"]["medium"] == "Memory"
        (main,) = spec["containers"]
        mounts = {m["mountPath"]: m["name"] for m in main["volumeMounts"]}
        assert mounts["/tmp"] == "tmp" and "medium" not in volumes["tmp"]["emptyDir"]
        assert mounts["/feast/repo"] == "repo"
        assert "/etc/feast-online-store" not in mounts  # only the init container reads it


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("intermediate-onprem", {"valkey-ca", "lake-s3"}),
        ("intermediate-dev", {"valkey-ca"}),
        ("advanced-prod", set()),  # ElastiCache: a publicly trusted certificate
    ],
)
def test_the_object_store_credentials_and_valkey_ca_are_mounted_where_they_exist(
    capture, stack, expected
):
    for spec in job_pods(capture(stack, False)).values():
        names = {v["name"] for v in spec["volumes"]} & {"valkey-ca", "lake-s3"}
        assert names == expected
        (main,) = spec["containers"]
        env = {e["name"]: e["value"] for e in main["env"]}
        if "lake-s3" in expected:
            assert env["AWS_SHARED_CREDENTIALS_FILE"] == "/etc/lake-s3/credentials"
            assert env["FEAST_S3_ENDPOINT_URL"].startswith("http")
            assert "AWS_REGION" not in env
        else:
            assert env["AWS_REGION"] == "us-east-1"
        assert env["FEAST_USAGE"] == "False" and env["HOME"] == "/tmp"


@every_stack
def test_the_apply_job_is_named_after_the_repository_so_a_change_runs_it_again(capture, stack):
    cap = capture(stack, False)
    (config_map,) = of_kind(cap, "ConfigMap")
    data = config_map.body["data"]
    digest = hashlib.sha256((data["feature_store.yaml"] + data["features.py"]).encode())
    (job,) = of_kind(cap, "Job")
    assert job.name == f"feast-apply-{digest.hexdigest()[:10]}"
    (deployment,) = of_kind(cap, "Deployment")
    annotations = deployment.body["spec"]["template"]["metadata"]["annotations"]
    assert annotations["aiplat.io/repo-hash"].startswith(job.name.removeprefix("feast-apply-"))
    assert job.body["spec"]["backoffLimit"] == feast_jobs.BACKOFF_LIMIT
    assert job.body["spec"]["activeDeadlineSeconds"] == feast_jobs.APPLY_DEADLINE_SECONDS


@pytest.mark.parametrize(
    ("stack", "online"),
    [
        ("intermediate-dev", "kubernetes:helm.sh/v3:Release"),
        ("advanced-prod", "aws:elasticache/replicationGroup:ReplicationGroup"),
    ],
)
@both_modes
def test_apply_waits_for_the_repository_and_the_online_store_and_materialize_for_apply(
    capture, stack, online, preview
):
    cap = capture(stack, preview)
    job, cron = one(cap, JOB), one(cap, CRON_JOB)
    config_map = one(cap, "kubernetes:core/v1:ConfigMap")
    assert {config_map.urn, one(cap, online).urn} <= set(job.dependencies)
    assert job.urn in cron.dependencies


@pytest.mark.parametrize(
    ("stack", "schedule"),
    [("intermediate-dev", "0 */6 * * *"), ("advanced-prod", "*/15 * * * *")],
)
@both_modes
def test_materialization_runs_one_at_a_time_on_its_environments_schedule(
    capture, stack, schedule, preview
):
    (cron,) = of_kind(capture(stack, preview), "CronJob")
    spec = cron.body["spec"]
    assert (spec["schedule"], spec["timeZone"]) == (schedule, "Etc/UTC")
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 3600


def test_every_environment_has_a_schedule_shorter_than_the_shortest_ttl():
    assert set(feast_jobs.MATERIALIZE_SCHEDULES) == set(Environment)
    assert feast_jobs.schedule(Environment.STAGING) == "0 * * * *"
    assert min(feast.TTL_DAYS.values()) * 24 > 6  # dev's 6 hours


@pytest.mark.parametrize(
    ("stack", "allow", "peer"),
    [
        ("intermediate-onprem", "jobs-to-lake", {"namespaceSelector"}),
        ("intermediate-dev", "jobs-to-aws-apis", {"ipBlock"}),
        ("advanced-prod", "jobs-to-elasticache", {"ipBlock"}),
    ],
)
@both_modes
def test_the_job_pods_may_reach_the_lake_and_the_online_store(capture, stack, allow, peer, preview):
    cap = capture(stack, preview)
    policies = {m.name: m.body["spec"] for m in of_kind(cap, "NetworkPolicy")}
    spec = policies[allow]
    assert spec["podSelector"] == {"matchLabels": feast_jobs.PODS}
    (rule,) = spec["egress"]
    assert set(rule["to"][0]) >= peer
    (cron,) = of_kind(cap, "CronJob")
    labels = cron.body["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert feast_jobs.PODS.items() <= labels.items()
    assert allow.removeprefix("jobs-") in policies  # the server keeps its own policy


def test_the_spark_driver_fits_the_job_containers_memory_limit():
    heap_gib = int(feast.SPARK_DRIVER_MEMORY.removesuffix("g"))
    limit_gib = int(feast_jobs.RESOURCES.memory_limit.removesuffix("Gi"))
    assert heap_gib <= limit_gib // 2  # the rest for Python, Arrow and the JVM's overhead


def test_a_latest_image_is_refused_by_name():
    with pytest.raises(ValueError) as error:
        feast_jobs.RepoPod(
            image_ref="ghcr.io/aiplat/aiplat:latest", service_account="feast", valkey_ca=False
        )
    assert str(error.value) == "image_ref: pin aiplat's image (got 'ghcr.io/aiplat/aiplat:latest')"


def render(tmp_path, template: str, credential: str | None) -> str:
    """RENDER_SCRIPT run for real, its fixed directories moved under ``tmp_path``."""
    import subprocess
    import sys

    dirs = {}
    for name in ("TEMPLATE_DIR", "PASSWORD_DIR", "CATALOG_DIR", "REPO_DIR"):
        dirs[name] = tmp_path / name.lower()
        dirs[name].mkdir()
    (dirs["TEMPLATE_DIR"] / "feature_store.yaml").write_text(template)
    (dirs["TEMPLATE_DIR"] / "features.py").write_text("# definitions\n")
    (dirs["PASSWORD_DIR"] / "password").write_text("s3cret\n")
    if credential is not None:
        (dirs["CATALOG_DIR"] / "credential").write_text(credential + "\n")
    script = feast_jobs.RENDER_SCRIPT
    for name, path in dirs.items():
        script = script.replace(getattr(feast_jobs, name), str(path))
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (dirs["REPO_DIR"] / "features.py").read_text() == "# definitions\n"
    return (dirs["REPO_DIR"] / "feature_store.yaml").read_text()


def test_the_rendered_config_gets_the_password_and_where_mounted_the_catalog_credential(
    tmp_path,
):
    template = f"password={feast.PASSWORD_PLACEHOLDER}\ncredential: {feast.CATALOG_CREDENTIAL_PLACEHOLDER}\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert render(tmp_path / "a", template, "feast-client:t0ken") == (
        "password=s3cret\ncredential: feast-client:t0ken\n"
    )
    # Without the Secret (AWS: Glue needs none) the text is left as it is.
    assert render(tmp_path / "b", template, None) == (
        f"password=s3cret\ncredential: {feast.CATALOG_CREDENTIAL_PLACEHOLDER}\n"
    )


@pytest.mark.parametrize(
    ("stack", "rest"), [("intermediate-onprem", True), ("advanced-prod", False)]
)
def test_on_prem_feasts_spark_session_authenticates_to_the_rest_catalog(capture, stack, rest):
    import yaml

    cap = capture(stack, False)
    (repo,) = [m for m in of_kind(cap, "ConfigMap") if m.name == feast_jobs.REPO_CONFIGMAP]
    conf = yaml.safe_load(repo.body["data"]["feature_store.yaml"])["offline_store"]["spark_conf"]
    credential = conf.get("spark.sql.catalog.lake.credential")
    assert (credential == feast.CATALOG_CREDENTIAL_PLACEHOLDER) is rest
    assert (conf.get("spark.sql.catalog.lake.scope") == "PRINCIPAL_ROLE:ALL") is rest
    server = [m for m in of_kind(cap, "Deployment") if m.name == "feast-feature-server"]
    pods = [*job_pods(cap).values(), *(d.body["spec"]["template"]["spec"] for d in server)]
    assert len(pods) == 3
    for spec in pods:
        (init,) = spec["initContainers"]
        mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
        assert (feast_jobs.CATALOG_DIR in mounts) is rest
        secrets = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
        assert (feast_jobs.CATALOG_SECRET in secrets) is rest
