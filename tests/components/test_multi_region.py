"""Multi-region: the expert warehouse replicates to a hardened replica in every secondary
region (S3-01..05, KMS-01, a replication role scoped to its buckets and keys); a third
region adds resources and changes no existing one but the replication rule set; a region
the TCO price catalog lacks is one clear error; the TCO counts every region."""

from __future__ import annotations

import json

import pytest
import yaml

from aiplat.harness import Capture, CapturedResource, run_program
from aiplat.stackfiles import load
from components.lake_replication import Destination, replication_policy
from tco.catalog import PRICES_DIR
from tco.inventory import items_from_platform, items_from_resources
from tco.model import ItemKind

MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
both_modes = pytest.mark.parametrize("preview", MODES)
REPLICA = "aiplat:lake:LakeReplica"
REPLICATION = "aiplat:lake:LakeReplication"
LAKE = "aiplat:lake:Lakehouse"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
REPLICATION_CONFIG = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KMS_KEY = "aws:kms/key:Key"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
AWS_PROVIDER = "pulumi:providers:aws"


def children(cap: Capture, parent: CapturedResource, type_: str) -> list[CapturedResource]:
    return [r for r in cap.of_type(type_) if r.parent == parent.urn]


def config_of(cap: Capture, type_: str, bucket: CapturedResource) -> CapturedResource:
    (match,) = [r for r in cap.of_type(type_) if r.inputs.get("bucket") == bucket.id]
    return match


def provider_region(cap: Capture, resource: CapturedResource) -> str:
    urn = (resource.provider or "").rsplit("::", 1)[0]
    (provider,) = [p for p in cap.of_type(AWS_PROVIDER) if p.urn == urn]
    return provider.inputs["region"]


def write_stack(tmp_path, name: str, **config) -> str:
    values = {**load("expert-prod").values, **config}
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in values.items()}}))
    return str(path)


def price_file(tmp_path, region: str) -> str:
    document = yaml.safe_load((PRICES_DIR / "aws-us-east-1.yaml").read_text())
    document["region"] = region
    path = tmp_path / f"prices-{region}.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


# --- the replica --------------------------------------------------------------------------


@both_modes
def test_every_secondary_region_gets_one_replica_in_that_region(capture, preview):
    cap = capture("expert-prod", preview)
    (replica,) = cap.of_type(REPLICA)
    buckets = children(cap, replica, BUCKET)
    assert len(buckets) == 2
    assert {provider_region(cap, b) for b in buckets} == {"eu-north-1"}
    assert capture("intermediate-prod", preview).of_type(REPLICA) == []


