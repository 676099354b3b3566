"""EKS-01..05, NODE-01..04 and IAM-01 of security-checks.md, on every AWS stack, with the
program run under mocks in both preview and update mode.

The checks themselves live once, in the policy pack (``policies/aws.py``); these tests run
those validate functions on the captured, fully resolved inputs after the run (never inside
an ``apply``), and first make sure there is something to check.
"""

from __future__ import annotations

import pytest

from aiplat.stackfiles import stack_names_for
from policies import POLICIES
from policies.offline import evaluate
from tiers.model import Target

AWS_STACKS = stack_names_for(Target.AWS)
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
BY_NAME = {p.name: p for p in POLICIES}
# Each check, with the resource types it needs to find (so it cannot pass for nothing).
CHECKS = {
    "eks-01": ("aws:eks/cluster:Cluster",),
    "eks-02": ("aws:eks/cluster:Cluster", "aws:kms/key:Key"),
    "eks-03": ("aws:eks/cluster:Cluster",),
    "eks-04": ("aws:eks/cluster:Cluster", "aws:eks/accessEntry:AccessEntry"),
    "eks-05": ("aws:eks/cluster:Cluster",),
    "node-01": ("aws:ec2/launchTemplate:LaunchTemplate",),
    "node-02": ("aws:eks/nodeGroup:NodeGroup", "aws:ec2/subnet:Subnet"),
    "node-03": ("aws:eks/nodeGroup:NodeGroup", "aws:ec2/launchTemplate:LaunchTemplate"),
    "node-04": ("aws:eks/nodeGroup:NodeGroup",),
    "iam-01": ("aws:eks/nodeGroup:NodeGroup", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
}


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_cluster_and_node_checks_pass_on_every_aws_stack(capture, stack, preview, check):
    cap = capture(stack, preview)
    for type_ in CHECKS[check]:
        assert cap.of_type(type_), f"{stack}: nothing of {type_} to check"
    findings = evaluate(cap.resources, [BY_NAME[check]])
    assert findings == [], "\n".join(f"{f.resource}: {f.message}" for f in findings)


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_node_group_has_its_own_launch_template(capture, stack, preview):
    cap = capture(stack, preview)
    templates = {t.id for t in cap.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    for group in cap.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert group.inputs["launchTemplate"]["id"] in templates, group.name
