"""S3-01..05, KMS-01, IAM-02 and IAM-03 of security-checks.md on every AWS stack, with the
program run under mocks in both preview and update mode.

The checks live once, in the policy pack (``policies/data.py``, ``policies/aws.py``); these
tests run them on the captures, after making sure the lake is there to check (four buckets,
one key, one role per consumer), plus the lake's own wiring (where access logs go).
"""

from __future__ import annotations

import json

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.stackfiles import stack_names_for
from components.lakehouse import CONSUMERS
from policies import POLICIES
from policies.offline import evaluate
from tiers.model import Target

AWS_STACKS = stack_names_for(Target.AWS)
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
BY_NAME = {p.name: p for p in POLICIES}
LAKE = "aiplat:lake:Lakehouse"
BUCKET = "aws:s3/bucket:Bucket"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
CHECKS = ("s3-01", "s3-02", "s3-03", "s3-04", "s3-05", "kms-01", "iam-02", "iam-03")


def lake_children(cap: Capture, type_: str) -> list[CapturedResource]:
    (lake,) = cap.of_type(LAKE)
    return [r for r in cap.of_type(type_) if r.parent == lake.urn]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_the_lake_checks_pass_on_every_aws_stack(capture, stack, preview, check):
    cap = capture(stack, preview)
    assert len(lake_children(cap, BUCKET)) == 4
    assert len(lake_children(cap, "aws:kms/key:Key")) == 1
    assert len(lake_children(cap, "aws:iam/role:Role")) == len(CONSUMERS), "one per consumer"
    findings = evaluate(cap.resources, [BY_NAME[check]])
    assert findings == [], "\n".join(f"{f.resource}: {f.message}" for f in findings)


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_data_buckets_log_to_the_log_bucket_which_accepts_only_their_logs(capture, stack, preview):
    cap = capture(stack, preview)
    buckets = lake_children(cap, BUCKET)
    loggings = lake_children(cap, LOGGING)  # a replica region logs to its own bucket
    (target,) = {log.inputs["targetBucket"] for log in loggings}
    (log,) = [b for b in buckets if b.id == target]
    data = [b for b in buckets if b.id != log.id]
    assert any(b.name.endswith("-warehouse") for b in data)
    assert {g.inputs["bucket"] for g in loggings} == {b.id for b in data}
    (policy,) = [p for p in cap.of_type(BUCKET_POLICY) if p.inputs["bucket"] == log.id]
    (delivery,) = [
        s
        for s in json.loads(policy.inputs["policy"])["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert set(delivery["Condition"]["ArnLike"]["aws:SourceArn"]) == {
        b.outputs["arn"] for b in data
    }


@pytest.mark.parametrize("preview", MODES)
@pytest.mark.parametrize("stack", AWS_STACKS)
def test_each_lake_consumer_has_its_own_service_account_and_inline_policy(capture, stack, preview):
    cap = capture(stack, preview)
    subjects = set()
    for role in lake_children(cap, "aws:iam/role:Role"):
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        (subject,) = [
            v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
        ]
        subjects.add(subject)
        inline = [
            p for p in cap.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id
        ]
        assert len(inline) == 1, role.name
        attached = [
            a
            for a in cap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] in (role.id, role.outputs["name"])
        ]
        assert not attached, f"{role.name} has managed policies"
    assert len(subjects) == len(CONSUMERS)