@both_modes
def test_the_replica_is_hardened_like_the_lake(capture, preview):
    cap = capture("expert-prod", preview)
    (replica,) = cap.of_type(REPLICA)
    (key,) = children(cap, replica, KMS_KEY)
    assert key.inputs["enableKeyRotation"] is True
    for statement in json.loads(key.inputs["policy"])["Statement"]:
        assert statement["Principal"] != "*" and "*" not in str(statement["Principal"])
    logs = {log.inputs["targetBucket"] for log in cap.of_type(LOGGING)}
    (data,) = [b for b in children(cap, replica, BUCKET) if b.id not in logs]
    (log,) = [b for b in children(cap, replica, BUCKET) if b.id in logs]
    (rule,) = config_of(cap, SSE, data).inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    assert rule["bucketKeyEnabled"] is True
    assert config_of(cap, VERSIONING, data).inputs["versioningConfiguration"]["status"] == "Enabled"
    assert config_of(cap, LOGGING, data).inputs["targetBucket"] == log.id
    for bucket in (data, log):
        block = config_of(cap, PUBLIC_ACCESS_BLOCK, bucket).inputs
        assert all(
            block[f]
            for f in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
        assert config_of(cap, OWNERSHIP, bucket).inputs["rule"] == {
            "objectOwnership": "BucketOwnerEnforced"
        }
        policy = json.loads(config_of(cap, BUCKET_POLICY, bucket).inputs["policy"])
        deny = policy["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        arn = bucket.outputs["arn"]
        assert set(deny["Resource"]) == {arn, f"{arn}/*"}


# --- replication on the primary side -------------------------------------------------------


@both_modes
def test_the_primary_warehouse_replicates_to_the_replica_with_its_key(capture, preview):
    cap = capture("expert-prod", preview)
    (lake,) = cap.of_type(LAKE)
    (warehouse,) = [b for b in children(cap, lake, BUCKET) if b.name.endswith("-warehouse")]
    (replica,) = cap.of_type(REPLICA)
    logs = {log.inputs["targetBucket"] for log in cap.of_type(LOGGING)}
    (target,) = [b for b in children(cap, replica, BUCKET) if b.id not in logs]
    (replica_key,) = children(cap, replica, KMS_KEY)
    (config,) = cap.of_type(REPLICATION_CONFIG)
    assert config.inputs["bucket"] == warehouse.id
    assert provider_region(cap, config) == "us-east-1"
    (rule,) = config.inputs["rules"]
    assert rule["id"] == "warehouse-to-eun1" and rule["status"] == "Enabled"
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert rule["destination"]["bucket"] == target.outputs["arn"]
    assert rule["destination"]["encryptionConfiguration"] == {
        "replicaKmsKeyId": replica_key.outputs["arn"]
    }
    versionings = {v.urn for v in cap.of_type(VERSIONING)}
    assert len(set(config.dependencies) & versionings) == 2, "source and replica versioning"


@both_modes
def test_the_replication_role_is_trusted_by_s3_and_scoped_to_the_two_buckets(capture, preview):
    cap = capture("expert-prod", preview)
    (replication,) = cap.of_type(REPLICATION)
    (role,) = children(cap, replication, ROLE)
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    (policy,) = children(cap, replication, ROLE_POLICY)
    (lake,) = cap.of_type(LAKE)
    (replica,) = cap.of_type(REPLICA)
    buckets = {
        b.outputs["arn"] for b in children(cap, lake, BUCKET) if b.name.endswith("-warehouse")
    }
    buckets |= {
        b.outputs["arn"]
        for b in children(cap, replica, BUCKET)
        if b.name.endswith("-warehouse-replica")
    }
    keys = {
        k.outputs["arn"] for k in children(cap, lake, KMS_KEY) + children(cap, replica, KMS_KEY)
    }
    resources = set()
    for statement in json.loads(policy.inputs["policy"])["Statement"]:
        assert statement["Effect"] == "Allow" and "*" not in statement["Action"]
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        ):
            resources.add(resource.removesuffix("/*"))
    assert resources == buckets | keys


def test_the_replication_policy_reads_the_source_and_writes_only_the_replicas():
    policy = replication_policy(
        source_region="us-east-1",
        source_arn="arn:aws:s3:::src",
        source_key_arn="arn:aws:kms:us-east-1:1:key/a",
        destinations=[Destination(region="eu-north-1", bucket_arn="arn:aws:s3:::dst", key_arn="k")],
    )
    writes = [s for s in policy["Statement"] if "s3:ReplicateObject" in s["Action"]]
    assert writes[0]["Resource"] == ["arn:aws:s3:::dst/*"]
    decrypt = next(s for s in policy["Statement"] if s["Action"] == ["kms:Decrypt"])
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"}


# --- a third region -------------------------------------------------------------------------


def test_a_third_region_adds_resources_and_keeps_every_existing_urn_and_input(tmp_path):
    two = run_program("expert-prod", load("expert-prod").engine_values(), preview=True)
    path = write_stack(
        tmp_path,
        "expert-prod",
        regions=["us-east-1", "eu-north-1", "us-west-2"],
        tcoPrices=price_file(tmp_path, "us-west-2"),
    )
    three = run_program("expert-prod", load(path).engine_values(), preview=True)
    before = {r.urn: r for r in two.resources}
    after = {r.urn: r for r in three.resources}
    assert set(before) <= set(after)
    changed = {urn for urn, r in before.items() if after[urn].inputs != r.inputs}
    # S3 holds one replication configuration per bucket: the new replica adds a rule to it
    # and its bucket and key to the replication role's policy; nothing else changes
    assert {before[u].type for u in changed} == {REPLICATION_CONFIG, ROLE_POLICY}
    assert all("lake-replication" in u for u in changed)
    added = set(after) - set(before)
    assert added and all("usw2" in urn for urn in added)
    assert any(after[u].type == REPLICA for u in added)
    assert any(after[u].type == "aws:eks/cluster:Cluster" for u in added)


def test_a_region_without_prices_is_one_error_line_naming_aiplat_regions(cli, tmp_path):
    path = write_stack(tmp_path, "bad", regions=["us-east-1", "ap-south-1"])
    code, out, err = cli("preview", "--stack", path)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "aiplat:regions: the TCO price catalog has no prices for ap-south-1" in err
    assert "fix: " in err and "aiplat:tcoPrices" in err


# --- the TCO counts every region -------------------------------------------------------------


@both_modes
def test_the_tco_inventory_counts_every_regions_nodes_and_clusters(capture, preview):
    cap = capture("expert-prod", preview)
    platform = load("expert-prod").resolve()
    from_resources = items_from_resources(cap.resources, platform)
    for items in (from_resources, items_from_platform(platform)):
        for region in platform.regions:
            kinds = {i.kind for i in items if i.region == region}
            assert {ItemKind.INSTANCE, ItemKind.CONTROL_PLANE, ItemKind.NAT_GATEWAY} <= kinds
    nodes = {
        region: sum(
            i.quantity for i in from_resources if i.region == region and i.kind is ItemKind.INSTANCE
        )
        for region in platform.regions
    }
    assert len(set(nodes.values())) == 1 and min(nodes.values()) > 0


def test_the_tco_prices_the_warehouse_replica_in_every_secondary_region():
    platform = load("expert-prod").resolve()
    stored = {
        i.region: i.quantity
        for i in items_from_platform(platform)
        if i.kind is ItemKind.OBJECT_STORAGE
    }
    assert set(stored) == set(platform.regions)
    assert len(set(stored.values())) == 1 and stored["us-east-1"] > 0
    intermediate = load("intermediate-prod").resolve()
    regions = {
        i.region for i in items_from_platform(intermediate) if i.kind is ItemKind.OBJECT_STORAGE
    }
    assert regions == {intermediate.primary_region}
