"""The FATE link between regions (expert tier): the regions' VPCs get distinct blocks, are
peered hub (the exchange's region) to spoke, route only each other's block through the
peering, and resolve every member reached from afar by the name its OSX route table uses,
a CNAME to that member's internal NLB, which admits only the peer regions' VPCs."""

from __future__ import annotations

import pytest

from aiplat.harness import Capture, CapturedResource, run_program
from aiplat.stackfiles import load
from components.values import fate
from tiers.errors import SpecError
from tiers.model import FatePartySpec, FederationSpec
from tiers.resolve import region_cidr

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
LINK = "aiplat:federation:FederationLink"
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
VPC = "aws:ec2/vpc:Vpc"
ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
SERVICE = "kubernetes:core/v1:Service"
PROVIDER = "pulumi:providers:aws"


@pytest.mark.parametrize(
    ("base", "index", "expected"),
    [
        ("10.64.0.0/16", 0, "10.64.0.0/16"),
        ("10.64.0.0/16", 1, "10.65.0.0/16"),
        ("10.64.0.0/16", 2, "10.66.0.0/16"),
        ("10.64.0.0/20", 1, "10.64.16.0/20"),
        ("172.16.0.0/16", 15, "172.31.0.0/16"),
    ],
)
def test_each_region_takes_the_next_block_of_the_base_size(base, index, expected):
    assert region_cidr(base, index) == expected


def test_a_region_block_outside_the_private_range_is_one_clear_error():
    with pytest.raises(SpecError) as error:
        region_cidr("172.31.0.0/16", 1)
    assert str(error.value) == (
        "aiplat:vpcCidr: region 2's block 172.32.0.0/16 leaves the private range of "
        "172.31.0.0/16; fix: choose a base block with room for one block per region after it"
    )


HUB, SPOKE = "us-east-1", "eu-north-1"


def spec(*regions: str | None) -> FederationSpec:
    parties = tuple(
        FatePartySpec(name=f"p{i}", party_id=100 + i, organisation="o", region=r)
        for i, r in enumerate(regions)
    )
    return FederationSpec(enabled=True, parties=parties, exchange_region=HUB)


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ((HUB, HUB), {}),
        ((HUB, SPOKE), {"exchange": (SPOKE,), "p1": (HUB,)}),
        ((SPOKE, "us-west-2", HUB), {"exchange": (SPOKE, "us-west-2"), "p0": (HUB,), "p1": (HUB,)}),
    ],
    ids=["one-region", "one-spoke", "two-spokes"],
)  # fmt: skip
def test_members_reached_from_afar_are_the_exchange_and_the_parties_outside_its_region(
    regions, expected
):
    assert fate.remote_members(spec(*regions)) == expected


def test_the_remote_entry_is_an_internal_nlb_on_the_osx_tls_port_for_the_peers_only():
    body = fate.remote_service("fate-exchange", ("10.65.0.0/16",))
    annotations = body["metadata"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] == "true"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    spec_ = body["spec"]
    assert spec_["type"] == "LoadBalancer" and spec_["externalTrafficPolicy"] == "Local"
    assert spec_["loadBalancerSourceRanges"] == ["10.65.0.0/16"]
    assert spec_["selector"] == dict([fate.OSX_LABEL])
    assert [p["port"] for p in spec_["ports"]] == [fate.OSX_TLS_PORT]


def by_name(cap: Capture, type_: str) -> dict[str, CapturedResource]:
    return {r.name: r for r in cap.of_type(type_)}


def region_of(cap: Capture, resource: CapturedResource) -> str:
    """The region of the AWS provider a resource was registered with ("<urn>::<id>")."""
    urn = (resource.provider or "").rsplit("::", 1)[0]
    (provider,) = [p for p in cap.of_type(PROVIDER) if p.urn == urn]
    return provider.inputs["region"]


