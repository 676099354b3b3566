"""The on-prem lake (target kubernetes): pinned SeaweedFS, CloudNativePG and Polaris releases
in a restricted, default-deny ``lake`` namespace (K8S-01, K8S-02, K8S-05, K8S-06, K8S-11,
DATA-01), with the program run under mocks in both preview and update mode."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from aiplat.harness import Capture, CapturedResource
from components.lake_onprem import OnPremLakeArgs
from components.values import cloudnative_pg, polaris, polaris_setup, seaweedfs
from tiers import pins
from tiers.model import Environment

STACKS = ["poc-local", "intermediate-onprem"]
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
LAKE = "aiplat:lake:OnPremLake"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SECRET = "kubernetes:core/v1:Secret"
JOB = "kubernetes:batch/v1:Job"
PLAIN = (NAMESPACE, NETWORK_POLICY, SERVICE_ACCOUNT, SECRET, JOB)
K8S_VERSION = "1.32"
PINS = {
    "seaweedfs": pins.SEAWEEDFS,
    "cnpg": pins.CLOUDNATIVE_PG,
    "lake-postgres": pins.CLOUDNATIVE_PG_CLUSTER,
    "polaris": pins.POLARIS,
}

every_onprem_stack = pytest.mark.parametrize("stack", STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)


def lake_children(cap: Capture, type_: str) -> list[CapturedResource]:
    (lake,) = cap.of_type(LAKE)
    return [r for r in cap.of_type(type_) if r.parent == lake.urn]


def releases(cap: Capture) -> dict[str, CapturedResource]:
    return {r.inputs["name"]: r for r in lake_children(cap, RELEASE)}


def walk(value: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a nested structure."""
    found: list[Any] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                found.append(v)
            found.extend(walk(v, key))
    elif isinstance(value, list):
        for v in value:
            found.extend(walk(v, key))
    return found


def manifest(resource: CapturedResource) -> dict[str, Any]:
    """The object as registered: apiVersion, kind, metadata and the type's other fields."""
    return {k: v for k, v in resource.inputs.items() if v is not None}


@every_onprem_stack
@both_modes
def test_the_object_store_postgres_and_catalog_are_pinned_releases(capture, stack, preview):
    cap = capture(stack, preview)
    found = releases(cap)
    assert set(found) == set(PINS)
    for name, pin in PINS.items():
        inputs = found[name].inputs
        assert inputs["chart"] == pin.chart
        assert inputs["version"] == pin.version
        assert inputs["repositoryOpts"] == {"repo": pin.repository}
        assert inputs["namespace"] == "lake"
        assert pin.source


@every_onprem_stack
@both_modes
def test_the_lake_uses_the_existing_clusters_provider(capture, stack, preview):
    cap = capture(stack, preview)
    (provider,) = cap.of_type("pulumi:providers:kubernetes")
    for type_ in (RELEASE, *PLAIN):
        for resource in lake_children(cap, type_):
            assert resource.provider and resource.provider.startswith(provider.urn)


@every_onprem_stack
@both_modes
def test_k8s_02_the_lake_namespace_is_restricted(capture, stack, preview):
    (namespace,) = lake_children(capture(stack, preview), NAMESPACE)
    labels = namespace.inputs["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"


@every_onprem_stack
@both_modes
def test_k8s_05_default_deny_and_a_dns_allow_in_the_lake_namespace(capture, stack, preview):
    policies = {
        p.inputs["metadata"]["name"]: p.inputs
        for p in lake_children(capture(stack, preview), NETWORK_POLICY)
    }
    assert all(p["metadata"]["namespace"] == "lake" for p in policies.values())
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    dns = policies["allow-dns"]["spec"]
    assert dns["podSelector"] == {} and dns["policyTypes"] == ["Egress"]
    ports = {(p["protocol"], p["port"]) for rule in dns["egress"] for p in rule["ports"]}
    assert ports == {("UDP", 53), ("TCP", 53)}


@every_onprem_stack
@both_modes
def test_k8s_05_the_catalog_reaches_postgres_and_the_object_store(capture, stack, preview):
    policies = {
        p.inputs["metadata"]["name"]: p.inputs["spec"]
        for p in lake_children(capture(stack, preview), NETWORK_POLICY)
    }
    catalog = policies["catalog"]
    egress = {
        (tuple(sorted(rule["to"][0]["podSelector"]["matchLabels"].items())), p["port"])
        for rule in catalog["egress"]
        for p in rule["ports"]
    }
    assert (tuple(sorted({"cnpg.io/cluster": "lake-postgres"}.items())), 5432) in egress
    assert any(port == seaweedfs.S3_PORT for _, port in egress)
    postgres_ingress = policies["postgres"]["ingress"][0]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "polaris"}}} in (
        postgres_ingress["from"]
    )
    s3 = policies["object-store-s3-ingress"]["ingress"][0]
    assert [p["port"] for p in s3["ports"]] == [seaweedfs.S3_PORT]


