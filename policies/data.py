"""S3-01..05, DATA-01/02 and MSK-01 of security-checks.md.

A bucket's configuration resources name it by id (``props['bucket']``); buckets that are the
target of access logging are log buckets (S3 server access logs take SSE-S3 only, and a log
bucket is not itself logged or versioned).
"""

from __future__ import annotations

from policies._common import (
    ADVISORY,
    as_list,
    ident,
    is_dev,
    is_production,
    of_type,
    resource_policy,
    stack_policy,
    statements,
)

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
KMS_KEY = "aws:kms/key:Key"
RDS_TYPES = frozenset({"aws:rds/instance:Instance", "aws:rds/cluster:Cluster"})
MSK_CLUSTER = "aws:msk/cluster:Cluster"
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _buckets(args) -> list:
    return [r for r in args.resources if r.resource_type in (BUCKET, BUCKET_V2)]


def _configs(args, type_: str) -> dict:
    found: dict = {}
    for r in of_type(args.resources, type_):
        found.setdefault(r.props.get("bucket"), []).append(r)
    return found


def _log_targets(args) -> set:
    return {r.props.get("targetBucket") for r in of_type(args.resources, LOGGING)}


def _s3_01(args, report) -> None:
    keys = {k.props.get("arn") for k in of_type(args.resources, KMS_KEY)} | {
        ident(k) for k in of_type(args.resources, KMS_KEY)
    }
    configs, logs = _configs(args, SSE), _log_targets(args)
    for bucket in _buckets(args):
        found = configs.get(ident(bucket), [])
        rules = [rule for c in found for rule in as_list(c.props.get("rules"))]
        if not rules:
            report("bucket has no server-side encryption configuration", bucket.urn)
            continue
        for rule in rules:
            default = rule.get("applyServerSideEncryptionByDefault") or {}
            if ident(bucket) in logs and default.get("sseAlgorithm") in ("AES256", "aws:kms"):
                continue  # access-log targets accept SSE-S3 only
            if (
                default.get("sseAlgorithm") != "aws:kms"
                or default.get("kmsMasterKeyId") not in keys
            ):
                report("bucket is not encrypted with SSE-KMS and a customer key", bucket.urn)
            elif rule.get("bucketKeyEnabled") is not True:
                report("bucket key is not enabled (bucketKeyEnabled)", bucket.urn)


def _s3_02(args, report) -> None:
    blocks = _configs(args, PUBLIC_ACCESS_BLOCK)
    for bucket in _buckets(args):
        found = blocks.get(ident(bucket), [])
        if not any(all(b.props.get(f) is True for f in PUBLIC_ACCESS_FLAGS) for b in found):
            report("bucket does not block public access (all four flags)", bucket.urn)


def _s3_03(args, report) -> None:
    versioning, logs = _configs(args, VERSIONING), _log_targets(args)
    for bucket in _buckets(args):
        if ident(bucket) in logs:
            continue
        found = versioning.get(ident(bucket), [])
        if not any(
            (v.props.get("versioningConfiguration") or {}).get("status") == "Enabled" for v in found
        ):
            report("data bucket is not versioned", bucket.urn)


def _denies_plain_http(policy, bucket) -> bool:
    arn = bucket.props.get("arn")
    for s in statements(policy.props.get("policy")):
        secure = ((s.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
        if s.get("Effect") == "Deny" and str(secure).lower() == "false":
            actions = as_list(s.get("Action"))
            if ("s3:*" in actions or "*" in actions) and {arn, f"{arn}/*"} <= set(
                as_list(s.get("Resource"))
            ):
                return True
    return False


def _s3_04(args, report) -> None:
    ownership, policies = _configs(args, OWNERSHIP), _configs(args, BUCKET_POLICY)
    for bucket in _buckets(args):
        rules = [o.props.get("rule") or {} for o in ownership.get(ident(bucket), [])]
        if not any(r.get("objectOwnership") == "BucketOwnerEnforced" for r in rules):
            report("ACLs are not off (objectOwnership BucketOwnerEnforced)", bucket.urn)
        if not any(_denies_plain_http(p, bucket) for p in policies.get(ident(bucket), [])):
            report("bucket policy does not deny aws:SecureTransport=false", bucket.urn)


def _s3_05(args, report) -> None:
    logging, logs = _configs(args, LOGGING), _log_targets(args)
    for bucket in _buckets(args):
        if ident(bucket) not in logs and not logging.get(ident(bucket)):
            report("bucket has no access logging", bucket.urn)


def _data_01(args, report) -> None:
    props = args.props
    if props.get("storageEncrypted") is not True:
        report("catalog database storage is not encrypted")
    if props.get("publiclyAccessible"):
        report("catalog database is publicly accessible")
    if props.get("deletionProtection") is not True:
        report("catalog database has no deletion protection")
    if not props.get("backupRetentionPeriod"):
        report("catalog database keeps no backups (backupRetentionPeriod)")
    multi_az = props.get("multiAz") or len(as_list(props.get("availabilityZones"))) > 1
    if is_production(args.urn) and not multi_az:
        report("production catalog database is not Multi-AZ")


def _sqlite_uris(value, found: list[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _sqlite_uris(v, found)
    elif isinstance(value, list):
        for v in value:
            _sqlite_uris(v, found)
    elif isinstance(value, str) and "sqlite://" in value:
        found.append(value)


def _data_02(args, report) -> None:
    if is_dev(args.urn):
        return
    found: list[str] = []
    _sqlite_uris(dict(args.props), found)
    if found:
        report(f"a sqlite:// catalog URI outside dev: {found[0][:80]}")


def _msk_01(args, report) -> None:
    props = args.props
    encryption = props.get("encryptionInfo") or {}
    transit = encryption.get("encryptionInTransit") or {}
    if transit.get("clientBroker", "TLS") != "TLS":
        report("client-broker traffic is not TLS only")
    if transit.get("inCluster", True) is not True:
        report("in-cluster traffic is not encrypted")
    if not encryption.get("encryptionAtRestKmsKeyArn"):
        report("no customer key for encryption at rest")
    logs = ((props.get("loggingInfo") or {}).get("brokerLogs")) or {}
    if not any((v or {}).get("enabled") for v in logs.values()):
        report("broker logs are not delivered anywhere")
    connectivity = (props.get("brokerNodeGroupInfo") or {}).get("connectivityInfo") or {}
    if (connectivity.get("publicAccess") or {}).get("type", "DISABLED") != "DISABLED":
        report("brokers are publicly accessible")


DATA_POLICIES = [
    stack_policy("s3-01", "Buckets use SSE-KMS with a customer key and bucket keys", _s3_01),
    stack_policy("s3-02", "Buckets block all public access", _s3_02),
    stack_policy("s3-03", "Data buckets (the Iceberg warehouse) are versioned", _s3_03),
    stack_policy("s3-04", "ACLs off (BucketOwnerEnforced); TLS-only bucket policy", _s3_04),
    stack_policy("s3-05", "Data buckets log access", _s3_05, level=ADVISORY),
    resource_policy("data-01", "The catalog database is hardened", RDS_TYPES, _data_01),
    resource_policy(
        "data-02",
        "Non-dev stacks never use a sqlite:// catalog",
        lambda t: t.startswith("kubernetes:") or t.startswith("aiplat:"),
        _data_02,
    ),
    resource_policy(
        "msk-01", "MSK: TLS, encryption at rest, logs, private", {MSK_CLUSTER}, _msk_01
    ),
]
