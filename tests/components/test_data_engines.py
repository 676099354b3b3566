"""The data engines of each tier (issue 6): which engines run, pinned operator releases,
custom resources that pass their CRD schemas (K8S-01), hardened pod templates (K8S-03,
K8S-04, K8S-08), restricted default-deny namespaces (K8S-02, K8S-05), the lake wiring, and
sizes from the tier's data; the real program run under mocks in preview and update mode."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import crd_dir, has_crd_schema, manifest_of, validate
from aiplat.stackfiles import load
from components.values import clickhouse, dask, flink, hive, ray, spark, strimzi
from components.values.kafka_topics import TOPICS
from tiers import pins

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
ENGINES = "aiplat:data:DataEngines"
RELEASE = "kubernetes:helm.sh/v3:Release"
K8S_VERSION = "1.35"
STACKS = ["poc-dev", "poc-local", "intermediate-dev", "intermediate-onprem", "advanced-prod"]
# Kinds rendered without a pinned CRD schema (said so in the docs).
UNVALIDATED = {"DaskCluster", "ClickHouseKeeperInstallation"}
PIN_BY_RELEASE = {
    spark.RELEASE: pins.SPARK_OPERATOR,
    ray.RELEASE: pins.KUBERAY_OPERATOR,
    dask.RELEASE: pins.DASK_KUBERNETES_OPERATOR,
    flink.RELEASE: pins.FLINK_OPERATOR,
    strimzi.RELEASE: pins.STRIMZI,
    clickhouse.RELEASE: pins.CLICKHOUSE_OPERATOR,
}


def engine_roots(cap: Capture) -> list[CapturedResource]:
    return cap.of_type(ENGINES)


def descendants(cap: Capture, roots: list[CapturedResource]) -> list[CapturedResource]:
    by_urn = cap.by_urn()
    root_urns = {r.urn for r in roots}

    def under(resource: CapturedResource) -> bool:
        parent = resource.parent
        while parent:
            if parent in root_urns:
                return True
            parent = by_urn[parent].parent if parent in by_urn else None
        return False

    return [r for r in cap.resources if under(r)]


def engine_objects(cap: Capture) -> list[CapturedResource]:
    return descendants(cap, engine_roots(cap))


def kinds(cap: Capture) -> set[str]:
    return {
        m.kind for r in engine_objects(cap) if (m := manifest_of(r)) is not None and not m.built_in
    }


def of_kind(cap: Capture, kind: str) -> list[dict[str, Any]]:
    return [
        m.body for r in engine_objects(cap) if (m := manifest_of(r)) is not None and m.kind == kind
    ]


def releases(cap: Capture) -> dict[str, CapturedResource]:
    return {r.inputs["name"]: r for r in engine_objects(cap) if r.type == RELEASE}


def namespaces(cap: Capture) -> set[str]:
    return {b["metadata"]["name"] for b in of_kind(cap, "Namespace")}


# --- which engines each tier runs --------------------------------------------------------


@both_modes
def test_poc_dev_runs_only_a_small_spark(capture, preview):
    cap = capture("poc-dev", preview)
    assert len(engine_roots(cap)) == 1
    assert kinds(cap) == {"SparkApplication"}
    assert set(releases(cap)) == {spark.RELEASE}
    assert namespaces(cap) == {"spark"}
    (app,) = of_kind(cap, "SparkApplication")
    assert app["spec"]["executor"]["instances"] <= 2
    assert "dynamicAllocation" not in app["spec"]


@pytest.mark.parametrize("stack", ["intermediate-dev", "intermediate-onprem"])
@both_modes
def test_intermediate_runs_spark_ray_dask_and_clickhouse(capture, stack, preview):
    cap = capture(stack, preview)
    assert {"SparkApplication", "RayCluster", "DaskCluster", "ClickHouseInstallation"} <= kinds(cap)
    assert not kinds(cap) & {"FlinkDeployment", "Kafka", "KafkaTopic"}
    assert set(releases(cap)) == {
        spark.RELEASE,
        ray.RELEASE,
        dask.RELEASE,
        clickhouse.RELEASE,
    }


@pytest.mark.parametrize("stack", ["advanced-prod", "expert-prod"])
@both_modes
def test_advanced_and_expert_add_flink_and_strimzi_kafka(capture, stack, preview):
    cap = capture(stack, preview)
    assert {"FlinkDeployment", "Kafka", "KafkaNodePool", "KafkaTopic"} <= kinds(cap)
    assert set(releases(cap)) == set(PIN_BY_RELEASE)
    for kafka in of_kind(cap, "Kafka"):
        assert kafka["metadata"] == {
            "name": "aiplat-kafka",
            "namespace": "kafka",
            "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"},
        }
        (listener,) = kafka["spec"]["kafka"]["listeners"]
        assert listener["name"] == "tls" and listener["port"] == 9093 and listener["tls"] is True
        assert listener["type"] == "internal" and "authentication" not in listener
        # The listener's certificate is cert-manager's, from the internal CA, for the names
        # clients use: the bootstrap Service and each broker behind the headless Service.
        custom = listener["configuration"]["brokerCertChainAndKey"]
        assert custom == {"secretName": "aiplat-kafka-listener-tls", "certificate": "tls.crt",
                          "key": "tls.key"}  # fmt: skip
    certificates = of_kind(cap, "Certificate")
    assert certificates and len(certificates) == len(of_kind(cap, "Kafka"))
    for certificate in certificates:
        spec = certificate["spec"]
        assert certificate["metadata"]["namespace"] == "kafka"
        assert spec["secretName"] == "aiplat-kafka-listener-tls"
        assert spec["issuerRef"] == {"name": "aiplat-ca", "kind": "ClusterIssuer",
                                     "group": "cert-manager.io"}  # fmt: skip
        assert "aiplat-kafka-kafka-bootstrap.kafka.svc" in spec["dnsNames"]
        assert "*.aiplat-kafka-kafka-brokers.kafka.svc" in spec["dnsNames"]
        assert spec["privateKey"]["encoding"] == "PKCS8"
    names = {t["spec"]["topicName"] for t in of_kind(cap, "KafkaTopic")}
    assert names == {"ml.prediction_log", "ml.feature_log", "ml.feedback"}
    assert {t.name for t in TOPICS} == names
    assert strimzi.BOOTSTRAP == "aiplat-kafka-kafka-bootstrap.kafka.svc:9093"
    assert not [r for r in cap.resources if r.type.startswith("aws:msk")]


@both_modes
def test_expert_prod_has_the_engines_in_every_region(capture, preview):
    cap = capture("expert-prod", preview)
    regions = load("expert-prod").resolve().regions
    roots = engine_roots(cap)
    assert len(roots) == len(regions) == 2
    assert len({r.parent for r in roots}) == 2
    for root in roots:
        own = descendants(cap, [root])
        own_kinds = {m.kind for r in own if (m := manifest_of(r)) is not None}
        assert {"SparkApplication", "FlinkDeployment", "Kafka", "ClickHouseInstallation"} <= (
            own_kinds
        )


# --- pins, validation and hardening -----------------------------------------------------


@pytest.mark.parametrize("stack", ["advanced-prod", "intermediate-onprem"])
@both_modes
def test_operators_are_pinned_releases_in_their_engines_namespace(capture, stack, preview):
    found = releases(capture(stack, preview))
    for name, release in found.items():
        pin = PIN_BY_RELEASE[name]
        args = pin.release_args()
        assert release.inputs["chart"] == args["chart"]
        assert release.inputs["version"] == pin.version
        assert release.inputs["atomic"] is True
        assert release.inputs["namespace"] in namespaces(capture(stack, preview))
    assert pins.DASK_KUBERNETES_OPERATOR.licence == "BSD-3-Clause"


@pytest.mark.parametrize("stack", STACKS)
@both_modes
def test_k8s_01_every_engine_object_passes_strict_validation(capture, stack, preview):
    if not crd_dir().is_dir():
        pytest.skip(f"no CRD schemas at {crd_dir()} (set AIPLAT_CRDS)")
    checked = 0
    for resource in engine_objects(capture(stack, preview)):
        manifest = manifest_of(resource)
        if manifest is None:
            continue
        if not manifest.built_in and not has_crd_schema(manifest):
            assert manifest.kind in UNVALIDATED, manifest.kind
            continue
        assert validate(manifest, K8S_VERSION) == [], (manifest.kind, manifest.name)
        checked += 1
    assert checked > 10


def pod_specs(cap: Capture) -> list[tuple[str, dict[str, Any]]]:
    """Every pod spec the engines render (Spark's driver and executor are not pod specs;
    see the Spark test)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for body in of_kind(cap, "RayCluster"):
        spec = body["spec"]
        found.append(("ray-head", spec["headGroupSpec"]["template"]["spec"]))
        found += [("ray-worker", g["template"]["spec"]) for g in spec["workerGroupSpecs"]]
    for body in of_kind(cap, "DaskCluster"):
        found.append(("dask-scheduler", body["spec"]["scheduler"]["spec"]))
        found.append(("dask-worker", body["spec"]["worker"]["spec"]))
    for body in of_kind(cap, "FlinkDeployment"):
        found.append(("flink", body["spec"]["podTemplate"]["spec"]))
    for kind in ("ClickHouseInstallation", "ClickHouseKeeperInstallation"):
        for body in of_kind(cap, kind):
            found += [(kind, t["spec"]) for t in body["spec"]["templates"]["podTemplates"]]
    for body in of_kind(cap, "Deployment"):
        found.append((body["metadata"]["name"], body["spec"]["template"]["spec"]))
    return found


