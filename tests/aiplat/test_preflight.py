"""aiplat preflight: offerings read from a moto server (AWS's published offerings data),
quotas from botocore's Stubber on GetServiceQuota responses shaped as AWS returns them."""

from __future__ import annotations

import json

import pytest
import yaml

from aiplat import preflight
from aiplat.preflight import QUOTA_CODES, Market, family_group
from aiplat.stackfiles import load

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")
from botocore.stub import Stubber  # noqa: E402


@pytest.fixture(scope="module")
def moto_endpoint(moto_server):
    """One moto server for the module (its offerings are read-only)."""
    with moto_server() as endpoint:
        yield endpoint


def _quota_response(code: str, value: float, region: str = "us-east-1") -> dict:
    name = next(n for c, n in QUOTA_CODES.values() if c == code)
    return {
        "Quota": {
            "ServiceCode": "ec2",
            "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
            "QuotaArn": f"arn:aws:servicequotas:{region}:123456789012:ec2/{code}",
            "QuotaCode": code,
            "QuotaName": name,
            "Value": value,
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
            "UsageMetric": {
                "MetricNamespace": "AWS/Usage",
                "MetricName": "ResourceCount",
                "MetricDimensions": {
                    "Class": "Standard/OnDemand",
                    "Resource": "vCPU",
                    "Service": "EC2",
                    "Type": "Resource",
                },
                "MetricStatisticRecommendation": "Maximum",
            },
        }
    }


def clients_for(endpoint: str, quotas: dict[str, float]):
    """EC2 from the moto server; Service Quotas stubbed with one answer per needed code."""

    def make(service: str, region: str):
        if service == "ec2":
            return boto3.client("ec2", region_name=region, endpoint_url=endpoint)
        client = boto3.client("service-quotas", region_name=region)
        stub = Stubber(client)
        for code in sorted(quotas):
            stub.add_response(
                "get_service_quota",
                _quota_response(code, quotas[code], region),
                {"ServiceCode": "ec2", "QuotaCode": code},
            )
        stub.activate()
        return client

    return make


def needed_codes(stack: str) -> list[str]:
    platform = load(stack).resolve()
    return sorted({n.quota_code for n in preflight.needs(platform, ("us-east-1a",))})


def stack_file(tmp_path, base: str, **values) -> str:
    stack = load(base)
    path = tmp_path / f"Pulumi.{base}.yaml"
    merged = dict(stack.values, **values)
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in merged.items()}}))
    return str(path)


@pytest.mark.parametrize(
    ("instance_type", "group"),
    [
        ("p5.48xlarge", "p"),
        ("p4d.24xlarge", "p"),
        ("g6e.xlarge", "g"),
        ("g5g.xlarge", "g"),
        ("trn1.32xlarge", "trn"),
        ("inf2.xlarge", "inf"),
        ("m7i.xlarge", "standard"),
        ("m7g.xlarge", "standard"),
    ],
)
def test_instance_types_fall_in_their_ec2_vcpu_quota_group(instance_type, group):
    assert family_group(instance_type) == group


def test_every_group_has_an_on_demand_and_a_spot_quota_code():
    groups = {g for g, _ in QUOTA_CODES}
    assert {(g, m) for g in groups for m in Market} == set(QUOTA_CODES)
    codes = [code for code, _ in QUOTA_CODES.values()]
    assert len(set(codes)) == len(codes)


def test_spot_pools_draw_on_the_spot_quota_and_the_rest_on_demand():
    platform = load("intermediate-dev").resolve()  # dev: every GPU pool on spot
    markets = {n.pool: n.market for n in preflight.needs(platform, ("a", "b"))}
    assert markets == {
        "system": Market.ON_DEMAND,
        "notebook": Market.SPOT,
        "training": Market.SPOT,
        "batch": Market.SPOT,
        "inference": Market.SPOT,
    }


