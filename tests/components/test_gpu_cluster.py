"""GpuCluster wiring that the security checks do not cover."""

from __future__ import annotations

import json


def test_the_device_plugin_waits_for_the_system_pool_and_the_admin_access_entry(capture):
    cap = capture("intermediate-dev", False)
    (release,) = [
        r
        for r in cap.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "nvidia-device-plugin"
    ]
    by_urn = cap.by_urn()
    waited_for = {(by_urn[u].type, by_urn[u].name) for u in release.dependencies}
    assert ("aws:eks/nodeGroup:NodeGroup", "aiplat-use1-system") in waited_for
    assert (
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aiplat-use1-admin",
    ) in waited_for


def test_the_device_plugin_schedules_only_on_labelled_gpu_nodes_and_tolerates_their_taint(capture):
    cap = capture("poc-prod", False)
    (release,) = [
        r
        for r in cap.of_type("kubernetes:helm.sh/v3:Release")
        if r.inputs["chart"] == "nvidia-device-plugin"
    ]
    values = release.inputs["values"]
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["key"] == "nvidia.com/gpu.present"
    assert {
        "key": "nvidia.com/gpu",
        "operator": "Equal",
        "value": "true",
        "effect": "NoSchedule",
    } in values["tolerations"]
    gpu_groups = [g for g in cap.of_type("aws:eks/nodeGroup:NodeGroup") if g.inputs.get("taints")]
    assert all(g.inputs["labels"]["nvidia.com/gpu.present"] == "true" for g in gpu_groups)


def test_the_kubeconfig_assumes_the_stack_admin_role_through_aws_eks_get_token(capture):
    cap = capture("advanced-prod", False)
    kubeconfig = json.loads(cap.exports["kubeconfig"])
    (admin,) = [r for r in cap.of_type("aws:iam/role:Role") if r.name == "aiplat-use1-admin"]
    args = kubeconfig["users"][0]["user"]["exec"]["args"]
    assert args[:2] == ["eks", "get-token"]
    assert args[args.index("--role-arn") + 1] == admin.outputs["arn"]


def test_extra_admin_roles_get_access_entries_named_after_the_role(capture):
    from aiplat.harness import run_program
    from aiplat.stackfiles import load

    values = dict(
        load("poc-dev").engine_values(),
        adminRoleArns=["arn:aws:iam::111122223333:role/Platform-Admins"],
    )
    cap = run_program("poc-dev", values, preview=False)
    names = {e.name for e in cap.of_type("aws:eks/accessEntry:AccessEntry")}
    assert names == {"aiplat-use1-admin", "aiplat-use1-admin-platform-admins"}


def test_kms_key_policies_never_grant_to_everyone(capture):
    for key in capture("expert-prod", False).of_type("aws:kms/key:Key"):
        assert key.inputs["enableKeyRotation"] is True
        for statement in json.loads(key.inputs["policy"])["Statement"]:
            assert statement["Principal"] != "*"
            assert "*" not in json.dumps(statement["Principal"])
