"""The offline harness runs the real program and captures what the engine would see."""

from __future__ import annotations

import pytest

from aiplat.harness import ProgramError, run_program
from aiplat.stackfiles import load


def test_every_aws_resource_gets_an_id_an_arn_and_a_name_from_the_mocks(capture):
    for resource in capture("advanced-staging", False).resources:
        if resource.custom and resource.type.startswith("aws:"):
            assert resource.id, resource.urn
            assert resource.outputs["arn"].startswith("arn:aws:"), resource.urn
            assert resource.outputs["name"], resource.urn


def test_preview_and_update_register_the_same_resources(capture):
    preview = {r.urn for r in capture("intermediate-staging", True).resources}
    update = {r.urn for r in capture("intermediate-staging", False).resources}
    assert preview == update


def test_dependent_inputs_resolve_to_the_values_the_mocks_returned(capture):
    cap = capture("poc-dev", False)
    (vpc,) = cap.of_type("aws:ec2/vpc:Vpc")
    subnets = cap.of_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["vpcId"] for s in subnets} == {vpc.id}


def test_each_region_gets_its_own_aws_provider_and_zones(capture):
    cap = capture("expert-dev", False)
    regions = {p.inputs["region"] for p in cap.of_type("pulumi:providers:aws")}
    assert regions == {"us-east-1", "eu-north-1"}
    zones = {s.inputs["availabilityZone"][:-1] for s in cap.of_type("aws:ec2/subnet:Subnet")}
    assert zones == regions


def test_a_program_stopped_by_bad_config_raises_one_clean_error():
    values = dict(load("poc-dev").engine_values(), gpuPools={"training": {"minNodes": 9}})
    with pytest.raises(ProgramError, match=r"^aiplat:gpuPools.training: needs minNodes"):
        run_program("poc-dev", values, preview=True)


def test_runs_do_not_leak_into_each_other():
    first = run_program("poc-local", load("poc-local").engine_values(), preview=True)
    second = run_program("poc-local", load("poc-local").engine_values(), preview=True)
    assert [r.urn for r in first.resources] == [r.urn for r in second.resources]
    assert first.exports == second.exports


def test_under_finds_every_descendant_of_a_component_type_and_nothing_else(capture):
    cap = capture("poc-dev", True)
    by_urn = cap.by_urn()
    (network,) = [r for r in cap.resources if r.type == "aiplat:network:Network"]
    below = cap.under(network.type)
    assert below and network not in below
    for resource in cap.resources:
        chain, parent = [], resource.parent
        while parent in by_urn:
            chain.append(parent)
            parent = by_urn[parent].parent
        assert (network.urn in chain) is (resource in below), resource.urn
