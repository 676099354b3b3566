"""EKS-01..05, NODE-01..04 and IAM-01 of security-checks.md, on every AWS stack, with the
program run under mocks in both preview and update mode.

Assertions run on the captured, fully resolved inputs after the run (never inside an
``apply``), so a failing check fails the test.
"""

from __future__ import annotations

import json

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.stackfiles import stack_names_for
from tiers import pins
from tiers.instances import CATALOG
from tiers.model import Target

AWS_STACKS = stack_names_for(Target.AWS)
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
KMS_KEY = "aws:kms/key:Key"
FIVE_LOG_TYPES = {"api", "audit", "authenticator", "controllerManager", "scheduler"}
EKS_OPTIMIZED_AMI_TYPES = {
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
}
NODE_POLICIES = {
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
}

every_aws_stack = pytest.mark.parametrize("stack", AWS_STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)


def clusters(cap: Capture) -> list[CapturedResource]:
    found = cap.of_type(CLUSTER)
    assert found, f"{cap.stack}: no EKS cluster captured"
    return found


def customer_key_arns(cap: Capture) -> set[str]:
    return {k.outputs["arn"] for k in cap.of_type(KMS_KEY)}


def launch_template_of(cap: Capture, group: CapturedResource) -> CapturedResource:
    wanted = group.inputs["launchTemplate"]["id"]
    matches = [t for t in cap.of_type(LAUNCH_TEMPLATE) if t.id == wanted]
    assert len(matches) == 1, f"{group.name}: launch template {wanted} not found"
    return matches[0]


@every_aws_stack
@both_modes
def test_eks_01_the_api_server_is_private(capture, stack, preview):
    for cluster in clusters(capture(stack, preview)):
        vpc = cluster.inputs["vpcConfig"]
        assert vpc["endpointPrivateAccess"] is True
        if vpc["endpointPublicAccess"]:
            assert "0.0.0.0/0" not in vpc.get("publicAccessCidrs", ["0.0.0.0/0"])
        else:
            assert vpc["endpointPublicAccess"] is False


@every_aws_stack
@both_modes
def test_eks_02_secrets_are_envelope_encrypted_with_a_customer_key(capture, stack, preview):
    cap = capture(stack, preview)
    for cluster in clusters(cap):
        encryption = cluster.inputs["encryptionConfig"]
        assert "secrets" in encryption["resources"]
        assert encryption["provider"]["keyArn"] in customer_key_arns(cap)


@every_aws_stack
@both_modes
def test_eks_03_all_five_control_plane_log_types_are_enabled(capture, stack, preview):
    for cluster in clusters(capture(stack, preview)):
        assert set(cluster.inputs["enabledClusterLogTypes"]) >= FIVE_LOG_TYPES


@every_aws_stack
@both_modes
def test_eks_04_access_is_api_mode_with_explicit_admin_entries(capture, stack, preview):
    cap = capture(stack, preview)
    for cluster in clusters(cap):
        access = cluster.inputs["accessConfig"]
        assert access["authenticationMode"] == "API"
        assert access["bootstrapClusterCreatorAdminPermissions"] is False
        name = cluster.inputs["name"]
        entries = [
            e
            for e in cap.of_type("aws:eks/accessEntry:AccessEntry")
            if e.inputs["clusterName"] == name and e.inputs.get("type", "STANDARD") == "STANDARD"
        ]
        policies = [
            p
            for p in cap.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
            if p.inputs["clusterName"] == name
        ]
        assert entries, f"{name}: no explicit access entry"
        assert {e.inputs["principalArn"] for e in entries} == {
            p.inputs["principalArn"] for p in policies
        }


@every_aws_stack
@both_modes
def test_eks_05_the_kubernetes_version_is_pinned_to_a_supported_one(capture, stack, preview):
    for cluster in clusters(capture(stack, preview)):
        assert cluster.inputs.get("version") in pins.EKS_NODE_RELEASE_VERSIONS


@every_aws_stack
@both_modes
def test_node_01_instance_metadata_requires_tokens_and_one_hop(capture, stack, preview):
    cap = capture(stack, preview)
    for group in cap.of_type(NODE_GROUP):
        metadata = launch_template_of(cap, group).inputs["metadataOptions"]
        assert metadata["httpTokens"] == "required"
        assert metadata["httpPutResponseHopLimit"] == 1


@every_aws_stack
@both_modes
def test_node_02_nodes_live_in_private_subnets_without_ssh_or_public_ips(capture, stack, preview):
    cap = capture(stack, preview)
    subnets = cap.of_type("aws:ec2/subnet:Subnet")
    private = {
        s.id for s in subnets if s.inputs["tags"].get("kubernetes.io/role/internal-elb") == "1"
    }
    assert private and all(not s.inputs["mapPublicIpOnLaunch"] for s in subnets)
    for group in cap.of_type(NODE_GROUP):
        assert set(group.inputs["subnetIds"]) <= private, group.name
        assert "remoteAccess" not in group.inputs
        for nic in launch_template_of(cap, group).inputs.get("networkInterfaces", []):
            assert nic.get("associatePublicIpAddress") in (None, "false")


@every_aws_stack
@both_modes
def test_node_03_node_volumes_are_encrypted_with_a_customer_key(capture, stack, preview):
    cap = capture(stack, preview)
    for group in cap.of_type(NODE_GROUP):
        mappings = launch_template_of(cap, group).inputs["blockDeviceMappings"]
        assert mappings
        for mapping in mappings:
            assert mapping["ebs"]["encrypted"] == "true"
            assert mapping["ebs"]["kmsKeyId"] in customer_key_arns(cap)


@every_aws_stack
@both_modes
def test_node_04_amis_are_eks_optimized_pinned_and_gpu_groups_are_tainted(capture, stack, preview):
    cap = capture(stack, preview)
    versions = {c.inputs["name"]: c.inputs["version"] for c in clusters(cap)}
    for group in cap.of_type(NODE_GROUP):
        assert group.inputs["amiType"] in EKS_OPTIMIZED_AMI_TYPES
        release = group.inputs["releaseVersion"]
        assert release == pins.EKS_NODE_RELEASE_VERSIONS[versions[group.inputs["clusterName"]]]
        (instance_type,) = group.inputs["instanceTypes"]
        if CATALOG[instance_type].is_accelerated:
            assert any(t["effect"] == "NO_SCHEDULE" for t in group.inputs["taints"]), group.name


@every_aws_stack
@both_modes
def test_iam_01_node_roles_carry_only_the_three_node_policies(capture, stack, preview):
    cap = capture(stack, preview)
    roles = cap.of_type("aws:iam/role:Role")
    node_roles = [
        r
        for r in roles
        if json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]["Principal"].get("Service")
        == "ec2.amazonaws.com"
    ]
    used = {g.inputs["nodeRoleArn"] for g in cap.of_type(NODE_GROUP)}
    assert used <= {r.outputs["arn"] for r in node_roles}
    for role in node_roles:
        attached = {
            a.inputs["policyArn"]
            for a in cap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] == role.outputs["name"]
        }
        assert attached == NODE_POLICIES, role.name
        inline = [
            p for p in cap.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id
        ]
        assert not inline, f"{role.name} has inline policies"
