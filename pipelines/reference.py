"""The reference pipeline: lake features -> GPU training -> evaluation and export (the
model as scikit-learn ``model.joblib``, published under ``<artifacts>/models/``) -> 10%
canary on the published model -> promote (the model becomes ``current``) or roll back on
the evaluation metric.

The pipeline is built from :class:`PipelineSettings` (where training runs, how much canary
traffic, the promotion bar), so the platform compiles it for its own training pool
(:func:`settings_for` reads the pool from a resolved stack) and registers the IR.
"""

# No "from __future__ import annotations": kfp reads the pipeline's annotations as types.

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.serving_backends import NAMESPACE as SERVING_NAMESPACE
from components.serving_objects import REFERENCE_MODEL
from pipelines.canary import BACKENDS
from tiers.errors import SpecError
from tiers.model import ServingBackend

PIPELINE_NAME = "aiplat-reference"
FEATURE_TABLE = "features.customer_features"  # aiplat/lake/tables.py CUSTOMER_FEATURES
GPU_RESOURCE = "nvidia.com/gpu"
CANARY_TASK = "deploy-canary"
TRAIN_TASK = "train-model"
EXPORT_TASK = "export-model"
CATALOG_TYPES = ("rest", "glue", "sql", "hive")


@dataclass(frozen=True, kw_only=True)
class PipelineSettings:
    """Compile-time settings. ``node_selector``/``tolerations`` land the training step on
    the training pool; ``gpus`` is its ``nvidia.com/gpu`` limit. ``serving_backend``,
    ``serving_namespace`` and ``endpoint`` name what the canary steps patch: the stack's
    serving backend (``simple`` when it runs no operator) and the reference model that
    :class:`components.serving.Serving` renders."""

    training_pool: str = "training"
    node_selector: dict[str, str] = field(default_factory=lambda: {"aiplat.io/pool": "training"})
    tolerations: tuple[dict[str, str], ...] = (
        {"key": GPU_RESOURCE, "operator": "Equal", "value": "true", "effect": "NoSchedule"},
    )
    gpus: int = 1
    canary_percent: int = 10
    min_auc: float = 0.75
    endpoint: str = REFERENCE_MODEL
    serving_namespace: str = SERVING_NAMESPACE
    serving_backend: str = ServingBackend.SELDON.value
    catalog_type: str = "rest"  # pyiceberg catalog type: rest (on-prem Polaris) or glue (AWS)
    catalog_uri: str = ""
    # the lake's warehouse and artifacts locations (s3://.../): the run parameters' defaults
    warehouse: str = ""
    artifacts_uri: str = ""
    # on a cluster you bring: the object store, and the Secret (in the namespace runs execute
    # in) whose files give the lake steps Polaris's principal and the S3 keys
    s3_endpoint: str = ""
    lake_client_secret: str = ""

    def __post_init__(self) -> None:
        if self.serving_backend not in BACKENDS:
            raise SpecError(
                "pipeline.serving_backend",
                f"unknown serving backend {self.serving_backend!r}",
                f"use one of: {', '.join(BACKENDS)}",
            )
        if self.catalog_type not in CATALOG_TYPES:
            raise SpecError(
                "pipeline.catalog_type",
                f"unknown catalog type {self.catalog_type!r}",
                f"use one of: {', '.join(CATALOG_TYPES)}",
            )
        if not 1 <= self.canary_percent <= 99:
            raise SpecError(
                "pipeline.canary_percent",
                f"must be between 1 and 99 (got {self.canary_percent})",
                "a canary takes part of the traffic, e.g. 10",
            )
        if not 0.5 <= self.min_auc <= 1:
            raise SpecError(
                "pipeline.min_auc",
                f"must be between 0.5 and 1 (got {self.min_auc})",
                "promote only models better than chance, e.g. 0.75",
            )
        if self.gpus < 1:
            raise SpecError(
                "pipeline.gpus", f"must be >= 1 (got {self.gpus})", "train on at least one GPU"
            )


def settings_for(platform: Any, **overrides: Any) -> PipelineSettings:
    """Settings for a resolved stack: its first training pool's node selector, tolerations
    and GPUs per node (capped at one node's worth), and the serving backend the stack runs
    (as Serving decides it)."""
    from components.existing_cluster import gpu_scheduling
    from components.serving_plan import operator_backend
    from tiers.model import PoolRole

    pools = [p for p in platform.gpu_pools if p.role is PoolRole.TRAINING]
    if not pools:
        raise SpecError(
            "pipeline.stack",
            f"stack {platform.stack} has no training GPU pool",
            "use a stack whose tier defines a pool with role 'training'",
        )
    pool = pools[0]
    scheduling = gpu_scheduling(pool)
    values: dict[str, Any] = {
        "training_pool": pool.name,
        "node_selector": scheduling.node_selector,
        "tolerations": tuple(scheduling.tolerations),
        "gpus": 1,
        "serving_backend": getattr(operator_backend(platform.stacks.serving), "value", "simple"),
    }
    values.update(overrides)
    return PipelineSettings(**values)


