"""Lakehouse wiring that the security checks do not cover."""

from __future__ import annotations

import json

import pytest

from aiplat.cli.main import run
from aiplat.stackfiles import stack_names_for
from components import iam_documents as docs
from components.lakehouse import (
    CONSUMERS,
    NAMESPACES,
    LakehouseArgs,
    glue_database_name,
)
from tiers.model import Metastore, Target

LAKE = "aiplat:lake:Lakehouse"
GLUE_DB = "aws:glue/catalogDatabase:CatalogDatabase"
BUCKET = "aws:s3/bucket:Bucket"
KMS_KEY = "aws:kms/key:Key"


def lake_of(cap):
    (lake,) = cap.of_type(LAKE)
    return lake


def children(cap, type_):
    lake = lake_of(cap)
    return [r for r in cap.of_type(type_) if r.parent == lake.urn]


def test_the_lake_sits_under_the_platform_in_the_primary_region_only(capture):
    cap = capture("expert-prod", False)
    lake = lake_of(cap)
    regional = {r.name: r.urn for r in cap.of_type("aiplat:platform:RegionalPlatform")}
    assert set(regional) == {"aiplat-use1", "aiplat-eun1"}
    assert lake.parent == regional["aiplat-use1"]
    assert lake.name == "aiplat-use1-lake"
    regions = {r.inputs["region"] for r in cap.of_type("pulumi:providers:aws")}
    assert len(regions) > 1, "expert spans regions"


def test_poc_has_no_glue_databases_and_intermediate_has_one_per_namespace(capture):
    assert not capture("poc-dev", False).of_type(GLUE_DB)
    names = {d.inputs["name"] for d in capture("intermediate-dev", False).of_type(GLUE_DB)}
    assert names == {f"intermediate_dev_{ns}" for ns in NAMESPACES}


@pytest.mark.parametrize(
    ("stack", "namespace", "expected"),
    [
        ("intermediate-dev", "ml", "intermediate_dev_ml"),
        ("expert-prod", "features", "expert_prod_features"),
        ("Poc-Dev", "raw", "poc_dev_raw"),
    ],
)
def test_glue_database_names_are_lower_case_with_underscores(stack, namespace, expected):
    assert glue_database_name(stack, namespace) == expected


