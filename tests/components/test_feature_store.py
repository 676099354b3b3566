"""The feature store (Feast over the lake), run under mocks in preview and update mode: where
it exists, its generated repository (it parses, and names the lake's tables), the online
store (ElastiCache for Valkey on AWS, encrypted and private; pinned in-cluster Valkey on a
cluster you bring), and every rendered object valid and hardened."""

from __future__ import annotations

import ast
from typing import Any

import pytest
import yaml

from aiplat.harness import Capture, CapturedResource
from aiplat.lake.tables import CUSTOMER_FEATURES, TRANSACTION_FEATURES
from aiplat.manifests import Manifest, manifests, validate
from components.feature_store import (
    FEATURE_SERVER_IMAGE,
    cache_plan,
    online_store_for,
    server_replicas,
)
from components.lake_access import IRSA_ANNOTATION
from components.serving_objects import pod_specs
from components.values import feast, valkey
from tiers import pins
from tiers.model import Environment, OnlineStore, Target

STORE = "aiplat:features:FeatureStore"
RELEASE = "kubernetes:helm.sh/v3:Release"
CACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
STACKS = ["intermediate-dev", "intermediate-onprem", "advanced-prod", "expert-dev"]
K8S = "1.35"

both_modes = pytest.mark.parametrize("preview", MODES)
every_stack = pytest.mark.parametrize("stack", STACKS)


def store_resources(cap: Capture) -> list[CapturedResource]:
    return cap.under(STORE)


def of_kind(cap: Capture, kind: str) -> list[Manifest]:
    return [m for m in manifests(store_resources(cap)) if m.kind == kind]


def repo(cap: Capture) -> dict[str, str]:
    (config_map,) = of_kind(cap, "ConfigMap")
    return config_map.body["data"]


def of_type(cap: Capture, type_: str) -> list[CapturedResource]:
    return [r for r in store_resources(cap) if r.type == type_]


# ---- where it exists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "stores"),
    [("poc-dev", 0), ("poc-local", 0), ("intermediate-dev", 1), ("expert-prod", 1)],
)
@both_modes
def test_the_feature_store_follows_the_spec_and_sits_beside_the_lake(
    capture, stack, stores, preview
):
    # expert-prod has two regions: Feast runs in the primary one, where the lake is.
    assert len(capture(stack, preview).of_type(STORE)) == stores


# ---- the generated repository --------------------------------------------------------------


@every_stack
@both_modes
def test_feature_store_yaml_parses_and_points_at_the_lake(capture, stack, preview):
    config = yaml.safe_load(repo(capture(stack, preview))["feature_store.yaml"])
    assert set(config) == {
        "project",
        "provider",
        "registry",
        "offline_store",
        "online_store",
        "entity_key_serialization_version",
    }
    assert config["project"] == feast.project_name(stack)
    assert config["registry"]["registry_type"] == "file"
    assert config["registry"]["path"].startswith("s3://")
    assert config["registry"]["path"].endswith("/features/feast/registry.db")
    offline = config["offline_store"]
    assert offline["type"] == "spark"
    conf = offline["spark_conf"]
    assert conf["spark.sql.catalog.lake"] == "org.apache.iceberg.spark.SparkCatalog"
    expected_catalog = "rest" if stack.endswith("onprem") else "glue"
    assert conf["spark.sql.catalog.lake.type"] == expected_catalog
    assert all(isinstance(v, str) for v in conf.values())
    online = config["online_store"]
    assert online["type"] == "redis"
    host_port, *options = online["connection_string"].split(",")
    host, port = host_port.rsplit(":", 1)
    assert port == "6379" and host not in ("", "None")
    assert "ssl=true" in options
    assert f"password={feast.PASSWORD_PLACEHOLDER}" in options


@both_modes
def test_features_py_parses_and_defines_a_view_per_feature_table(capture, preview):
    source = repo(capture("intermediate-dev", preview))["features.py"]
    tree = ast.parse(source)
    calls: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            (target,) = node.targets
            call = node.value
            calls[target.id] = {
                "type": call.func.id,
                **{k.arg: ast.unparse(k.value) for k in call.keywords},
            }
    assert calls["customer"]["type"] == "Entity"
    assert calls["customer"]["join_keys"] == "['customer_id']"
    assert calls["transaction"]["join_keys"] == "['transaction_id']"
    assert calls["customer_features_source"]["table"] == "'lake.features.customer_features'"
    assert calls["transaction_features"]["type"] == "FeatureView"
    assert calls["transaction_features"]["ttl"] == "timedelta(days=1)"
    assert calls["platform_features"]["features"] == "[customer_features, transaction_features]"
    imported = {a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id[0].isupper()} - {
        "Entity",
        "FeatureService",
        "FeatureView",
        "Field",
        "ValueType",
        "SparkSource",
    }
    assert used <= imported