LAKE_CLIENT_DIR = "/etc/lake-client"


def lake_client(task, settings: PipelineSettings) -> None:
    """On a cluster you bring, a lake step mounts the lake-client Secret (K8S-09: files, not
    environment) and points the AWS SDKs at the object store and the mounted keys."""
    from kfp import kubernetes

    if not settings.lake_client_secret:
        return
    kubernetes.use_secret_as_volume(
        task, secret_name=settings.lake_client_secret, mount_path=LAKE_CLIENT_DIR
    )
    task.set_env_variable("AWS_SHARED_CREDENTIALS_FILE", f"{LAKE_CLIENT_DIR}/credentials")
    if settings.s3_endpoint:
        task.set_env_variable("AWS_ENDPOINT_URL", settings.s3_endpoint)


def build(settings: PipelineSettings):
    """The pipeline function for ``settings`` (kfp is imported here, not at module load)."""
    from kfp import dsl, kubernetes

    from pipelines import steps

    @dsl.pipeline(
        name=PIPELINE_NAME,
        description="Lake features, GPU training, evaluation, canary, promote or roll back.",
    )
    def reference(
        catalog_type: str = settings.catalog_type,
        catalog_uri: str = settings.catalog_uri,
        warehouse: str = settings.warehouse,
        artifacts_uri: str = settings.artifacts_uri,
        feature_table: str = FEATURE_TABLE,
        learning_rate: float = 0.01,
        epochs: int = 20,
        label_threshold: float = 0.5,
        endpoint: str = settings.endpoint,
        serving_namespace: str = settings.serving_namespace,
        canary_percent: int = settings.canary_percent,
        min_auc: float = settings.min_auc,
    ):
        features = steps.read_features(
            catalog_type=catalog_type,
            catalog_uri=catalog_uri,
            warehouse=warehouse,
            table=feature_table,
            s3_endpoint=settings.s3_endpoint,
        ).set_display_name("read-features")
        lake_client(features, settings)
        train = steps.train_model(
            features=features.outputs["features"],
            feature_columns=steps.FEATURE_COLUMNS,
            label_threshold=label_threshold,
            learning_rate=learning_rate,
            epochs=epochs,
        ).set_display_name(TRAIN_TASK)
        train.set_accelerator_type(GPU_RESOURCE).set_accelerator_limit(settings.gpus)
        train.set_cpu_request("2").set_cpu_limit("4")
        train.set_memory_request("8G").set_memory_limit("16G")
        for key, value in settings.node_selector.items():
            kubernetes.add_node_selector(train, label_key=key, label_value=value)
        for toleration in settings.tolerations:
            kubernetes.add_toleration(
                train,
                key=toleration["key"],
                operator=toleration["operator"],
                value=toleration.get("value"),
                effect=toleration["effect"],
            )
        evaluation = steps.evaluate_model(
            features=features.outputs["features"],
            model=train.outputs["model"],
            label_threshold=label_threshold,
        ).set_display_name("evaluate-model")
        export = steps.export_model(
            weights=train.outputs["weights"],
            artifacts_uri=artifacts_uri,
            endpoint=endpoint,
            run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        ).set_display_name(EXPORT_TASK)
        lake_client(export, settings)
        published = export.outputs["published_uri"]
        canary = steps.deploy_canary(
            model_uri=published,
            backend=settings.serving_backend,
            endpoint=endpoint,
            namespace=serving_namespace,
            canary_percent=canary_percent,
        ).set_display_name(CANARY_TASK)
        canary.after(evaluation)
        with dsl.If(evaluation.outputs["Output"] >= min_auc, name="auc-meets-bar"):
            promote = steps.promote_canary(
                backend=settings.serving_backend, endpoint=endpoint, namespace=serving_namespace
            ).after(canary)
            promote.set_display_name("promote")
            current = steps.mark_current(
                model_uri=published, artifacts_uri=artifacts_uri, endpoint=endpoint
            ).after(promote)
            current.set_display_name("mark-current")
            lake_client(current, settings)
        with dsl.Else(name="auc-below-bar"):
            steps.rollback_canary(
                backend=settings.serving_backend, endpoint=endpoint, namespace=serving_namespace
            ).after(canary).set_display_name("rollback")

    return reference


def compile_ir(settings: PipelineSettings | None = None) -> str:
    """The pipeline's IR YAML (pipeline spec, then the Kubernetes platform spec)."""
    from kfp import compiler

    pipeline = build(settings or PipelineSettings())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(path))
        return path.read_text()


def parse_ir(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pipeline spec, platform spec) of a compiled IR; the platform spec is {} if absent."""
    documents = [d for d in yaml.safe_load_all(text) if d]
    spec = documents[0]
    platform = documents[1] if len(documents) > 1 else {}
    return spec, platform