@every_onprem_stack
@both_modes
def test_k8s_06_the_catalog_service_account_mounts_no_token(capture, stack, preview):
    cap = capture(stack, preview)
    accounts = {sa.inputs["metadata"]["name"]: sa for sa in lake_children(cap, SERVICE_ACCOUNT)}
    assert set(accounts) == {polaris.SERVICE_ACCOUNT, polaris_setup.SERVICE_ACCOUNT}
    for account in accounts.values():
        assert account.inputs["automountServiceAccountToken"] is False
        assert account.inputs["metadata"]["namespace"] == "lake"
    sa = accounts[polaris.SERVICE_ACCOUNT]
    catalog = releases(cap)["polaris"].inputs["values"]
    assert catalog["serviceAccount"] == {"create": False, "name": sa.inputs["metadata"]["name"]}
    store = releases(cap)["seaweedfs"].inputs["values"]["global"]["seaweedfs"]
    assert store["automountServiceAccountToken"] is False
    assert store["createClusterRole"] is False


@every_onprem_stack
@both_modes
def test_k8s_11_nothing_is_exposed_outside_the_cluster(capture, stack, preview):
    cap = capture(stack, preview)
    for release in releases(cap).values():
        types = walk(release.inputs["values"], "type")
        assert not {"LoadBalancer", "NodePort"} & set(types), release.inputs["name"]
        for ingress in walk(release.inputs["values"], "ingress"):
            if isinstance(ingress, dict) and "enabled" in ingress:
                assert ingress["enabled"] is False
    services = cap.of_type("kubernetes:core/v1:Service")
    assert not [s for s in services if s.inputs["spec"].get("type", "ClusterIP") != "ClusterIP"]


@every_onprem_stack
@both_modes
def test_no_hostpath_storage_which_restricted_pods_cannot_use(capture, stack, preview):
    values = releases(capture(stack, preview))["seaweedfs"].inputs["values"]
    assert "hostPath" not in walk(values, "type")
    assert walk(values, "dataDirs")[0][0]["type"] == "persistentVolumeClaim"


@every_onprem_stack
@both_modes
def test_data_01_postgres_is_persistent_backed_up_and_keeps_no_password(capture, stack, preview):
    cap = capture(stack, preview)
    found = releases(cap)
    pg = found["lake-postgres"]
    values = pg.inputs["values"]
    assert values["cluster"]["storage"]["size"].endswith("Gi")
    assert values["cluster"]["enableSuperuserAccess"] is False
    assert values["cluster"]["initdb"]["secret"] == {"name": cloudnative_pg.DB_SECRET}
    backups = values["backups"]
    assert backups["enabled"] is True and backups["scheduledBackups"]
    assert backups["secret"] == {"create": False, "name": cloudnative_pg.S3_CREDENTIALS_SECRET}
    assert backups["endpointURL"].startswith("http://seaweedfs-s3.lake.svc")
    catalog = found["polaris"].inputs["values"]["persistence"]
    assert catalog["type"] == "relational-jdbc"
    assert catalog["relationalJdbc"]["secret"]["name"] == cloudnative_pg.DB_SECRET
    for release in found.values():
        for key in ("password", "secretKey", "accessKey"):
            for value in walk(release.inputs["values"], key):
                assert value in ("", "password"), (release.inputs["name"], key)
    # Deletion protection follows the stack: on in production, off in dev.
    expected = stack == "intermediate-onprem"
    assert pg.protect is expected
    assert found["seaweedfs"].protect is expected


@every_onprem_stack
@both_modes
def test_k8s_01_every_plain_object_passes_strict_schema_validation(capture, stack, preview):
    cap = capture(stack, preview)
    objects = [r for type_ in PLAIN for r in lake_children(cap, type_)]
    assert {r.type for r in objects} >= {NAMESPACE, NETWORK_POLICY, SERVICE_ACCOUNT, JOB}
    for resource in objects:
        kubernetes_validate.validate(manifest(resource), K8S_VERSION, strict=True)


@every_onprem_stack
@both_modes
def test_no_aws_resources_on_an_onprem_stack(capture, stack, preview):
    cap = capture(stack, preview)
    assert not [
        r.type for r in cap.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))
    ]


def test_sizes_follow_the_environment():
    assert seaweedfs.volume_servers(Environment.DEV) == 1
    assert seaweedfs.volume_servers(Environment.PROD) == 3
    assert seaweedfs.volume_size_gi(0.05, Environment.DEV) == 52
    assert seaweedfs.volume_size_gi(200, Environment.PROD) == 136534
    assert cloudnative_pg.instances(Environment.DEV) == 1
    assert cloudnative_pg.instances(Environment.PROD) == 3
    assert polaris.values(Environment.PROD)["replicaCount"] == 2


def _args(**overrides: Any) -> OnPremLakeArgs:
    base: dict[str, Any] = {
        "environment": Environment.DEV,
        "lake_size_tb": 1.0,
        "object_store": pins.SEAWEEDFS,
        "postgres_operator": pins.CLOUDNATIVE_PG,
        "postgres": pins.CLOUDNATIVE_PG_CLUSTER,
        "catalog": pins.POLARIS,
    }
    return OnPremLakeArgs(**{**base, **overrides})


@pytest.mark.parametrize(
    "overrides",
    [{"lake_size_tb": 0}, {"namespace": "Lake_NS"}, {"storage_class": " "}],
    ids=["empty-lake", "bad-namespace", "blank-storage-class"],
)
def test_args_refuse_bad_input(overrides):
    with pytest.raises(ValueError):
        _args(**overrides)
