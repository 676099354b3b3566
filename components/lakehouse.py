"""Lakehouse: the S3 + KMS + Glue storage of the platform's Iceberg lake, and one IRSA
role per lake consumer (Spark, pipelines, Feast, the serving log writer, the model servers)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

import pulumi
import pulumi_aws as aws

from components import iam_documents as docs
from components.values import buckets as bucket_settings
from components.values import clickhouse
from tiers.model import Metastore

# The data buckets, by their stable role in the lake (names derive from these keys).
WAREHOUSE = "warehouse"  # Iceberg tables (data and metadata files)
LANDING = "landing"  # raw drops before ingestion
ARTIFACTS = "artifacts"  # pipeline and model artifacts
MODELS_PREFIX = "models/"  # published models (pipelines/model_export.py), read by serving
DATA_BUCKETS: tuple[str, ...] = (WAREHOUSE, LANDING, ARTIFACTS)
ACCESS_LOGS = "access-logs"

# Glue databases: one per platform namespace, located under the warehouse bucket.
NAMESPACES: tuple[str, ...] = ("ml", "features", "raw")

LANDING_TO_STANDARD_IA_DAYS = 30
LANDING_TO_GLACIER_IR_DAYS = 90
_GLUE_NAME = re.compile(r"[a-z0-9_]{1,255}")


@dataclass(frozen=True, kw_only=True)
class Consumer:
    """Who reads and writes the lake: the Kubernetes service account that assumes the role,
    the (bucket, key prefix, access) it gets ("" = whole bucket), and the Glue databases."""

    namespace: str
    service_account: str
    grants: tuple[tuple[str, str, str], ...]
    glue_namespaces: tuple[str, ...] = ()
    glue_write: bool = False


CONSUMERS: dict[str, Consumer] = {
    "spark": Consumer(
        namespace="spark",
        service_account="spark",
        grants=((WAREHOUSE, "", "readwrite"), (LANDING, "", "read")),
        glue_namespaces=NAMESPACES,
        glue_write=True,
    ),
    "pipelines": Consumer(
        namespace="kubeflow",
        service_account="pipeline-runner",
        # pipelines/: KFP's artifacts; models/: the models the reference pipeline publishes
        grants=(
            (ARTIFACTS, "pipelines/", "readwrite"),
            (ARTIFACTS, MODELS_PREFIX, "readwrite"),
            (WAREHOUSE, "", "read"),
        ),
        glue_namespaces=NAMESPACES,
    ),
    "feast": Consumer(
        namespace="feast",
        service_account="feast",
        grants=((WAREHOUSE, "features/", "readwrite"),),
        glue_namespaces=("features",),
        glue_write=True,
    ),
    # ClickHouse reads the warehouse through the Glue catalog (DataLakeCatalog), read only.
    "clickhouse": Consumer(
        namespace=clickhouse.NAMESPACE,
        service_account=clickhouse.SERVICE_ACCOUNT,
        grants=((WAREHOUSE, "", "read"),),
        glue_namespaces=NAMESPACES,
    ),
    "serving-log-writer": Consumer(
        namespace="seldon",
        service_account="serving-log-writer",
        grants=(
            (WAREHOUSE, "ml/prediction_log/", "write"),
            (WAREHOUSE, "ml/feature_log/", "write"),
            (WAREHOUSE, "ml/feedback/", "write"),
        ),
    ),
    # Serving's model pods fetch the published model before MLServer starts (read only).
    "model-server": Consumer(
        namespace="seldon",
        service_account="model-server",
        grants=((ARTIFACTS, MODELS_PREFIX, "read"),),
    ),
}
# Multi-user pipeline runs (Kubeflow profiles) execute in the kubeflow-user profile as its
# default-editor (components/kubeflow.py): the single-user runner's access, its own role.
CONSUMERS["profile-editor"] = replace(
    CONSUMERS["pipelines"], namespace="kubeflow-user", service_account="default-editor"
)


def glue_database_name(stack: str, namespace: str) -> str:
    """``intermediate-dev`` + ``ml`` -> ``intermediate_dev_ml`` (Glue: lower case, underscores)."""
    return re.sub(r"[^a-z0-9_]", "_", f"{stack}_{namespace}".lower())


@dataclass(frozen=True, kw_only=True)
class LakehouseArgs:
    stack: str
    region: str
    metastore: Metastore
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer: pulumi.Input[str]
    access_log_retention_days: int
    protect: bool

    def __post_init__(self) -> None:
        if not self.stack or not self.region:
            raise ValueError("a lakehouse needs a stack and a region")
        for namespace in NAMESPACES:
            if not _GLUE_NAME.fullmatch(glue_database_name(self.stack, namespace)):
                raise ValueError(f"stack {self.stack!r} gives an invalid Glue database name")
        if self.access_log_retention_days < 1:
            raise ValueError("access_log_retention_days must be >= 1")


class Lakehouse(pulumi.ComponentResource):
    """Warehouse (Iceberg), landing and artifacts buckets, each SSE-KMS with the lake's
    customer key and bucket keys, all public access blocked, versioned, ACLs off, TLS only,
    access-logged to a log bucket, with lifecycle rules; Glue databases when the tier's
    metastore is Glue; and one IRSA role per consumer, scoped to its bucket prefixes.
    """

    TYPE = "aiplat:lake:Lakehouse"

    # bucket names (an S3 bucket's id is its name)
    warehouse_bucket: pulumi.Output[str]
    warehouse_bucket_arn: pulumi.Output[str]
    warehouse_versioning: aws.s3.BucketVersioning
    landing_bucket: pulumi.Output[str]
    artifacts_bucket: pulumi.Output[str]
    access_log_bucket: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    glue_databases: tuple[str, ...]
    role_arns: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: LakehouseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(
            parent=self, protect=args.protect, retain_on_delete=args.protect
        )

        identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=self)).partition
        account = identity.account_id
        root = f"arn:{partition}:iam::{account}:root"

        key = aws.kms.Key(
            f"{name}-key",
            description=f"Lake encryption (S3 SSE-KMS) for {args.stack}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(docs.kms_key_policy(root)),
            opts=stateful,
        )
        aws.kms.Alias(
            f"{name}-key",
            name=f"alias/aiplat/{args.stack}/lake",
            target_key_id=key.key_id,
            opts=child,
        )

        logs = self._access_log_bucket(args, stateful)
        buckets = {kind: aws.s3.Bucket(f"{name}-{kind}", opts=stateful) for kind in DATA_BUCKETS}
        aws.s3.BucketPolicy(
            f"{name}-{ACCESS_LOGS}",
            bucket=logs.id,
            policy=pulumi.Output.all(logs.arn, *(b.arn for b in buckets.values())).apply(
                lambda arns: json.dumps(docs.access_log_bucket_policy(arns[0], arns[1:], account))
            ),
            opts=child,
        )
        versioning = {
            kind: self._secure_data_bucket(kind, bucket, key, logs)
            for kind, bucket in buckets.items()
        }

        self.glue_databases = ()
        if args.metastore is Metastore.GLUE:
            self.glue_databases = tuple(glue_database_name(args.stack, ns) for ns in NAMESPACES)
            for namespace in NAMESPACES:
                aws.glue.CatalogDatabase(
                    f"{name}-{namespace}",
                    name=glue_database_name(args.stack, namespace),
                    description=f"aiplat {args.stack}: {namespace} tables",
                    location_uri=buckets[WAREHOUSE].id.apply(
                        lambda b, ns=namespace: f"s3://{b}/{ns}/"
                    ),
                    opts=child,
                )
        glue_arn = f"arn:{partition}:glue:{args.region}:{account}"

        self.role_arns = {}
        self.consumer_policies: dict[str, pulumi.Output[str]] = {}
        for consumer, spec in CONSUMERS.items():
            glue = (
                [f"{glue_arn}:catalog"]
                + [
                    f"{glue_arn}:{kind}/{glue_database_name(args.stack, ns)}{tail}"
                    for ns in spec.glue_namespaces
                    for kind, tail in (("database", ""), ("table", "/*"))
                ]
                if self.glue_databases and spec.glue_namespaces
                else []
            )
            self.role_arns[consumer] = self._consumer_role(consumer, spec, args, buckets, key, glue)

        self.warehouse_bucket = buckets[WAREHOUSE].id
        # for replication to other regions (components/lake_replication.py)
        self.warehouse_bucket_arn = buckets[WAREHOUSE].arn
        self.warehouse_versioning = versioning[WAREHOUSE]
        self.landing_bucket = buckets[LANDING].id
        self.artifacts_bucket = buckets[ARTIFACTS].id
        self.access_log_bucket = logs.id
        self.key_arn = key.arn
        self.register_outputs(
            {
                "warehouseBucket": self.warehouse_bucket,
                "landingBucket": self.landing_bucket,
                "artifactsBucket": self.artifacts_bucket,
                "accessLogBucket": self.access_log_bucket,
                "keyArn": self.key_arn,
                "glueDatabases": list(self.glue_databases),
                "roleArns": self.role_arns,
            }
        )

    def _access_log_bucket(
        self, args: LakehouseArgs, stateful: pulumi.ResourceOptions
    ) -> aws.s3.Bucket:
        """The target of S3 server access logging. Logging cannot deliver to an SSE-KMS
        bucket, so this one uses SSE-S3; everything else matches the data buckets."""
        name = f"{self._name}-{ACCESS_LOGS}"
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(name, opts=stateful)
        self._block_public_access(name, bucket)
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule=bucket_settings.OWNER_ENFORCED, opts=child
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name, bucket=bucket.id, rules=bucket_settings.SSE_S3_RULES, opts=child
        )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=bucket_settings.access_log_lifecycle_rules(args.access_log_retention_days),
            opts=child,
        )
        return bucket

    def _block_public_access(self, name: str, bucket: aws.s3.Bucket) -> None:
        aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            **bucket_settings.public_access_block(),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _secure_data_bucket(
        self, kind: str, bucket: aws.s3.Bucket, key: aws.kms.Key, logs: aws.s3.Bucket
    ) -> aws.s3.BucketVersioning:
        name = f"{self._name}-{kind}"
        child = pulumi.ResourceOptions(parent=self)
        aws.s3.BucketServerSideEncryptionConfiguration(
            name, bucket=bucket.id, rules=bucket_settings.kms_encryption_rules(key.arn), opts=child
        )
        self._block_public_access(name, bucket)
        aws.s3.BucketOwnershipControls(
            name, bucket=bucket.id, rule=bucket_settings.OWNER_ENFORCED, opts=child
        )
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: json.dumps(docs.tls_only_bucket_policy(arn))),
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            name,
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        rule = bucket_settings.noncurrent_version_rule()
        if kind == LANDING:
            rule["transitions"] = [
                {"days": LANDING_TO_STANDARD_IA_DAYS, "storage_class": "STANDARD_IA"},
                {"days": LANDING_TO_GLACIER_IR_DAYS, "storage_class": "GLACIER_IR"},
            ]
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[rule],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketLogging(
            name,
            bucket=bucket.id,
            target_bucket=logs.id,
            target_prefix=f"{kind}/",
            opts=child,
        )
        return versioning

    def _consumer_role(
        self,
        consumer: str,
        spec: Consumer,
        args: LakehouseArgs,
        buckets: dict[str, aws.s3.Bucket],
        key: aws.kms.Key,
        glue: list[str],
    ) -> pulumi.Output[str]:
        kinds = sorted({kind for kind, _, _ in spec.grants})
        policy = pulumi.Output.all(key.arn, *(buckets[k].arn for k in kinds)).apply(
            lambda a: json.dumps(
                docs.lake_access_policy(
                    grants=[
                        (dict(zip(kinds, a[1:], strict=True))[kind], prefix, access)
                        for kind, prefix, access in spec.grants
                    ],
                    key_arn=a[0],
                    glue_resources=glue,
                    glue_write=spec.glue_write,
                )
            )
        )
        self.consumer_policies[consumer] = policy  # for the same roles in other regions
        return consumer_role(
            f"{self._name}-{consumer}",
            spec,
            oidc_provider_arn=args.oidc_provider_arn,
            oidc_issuer=args.oidc_issuer,
            description=f"Lake access for {spec.namespace}/{spec.service_account} ({args.stack})",
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self),
        )


def consumer_role(
    name: str,
    spec: Consumer,
    *,
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer: pulumi.Input[str],
    description: str,
    policy: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    """A lake consumer's IRSA role on one cluster: trusted by that consumer's service
    account only (IAM-02), with ``policy`` inline. Returns its ARN."""
    trust = pulumi.Output.all(oidc_provider_arn, oidc_issuer).apply(
        lambda a: json.dumps(docs.irsa_trust(a[0], a[1], spec.namespace, spec.service_account))
    )
    role = aws.iam.Role(name, description=description, assume_role_policy=trust, opts=opts)
    aws.iam.RolePolicy(name, role=role.id, policy=policy, opts=opts)
    return role.arn