def test_a_feature_view_serves_every_non_key_column_of_its_table():
    view = feast.feature_view(CUSTOMER_FEATURES)
    assert (view.entity, view.join_key) == ("customer", "customer_id")
    assert view.features == (
        ("tenure_days", "Int32"),
        ("orders_30d", "Int32"),
        ("total_spend_90d", "Float64"),
        ("avg_order_value", "Float64"),
        ("churn_score", "Float32"),
        ("segment", "String"),
    )
    transaction = feast.feature_view(TRANSACTION_FEATURES)
    assert "customer_id" not in dict(transaction.features)
    assert dict(transaction.features)["is_foreign"] == "Bool"


@pytest.mark.parametrize(
    ("iceberg", "expected"),
    [
        ("string", "String"),
        ("int", "Int32"),
        ("long", "Int64"),
        ("float", "Float32"),
        ("double", "Float64"),
        ("boolean", "Bool"),
        ("decimal(18, 2)", "Float64"),
        ("timestamptz", "UnixTimestamp"),
    ],
)
def test_iceberg_types_map_to_feast_types(iceberg, expected):
    assert feast.feast_type(iceberg) == expected


def test_an_unknown_type_is_refused_by_name():
    with pytest.raises(ValueError) as error:
        feast.feast_type("binary")
    assert str(error.value) == "no Feast type for Iceberg type 'binary'"


def test_the_warehouse_must_be_a_prefix():
    with pytest.raises(ValueError) as error:
        feast.feature_store_config(
            project="p",
            warehouse="s3://bucket",
            catalog="glue",
            catalog_uri=None,
            s3_endpoint=None,
            online_host="h",
            online_port=6379,
            ca_file=None,
        )
    assert str(error.value) == "warehouse must end with '/' (got 's3://bucket')"


@pytest.mark.parametrize(
    ("stack", "project"),
    [("intermediate-dev", "aiplat_intermediate_dev"), ("my.stack", "aiplat_my_stack")],
)
def test_feast_project_names_take_letters_digits_and_underscores(stack, project):
    assert feast.project_name(stack) == project


# ---- the online store --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("store", "target", "expected"),
    [
        (OnlineStore.ELASTICACHE, Target.AWS, OnlineStore.ELASTICACHE),
        (OnlineStore.ELASTICACHE, Target.KUBERNETES, OnlineStore.VALKEY),
        (OnlineStore.VALKEY, Target.AWS, OnlineStore.VALKEY),
        (OnlineStore.VALKEY, Target.KUBERNETES, OnlineStore.VALKEY),
    ],
)
def test_elasticache_only_on_aws(store, target, expected):
    assert online_store_for(store, target) is expected


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (Environment.DEV, ("cache.t4g.small", 1, False, 0)),
        (Environment.STAGING, ("cache.t4g.medium", 2, False, 1)),
        (Environment.PROD, ("cache.r7g.large", 3, True, 7)),
    ],
)
def test_elasticache_is_multi_az_in_prod(environment, expected):
    plan = cache_plan(environment)
    actual = (plan.node_type, plan.cache_clusters, plan.multi_az, plan.snapshot_retention_days)
    assert actual == expected


@pytest.mark.parametrize(("stack", "multi_az"), [("advanced-prod", True), ("expert-dev", False)])
@both_modes
def test_elasticache_is_valkey_encrypted_authenticated_and_private(
    capture, stack, multi_az, preview
):
    cap = capture(stack, preview)
    assert not of_type(cap, RELEASE)
    (group,) = of_type(cap, CACHE)
    inputs = group.inputs
    assert inputs["engine"] == "valkey"
    assert inputs["atRestEncryptionEnabled"] is True
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["transitEncryptionMode"] == "required"
    assert "authToken" in inputs  # from Secrets Manager; a secret, never in the program
    assert inputs["multiAzEnabled"] is multi_az
    assert inputs["automaticFailoverEnabled"] is multi_az
    (key,) = of_type(cap, "aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    if not preview:
        assert inputs["kmsKeyId"].startswith("arn:aws:kms:")
    (security_group,) = of_type(cap, "aws:ec2/securityGroup:SecurityGroup")
    (rule,) = security_group.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["cidrBlocks"]) == (6379, 6379, ["10.64.0.0/16"])
    assert security_group.inputs.get("egress") in (None, [])
    (subnets,) = of_type(cap, "aws:elasticache/subnetGroup:SubnetGroup")
    if not preview:
        assert subnets.inputs["subnetIds"]
        assert all("-private-" in s for s in subnets.inputs["subnetIds"])
    policies = {m.name: m.body["spec"] for m in of_kind(cap, "NetworkPolicy")}
    egress = policies["to-elasticache"]["egress"][0]
    assert egress["to"] == [{"ipBlock": {"cidr": "10.64.0.0/16"}}]


