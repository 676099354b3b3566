"""The model reaches the serving containers: every MLServer pod first copies the endpoint's
current published model (s3://<artifacts>/models/reference-model/current/model.joblib) into
/mnt/models with a pinned, hardened AWS CLI init container, on AWS through the read-only
model-server IRSA role, on-prem with a mounted credentials file and the lake's endpoint; KServe
loads the same URI through its storage initializer; the pods may reach only the object store;
no model yet fails the init container with one line."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from aiplat.harness import run_program
from aiplat.manifests import manifests
from aiplat.stackfiles import load
from components.edge_site import SYNC_IMAGE
from components.hardening import SMALL, container_security_context
from components.lake_access import IRSA_ANNOTATION
from components.serving_model import (
    CREDENTIALS_DIR,
    FETCH,
    FETCH_SCRIPT,
    ModelSource,
    fetch_parts,
    model_uri_of,
    with_fetch,
)
from components.serving_objects import ServerSpec

CURRENT = "/models/reference-model/current/model.joblib"
_runs: dict[tuple[str, tuple[tuple[str, str], ...]], list[Any]] = {}


def rendered(stack: str, **overrides: str) -> list[Any]:
    key = (stack, tuple(sorted(overrides.items())))
    if key not in _runs:
        values = {**load(stack).engine_values(), **overrides}
        _runs[key] = manifests(run_program(stack, values, preview=False).resources)
    return _runs[key]


def in_seldon(stack: str, kind: str, **overrides: str) -> dict[str, dict[str, Any]]:
    return {
        m.name: m.body
        for m in rendered(stack, **overrides)
        if m.kind == kind and m.namespace == "seldon"
    }


def env_of(init: dict[str, Any]) -> dict[str, Any]:
    """Plain values, and ``MODEL_URI`` as the annotation it is read from."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in init["env"]}


FROM_ANNOTATION = {"fieldRef": {"fieldPath": "metadata.annotations['aiplat.io/model-uri']"}}


def seldon_predictors(stack: str) -> list[dict[str, Any]]:
    (sdep, *_) = in_seldon(stack, "SeldonDeployment").values()
    return sdep["spec"]["predictors"]


def seldon_pods(stack: str) -> list[dict[str, Any]]:
    return [c for p in seldon_predictors(stack) for c in p["componentSpecs"]]


def test_the_pods_fetch_the_model_their_annotation_names():
    model = ServerSpec(
        name="m", namespace="seldon", image_ref="i:1", port=8080, ready_path="/r",
        live_path="/l", service_account="model-server", resources=SMALL,
        min_replicas=1, max_replicas=2,
    )  # fmt: skip
    fetching = with_fetch(model, ModelSource(uri="s3://a/m/model.joblib", region="eu-west-1"))
    assert model_uri_of(fetching.pod_annotations) == "s3://a/m/model.joblib"
    (fetch,) = fetching.init_containers
    assert env_of(fetch)["MODEL_URI"] == FROM_ANNOTATION


# ---- the init container -----------------------------------------------------------------


def test_on_aws_the_fetch_uses_the_pods_role_and_the_lakes_region():
    fetch, volumes = fetch_parts(ModelSource(uri="s3://a/m/model.joblib", region="eu-west-1"))
    assert fetch["name"] == FETCH and fetch["image"] == SYNC_IMAGE
    assert env_of(fetch) == {
        "AWS_CONFIG_FILE": "/tmp/aws-config",
        "HOME": "/tmp",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "MODEL_URI": FROM_ANNOTATION,
    }
    assert [v["name"] for v in volumes] == ["fetch-tmp"]
    assert {m["mountPath"] for m in fetch["volumeMounts"]} == {"/mnt/models", "/tmp"}


def test_on_prem_the_fetch_reads_a_mounted_credentials_file_and_the_lakes_endpoint():
    endpoint = "http://seaweedfs-s3.lake.svc:8333"
    fetch, volumes = fetch_parts(ModelSource(uri="s3://artifacts/x", endpoint=endpoint))
    env = env_of(fetch)
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == f"{CREDENTIALS_DIR}/credentials"
    assert env["AWS_ENDPOINT_URL"] == endpoint and "AWS_DEFAULT_REGION" not in env
    (secret,) = [v for v in volumes if "secret" in v]
    assert secret["secret"]["secretName"] == "model-server-credentials"
    (mount,) = [m for m in fetch["volumeMounts"] if m["name"] == secret["name"]]
    assert mount == {"name": secret["name"], "mountPath": CREDENTIALS_DIR, "readOnly": True}
    assert not any("KEY" in name for name in env)  # K8S-09: secrets only as files


def test_the_fetch_is_hardened_and_runs_as_the_uid_istio_leaves_outside_the_mesh():
    fetch, _ = fetch_parts(ModelSource(uri="s3://a/b", region="us-east-1"))
    assert fetch["securityContext"] == {**container_security_context(), "runAsUser": 1337}
    assert fetch["resources"]["limits"] and fetch["imagePullPolicy"] == "IfNotPresent"


