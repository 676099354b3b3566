"""The on-prem catalog is usable after `pulumi up`: a Job bootstraps Polaris's realm in
Postgres before Polaris starts, another creates the ``warehouse`` catalog on the in-cluster
S3 gateway once Polaris serves; both read the root credentials from a user-created Secret
mounted as files, run restricted, and may reach only Postgres and Polaris."""

from __future__ import annotations

import pytest

from components.lake_onprem import SETUP_PODS, network_policies
from components.values import cloudnative_pg, polaris, polaris_setup
from tests.components.test_lake_onprem import (
    JOB,
    RELEASE,
    both_modes,
    every_onprem_stack,
    lake_children,
    releases,
)
from tiers.model import Environment


def jobs(cap) -> dict[str, object]:
    return {j.inputs["metadata"]["name"]: j for j in lake_children(cap, JOB)}


@every_onprem_stack
@both_modes
def test_the_bootstrap_runs_before_polaris_and_the_catalog_after_it(capture, stack, preview):
    cap = capture(stack, preview)
    found = jobs(cap)
    assert set(found) == {"lake-catalog-bootstrap", "lake-catalog-create"}
    bootstrap, create = found["lake-catalog-bootstrap"], found["lake-catalog-create"]
    by_urn = {r.urn: r for r in cap.of_type(RELEASE)}
    names = {by_urn[u].inputs["name"] for u in bootstrap.dependencies if u in by_urn}
    assert names == {"lake-postgres"}
    catalog = releases(cap)["polaris"]
    assert bootstrap.urn in catalog.dependencies
    assert {catalog.urn, bootstrap.urn} <= set(create.dependencies)


@every_onprem_stack
@both_modes
def test_the_admin_tool_matches_the_polaris_chart_version(capture, stack, preview):
    cap = capture(stack, preview)
    version = releases(cap)["polaris"].inputs["version"]
    (container,) = jobs(cap)["lake-catalog-bootstrap"].inputs["spec"]["template"]["spec"][
        "containers"
    ]
    assert container["image"] == f"apache/polaris-admin-tool:{version}"


def test_the_bootstrap_reads_the_database_and_root_credentials_from_mounted_files():
    body = polaris_setup.bootstrap_job("lake", "1.7.0")
    pod = body["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["POLARIS_PERSISTENCE_TYPE"]["value"] == "relational-jdbc"
    assert not [e for e in container["env"] if "valueFrom" in e]  # K8S-09: no secret in env
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["root"]["secret"] == {
        "secretName": polaris_setup.ROOT_SECRET,
        "defaultMode": 0o440,
    }
    assert volumes["db"]["secret"] == {"secretName": cloudnative_pg.DB_SECRET, "defaultMode": 0o440}
    assert volumes["tmp"]["emptyDir"]["medium"] == "Memory"
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["db"]["readOnly"] is True and mounts["root"]["readOnly"] is True
    script = container["command"][-1]
    for key, variable in {
        "jdbcUrl": "QUARKUS_DATASOURCE_JDBC_URL",
        "username": "QUARKUS_DATASOURCE_USERNAME",
        "password": "QUARKUS_DATASOURCE_PASSWORD",
    }.items():
        assert f'export {variable}="$(cat {mounts["db"]["mountPath"]}/{key})"' in script
    assert "bootstrap --credentials-file=/tmp/root.yaml" in script


def test_the_catalog_request_is_the_warehouse_bucket_on_the_s3_gateway_without_sts():
    request = polaris_setup.catalog_request("http://seaweedfs-s3.lake.svc:8333")["catalog"]
    assert request["name"] == "warehouse" and request["type"] == "INTERNAL"
    assert request["properties"] == {"default-base-location": "s3://warehouse/"}
    storage = request["storageConfigInfo"]
    assert storage["storageType"] == "S3"
    assert storage["allowedLocations"] == ["s3://warehouse/"]
    assert storage["endpoint"] == "http://seaweedfs-s3.lake.svc:8333"
    assert storage["pathStyleAccess"] is True
    assert storage["stsUnavailable"] is True and storage["kmsUnavailable"] is True
    # Fields of AwsStorageConfigInfo in Polaris 1.7.0's management API spec.
    known = {
        "storageType", "allowedLocations", "roleArn", "externalId", "userArn",
        "currentKmsKey", "allowedKmsKeys", "region", "endpoint", "stsEndpoint",
        "stsUnavailable", "endpointInternal", "pathStyleAccess", "kmsUnavailable",
    }  # fmt: skip
    assert set(storage) <= known


def test_the_catalog_job_accepts_created_or_existing_and_fails_on_anything_else():
    body = polaris_setup.catalog_job("lake", "http://polaris.lake.svc:8181", "http://s3:8333")
    (container,) = body["spec"]["template"]["spec"]["containers"]
    script = container["command"][-1]
    assert "http://polaris.lake.svc:8181/api/catalog/v1/oauth/tokens" in script
    assert "http://polaris.lake.svc:8181/api/management/v1/catalogs" in script
    assert "client_secret@/var/run/secrets/polaris-root/client-secret" in script
    assert "201)" in script and "409)" in script and "exit 1" in script
    assert container["image"] == polaris_setup.CURL_IMAGE
    assert ":" in container["image"] and not container["image"].endswith(":latest")


@pytest.mark.parametrize("which", ["bootstrap", "catalog"])
def test_k8s_setup_jobs_run_restricted_with_limits_and_no_token(which):
    body = (
        polaris_setup.bootstrap_job("lake", "1.7.0")
        if which == "bootstrap"
        else polaris_setup.catalog_job("lake", "http://p:8181", "http://s3:8333")
    )
    pod = body["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == polaris_setup.SERVICE_ACCOUNT
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert set(container["resources"]) == {"requests", "limits"}


def test_k8s_05_setup_pods_reach_only_postgres_and_polaris_and_are_let_in():
    policies = network_policies()
    setup = policies["catalog-setup"]
    assert setup["podSelector"] == {"matchLabels": SETUP_PODS}
    targets = {
        (
            tuple(sorted(rule["to"][0]["podSelector"]["matchLabels"].items())),
            rule["ports"][0]["port"],
        )
        for rule in setup["egress"]
    }
    assert targets == {
        (tuple(sorted({"cnpg.io/cluster": cloudnative_pg.CLUSTER_NAME}.items())), 5432),
        (tuple(sorted({"app.kubernetes.io/name": "polaris"}.items())), polaris.PORT),
    }
    allowed = {"podSelector": {"matchLabels": SETUP_PODS}}
    assert allowed in policies["catalog"]["ingress"][0]["from"]
    assert allowed in policies["postgres"]["ingress"][0]["from"]


@pytest.mark.parametrize("environment", list(Environment))
def test_polaris_replicas_share_one_token_key_pair_from_a_secret(environment):
    values = polaris.values(environment)
    broker = values.get("authentication", {}).get("tokenBroker")
    if values["replicaCount"] == 1:
        assert broker is None  # one pod: its generated pair is the only one
    else:
        assert broker["type"] == "rsa-key-pair"
        assert broker["secret"]["name"] == polaris.TOKEN_KEYS_SECRET