def assert_hardened_container(where: str, container: dict[str, Any]) -> None:
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True, where
    assert context["allowPrivilegeEscalation"] is False, where
    assert context["readOnlyRootFilesystem"] is True, where
    assert context["capabilities"] == {"drop": ["ALL"]}, where
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound]), where
    repository, _, tag = container["image"].rpartition(":")
    assert repository and tag and tag != "latest", where


@pytest.mark.parametrize("stack", ["intermediate-onprem", "advanced-prod"])
@both_modes
def test_k8s_03_every_rendered_pod_template_is_hardened_and_a_valid_pod(capture, stack, preview):
    specs = pod_specs(capture(stack, preview))
    assert len(specs) >= 6
    for where, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["hostNetwork"] is False and spec["hostPID"] is False, where
        assert isinstance(spec["automountServiceAccountToken"], bool), where
        assert spec["serviceAccountName"] != "default", where
        for container in spec["containers"]:
            assert_hardened_container(where, container)
            for mount in container.get("volumeMounts", []):
                volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
                assert "emptyDir" in volume or mount.get("readOnly") is True, (where, mount)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": spec}
        kubernetes_validate.validate(pod, K8S_VERSION, strict=True)


@pytest.mark.parametrize("stack", ["poc-dev", "advanced-prod"])
@both_modes
def test_k8s_03_spark_driver_and_executors_are_hardened_with_requests_and_limits(
    capture, stack, preview
):
    (app,) = of_kind(capture(stack, preview), "SparkApplication")
    spec = app["spec"]
    repository, _, tag = spec["image"].rpartition(":")
    assert repository and tag not in ("", "latest")
    volumes = {v["name"]: v for v in spec["volumes"]}
    for role in ("driver", "executor"):
        pod = spec[role]
        assert pod["podSecurityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert pod["coreRequest"] and pod["coreLimit"] and pod["memory"].endswith("g")
        assert all("emptyDir" in volumes[m["name"]] for m in pod["volumeMounts"])
    assert spec["driver"]["serviceAccount"] == "spark"


@pytest.mark.parametrize("stack", ["advanced-prod"])
@both_modes
def test_k8s_03_kafka_pods_are_hardened_through_the_strimzi_templates(capture, stack, preview):
    cap = capture(stack, preview)
    (kafka,) = of_kind(cap, "Kafka")
    template = kafka["spec"]["kafka"]["template"]
    assert template["pod"]["securityContext"]["runAsNonRoot"] is True
    assert template["kafkaContainer"]["securityContext"]["readOnlyRootFilesystem"] is True
    entity = kafka["spec"]["entityOperator"]["template"]
    assert entity["topicOperatorContainer"]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    for pool in of_kind(cap, "KafkaNodePool"):
        assert {"cpu", "memory"} <= set(pool["spec"]["resources"]["limits"])
        assert pool["spec"]["template"]["kafkaContainer"]["securityContext"]["runAsNonRoot"]
    env = releases(cap)[strimzi.RELEASE].inputs["values"]["extraEnvs"]
    assert {"name": "STRIMZI_POD_SECURITY_PROVIDER_CLASS", "value": "restricted"} in env


@pytest.mark.parametrize("stack", ["intermediate-onprem", "advanced-prod"])
@both_modes
def test_k8s_02_05_every_engine_namespace_is_restricted_and_default_deny(capture, stack, preview):
    cap = capture(stack, preview)
    found = of_kind(cap, "Namespace")
    assert found
    for namespace in found:
        labels = namespace["metadata"]["labels"]
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    policies = {
        (p["metadata"]["namespace"], p["metadata"]["name"]) for p in of_kind(cap, "NetworkPolicy")
    }
    for namespace in namespaces(cap):
        assert (namespace, "default-deny") in policies
        assert (namespace, "allow-dns") in policies
    assert not [s for s in of_kind(cap, "Service") if s["spec"]["type"] != "ClusterIP"]


# --- the lake, the metastore and Kafka's clients -----------------------------------------


@both_modes
def test_the_spark_service_account_assumes_the_lakes_spark_role_on_aws(capture, preview):
    cap = capture("intermediate-dev", preview)
    (account,) = [a for a in of_kind(cap, "ServiceAccount") if a["metadata"]["name"] == "spark"]
    assert account["metadata"]["namespace"] == "spark"
    arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert arn == "<computed>" or ":role/" in arn
    (app,) = of_kind(cap, "SparkApplication")
    conf = app["spec"]["sparkConf"]
    assert conf["spark.sql.catalog.lake.type"] == "glue"
    assert conf["spark.sql.catalog.lake.client.region"] == "us-east-1"


@both_modes
def test_on_prem_the_engines_use_the_rest_catalog_and_a_hive_metastore(capture, preview):
    cap = capture("intermediate-onprem", preview)
    (app,) = of_kind(cap, "SparkApplication")
    conf = app["spec"]["sparkConf"]
    assert conf["spark.sql.catalog.lake.type"] == "rest"
    assert conf["spark.sql.catalog.lake.uri"] == "http://polaris.lake.svc:8181/api/catalog"
    (account,) = [a for a in of_kind(cap, "ServiceAccount") if a["metadata"]["name"] == "spark"]
    assert not account["metadata"].get("annotations")
    (metastore,) = of_kind(cap, "Deployment")
    assert metastore["metadata"] == {
        "name": "hive-metastore",
        "namespace": "hive",
        "labels": {
            "app.kubernetes.io/name": "hive-metastore",
            "app.kubernetes.io/part-of": "aiplat-engines",
        },
    }
    pod = metastore["spec"]["template"]["spec"]
    secrets = [v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v]
    assert secrets == [hive.SITE_SECRET]
    assert not [e for c in pod["containers"] for e in c.get("env", []) if "PASSWORD" in e["name"]]
    assert not [r for r in cap.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))]


