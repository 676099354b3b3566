"""FATE federation: one party per region of the expert tier, each in its own hardened
namespace, reaching the other parties only through the exchange (route tables, network
policies, Istio authorization), with the privacy settings carried into job templates; the
program run under mocks in both preview and update mode."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import yaml

from aiplat.harness import Capture, CapturedResource
from aiplat.manifests import crd_dir, manifests, validate
from aiplat.stackfiles import load
from components.decisions import region_code
from components.federation import authorization_policy, exchange_allows, party_allows
from components.values import fate
from tiers import pins
from tiers.model import FatePartySpec, FederationSpec

STACKS = ["expert-dev", "expert-prod"]
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
FEDERATION = "aiplat:federation:Federation"
SERVICES = "aiplat:platform:ClusterServices"
REGIONAL = "aiplat:platform:RegionalPlatform"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
AUTHZ = "kubernetes:security.istio.io/v1:AuthorizationPolicy"

every_stack = pytest.mark.parametrize("stack", STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)

HQ = FatePartySpec(name="hq", party_id=9999, organisation="hq", region="us-east-1")
PARTNER = FatePartySpec(name="partner", party_id=10000, organisation="p", region="eu-north-1")
SPEC = FederationSpec(
    enabled=True,
    parties=(HQ, PARTNER),
    secure_aggregation=True,
    differential_privacy=True,
    epsilon=2.5,
    delta=1e-6,
    exchange_party_id=1,
    exchange_region="us-east-1",
)


def descendants(cap: Capture, root: CapturedResource) -> list[CapturedResource]:
    by_parent: dict[str, list[CapturedResource]] = {}
    for r in cap.resources:
        by_parent.setdefault(r.parent or "", []).append(r)
    found, todo = [], [root.urn]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            found.append(child)
            todo.append(child.urn)
    return found


def in_namespace(cap: Capture, type_: str, namespace: str) -> list[CapturedResource]:
    return [
        r
        for r in cap.of_type(type_)
        if (r.inputs.get("metadata") or {}).get("namespace") == namespace
        or r.inputs.get("namespace") == namespace
    ]


# --- pure decisions -----------------------------------------------------------------------


def test_a_party_routes_every_other_party_to_the_exchange_and_nothing_directly():
    for party in SPEC.parties:
        routes = fate.party_routes("s", SPEC, party)
        exchange = fate.exchange_endpoint("s", SPEC, party.region)
        assert set(routes) == {p.party_id for p in SPEC.parties} - {party.party_id}
        assert all(e == exchange for e in routes.values())
        values = fate.party_values("s", SPEC, party)
        assert {e["partyIp"] for e in values["partyList"]} == {exchange.host}


def test_the_exchange_is_reached_in_cluster_from_its_region_and_over_tls_from_others():
    local = fate.exchange_endpoint("expert-prod", SPEC, "us-east-1")
    remote = fate.exchange_endpoint("expert-prod", SPEC, "eu-north-1")
    assert (local.host, local.port) == ("osx.fate-exchange.svc.cluster.local", fate.OSX_PORT)
    assert (remote.host, remote.port) == ("exchange.expert-prod.fate.internal", fate.OSX_TLS_PORT)


def test_the_exchange_routes_to_every_party_and_allows_nothing_by_default():
    table = fate.route_table(1, fate.exchange_routes("s", SPEC), own_flow=False)
    assert set(table["route_table"]) == {"9999", "10000"}
    assert table["self_party"] == ["1"]


def test_a_local_party_allows_only_the_exchange_namespace_on_the_osx_port():
    allows = {a.name: a for a in party_allows(SPEC, HQ)}
    assert set(allows) == {"from-exchange", "to-exchange"}
    for allow in allows.values():
        assert allow.namespaces == (fate.EXCHANGE_NAMESPACE,)
        assert allow.ports == (fate.OSX_PORT,)
        assert allow.pods == (fate.OSX_LABEL,) and allow.peer_pods == (fate.OSX_LABEL,)


def test_a_remote_party_allows_only_the_osx_tls_port_of_its_osx_pods():
    for allow in party_allows(SPEC, PARTNER):
        assert allow.any_peer and allow.namespaces == ()
        assert allow.ports == (fate.OSX_TLS_PORT,) and allow.pods == (fate.OSX_LABEL,)


def test_the_exchange_allows_its_local_parties_by_namespace_and_remote_ones_over_tls():
    allows = {a.name: a for a in exchange_allows(SPEC)}
    assert allows["from-parties"].namespaces == ("fate-hq",)
    assert allows["to-parties"].namespaces == ("fate-hq",)
    assert allows["from-remote-parties"].ports == (fate.OSX_TLS_PORT,)


def test_authorization_admits_the_own_namespace_and_the_listed_peers_only():
    policy = authorization_policy("fate-hq", ("fate-exchange",), remote=False)
    assert policy == {
        "action": "ALLOW",
        "rules": [{"from": [{"source": {"namespaces": ["fate-exchange", "fate-hq"]}}]}],
    }
    remote = authorization_policy("fate-partner", (), remote=True)
    assert remote["rules"][1] == {"to": [{"operation": {"ports": [str(fate.OSX_TLS_PORT)]}}]}


def test_job_templates_carry_the_privacy_settings_and_the_parties():
    templates = fate.job_templates(SPEC, HQ)
    assert set(templates) == {"homo-lr.json", "hetero-secureboost.json", "privacy.json"}
    privacy = json.loads(templates["privacy.json"])
    assert privacy == {
        "secure_aggregation": True,
        "differential_privacy": {"enabled": True, "epsilon": 2.5, "delta": 1e-6},
    }
    homo = json.loads(templates["homo-lr.json"])["dag"]
    assert homo["conf"]["privacy"] == privacy
    assert homo["tasks"]["homo_lr_0"]["parameters"]["secure_aggregate"] is True
    roles = {p["role"]: p["party_id"] for p in homo["parties"]}
    assert roles == {"guest": ["9999"], "host": ["10000"], "arbiter": ["9999"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epsilon": 0.0}, "epsilon must be > 0 (got 0)"),
        ({"delta": 1.0}, "delta must be in [0, 1) (got 1)"),
        ({"exchange_party_id": 9999}, "party IDs must be unique"),
        ({"parties": (HQ,)}, "needs at least two parties"),
    ],
)
def test_a_bad_federation_spec_is_refused(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        replace(SPEC, **change)


# --- the program ----------------------------------------------------------------------------


@every_stack
@both_modes
def test_expert_has_two_regions_and_one_fate_party_per_region(capture, stack, preview):
    cap = capture(stack, preview)
    platform = load(stack).resolve()
    assert len(platform.regions) >= 2
    federation = platform.stacks.federation
    assert sorted(p.region for p in federation.parties) == sorted(platform.regions)
    for region in cap.of_type(REGIONAL):
        code = region.name.rsplit("-", 1)[-1]
        region_name = next(r for r in platform.regions if region_code(r) == code)
        (fed,) = [r for r in descendants(cap, region) if r.type == FEDERATION]
        hosted = {
            r.inputs["metadata"]["name"]
            for r in descendants(cap, fed)
            if r.type == NAMESPACE and r.inputs["metadata"]["name"] != fate.EXCHANGE_NAMESPACE
        }
        expected = {
            fate.party_namespace(p.name) for p in federation.parties if p.region == region_name
        }
        assert hosted == expected and len(hosted) == 1, code


@every_stack
@both_modes
def test_every_party_and_the_exchange_is_a_pinned_fate_release(capture, stack, preview):
    cap = capture(stack, preview)
    releases = {r.inputs["name"]: r for r in cap.of_type(RELEASE) if "fate" in r.name}
    assert set(releases) == {"fate-exchange", "fate-hq", "fate-partner"}
    for release in releases.values():
        assert release.inputs["chart"] == pins.FATE.chart
        assert release.inputs["version"] == pins.FATE.version
        assert not release.inputs.get("repositoryOpts")
    assert releases["fate-hq"].inputs["values"]["partyId"] == 9999
    assert releases["fate-exchange"].inputs["values"]["partyId"] == 1


@every_stack
@both_modes
def test_parties_reach_each_other_only_through_the_exchange(capture, stack, preview):
    cap = capture(stack, preview)
    parties = [fate.party_namespace(p) for p in ("hq", "partner")]
    for own in parties:
        policies = in_namespace(cap, NETWORK_POLICY, own)
        names = {p.inputs["metadata"]["name"] for p in policies}
        assert {"default-deny", "allow-dns", "from-exchange", "to-exchange"} <= names
        assert names <= {"default-deny", "allow-dns", "allow-same-namespace"} | {
            "from-exchange",
            "to-exchange",
        }
        for policy in policies:
            spec = policy.inputs["spec"]
            rules = spec.get("ingress", []) + spec.get("egress", [])
            for rule in rules:
                peers = rule.get("from", []) + rule.get("to", [])
                text = json.dumps(peers)
                for other in parties:
                    assert other == own or other not in text, (own, policy.name)
                if policy.inputs["metadata"]["name"] in {"from-exchange", "to-exchange"}:
                    ports = {p["port"] for p in rule["ports"]}
                    assert ports <= {fate.OSX_PORT, fate.OSX_TLS_PORT}
                    assert spec["podSelector"] == {"matchLabels": dict([fate.OSX_LABEL])}
                    for peer in peers:
                        namespaces = peer.get("namespaceSelector", {}).get("matchExpressions")
                        if namespaces:
                            assert namespaces[0]["values"] == [fate.EXCHANGE_NAMESPACE]


@every_stack
@both_modes
def test_fate_namespaces_are_baseline_meshed_and_default_deny(capture, stack, preview):
    cap = capture(stack, preview)
    for ns in ("fate-hq", "fate-partner", "fate-exchange"):
        (namespace,) = [r for r in cap.of_type(NAMESPACE) if r.inputs["metadata"]["name"] == ns]
        labels = namespace.inputs["metadata"]["labels"]
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] == "baseline"
        assert labels["istio-injection"] == "enabled"
        deny = [
            p
            for p in in_namespace(cap, NETWORK_POLICY, ns)
            if p.inputs["metadata"]["name"] == "default-deny"
        ]
        assert deny and set(deny[0].inputs["spec"]["policyTypes"]) == {"Ingress", "Egress"}


@every_stack
@both_modes
def test_each_party_gets_route_table_job_templates_and_an_authorization_policy(
    capture, stack, preview
):
    cap = capture(stack, preview)
    federation = load(stack).resolve().stacks.federation
    for party in federation.parties:
        ns = fate.party_namespace(party.name)
        maps = {m.inputs["metadata"]["name"]: m for m in in_namespace(cap, CONFIG_MAP, ns)}
        privacy = json.loads(maps["fate-job-templates"].inputs["data"]["privacy.json"])
        assert privacy["differential_privacy"]["epsilon"] == federation.epsilon
        table = json.loads(maps["fate-route-table"].inputs["data"]["route_table.json"])
        others = {str(p.party_id) for p in federation.parties if p != party}
        assert set(table["route_table"]) == others | {str(party.party_id)}
        (authz,) = in_namespace(cap, AUTHZ, ns)
        assert authz.inputs["spec"]["action"] == "ALLOW"


@every_stack
@both_modes
def test_every_federation_object_validates(capture, stack, preview):
    cap = capture(stack, preview)
    feds = cap.of_type(FEDERATION)
    urns = {r.urn for fed in feds for r in descendants(cap, fed)}
    objects = [m for m in manifests(cap) if m.urn in urns]
    assert {m.kind for m in objects} >= {"Namespace", "NetworkPolicy", "ConfigMap"}
    if not crd_dir().is_dir():
        pytest.skip(f"CRD schemas not found at {crd_dir()}: custom resources not validated")
    assert "AuthorizationPolicy" in {m.kind for m in objects}
    for m in objects:
        assert validate(m, "1.35") == [], m.resource_name


def test_stacks_without_federation_create_none(capture):
    assert capture("advanced-prod", True).of_type(FEDERATION) == []


# --- bad input --------------------------------------------------------------------------------


def expert_stack(tmp_path, **config) -> str:
    document = {
        "config": {f"aiplat:{k}": v for k, v in {**load("expert-dev").values, **config}.items()}
    }
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


@pytest.mark.parametrize(
    ("federation", "expected"),
    [
        ({"epsilon": 0}, "aiplat:federation.epsilon: epsilon must be > 0 (got 0)"),
        ({"epsilon": -1.5}, "aiplat:federation.epsilon: epsilon must be > 0 (got -1.5)"),
        ({"delta": 1}, "aiplat:federation.delta: delta must be in [0, 1) (got 1)"),
        (
            {"parties": {"partner": {"partyId": 9999}}},
            "aiplat:federation.parties: party IDs must be unique",
        ),
        (
            {"parties": {"partner": {"partyId": 1}}},
            "aiplat:federation.parties: party IDs must be unique (the exchange is 1)",
        ),
        ({"parties": {"nobody": {"partyId": 5}}}, "aiplat:federation.parties.nobody: tier expert"),
        (
            {"parties": {"hq": {"region": "eu-north-1"}}},
            "aiplat:federation.parties: parties hq, partner share eu-north-1, where the exchange",
        ),
        (
            {"parties": {"partner": {"region": "us-west-2"}}},
            "aiplat:federation.parties.partner.region: FATE party partner is placed in us-west-2",
        ),
    ],
)
def test_bad_federation_settings_get_one_line_and_exit_one(cli, tmp_path, federation, expected):
    code, out, err = cli("preview", "--stack", expert_stack(tmp_path, federation=federation))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err and "fix: " in err


def test_stack_overrides_change_the_privacy_settings(tmp_path):
    stack = load(expert_stack(tmp_path, federation={"epsilon": 0.5, "secureAggregation": False}))
    federation = stack.resolve().stacks.federation
    assert (federation.epsilon, federation.secure_aggregation) == (0.5, False)
    assert federation.delta == load("expert-dev").resolve().stacks.federation.delta


@both_modes
def test_on_a_cluster_you_bring_every_party_and_the_exchange_share_it(preview):
    from aiplat.harness import run_program
    from aiplat.stackfiles import project_defaults

    config = {
        "tier": "expert",
        "environment": "dev",
        "target": "kubernetes",
        "kubeContext": "lab",
        "edgeSites": {"store-east": {"kubeconfig": "a.yaml"}, "plant-west": {"kubeconfig": "b"}},
    }
    cap = run_program("expert-lab", {**project_defaults(), **config}, preview=preview)
    (fed,) = cap.of_type(FEDERATION)
    namespaces = {
        r.inputs["metadata"]["name"] for r in descendants(cap, fed) if r.type == NAMESPACE
    }
    assert namespaces == {"fate-exchange", "fate-hq", "fate-partner"}
    releases = {r.inputs["name"]: r for r in cap.of_type(RELEASE) if "fate" in r.name}
    for party in ("hq", "partner"):
        (route,) = releases[f"fate-{party}"].inputs["values"]["partyList"]
        assert route["partyIp"] == "osx.fate-exchange.svc.cluster.local"


def test_preview_and_tiers_show_regions_parties_and_edge_sites(cli):
    code, out, _ = cli("preview", "-s", "expert-prod")
    assert code == 0
    assert "hq (party 9999, us-east-1), partner (party 10000, eu-north-1)" in out
    assert "store-east (GPU), plant-west (CPU)" in out
    assert "DP epsilon=3 delta=1e-05" in out
    code, out, _ = cli("tiers")
    assert code == 0 and "hq: party 9999, us-east-1" in out and "store-east (GPU)" in out


@every_stack
@both_modes
def test_k8s_04_06_fate_namespaces_have_quota_limits_and_unmounted_service_accounts(
    capture, stack, preview
):
    cap = capture(stack, preview)
    for ns in ("fate-hq", "fate-partner", "fate-exchange"):
        (quota,) = in_namespace(cap, "kubernetes:core/v1:ResourceQuota", ns)
        assert {"requests.cpu", "requests.memory", "pods"} <= set(quota.inputs["spec"]["hard"])
        assert in_namespace(cap, "kubernetes:core/v1:LimitRange", ns)
        (account,) = in_namespace(cap, "kubernetes:core/v1:ServiceAccount", ns)
        assert account.inputs["automountServiceAccountToken"] is False