@pytest.mark.parametrize("stack", ["intermediate-dev", "intermediate-onprem"])
@both_modes
def test_valkey_is_a_pinned_bsd_licensed_release_with_tls_and_auth(capture, stack, preview):
    cap = capture(stack, preview)
    assert not of_type(cap, CACHE)
    (release,) = of_type(cap, RELEASE)
    pin = pins.VALKEY
    assert pin.licence == "BSD-3-Clause" and "valkey-0.11.0" in pin.source
    assert (release.inputs["chart"], release.inputs["version"]) == ("valkey", "0.11.0")
    assert release.inputs["repositoryOpts"] == {"repo": "https://valkey.io/valkey-helm/"}
    assert release.inputs["namespace"] == "feast"
    values = release.inputs["values"]
    assert values["tls"] == {"enabled": True, "existingSecret": valkey.TLS_SECRET}
    assert values["auth"]["enabled"] is True
    assert values["auth"]["usersExistingSecret"] == valkey.PASSWORD_SECRET
    assert "password" not in values["auth"]["aclUsers"]["default"]
    assert values["service"]["type"] == "ClusterIP"
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    prod = stack == "intermediate-onprem"
    assert values["replica"]["enabled"] is prod
    assert values["podDisruptionBudget"]["enabled"] is prod


def test_valkey_runs_replicas_outside_dev():
    assert valkey.replicas(Environment.DEV) == 0
    assert valkey.replicas(Environment.PROD) == 2
    assert server_replicas(Environment.DEV) == (1, 2)
    assert server_replicas(Environment.STAGING) == (2, 6)


# ---- the feature server and its namespace -------------------------------------------------


@every_stack
@both_modes
def test_k8s_01_every_rendered_object_validates(capture, stack, preview):
    found = manifests(store_resources(capture(stack, preview)))
    assert {m.kind for m in found} >= {"Namespace", "ConfigMap", "Deployment", "Service"}
    for manifest in found:
        assert validate(manifest, K8S) == [], (manifest.kind, manifest.name)


@every_stack
@both_modes
def test_the_feature_server_is_hardened_and_reads_its_password_from_a_file(capture, stack, preview):
    cap = capture(stack, preview)
    (deployment,) = of_kind(cap, "Deployment")
    (spec,) = pod_specs("Deployment", deployment.body)
    assert spec["serviceAccountName"] == "feast"
    assert spec["automountServiceAccountToken"] is False
    assert spec["affinity"]["podAntiAffinity"]
    (server,) = spec["containers"]
    (init,) = spec["initContainers"]
    assert server["image"] == f"{FEATURE_SERVER_IMAGE[0]}:{pins.FEAST_FEATURE_SERVER.version}"
    assert server["command"][:3] == ["feast", "--chdir", "/feast/repo"]
    for container in (server, init):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert container["resources"]["limits"]["memory"]
        assert "valueFrom" not in str(container.get("env", []))  # K8S-09
    assert server["readinessProbe"]["httpGet"]["path"] == "/health"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["online-store-password"]["secret"]["secretName"] == valkey.PASSWORD_SECRET
    assert volumes["repo"]["emptyDir"]["medium"] == "Memory"
    assert volumes["repo-template"]["configMap"]["name"] == "feast-repo"
    budgets = of_kind(cap, "PodDisruptionBudget")
    assert [b.body["spec"]["maxUnavailable"] for b in budgets] == [1]
    (service,) = of_kind(cap, "Service")
    assert service.body["spec"]["type"] == "ClusterIP"


@every_stack
@both_modes
def test_the_feast_service_account_gets_the_lakes_role_on_aws_only(capture, stack, preview):
    cap = capture(stack, preview)
    (account,) = of_kind(cap, "ServiceAccount")
    annotations = account.body["metadata"].get("annotations", {})
    if stack.endswith("onprem"):
        assert annotations == {}
    else:
        assert set(annotations) == {IRSA_ANNOTATION}
    (namespace,) = of_kind(cap, "Namespace")
    labels = namespace.body["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"  # meshed tiers
    assert labels["istio-injection"] == "enabled"
    policies = {m.name: m.body["spec"] for m in of_kind(cap, "NetworkPolicy")}
    assert {"default-deny", "allow-dns", "from-feature-clients"} <= set(policies)
    clients = policies["from-feature-clients"]["ingress"][0]
    assert clients["ports"] == [{"protocol": "TCP", "port": feast.PORT}]