def test_peak_vcpus_are_each_pool_at_its_maximum_nodes():
    platform = load("advanced-prod").resolve()
    need = {n.pool: n.vcpus for n in preflight.needs(platform, ("a",))}
    assert need["training"] == 64 * 192  # 64 x p5.48xlarge
    assert need["inference"] == 96 * 4  # 96 x g6e.xlarge
    assert need["system"] == 12 * 16  # 12 x m7i.4xlarge


def test_all_pools_fit_exits_0_with_a_table(cli, moto_endpoint, monkeypatch):
    quotas = dict.fromkeys(needed_codes("poc-prod"), 10_000.0)
    monkeypatch.setattr(preflight, "default_clients", clients_for(moto_endpoint, quotas))
    code, out, err = cli("preflight", "--stack", "poc-prod")
    assert code == 0, out + err
    assert "Preflight" in out and "g5.12xlarge" in out and "ok" in out


def test_a_short_quota_exits_1_naming_the_shortfall(cli, moto_endpoint, monkeypatch):
    # poc-prod on demand: G pools peak at 6 x 4 + 8 x 48 + 4 x 4 = 424 vCPUs
    quotas = dict.fromkeys(needed_codes("poc-prod"), 10_000.0) | {"L-DB2E81BA": 256.0}
    monkeypatch.setattr(preflight, "default_clients", clients_for(moto_endpoint, quotas))
    code, out, _ = cli("preflight", "--stack", "poc-prod", "--format", "json")
    assert code == 1
    rows = {r["pool"]: r for r in json.loads(out)}
    assert rows["training"]["all pools on quota"] == 424
    assert rows["training"]["quota vCPUs"] == 256
    assert rows["training"]["verdict"] == "quota short by 168 vCPUs"
    assert rows["system"]["verdict"] == "ok"


def test_a_type_not_offered_in_the_efa_zone_exits_1(cli, moto_endpoint, monkeypatch, tmp_path):
    # AWS offers p4de.24xlarge in us-east-1b and 1c only; EFA pools live in the first zone
    path = stack_file(
        tmp_path,
        "intermediate-prod",
        gpuPools={"training": {"instanceType": "p4de.24xlarge"}},
    )
    quotas = dict.fromkeys(needed_codes("intermediate-prod"), 100_000.0)
    monkeypatch.setattr(preflight, "default_clients", clients_for(moto_endpoint, quotas))
    code, out, _ = cli("preflight", "--stack", path, "--format", "json")
    assert code == 1
    rows = {r["pool"]: r for r in json.loads(out)}
    assert rows["training"]["verdict"] == "not offered in us-east-1a"
    assert rows["training"]["zones offered"] == "us-east-1b, us-east-1c"
    assert rows["inference"]["verdict"] == "ok"


def test_preflight_refuses_a_stack_on_an_existing_cluster_in_one_line(cli):
    code, out, err = cli("preflight", "--stack", "poc-local")
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0
    assert "target kubernetes has none" in err


def test_preflight_refuses_a_region_the_stack_does_not_use(cli):
    code, _, err = cli("preflight", "--stack", "poc-prod", "--region", "eu-west-1")
    assert code == 1
    assert "eu-west-1 is not one of the stack's regions" in err


def test_an_unreadable_quota_is_reported_not_guessed():
    platform = load("poc-prod").resolve()
    facts = preflight.Facts(
        region="us-east-1",
        zones=("us-east-1a", "us-east-1b", "us-east-1c"),
        offerings={
            t: frozenset({"us-east-1a", "us-east-1b", "us-east-1c"})
            for t in ("m7i.xlarge", "g6.xlarge", "g5.12xlarge")
        },
        quotas={"L-1216C47A": 1000.0, "L-DB2E81BA": None},
    )
    verdicts = {r.pool: r.verdict for r in preflight.evaluate(platform, facts)}
    assert verdicts["system"] == "ok"
    assert verdicts["notebook"] == "quota L-DB2E81BA unreadable"