@both_modes
def test_expert_prod_regions_have_distinct_blocks_and_one_peering_hub_to_spoke(capture, preview):
    cap = capture("expert-prod", preview)
    vpcs = {region_of(cap, v): v.inputs["cidrBlock"] for v in cap.of_type(VPC)}
    assert vpcs == {HUB: "10.64.0.0/16", SPOKE: "10.65.0.0/16"}
    (link,) = cap.of_type(LINK)
    (peering,) = cap.of_type(PEERING)
    (accepter,) = cap.of_type(ACCEPTER)
    assert peering.parent == link.urn and accepter.parent == link.urn
    assert region_of(cap, peering) == HUB and peering.inputs["peerRegion"] == SPOKE
    assert region_of(cap, accepter) == SPOKE and accepter.inputs["autoAccept"] is True


@both_modes
def test_every_private_route_table_routes_only_the_peer_block_through_the_peering(capture, preview):
    cap = capture("expert-prod", preview)
    tables = [t for t in cap.of_type(ROUTE_TABLE) if "-private-" in t.name]
    routes = cap.of_type(ROUTE)
    peering_routes = [r for r in routes if "vpcPeeringConnectionId" in r.inputs]
    assert len(peering_routes) == len(tables) == 6  # three zones in each of two regions
    for route in peering_routes:
        region = region_of(cap, route)
        expected = {HUB: "10.65.0.0/16", SPOKE: "10.64.0.0/16"}[region]
        assert route.inputs["destinationCidrBlock"] == expected
    # The NAT default routes are separate resources too, so the tables take both.
    defaults = [r for r in routes if r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]
    assert {r.name.removesuffix("-default") for r in defaults} >= {t.name for t in tables}
    assert all("routes" not in t.inputs or not t.inputs["routes"] for t in tables)


@both_modes
def test_each_member_reached_from_afar_has_its_name_in_a_zone_both_vpcs_resolve(capture, preview):
    cap = capture("expert-prod", preview)
    (zone,) = cap.of_type(ZONE)
    assert zone.inputs["name"] == fate.zone_name("expert-prod")
    assert {v["vpcRegion"] for v in zone.inputs["vpcs"]} == {HUB, SPOKE}
    records = {r.inputs["name"]: r for r in cap.of_type(RECORD)}
    services = {
        s.inputs["metadata"]["namespace"]: s
        for s in cap.of_type(SERVICE)
        if s.inputs["metadata"]["name"] == fate.REMOTE_SERVICE
    }
    assert set(services) == {fate.EXCHANGE_NAMESPACE, "fate-partner"}
    assert set(records) == {
        fate.external_host("expert-prod", "exchange"),
        fate.external_host("expert-prod", "partner"),
    }
    for record in records.values():
        assert record.inputs["type"] == "CNAME"
    exchange = services[fate.EXCHANGE_NAMESPACE].inputs["spec"]
    partner = services["fate-partner"].inputs["spec"]
    assert exchange["loadBalancerSourceRanges"] == ["10.65.0.0/16"]  # the spoke's VPC
    assert partner["loadBalancerSourceRanges"] == ["10.64.0.0/16"]  # the hub's VPC
    if not preview:  # the records point at the load balancers' names
        host = records[fate.external_host("expert-prod", "exchange")].inputs["records"][0]
        assert host.startswith("internal-") and ".elb." in host


@both_modes
def test_the_osx_route_tables_use_exactly_the_names_the_zone_holds(capture, preview):
    cap = capture("expert-prod", preview)
    names = {r.inputs["name"] for r in cap.of_type(RECORD)}
    federation = load("expert-prod").resolve().stacks.federation
    used = {e.host for e in fate.exchange_routes("expert-prod", federation).values() if e.tls} | {
        e.host
        for p in federation.parties
        for e in fate.party_routes("expert-prod", federation, p).values()
        if e.tls
    }
    assert used == names


def test_a_single_region_stack_has_no_link():
    cap = run_program("advanced-prod", load("advanced-prod").engine_values(), preview=True)
    assert not cap.of_type(LINK) and not cap.of_type(PEERING) and not cap.of_type(ZONE)
