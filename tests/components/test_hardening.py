"""Hardened containers and pods: the shapes every workload aiplat renders is built from
(K8S-03, K8S-04, K8S-06, K8S-08, K8S-09), valid as a Deployment for Kubernetes 1.35."""

from __future__ import annotations

import kubernetes_validate
import pytest

from components.hardening import (
    SMALL,
    Resources,
    anti_affinity,
    container,
    http_probes,
    image,
    pod_spec,
    scratch_volume,
    secret_volume,
)


def deployment() -> dict:
    tmp_volume, tmp_mount = scratch_volume("tmp", "/tmp")
    key_volume, key_mount = secret_volume("creds", "model-creds", "/var/run/secrets/model")
    labels = {"app": "model"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "model", "namespace": "serving"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": pod_spec(
                    service_account="model",
                    containers=[
                        container(
                            name="server",
                            image_ref=image("ghcr.io/example/server", "1.2.3"),
                            resources=Resources(
                                cpu_request="1",
                                memory_request="2Gi",
                                cpu_limit="2",
                                memory_limit="4Gi",
                                gpus=1,
                            ),
                            ports={"http": 8000},
                            env={"MODEL_NAME": "churn"},
                            probes=http_probes("http", "/ready", "/live"),
                            mounts=(tmp_mount, key_mount),
                        )
                    ],
                    volumes=(tmp_volume, key_volume),
                    affinity=anti_affinity(labels),
                    node_selector={"aiplat.io/pool": "inference"},
                    tolerations=[
                        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
                    ],
                ),
            },
        },
    }


def test_a_hardened_deployment_is_valid_kubernetes():
    kubernetes_validate.validate(deployment(), "1.35", strict=True)


def test_containers_run_as_non_root_without_privilege_or_writable_root():
    spec = deployment()["spec"]["template"]["spec"]
    (server,) = spec["containers"]
    context = server["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["privileged"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert not (spec["hostNetwork"] or spec["hostPID"] or spec["hostIPC"])


def test_pods_use_their_own_service_account_without_a_token():
    spec = deployment()["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == "model"
    assert spec["automountServiceAccountToken"] is False


def test_gpu_containers_carry_a_gpu_limit_and_every_container_requests_and_limits():
    (server,) = deployment()["spec"]["template"]["spec"]["containers"]
    assert server["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
    }
    assert "nvidia.com/gpu" not in SMALL.as_k8s()["limits"]


def test_secrets_are_files_and_the_environment_holds_only_plain_settings():
    (server,) = deployment()["spec"]["template"]["spec"]["containers"]
    assert all("valueFrom" not in e for e in server["env"])
    mount = next(m for m in server["volumeMounts"] if m["name"] == "creds")
    assert mount["readOnly"] is True


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("latest", "image repo/x: pin an exact tag (got 'latest')"),
        ("", "image repo/x: pin an exact tag (got '')"),
        ("1.0 beta", "image repo/x: pin an exact tag (got '1.0 beta')"),
    ],
)
def test_images_need_an_exact_tag(tag, message):
    with pytest.raises(ValueError) as error:
        image("repo/x", tag)
    assert str(error.value) == message


def test_negative_gpus_are_refused():
    with pytest.raises(ValueError, match=r"gpus must be >= 0 \(got -1\)"):
        Resources(cpu_request="1", memory_request="1Gi", cpu_limit="1", memory_limit="1Gi", gpus=-1)