@both_modes
def test_no_hive_metastore_on_aws_where_glue_holds_the_metadata(capture, preview):
    assert not of_kind(capture("advanced-prod", preview), "Deployment")


@pytest.mark.parametrize("stack", ["intermediate-dev", "intermediate-onprem"])
@both_modes
def test_clickhouse_attaches_the_lake_catalog_as_a_database(capture, stack, preview):
    cap = capture(stack, preview)
    (init,) = [
        c for c in of_kind(cap, "ConfigMap") if c["metadata"]["name"] == clickhouse.INIT_CONFIG_MAP
    ]
    sql = init["data"]["01-lake.sql"]
    catalog = load(stack).resolve().target.value
    expected = "catalog_type = 'glue'" if catalog == "aws" else "catalog_type = 'rest'"
    if sql != "<computed>":
        assert "CREATE DATABASE IF NOT EXISTS lake" in sql and "DataLakeCatalog" in sql
        assert expected in sql
    (chi,) = of_kind(cap, "ClickHouseInstallation")
    sizes = load(stack).resolve().engines
    layout = chi["spec"]["configuration"]["clusters"][0]["layout"]
    assert layout == {
        "shardsCount": sizes.clickhouse_shards,
        "replicasCount": sizes.clickhouse_replicas,
    }
    mounts = chi["spec"]["templates"]["podTemplates"][0]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "lake-init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True} in (
        mounts
    )


