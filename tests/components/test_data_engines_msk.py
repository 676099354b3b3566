"""Kafka on Amazon MSK when a stack chooses it (``aiplat:kafka: msk``): MSK-01 of
security-checks.md (TLS client-broker and in-cluster, encryption at rest with a rotating
customer key, broker logs, private brokers, VPC-only security group), prod protected; and
the one-line errors for a bad ``aiplat:kafka``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiplat.harness import Capture, run_program
from aiplat.stackfiles import load
from components import data_engines_msk as msk

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
CLUSTER = "aiplat:data:DataEngines"
_cache: dict[tuple[str, bool], Capture] = {}


def write_stack(directory: Path, name: str, body: str) -> str:
    path = directory / f"Pulumi.{name}.yaml"
    path.write_text(body)
    return str(path)


def msk_capture(tmp_path_factory, environment: str, preview: bool) -> Capture:
    key = (environment, preview)
    if key not in _cache:
        directory = tmp_path_factory.mktemp("stacks")
        name = f"advanced-{environment}-msk"
        path = write_stack(
            directory,
            name,
            f"config:\n  aiplat:tier: advanced\n  aiplat:environment: {environment}\n"
            "  aiplat:kafka: msk\n",
        )
        _cache[key] = run_program(name, load(path).engine_values(), preview=preview)
    return _cache[key]


def only(cap: Capture, type_: str):
    (resource,) = cap.of_type(type_)
    return resource


@both_modes
def test_msk_replaces_strimzi_when_the_stack_chooses_it(tmp_path_factory, preview):
    cap = msk_capture(tmp_path_factory, "prod", preview)
    cluster = only(cap, "aws:msk/cluster:Cluster")
    (engines,) = cap.of_type(CLUSTER)
    assert cluster.parent == engines.urn
    (region_provider,) = cap.of_type("pulumi:providers:aws")
    assert cluster.provider and cluster.provider.startswith(region_provider.urn)
    assert not [r for r in cap.resources if r.type.startswith("kubernetes:kafka.strimzi.io")]
    assert not [
        r for r in cap.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "strimzi"
    ]
    assert {"FlinkDeployment"} <= {r.type.rsplit(":", 1)[-1] for r in cap.resources}


@both_modes
def test_msk_01_tls_in_transit_and_encryption_at_rest_with_a_rotating_customer_key(
    tmp_path_factory, preview
):
    cap = msk_capture(tmp_path_factory, "prod", preview)
    cluster = only(cap, "aws:msk/cluster:Cluster").inputs
    encryption = cluster["encryptionInfo"]
    assert encryption["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    keys = [k for k in cap.of_type("aws:kms/key:Key") if k.name.endswith("-msk")]
    (key,) = keys
    assert key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    assert policy["Statement"] and all(s["Effect"] == "Allow" for s in policy["Statement"])
    if not preview:
        assert encryption["encryptionAtRestKmsKeyArn"] == key.outputs["arn"]
    assert cluster["clientAuthentication"]["sasl"] == {"iam": True}
    assert cluster["clientAuthentication"]["unauthenticated"] is False


@both_modes
def test_msk_01_broker_logs_go_to_cloudwatch(tmp_path_factory, preview):
    cap = msk_capture(tmp_path_factory, "prod", preview)
    cluster = only(cap, "aws:msk/cluster:Cluster").inputs
    logs = cluster["loggingInfo"]["brokerLogs"]["cloudwatchLogs"]
    assert logs["enabled"] is True
    group = [g for g in cap.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name.endswith("-msk")]
    (group,) = group
    assert group.inputs["retentionInDays"] == 365
    assert logs["logGroup"] in (group.inputs["name"], "<computed>")


@both_modes
def test_msk_01_brokers_are_private_and_reachable_only_from_the_vpc(tmp_path_factory, preview):
    cap = msk_capture(tmp_path_factory, "prod", preview)
    info = only(cap, "aws:msk/cluster:Cluster").inputs["brokerNodeGroupInfo"]
    assert info["connectivityInfo"]["publicAccess"]["type"] == "DISABLED"
    private = [s for s in cap.of_type("aws:ec2/subnet:Subnet") if "-private-" in s.name]
    if not preview:
        assert sorted(info["clientSubnets"]) == sorted(s.id for s in private)
    (group,) = [
        g for g in cap.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name.endswith("-msk")
    ]
    cidr = load("advanced-prod").resolve().network.vpc_cidr
    ingress = group.inputs["ingress"]
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in ingress] == [
        (msk.TLS_IAM_PORT, msk.TLS_IAM_PORT, [cidr])
    ]
    assert all(r["cidrBlocks"] == [cidr] for r in group.inputs["egress"])
    brokers = only(cap, "aws:msk/cluster:Cluster").inputs["numberOfBrokerNodes"]
    assert brokers % len(private) == 0


@both_modes
def test_msk_is_protected_in_prod_and_not_in_dev(tmp_path_factory, preview):
    prod = msk_capture(tmp_path_factory, "prod", preview)
    assert only(prod, "aws:msk/cluster:Cluster").protect is True
    dev = msk_capture(tmp_path_factory, "dev", preview)
    assert only(dev, "aws:msk/cluster:Cluster").protect is False


@both_modes
def test_spark_and_flink_reach_msk_in_the_vpc_on_its_tls_port(tmp_path_factory, preview):
    cap = msk_capture(tmp_path_factory, "prod", preview)
    cidr = load("advanced-prod").resolve().network.vpc_cidr
    allows = [
        p.inputs
        for p in cap.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p.inputs["metadata"]["name"] == "msk"
    ]
    assert {a["metadata"]["namespace"] for a in allows} == {"spark", "flink"}
    for allow in allows:
        (rule,) = allow["spec"]["egress"]
        assert rule["to"] == [{"ipBlock": {"cidr": cidr}}]
        assert rule["ports"] == [{"protocol": "TCP", "port": msk.TLS_IAM_PORT}]


BAD_KAFKA = {
    "unknown mode": (
        "config:\n  aiplat:tier: advanced\n  aiplat:environment: dev\n  aiplat:kafka: confluent\n",
        "error: aiplat:kafka: Input should be 'strimzi' or 'msk' (got 'confluent')",
    ),
    "msk on a cluster you bring": (
        "config:\n  aiplat:tier: intermediate\n  aiplat:environment: dev\n"
        "  aiplat:target: kubernetes\n  aiplat:kafka: msk\n",
        "error: aiplat:kafka: msk (Amazon MSK) applies only to target aws; "
        "fix: use strimzi (in-cluster Kafka) on target kubernetes",
    ),
    "msk on a tier without kafka": (
        "config:\n  aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:kafka: msk\n",
        "error: aiplat:kafka: tier poc runs no Kafka, so msk has nothing to build; fix: ",
    ),
}


@pytest.mark.parametrize("case", list(BAD_KAFKA))
def test_a_bad_kafka_choice_is_one_error_line_and_exit_code_one(cli, tmp_path, case):
    body, expected = BAD_KAFKA[case]
    code, out, err = cli("preview", "--stack", write_stack(tmp_path, "bad", body))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err
