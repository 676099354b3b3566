"""Each rule of the pack fires on a deliberately bad resource and passes on a good one.

AWS rules start from the real offline capture of poc-dev (good) and break one input (bad);
Kubernetes and data rules start from objects built with the hardening helpers. The same
validate functions CrossGuard would call run through :func:`policies.offline.evaluate`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest

from aiplat.harness import CapturedResource
from components import hardening as h
from policies import POLICIES
from policies.offline import evaluate

BY_NAME = {p.name: p for p in POLICIES}


def res(type_: str, name: str, inputs: dict, *, stack: str = "poc-prod", rid: str | None = None):
    return CapturedResource(
        urn=f"urn:pulumi:{stack}::aiplat::{type_}::{name}",
        id=rid or name,
        type=type_,
        name=name,
        parent=None,
        custom=True,
        protect=False,
        dependencies=(),
        provider=None,
        inputs=inputs,
        outputs={},
    )


def pod(service_account: str = "api", **container_overrides) -> dict:
    c = h.container(
        name="api",
        image_ref=h.image("registry.example/api", "1.2.3"),
        resources=h.SMALL,
        probes=h.http_probes(8080, "/ready"),
    )
    c.update(container_overrides)
    labels = {"app": "api", "app.kubernetes.io/component": "serving"}
    return {
        "metadata": {"labels": labels},
        "spec": h.pod_spec(
            service_account=service_account, containers=[c], affinity=h.anti_affinity(labels)
        ),
    }


def k8s_objects() -> list[CapturedResource]:
    meta = {"namespace": "demo"}
    labels = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}
    return [
        res("kubernetes:core/v1:Namespace", "ns", {"metadata": {"name": "demo", "labels": labels}}),
        res(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "deny",
            {
                "metadata": {**meta, "name": "default-deny"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
            },
        ),
        res(
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "dns",
            {
                "metadata": {**meta, "name": "dns"},
                "spec": {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
                },
            },
        ),
        res(
            "kubernetes:core/v1:ServiceAccount",
            "sa",
            {"metadata": {**meta, "name": "api"}, "automountServiceAccountToken": False},
        ),
        res(
            "kubernetes:apps/v1:Deployment",
            "api",
            {
                "metadata": {**meta, "name": "api"},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "api"}},
                    "template": pod(),
                },
            },
        ),
        res(
            "kubernetes:batch/v1:CronJob",
            "compact",
            {
                "metadata": {**meta, "name": "compact"},
                "spec": {
                    "schedule": "0 * * * *",
                    "jobTemplate": {"spec": {"template": pod(restartPolicy=None)}},
                },
            },
        ),
        res(
            "kubernetes:example.org/v1:Notebook",
            "nb",
            {"metadata": {**meta, "name": "nb"}, "spec": {"template": pod()}},
        ),
        res(
            "kubernetes:policy/v1:PodDisruptionBudget",
            "pdb",
            {
                "metadata": {**meta, "name": "api"},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "api"}}},
            },
        ),
        res(
            "kubernetes:core/v1:Service",
            "svc",
            {
                "metadata": {**meta, "name": "api"},
                "spec": {"type": "ClusterIP", "ports": [{"port": 80}]},
            },
        ),
        res(
            "kubernetes:rbac.authorization.k8s.io/v1:Role",
            "role",
            {
                "metadata": {**meta, "name": "reader"},
                "rules": [
                    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
                    {
                        "apiGroups": [""],
                        "resources": ["secrets"],
                        "verbs": ["get"],
                        "resourceNames": ["api-token"],
                    },
                ],
            },
        ),
        res(
            "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            "binding",
            {
                "metadata": {**meta, "name": "reader"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "reader",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "api", "namespace": "demo"}],
            },
        ),
        res(
            "kubernetes:security.istio.io/v1:PeerAuthentication",
            "mtls",
            {"metadata": {**meta, "name": "default"}, "spec": {"mtls": {"mode": "STRICT"}}},
        ),
        res(
            "kubernetes:helm.sh/v3:Release",
            "chart",
            {"name": "chart", "chart": "x", "version": "1.0.0", "namespace": "demo"},
        ),
        res(
            "kubernetes:core/v1:ConfigMap",
            "catalog",
            {
                "metadata": {**meta, "name": "catalog"},
                "data": {"uri": "postgresql+psycopg://catalog:5432/iceberg"},
            },
        ),
    ]


def data_objects() -> list[CapturedResource]:
    return [
        res(
            "aws:rds/instance:Instance",
            "catalog",
            {
                "storageEncrypted": True,
                "publiclyAccessible": False,
                "deletionProtection": True,
                "backupRetentionPeriod": 7,
                "multiAz": True,
            },
        ),
        res(
            "aws:msk/cluster:Cluster",
            "events",
            {
                "encryptionInfo": {
                    "encryptionAtRestKmsKeyArn": "arn:aws:kms:us-east-1:1:key/k",
                    "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
                },
                "loggingInfo": {
                    "brokerLogs": {"cloudwatchLogs": {"enabled": True, "logGroup": "g"}}
                },
                "brokerNodeGroupInfo": {"connectivityInfo": {"publicAccess": {"type": "DISABLED"}}},
            },
        ),
    ]


def mutate(resources, type_suffix, change, *, name=None, drop=False):
    """Copies of ``resources`` with ``change(props)`` applied to matching inputs and outputs
    (or those resources removed when ``drop``)."""
    out = []
    for r in resources:
        hit = r.type.endswith(type_suffix) and (name is None or name in r.name)
        if hit and drop:
            continue
        if hit:
            inputs, outputs = copy.deepcopy(r.inputs), copy.deepcopy(r.outputs)
            change(inputs)
            if outputs:
                change(outputs)
            r = replace(r, inputs=inputs, outputs=outputs)
        out.append(r)
    return out


def setter(path: str, value):
    def change(props):
        *parents, last = path.split(".")
        node = props
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def in_json(key: str, change_statement):
    def change(props):
        doc = json.loads(props[key])
        for statement in doc["Statement"]:
            change_statement(statement)
        props[key] = json.dumps(doc)

    return change


def web_identity_wildcard(statement):
    for k in list(statement.get("Condition", {}).get("StringEquals", {})):
        if k.endswith(":sub"):
            statement["Condition"]["StringEquals"][k] = "system:serviceaccount:*:*"


def wildcard_action(statement):
    statement["Action"] = "s3:*"


def sqlite(props):
    props["data"]["uri"] = "sqlite:///tmp/catalog.db"


def gpu_toleration(props):
    props["spec"]["template"]["spec"]["tolerations"] = [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]


def secret_env(props):
    c = props["spec"]["template"]["spec"]["containers"][0]
    c["env"] = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "t", "key": "k"}}}]


def no_probe(props):
    del props["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]


def psa_privileged(props):
    props["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "privileged"


POD = "spec.template.spec"
CTR = f"{POD}.containers.0"
CASES = [
    ("eks-01", "aws", "Cluster", setter("vpcConfig.endpointPublicAccess", True)),
    ("eks-02", "aws", "Cluster", setter("encryptionConfig.provider.keyArn", "arn:aws:kms:::key/x")),
    ("eks-03", "aws", "Cluster", setter("enabledClusterLogTypes", ["api"])),
    ("eks-04", "aws", "Cluster", setter("accessConfig.authenticationMode", "CONFIG_MAP")),
    ("eks-05", "aws", "eks/cluster:Cluster", setter("version", "1.20")),
    ("node-01", "aws", "LaunchTemplate", setter("metadataOptions.httpTokens", "optional")),
    ("node-02", "aws", "NodeGroup", setter("remoteAccess", {"ec2SshKey": "ops"})),
    ("node-03", "aws", "LaunchTemplate", setter("blockDeviceMappings.0.ebs.encrypted", "false")),
    ("node-04", "aws", "NodeGroup", setter("amiType", "CUSTOM")),
    (
        "iam-01",
        "aws",
        "RolePolicyAttachment",
        setter("policyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
    ),
    ("iam-02", "aws", "iam/role:Role", in_json("assumeRolePolicy", web_identity_wildcard)),
    ("iam-03", "aws", "RolePolicy", in_json("policy", wildcard_action)),
    ("kms-01", "aws", "kms/key:Key", setter("enableKeyRotation", False)),
    (
        "s3-01",
        "aws",
        "EncryptionConfiguration",
        setter("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
    ),
    ("s3-02", "aws", "BucketPublicAccessBlock", setter("blockPublicPolicy", False)),
    ("s3-03", "aws", "BucketVersioning", setter("versioningConfiguration.status", "Suspended")),
    ("s3-04", "aws", "BucketOwnershipControls", setter("rule.objectOwnership", "ObjectWriter")),
    ("s3-05", "aws", "BucketLogging", "drop"),
    ("data-01", "data", "rds/instance:Instance", setter("publiclyAccessible", True)),
    ("data-02", "k8s", "ConfigMap", sqlite),
    (
        "msk-01",
        "data",
        "msk/cluster:Cluster",
        setter("encryptionInfo.encryptionInTransit.clientBroker", "TLS_PLAINTEXT"),
    ),
    ("k8s-02", "k8s", "Namespace", psa_privileged),
    (
        "k8s-03",
        "k8s",
        "Deployment",
        setter(f"{CTR}.securityContext.allowPrivilegeEscalation", True),
    ),
    ("k8s-04", "k8s", "Deployment", gpu_toleration),
    ("k8s-05", "k8s", "NetworkPolicy", "drop"),
    ("k8s-06", "k8s", "Deployment", setter(f"{POD}.serviceAccountName", "default")),
    ("k8s-07", "k8s", "v1:Role", setter("rules.0.verbs", ["*"])),
    ("k8s-08", "k8s", "Notebook", setter(f"{CTR}.image", "registry.example/api:latest")),
    ("k8s-09", "k8s", "Deployment", secret_env),
    ("k8s-10", "k8s", "Deployment", no_probe),
    ("k8s-11", "k8s", "Service", setter("spec.type", "NodePort")),
]
IDS = [c[0] for c in CASES]


@pytest.fixture
def base(capture):
    def of(kind: str) -> list[CapturedResource]:
        if kind == "aws":
            return capture("poc-dev", True).resources
        return k8s_objects() if kind == "k8s" else data_objects()

    return of


def test_every_rule_of_the_pack_has_a_case():
    assert sorted(IDS) == sorted(BY_NAME)


@pytest.mark.parametrize(("policy_id", "kind", "type_suffix", "change"), CASES, ids=IDS)
def test_the_rule_passes_on_the_good_resources(base, policy_id, kind, type_suffix, change):
    assert evaluate(base(kind), [BY_NAME[policy_id]]) == []


@pytest.mark.parametrize(("policy_id", "kind", "type_suffix", "change"), CASES, ids=IDS)
def test_the_rule_fires_on_the_bad_resource(base, policy_id, kind, type_suffix, change):
    good = base(kind)
    assert any(r.type.endswith(type_suffix) for r in good), "nothing to break"
    bad = (
        mutate(good, type_suffix, None, drop=True)
        if change == "drop"
        else mutate(good, type_suffix, change)
    )
    findings = evaluate(bad, [BY_NAME[policy_id]])
    assert findings, f"{policy_id} did not fire"
    assert {f.policy for f in findings} == {policy_id}


def host_network(props):
    props["spec"]["jobTemplate"]["spec"]["template"]["spec"]["hostNetwork"] = True


def internal_lb(props):
    props["spec"]["type"] = "LoadBalancer"
    props["metadata"]["annotations"] = {
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"
    }


def public_lb(props):
    props["spec"]["type"] = "LoadBalancer"


def restricted_public_endpoint(props):
    props["vpcConfig"]["endpointPublicAccess"] = True
    props["vpcConfig"]["publicAccessCidrs"] = ["203.0.113.0/24"]


def all_secrets(props):
    del props["rules"][1]["resourceNames"]


def no_tag(props):
    props["spec"]["template"]["spec"]["containers"][0]["image"] = "registry.example/api"


def no_memory_limit(props):
    del props["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resources"][
        "limits"
    ]["memory"]


# More ways to break (True: the rule fires) or to stay within (False) a rule, including pod
# templates in a CronJob and inside a custom resource (rules are generic over types).
VARIANTS = [
    ("eks-01", "aws", "eks/cluster:Cluster", restricted_public_endpoint, False),
    (
        "iam-03",
        "aws",
        "RolePolicyAttachment",
        setter("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        True,
    ),
    ("k8s-03", "k8s", "CronJob", host_network, True),
    (
        "k8s-03",
        "k8s",
        "Notebook",
        setter(f"{CTR}.securityContext.readOnlyRootFilesystem", False),
        True,
    ),
    ("k8s-04", "k8s", "CronJob", no_memory_limit, True),
    ("k8s-06", "k8s", "ServiceAccount", lambda p: p.pop("automountServiceAccountToken"), True),
    ("k8s-06", "k8s", "Release", setter("namespace", "default"), True),
    ("k8s-07", "k8s", "RoleBinding", setter("roleRef.name", "cluster-admin"), True),
    ("k8s-07", "k8s", "v1:Role", all_secrets, True),
    ("k8s-07", "k8s", "v1:Role", setter("rules.0.verbs", ["get", "escalate"]), True),
    ("k8s-08", "k8s", "Deployment", no_tag, True),
    (
        "k8s-08",
        "k8s",
        "Deployment",
        setter(f"{CTR}.image", "registry.example/api@sha256:" + "a" * 64),
        False,
    ),
    ("k8s-11", "k8s", "Service", internal_lb, False),
    ("k8s-11", "k8s", "Service", public_lb, True),
    ("k8s-11", "k8s", "PeerAuthentication", setter("spec.mtls.mode", "PERMISSIVE"), True),
    ("k8s-02", "k8s", "Release", setter("namespace", "elsewhere"), True),
    ("data-02", "k8s", "ConfigMap", sqlite, True),
]


@pytest.mark.parametrize(
    ("policy_id", "kind", "type_suffix", "change", "fires"),
    VARIANTS,
    ids=[f"{v[0]}-{i}" for i, v in enumerate(VARIANTS)],
)
def test_the_rule_decides_each_variant(base, policy_id, kind, type_suffix, change, fires):
    changed = mutate(base(kind), type_suffix, change)
    assert changed != base(kind), "the variant changed nothing"
    findings = evaluate(changed, [BY_NAME[policy_id]])
    assert bool(findings) is fires, findings


def test_a_sqlite_catalog_is_fine_in_a_dev_stack():
    dev = [
        res(
            "kubernetes:core/v1:ConfigMap",
            "catalog",
            {"data": {"uri": "sqlite:///c.db"}},
            stack="poc-dev",
        )
    ]
    assert evaluate(dev, [BY_NAME["data-02"]]) == []


def test_a_single_az_catalog_database_fails_only_in_production():
    props = {**data_objects()[0].inputs, "multiAz": False}
    prod = res("aws:rds/instance:Instance", "db", props, stack="expert-prod")
    dev = res("aws:rds/instance:Instance", "db", props, stack="expert-dev")
    assert evaluate([prod], [BY_NAME["data-01"]])
    assert evaluate([dev], [BY_NAME["data-01"]]) == []


def seldon_deployment(pdb_specs: list[dict | None]) -> CapturedResource:
    template = pod()
    return res(
        "kubernetes:machinelearning.seldon.io/v1:SeldonDeployment",
        "model",
        {
            "metadata": {"name": "model", "namespace": "seldon"},
            "spec": {
                "predictors": [
                    {
                        "name": f"p{i}",
                        "componentSpecs": [
                            {"spec": template["spec"], **({"pdbSpec": pdb} if pdb else {})}
                        ],
                    }
                    for i, pdb in enumerate(pdb_specs)
                ]
            },
        },
    )


@pytest.mark.parametrize(
    ("pdb_specs", "fires"),
    [
        ([{"maxUnavailable": 1}, {"maxUnavailable": 1}], False),
        ([{"maxUnavailable": 1}, None], True),
    ],
    ids=["every-predictor-has-a-pdb-spec", "one-predictor-lacks-it"],
)
def test_a_seldon_deployment_may_carry_its_own_disruption_budgets(pdb_specs, fires):
    findings = evaluate([seldon_deployment(pdb_specs)], [BY_NAME["k8s-10"]])
    assert bool(findings) is fires