@both_modes
def test_spark_and_flink_may_reach_kafka_and_the_serving_namespace_may_too(capture, preview):
    cap = capture("advanced-prod", preview)
    policies = {
        (p["metadata"]["namespace"], p["metadata"]["name"]): p["spec"]
        for p in of_kind(cap, "NetworkPolicy")
    }
    for client in ("spark", "flink"):
        rule = policies[(client, "kafka")]["egress"][0]
        assert rule["ports"] == [{"protocol": "TCP", "port": 9093}]
    listener = policies[("kafka", "clients-tls")]["ingress"][0]
    selector = listener["from"][0]["namespaceSelector"]["matchExpressions"][0]
    assert "seldon" in selector["values"]


# --- sizes from the tier's data ----------------------------------------------------------


@pytest.mark.parametrize("stack", ["advanced-prod", "expert-prod"])
@both_modes
def test_kafka_brokers_partitions_and_spark_executors_follow_the_resolved_sizes(
    capture, stack, preview
):
    cap = capture(stack, preview)
    sizes = load(stack).resolve().engines
    pools = {p["metadata"]["name"]: p["spec"] for p in of_kind(cap, "KafkaNodePool")}
    assert pools["broker"]["replicas"] == sizes.kafka_brokers
    assert pools["broker"]["roles"] == ["broker"] and pools["controller"]["roles"] == ["controller"]
    for topic in of_kind(cap, "KafkaTopic"):
        assert topic["spec"]["partitions"] == sizes.kafka_partitions
        assert topic["spec"]["replicas"] == min(3, sizes.kafka_brokers)
    for app in of_kind(cap, "SparkApplication"):
        dynamic = app["spec"]["dynamicAllocation"]
        assert dynamic["enabled"] is True and dynamic["maxExecutors"] == sizes.spark_max_executors
        preferred = app["spec"]["executor"]["affinity"]["nodeAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ][0]["preference"]["matchExpressions"][0]
        assert preferred == {
            "key": "karpenter.sh/capacity-type",
            "operator": "In",
            "values": ["spot"],
        }
    assert sizes.kafka_brokers == {"advanced-prod": 3, "expert-prod": 6}[stack]


@both_modes
def test_stateful_engines_are_protected_in_prod_only(capture, preview):
    prod = capture("advanced-prod", preview)
    stateful = {"Kafka", "KafkaNodePool", "ClickHouseInstallation", "ClickHouseKeeperInstallation"}
    flagged = [r for r in engine_objects(prod) if (m := manifest_of(r)) and m.kind in stateful]
    assert flagged and all(r.protect for r in flagged)
    dev = capture("intermediate-dev", preview)
    assert not [r for r in engine_objects(dev) if r.protect]


def test_on_aws_clickhouse_reads_the_lake_with_its_own_read_only_role(capture):
    import json

    cap = capture("intermediate-prod", False)
    (account,) = [
        r
        for r in cap.of_type("kubernetes:core/v1:ServiceAccount")
        if r.inputs["metadata"]["name"] == "clickhouse"
    ]
    (role,) = [r for r in cap.of_type("aws:iam/role:Role") if r.name.endswith("-lake-clickhouse")]
    assert account.inputs["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": role.outputs["arn"]
    }
    (policy,) = [
        p for p in cap.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id
    ]
    actions = {
        a
        for s in json.loads(policy.inputs["policy"])["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not {a for a in actions if a.startswith("s3:") and ("Put" in a or "Delete" in a)}
    assert {"s3:GetObject", "glue:GetTable"} <= actions
