"""PlatformNamespace: Pod Security labels (K8S-02), default-deny plus DNS and named allows
(K8S-05), quota and limits with GPUs (K8S-04), dedicated service accounts (K8S-06), every
object valid for Kubernetes 1.35 (K8S-01)."""

from __future__ import annotations

import pytest

from aiplat.harness import run_function
from aiplat.manifests import manifests, validate
from components.platform_namespace import (
    ContainerDefaults,
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
    allow_spec,
    network_policies,
    psa_labels,
)

QUOTA = Quota(cpu="8", memory="32Gi", gpus=4, pods=50)


def args(**changes) -> PlatformNamespaceArgs:
    base = {
        "namespace": "serving",
        "pod_security": PodSecurity.BASELINE,
        "quota": QUOTA,
        "service_accounts": (
            ServiceAccountSpec(name="model", annotations={"eks.amazonaws.com/role-arn": "arn:x"}),
            ServiceAccountSpec(name="operator", automount_token=True),
        ),
        "allows": (
            NetworkAllow(
                name="from-gateway",
                direction=Direction.INGRESS,
                namespaces=("istio-system",),
                ports=(8000,),
                pods=(("app", "model"),),
            ),
            NetworkAllow(name="to-kafka", direction=Direction.EGRESS, cidr="10.0.0.0/16"),
        ),
        "allow_api_server": True,
        "mesh_injection": True,
    }
    return PlatformNamespaceArgs(**{**base, **changes})


@pytest.fixture(scope="module", params=[True, False], ids=["preview", "update"])
def captured(request):
    def program() -> None:
        PlatformNamespace("serving", args())

    return run_function("unit", program, preview=request.param)


def by_kind(cap, kind):
    return {m.name: m.body for m in manifests(cap) if m.kind == kind}


def test_every_object_is_valid_for_the_cluster_version(captured):
    found = manifests(captured)
    assert {m.kind for m in found} == {
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
        "ServiceAccount",
    }
    for manifest in found:
        assert validate(manifest, "1.35") == [], manifest.name


def test_the_namespace_carries_pod_security_and_mesh_labels(captured):
    labels = by_kind(captured, "Namespace")["serving"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/audit"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "baseline"
    assert labels["istio-injection"] == "enabled"


def test_policies_deny_by_default_then_allow_dns_and_named_paths(captured):
    policies = by_kind(captured, "NetworkPolicy")
    assert set(policies) == {
        "default-deny",
        "allow-dns",
        "allow-same-namespace",
        "allow-api-server",
        "from-gateway",
        "to-kafka",
    }
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies["allow-dns"]["spec"]["egress"][0]
    assert {p["port"] for p in dns["ports"]} == {53}


def test_objects_in_the_namespace_wait_for_it_and_its_policies(captured):
    (ns,) = [r for r in captured.resources if r.type == "kubernetes:core/v1:Namespace"]
    others = [r for r in captured.resources if r.custom and r.urn != ns.urn]
    assert others and all(ns.urn in r.dependencies for r in others)


def test_quota_includes_gpus_and_limits_give_defaults(captured):
    quota = by_kind(captured, "ResourceQuota")["platform-quota"]["spec"]["hard"]
    assert quota == {
        "requests.cpu": "8",
        "requests.memory": "32Gi",
        "requests.nvidia.com/gpu": "4",
        "pods": "50",
    }
    (limit,) = by_kind(captured, "LimitRange")["container-defaults"]["spec"]["limits"]
    defaults = ContainerDefaults()
    assert limit["default"] == {"cpu": defaults.cpu_limit, "memory": defaults.memory_limit}


def test_service_accounts_mount_tokens_only_when_asked(captured):
    accounts = by_kind(captured, "ServiceAccount")
    assert accounts["model"]["automountServiceAccountToken"] is False
    assert accounts["model"]["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:x"}
    assert accounts["operator"]["automountServiceAccountToken"] is True


@pytest.mark.parametrize(
    ("allow", "spec"),
    [
        (
            NetworkAllow(name="a", direction=Direction.INGRESS, namespaces=("x",), ports=(80,)),
            {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "podSelector": {},
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {
                                            "key": "kubernetes.io/metadata.name",
                                            "operator": "In",
                                            "values": ["x"],
                                        }
                                    ]
                                },
                            }
                        ],
                        "ports": [{"protocol": "TCP", "port": 80}],
                    }
                ],
            },
        ),
        (
            NetworkAllow(name="b", direction=Direction.EGRESS, cidr="10.0.0.0/8", ports=(9093,)),
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}],
                        "ports": [{"protocol": "TCP", "port": 9093}],
                    }
                ],
            },
        ),
        (
            NetworkAllow(
                name="c", direction=Direction.INGRESS, any_peer=True, pods=(("app", "w"),)
            ),
            {
                "podSelector": {"matchLabels": {"app": "w"}},
                "policyTypes": ["Ingress"],
                "ingress": [{}],
            },
        ),
    ],
    ids=["namespace-peer", "cidr-peer", "any-peer-to-some-pods"],
)
def test_an_allow_renders_as_one_policy(allow, spec):
    assert allow_spec(allow) == spec


def test_without_same_namespace_or_api_server_those_policies_are_absent():
    names = set(
        network_policies(args(allows=(), allow_same_namespace=False, allow_api_server=False))
    )
    assert names == {"default-deny", "allow-dns"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace": "Bad_Name"}, "namespace 'Bad_Name' is not a DNS-1123 label"),
        ({"namespace": "default"}, "namespace 'default' is reserved; use a dedicated one"),
        (
            {"pod_security": PodSecurity.PRIVILEGED},
            "namespace serving: Pod Security 'privileged' is allowed only for istio-system, "
            "node-agents; use baseline or restricted",
        ),
        (
            {"service_accounts": (ServiceAccountSpec(name="default"),)},
            "namespace serving: service accounts must be unique and not 'default'",
        ),
        (
            {
                "allows": (
                    NetworkAllow(name="x", direction=Direction.INGRESS),
                    NetworkAllow(name="x", direction=Direction.EGRESS),
                )
            },
            "namespace serving: network allow names must be unique",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(changes, message):
    with pytest.raises(ValueError) as error:
        args(**changes)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {
                "name": "x",
                "direction": Direction.EGRESS,
                "cidr": "10.0.0.0/8",
                "namespaces": ("a",),
            },
            "network allow 'x': a cidr peer takes no selectors",
        ),
        (
            {"name": "x", "direction": Direction.EGRESS, "any_peer": True, "cidr": "10.0.0.0/8"},
            "network allow 'x': any_peer takes no other peer",
        ),
        (
            {"name": "X_", "direction": Direction.EGRESS},
            "network allow 'X_': name must be a DNS-1123 label",
        ),
    ],
)
def test_bad_allows_are_refused(kwargs, message):
    with pytest.raises(ValueError) as error:
        NetworkAllow(**kwargs)
    assert str(error.value) == message


def test_privileged_is_spelled_the_same_in_all_three_modes():
    assert set(psa_labels(PodSecurity.PRIVILEGED).values()) == {"privileged"}
    assert len(psa_labels(PodSecurity.RESTRICTED)) == 3
