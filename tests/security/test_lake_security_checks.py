"""S3-01..05, KMS-01, IAM-02 and IAM-03 of security-checks.md on the lake of every AWS stack,
with the program run under mocks in both preview and update mode.

Resources are linked by their captured inputs and ids (a bucket's configuration names the
bucket by its id); assertions run on the resolved captures after the run.
"""

from __future__ import annotations

import json

import pytest

from aiplat.harness import Capture, CapturedResource
from aiplat.stackfiles import stack_names_for
from tiers.model import Target

AWS_STACKS = stack_names_for(Target.AWS)
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
LAKE = "aiplat:lake:Lakehouse"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
KMS_KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)

every_aws_stack = pytest.mark.parametrize("stack", AWS_STACKS)
both_modes = pytest.mark.parametrize("preview", MODES)


def lake_children(cap: Capture, type_: str) -> list[CapturedResource]:
    (lake,) = cap.of_type(LAKE)
    return [r for r in cap.of_type(type_) if r.parent == lake.urn]


def buckets(cap: Capture) -> list[CapturedResource]:
    found = lake_children(cap, BUCKET)
    assert len(found) == 4, f"{cap.stack}: expected 4 lake buckets, got {len(found)}"
    return found


def log_bucket(cap: Capture) -> CapturedResource:
    targets = {log.inputs["targetBucket"] for log in cap.of_type(LOGGING)}
    (log,) = [b for b in buckets(cap) if b.id in targets]
    return log


def data_buckets(cap: Capture) -> list[CapturedResource]:
    log = log_bucket(cap)
    return [b for b in buckets(cap) if b.id != log.id]


def config_of(cap: Capture, type_: str, bucket: CapturedResource) -> CapturedResource:
    matches = [r for r in cap.of_type(type_) if r.inputs.get("bucket") == bucket.id]
    assert len(matches) == 1, f"{bucket.name}: {len(matches)} {type_.rsplit(':', 1)[-1]}"
    return matches[0]


def lake_roles(cap: Capture) -> list[CapturedResource]:
    roles = lake_children(cap, ROLE)
    assert len(roles) == 4, f"{cap.stack}: expected one role per lake consumer"
    return roles


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@every_aws_stack
@both_modes
def test_s3_01_data_buckets_use_sse_kms_with_the_lake_key_and_bucket_keys(capture, stack, preview):
    cap = capture(stack, preview)
    keys = {k.outputs["arn"] for k in lake_children(cap, KMS_KEY)}
    assert len(keys) == 1
    for bucket in data_buckets(cap):
        (rule,) = config_of(cap, SSE, bucket).inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default["sseAlgorithm"] == "aws:kms", bucket.name
        assert default["kmsMasterKeyId"] in keys, bucket.name
        assert rule["bucketKeyEnabled"] is True, bucket.name
    (rule,) = config_of(cap, SSE, log_bucket(cap)).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in {"AES256", "aws:kms"}


@every_aws_stack
@both_modes
def test_s3_02_every_lake_bucket_blocks_all_public_access(capture, stack, preview):
    cap = capture(stack, preview)
    for bucket in buckets(cap):
        block = config_of(cap, PUBLIC_ACCESS_BLOCK, bucket)
        assert all(block.inputs[flag] is True for flag in PUBLIC_ACCESS_FLAGS), bucket.name


@every_aws_stack
@both_modes
def test_s3_03_the_warehouse_and_every_data_bucket_are_versioned(capture, stack, preview):
    cap = capture(stack, preview)
    data = data_buckets(cap)
    assert any(b.name.endswith("-warehouse") for b in data)
    for bucket in data:
        versioning = config_of(cap, VERSIONING, bucket).inputs["versioningConfiguration"]
        assert versioning["status"] == "Enabled", bucket.name


@every_aws_stack
@both_modes
def test_s3_04_acls_are_off_and_every_bucket_denies_plain_http(capture, stack, preview):
    cap = capture(stack, preview)
    for bucket in buckets(cap):
        ownership = config_of(cap, OWNERSHIP, bucket).inputs["rule"]
        assert ownership["objectOwnership"] == "BucketOwnerEnforced", bucket.name
        policy = json.loads(config_of(cap, BUCKET_POLICY, bucket).inputs["policy"])
        denies = [
            s
            for s in policy["Statement"]
            if s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies, f"{bucket.name}: no TLS-only deny"
        arn = bucket.outputs["arn"]
        assert {arn, f"{arn}/*"} <= set(as_list(denies[0]["Resource"])), bucket.name
        assert denies[0]["Action"] in ("s3:*", ["s3:*"])


@every_aws_stack
@both_modes
def test_s3_05_data_buckets_log_access_to_the_log_bucket(capture, stack, preview):
    cap = capture(stack, preview)
    log = log_bucket(cap)
    for bucket in data_buckets(cap):
        assert config_of(cap, LOGGING, bucket).inputs["targetBucket"] == log.id
    policy = json.loads(config_of(cap, BUCKET_POLICY, log).inputs["policy"])
    (delivery,) = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and s["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    ]
    sources = set(delivery["Condition"]["ArnLike"]["aws:SourceArn"])
    assert sources == {b.outputs["arn"] for b in data_buckets(cap)}


@every_aws_stack
@both_modes
def test_kms_01_the_lake_key_rotates_and_names_no_wildcard_principal(capture, stack, preview):
    cap = capture(stack, preview)
    (key,) = lake_children(cap, KMS_KEY)
    assert key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    for statement in policy["Statement"]:
        principal = statement["Principal"]
        assert principal != "*"
        assert "*" not in as_list(principal.get("AWS", []))
    aliases = [a for a in cap.of_type("aws:kms/alias:Alias") if a.inputs["targetKeyId"] == key.id]
    assert len(aliases) == 1


@every_aws_stack
@both_modes
def test_iam_02_lake_roles_trust_one_service_account_of_the_clusters_oidc(capture, stack, preview):
    cap = capture(stack, preview)
    providers = {
        p.outputs["arn"]: p
        for p in cap.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    }
    subjects = set()
    for role in lake_roles(cap):
        (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        provider = providers[statement["Principal"]["Federated"]]
        host = provider.inputs["url"].removeprefix("https://")
        equals = statement["Condition"]["StringEquals"]
        assert equals[f"{host}:aud"] == "sts.amazonaws.com", role.name
        subject = equals[f"{host}:sub"]
        assert subject.startswith("system:serviceaccount:") and "*" not in subject, role.name
        assert len(subject.split(":")) == 4, role.name
        assert "StringLike" not in statement["Condition"], role.name
        subjects.add(subject)
    assert len(subjects) == 4, "each consumer has its own service account"


@every_aws_stack
@both_modes
def test_iam_03_lake_role_policies_have_no_wildcard_action_or_resource(capture, stack, preview):
    cap = capture(stack, preview)
    for role in lake_roles(cap):
        policies = [p for p in cap.of_type(ROLE_POLICY) if p.inputs["role"] == role.id]
        assert len(policies) == 1, role.name
        attached = [
            a
            for a in cap.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] in (role.id, role.outputs["name"])
        ]
        assert not attached, f"{role.name} has managed policies"
        for statement in json.loads(policies[0].inputs["policy"])["Statement"]:
            assert statement["Effect"] == "Allow"
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{role.name}: {action}"
            for resource in as_list(statement["Resource"]):
                assert resource != "*", f"{role.name}: Resource '*'"