def _run_script(tmp_path, aws: str) -> subprocess.CompletedProcess:
    """FETCH_SCRIPT under /bin/sh with a stand-in ``aws`` (the real CLI is not installed)."""
    (tmp_path / "aws").write_text(f"#!/bin/sh\n{aws}\n")
    (tmp_path / "aws").chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "MODEL_URI": "s3://a/b"}
    return subprocess.run(
        ["/bin/sh", "-c", FETCH_SCRIPT], env=env, capture_output=True, text=True, check=False
    )


def test_no_published_model_fails_the_init_container_with_one_line(tmp_path):
    result = _run_script(
        tmp_path,
        'echo "fatal error: An error occurred (404) when calling the HeadObject" >&2\nexit 1',
    )
    assert result.returncode == 1
    assert result.stderr == (
        "fetch-model: no model at s3://a/b (fatal error: An error occurred (404) when calling "
        "the HeadObject); publish and promote one with the reference pipeline\n"
    )


def test_the_fetch_copies_model_uri_to_the_file_mlserver_loads(tmp_path):
    result = _run_script(tmp_path, f'echo "$@" > {tmp_path}/called')
    assert result.returncode == 0, result.stderr
    called = (tmp_path / "called").read_text().split()
    assert called == ["s3", "cp", "--only-show-errors", "s3://a/b", "/mnt/models/model.joblib"]


# ---- what Serving renders ---------------------------------------------------------------


def test_seldon_predictors_fetch_the_current_model_through_the_model_server_role():
    pods = seldon_pods("intermediate-dev")
    assert pods
    for predictor in seldon_predictors("intermediate-dev"):
        uri = model_uri_of(predictor["annotations"])
        assert uri.startswith("s3://") and uri.endswith(CURRENT), uri
    for component in pods:
        assert component["spec"]["serviceAccountName"] == "model-server"
        assert component["metadata"]["labels"]["aiplat.io/model-fetch"] == "s3"
    account = in_seldon("intermediate-dev", "ServiceAccount")["model-server"]
    assert (
        ":role/aiplat-use1-lake-model-server" in account["metadata"]["annotations"][IRSA_ANNOTATION]
    )


def test_on_prem_seldon_fetches_from_the_in_cluster_store_with_the_credentials_secret():
    for component in seldon_pods("intermediate-onprem"):
        (fetch,) = component["spec"]["initContainers"]
        assert env_of(fetch)["MODEL_URI"] == FROM_ANNOTATION
        assert env_of(fetch)["AWS_ENDPOINT_URL"].endswith(".lake.svc:8333")
    for predictor in seldon_predictors("intermediate-onprem"):
        assert model_uri_of(predictor["annotations"]) == f"s3://artifacts{CURRENT}"
    account = in_seldon("intermediate-onprem", "ServiceAccount")["model-server"]
    assert IRSA_ANNOTATION not in account["metadata"].get("annotations", {})
    policy = in_seldon("intermediate-onprem", "NetworkPolicy")["models-from-lake"]
    assert policy["spec"]["podSelector"] == {"matchLabels": {"aiplat.io/model-fetch": "s3"}}
    (egress,) = policy["spec"]["egress"]
    assert egress["ports"] == [{"protocol": "TCP", "port": 8333}]


def test_the_simple_server_fetches_the_model_too():
    (deployment,) = in_seldon("poc-dev", "Deployment").values()
    template = deployment["spec"]["template"]
    assert model_uri_of(template["metadata"]["annotations"]).endswith(CURRENT)
    assert template["metadata"]["labels"]["aiplat.io/model-fetch"] == "s3"
    policy = in_seldon("poc-dev", "NetworkPolicy")["models-from-s3"]
    assert policy["spec"]["egress"] == [
        {"ports": [{"protocol": "TCP", "port": 443}], "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}
    ]


def test_kserve_loads_the_current_model_with_its_storage_initializer():
    services = in_seldon("advanced-dev", "InferenceService", servingBackend="kserve")
    assert services
    for body in services.values():
        predictor = body["spec"]["predictor"]
        assert predictor["model"]["storageUri"].endswith(CURRENT)
        assert "initContainers" not in predictor
        mounts = predictor["model"].get("volumeMounts", [])
        assert "/mnt/models" not in {m["mountPath"] for m in mounts}  # KServe mounts it
        assert predictor["labels"]["aiplat.io/model-fetch"] == "s3"
    account = in_seldon("advanced-dev", "ServiceAccount", servingBackend="kserve")["model-server"]
    annotations = account["metadata"]["annotations"]
    assert IRSA_ANNOTATION in annotations and annotations["serving.kserve.io/s3-region"]
    assert "secrets" not in account  # IRSA: no stored credentials on AWS


def test_on_prem_kserve_reads_its_s3_credentials_from_the_secret_its_account_lists():
    # advanced on a cluster you bring: the shipped on-prem stack with the advanced tier
    account = in_seldon(
        "intermediate-onprem", "ServiceAccount", tier="advanced", servingBackend="kserve"
    )["model-server"]
    assert account["secrets"] == [{"name": "model-server-kserve-s3"}]
    assert "serving.kserve.io/s3-region" not in account["metadata"].get("annotations", {})