def test_poc_roles_carry_no_glue_permissions(capture):
    cap = capture("poc-dev", False)
    for policy in children(cap, "aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            assert not any(a.startswith("glue:") for a in statement["Action"] if a)


@pytest.mark.parametrize("stack", ["poc-prod", "intermediate-prod", "expert-prod"])
def test_prod_buckets_and_the_lake_key_are_protected_and_retained(capture, stack):
    cap = capture(stack, False)
    stateful = children(cap, BUCKET) + children(cap, KMS_KEY)
    assert len(stateful) == 5
    assert all(r.protect for r in stateful)


@pytest.mark.parametrize("stack", ["poc-dev", "intermediate-dev", "advanced-staging"])
def test_dev_and_staging_lakes_are_not_protected(capture, stack):
    cap = capture(stack, False)
    assert not any(r.protect for r in children(cap, BUCKET) + children(cap, KMS_KEY))


def _lake_arns(cap) -> set[str]:
    return {b.outputs["arn"] for b in children(cap, BUCKET)}


@pytest.mark.parametrize("stack", stack_names_for(Target.AWS))
def test_consumer_policies_name_only_the_lakes_buckets_key_and_databases(capture, stack):
    cap = capture(stack, False)
    buckets = _lake_arns(cap)
    (key,) = children(cap, KMS_KEY)
    databases = {d.inputs["name"] for d in cap.of_type(GLUE_DB)}
    policies = children(cap, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == len(CONSUMERS)
    for policy in policies:
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            for resource in docs_list(statement["Resource"]):
                if resource.startswith("arn:aws:glue:"):
                    tail = resource.split(":", 5)[5]
                    assert tail == "catalog" or tail.split("/")[1] in databases, resource
                elif resource.startswith("arn:aws:kms:"):
                    assert resource == key.outputs["arn"]
                else:
                    assert (
                        resource in buckets
                        or resource.rsplit("/", 1)[0] in buckets
                        or any(resource.startswith(f"{b}/") for b in buckets)
                    ), resource


def test_the_serving_log_writer_can_only_write_its_log_prefixes(capture):
    cap = capture("intermediate-dev", False)
    (policy,) = [
        p
        for p in children(cap, "aws:iam/rolePolicy:RolePolicy")
        if p.name.endswith("-serving-log-writer")
    ]
    (warehouse,) = [b for b in children(cap, BUCKET) if b.name.endswith("-warehouse")]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    actions = {a for s in statements for a in docs_list(s["Action"])}
    assert "s3:GetObject" not in actions and "s3:ListBucket" not in actions
    (write,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    arn = warehouse.outputs["arn"]
    assert set(write["Resource"]) == {
        f"{arn}/ml/prediction_log/*",
        f"{arn}/ml/feature_log/*",
        f"{arn}/ml/feedback/*",
    }


def test_landing_objects_move_to_infrequent_access_then_glacier(capture):
    cap = capture("intermediate-dev", False)
    (landing,) = [b for b in children(cap, BUCKET) if b.name.endswith("-landing")]
    (lifecycle,) = [
        r
        for r in cap.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        if r.inputs["bucket"] == landing.id
    ]
    (rule,) = lifecycle.inputs["rules"]
    assert [(t["days"], t["storageClass"]) for t in rule["transitions"]] == [
        (30, "STANDARD_IA"),
        (90, "GLACIER_IR"),
    ]
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 90


def test_lake_policies_list_only_under_granted_prefixes():
    doc = docs.lake_access_policy(
        grants=[("arn:b", "features/", "readwrite")],
        key_arn="arn:k",
        glue_resources=[],
        glue_write=False,
    )
    (listing,) = [s for s in doc["Statement"] if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["features/*"]}}


def test_lakehouse_args_reject_a_stack_that_cannot_name_a_glue_database():
    with pytest.raises(ValueError, match="Glue"):
        LakehouseArgs(
            stack="x" * 300,
            region="us-east-1",
            metastore=Metastore.GLUE,
            oidc_provider_arn="arn",
            oidc_issuer="https://issuer",
            access_log_retention_days=14,
            protect=False,
        )


def test_the_preview_tree_shows_the_lake_under_the_platform(capsys):
    with pytest.raises(SystemExit) as exited:
        run(["preview", "--stack", "intermediate-dev", "--format", "md"])
    out = capsys.readouterr().out
    assert (exited.value.code or 0) == 0
    # a child of the primary region's RegionalPlatform, itself a child of AiPlatform
    assert "\n    - **aiplat-use1-lake** `aiplat:lake:Lakehouse`" in out


def docs_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _policy_statements(cap, consumer: str) -> list[dict]:
    (policy,) = [
        p for p in children(cap, "aws:iam/rolePolicy:RolePolicy") if p.name.endswith(f"-{consumer}")
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def test_the_model_servers_can_only_read_the_published_models(capture):
    cap = capture("intermediate-dev", False)
    (artifacts,) = [b for b in children(cap, BUCKET) if b.name.endswith("-artifacts")]
    arn = artifacts.outputs["arn"]
    statements = _policy_statements(cap, "model-server")
    actions = {a for s in statements for a in docs_list(s["Action"])}
    assert "s3:PutObject" not in actions and "s3:DeleteObject" not in actions
    (read,) = [s for s in statements if "s3:GetObject" in s["Action"]]
    assert read["Resource"] == [f"{arn}/models/*"]
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Resource"] == arn
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["models/*"]}}


def test_the_pipeline_runner_publishes_models_beside_its_artifacts(capture):
    cap = capture("intermediate-dev", False)
    (artifacts,) = [b for b in children(cap, BUCKET) if b.name.endswith("-artifacts")]
    arn = artifacts.outputs["arn"]
    statements = _policy_statements(cap, "pipelines")
    (write,) = [s for s in statements if "s3:PutObject" in s["Action"]]
    assert set(write["Resource"]) == {f"{arn}/pipelines/*", f"{arn}/models/*"}
