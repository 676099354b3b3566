"""The 14 stacks: every one previews offline, sizes grow dev < staging < prod, prod GPU
server counts sit in the design's ranges, and the on-prem stacks create no AWS resources."""

from __future__ import annotations

import re

import pytest

from aiplat.stackfiles import load, stack_names, stack_names_for
from tiers import TIERS
from tiers.model import Environment, Target, Tier

ALL_STACKS = stack_names()
AWS_STACKS = stack_names_for(Target.AWS)


def test_there_is_one_stack_file_per_tier_and_environment_plus_two_on_prem():
    expected = {f"{t.value}-{e.value}" for t in Tier for e in Environment}
    assert set(AWS_STACKS) == expected
    assert set(ALL_STACKS) - expected == {"poc-local", "intermediate-onprem"}


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_each_aws_stack_file_name_matches_its_tier_and_environment(stack):
    config = load(stack).config
    assert stack == f"{config.tier.value}-{config.environment.value}"


@pytest.mark.parametrize("stack", ALL_STACKS)
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
def test_every_resource_but_the_root_component_has_a_captured_parent(capture, stack, preview):
    cap = capture(stack, preview)
    urns = {r.urn for r in cap.resources}
    roots = [r for r in cap.resources if r.parent not in urns]
    assert [r.type for r in roots] == ["aiplat:platform:AiPlatform"]
    assert re.fullmatch(r"urn:pulumi:.*::aiplat::pulumi:pulumi:Stack::aiplat-.*", roots[0].parent)


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_every_stack_exports_its_tier_environment_and_a_secret_kubeconfig(capture, stack):
    exports = capture(stack, False).exports
    config = load(stack).config
    assert exports["tier"] == config.tier.value
    assert exports["environment"] == config.environment.value
    assert exports["gpuPools"], "GPU pool summary is empty"
    if config.target is Target.AWS:
        assert exports["clusterName"].startswith(f"aiplat-{stack}-")
        assert '"exec"' in exports["kubeconfig"]


def gpu_nodes(cap) -> int:
    total = 0
    for group in cap.of_type("aws:eks/nodeGroup:NodeGroup"):
        if group.inputs.get("taints"):
            total += group.inputs["scalingConfig"]["desiredSize"]
    return total


def peak_gpus(cap) -> int:
    """GPUs at maximum size: managed GPU node groups' max nodes, plus Karpenter NodePools'
    GPU limits (dev and staging pools have no fixed size; they scale to zero)."""
    from tiers.instances import lookup

    total = 0
    for group in cap.of_type("aws:eks/nodeGroup:NodeGroup"):
        if group.inputs.get("taints"):
            instance = lookup(group.inputs["instanceTypes"][0])
            total += group.inputs["scalingConfig"]["maxSize"] * instance.accelerators
    for pool in cap.of_type("kubernetes:karpenter.sh/v1:NodePool"):
        total += int(pool.inputs["spec"]["limits"]["nvidia.com/gpu"])
    return total


@pytest.mark.parametrize("tier", [t.value for t in Tier])
def test_prod_has_more_gpus_at_peak_than_staging_and_staging_than_dev(capture, tier):
    dev, staging, prod = (
        peak_gpus(capture(f"{tier}-{env}", False)) for env in ("dev", "staging", "prod")
    )
    assert prod > staging > dev


@pytest.mark.parametrize("tier", list(Tier))
def test_prod_gpu_servers_lie_in_the_design_range(capture, tier):
    low, high = TIERS[tier].gpu_server_range  # seed-design.md, "Maturity tiers" table
    servers = gpu_nodes(capture(f"{tier.value}-prod", False))
    assert servers >= low
    if high is not None:
        assert servers <= high
        maxima = sum(
            g.inputs["scalingConfig"]["maxSize"]
            for g in capture(f"{tier.value}-prod", False).of_type("aws:eks/nodeGroup:NodeGroup")
            if g.inputs.get("taints")
        )
        assert maxima <= high, "pools may not scale past the tier's range"


def test_prod_stacks_spread_over_three_zones_and_dev_over_two(capture):
    for env, zones in (("dev", 2), ("staging", 2), ("prod", 3)):
        subnets = capture(f"intermediate-{env}", False).of_type("aws:ec2/subnet:Subnet")
        assert len({s.inputs["availabilityZone"] for s in subnets}) == zones


def test_dev_has_one_nat_gateway_and_prod_one_per_zone(capture):
    assert len(capture("poc-dev", False).of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(capture("poc-prod", False).of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_dev_gpu_pools_scale_to_zero_and_run_on_spot(capture):
    for group in capture("advanced-dev", False).of_type("aws:eks/nodeGroup:NodeGroup"):
        if group.inputs.get("taints"):
            assert group.inputs["scalingConfig"]["minSize"] == 0
            assert group.inputs["capacityType"] == "SPOT"


def test_prod_protects_stateful_resources_and_dev_does_not(capture):
    prod = {r.type for r in capture("intermediate-prod", False).resources if r.protect}
    assert {"aws:eks/cluster:Cluster", "aws:kms/key:Key"} <= prod
    assert not [r for r in capture("intermediate-dev", False).resources if r.protect]
    (cluster,) = capture("intermediate-prod", False).of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is True


def test_expert_builds_one_cluster_per_region_named_by_region(capture):
    clusters = capture("expert-prod", False).of_type("aws:eks/cluster:Cluster")
    assert sorted(c.inputs["name"] for c in clusters) == [
        "aiplat-expert-prod-eun1",
        "aiplat-expert-prod-use1",
    ]


@pytest.mark.parametrize("stack", stack_names_for(Target.KUBERNETES))
def test_on_prem_stacks_create_no_aws_resources(capture, stack):
    types = {r.type for r in capture(stack, False).resources}
    assert not [t for t in types if t.startswith("aws:") or t == "pulumi:providers:aws"]
    assert "pulumi:providers:kubernetes" in types


def test_efa_pools_get_a_placement_group_and_one_efa_interface_per_network_card(capture):
    cap = capture("advanced-prod", False)
    (training,) = [
        t
        for t in cap.of_type("aws:ec2/launchTemplate:LaunchTemplate")
        if t.name.endswith("-training")
    ]
    interfaces = training.inputs["networkInterfaces"]
    assert [n["networkCardIndex"] for n in interfaces] == list(
        range(32)
    )  # p5.48xlarge: 32 cards (AWS)
    assert {n["interfaceType"] for n in interfaces} == {"efa"}
    assert training.inputs["placement"]["groupName"]
    (group,) = cap.of_type("aws:ec2/placementGroup:PlacementGroup")
    assert group.inputs["strategy"] == "cluster"
