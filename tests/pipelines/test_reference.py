"""The reference pipeline compiles, and its IR (parsed, not grepped) trains on the GPU pool,
exports and publishes the model (pipelines/model_export.py), deploys a 10% canary of the
published model after evaluation on the stack's serving backend (pipelines/canary.py) and
promotes (marking the model current) or rolls back on the AUC."""

from __future__ import annotations

from typing import Any

import pytest

from aiplat.stackfiles import load
from pipelines import steps
from pipelines.reference import (
    FEATURE_TABLE,
    GPU_RESOURCE,
    PipelineSettings,
    compile_ir,
    parse_ir,
    settings_for,
)
from tiers.errors import SpecError
from tiers.model import ServingBackend
from tiers.resolve import resolve


@pytest.fixture(scope="module")
def ir() -> tuple[dict[str, Any], dict[str, Any]]:
    return parse_ir(compile_ir())


def executor(spec: dict[str, Any], task: str) -> dict[str, Any]:
    component = spec["root"]["dag"]["tasks"][task]["componentRef"]["name"]
    name = spec["components"][component]["executorLabel"]
    return spec["deploymentSpec"]["executors"][name]["container"]


def test_the_pipeline_has_the_five_steps_in_order(ir):
    spec, _ = ir
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) >= {
        "read-features",
        "train-model",
        "evaluate-model",
        "export-model",
        "deploy-canary",
        "condition-branches-1",
    }
    assert "read-features" in tasks["train-model"]["dependentTasks"]
    assert "train-model" in tasks["export-model"]["dependentTasks"]
    assert set(tasks["deploy-canary"]["dependentTasks"]) >= {"evaluate-model", "export-model"}
    assert set(tasks["condition-branches-1"]["dependentTasks"]) >= {"deploy-canary"}


def test_features_come_from_the_lakes_customer_feature_table(ir):
    spec, _ = ir
    default = spec["root"]["inputDefinitions"]["parameters"]["feature_table"]["defaultValue"]
    assert default == FEATURE_TABLE == "features.customer_features"
    assert "pyiceberg" in " ".join(executor(spec, "read-features")["command"])


def test_training_requests_one_nvidia_gpu(ir):
    spec, _ = ir
    resources = executor(spec, "train-model")["resources"]
    assert resources["accelerator"]["resourceType"] == GPU_RESOURCE == "nvidia.com/gpu"
    assert resources["accelerator"]["resourceCount"] == "1"
    assert resources["resourceCpuLimit"] and resources["resourceMemoryLimit"]


def test_training_lands_on_the_training_pool(ir):
    _, platform = ir
    train = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-train-model"]
    assert train["nodeSelector"]["labels"] == {"aiplat.io/pool": "training"}
    assert train["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ]


def test_the_canary_takes_ten_percent_by_default(ir):
    spec, _ = ir
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["canary_percent"]["defaultValue"] == 10
    canary = spec["root"]["dag"]["tasks"]["deploy-canary"]
    assert canary["inputs"]["parameters"]["canary_percent"] == {
        "componentInputParameter": "canary_percent"
    }


def test_the_canary_steps_run_the_canary_module_on_the_stacks_serving_backend(ir):
    spec, _ = ir
    container = executor(spec, "deploy-canary")
    assert container["command"][-1] == steps.CANARY_SOURCE
    assert container["args"][:3] == ["deploy", "--backend", "{{$.inputs.parameters['backend']}}"]
    assert "{{$.inputs.parameters['model_uri']}}" in container["args"]
    canary = spec["root"]["dag"]["tasks"]["deploy-canary"]["inputs"]["parameters"]
    assert canary["backend"] == {"runtimeValue": {"constant": "seldon"}}
    assert canary["model_uri"] == {
        "taskOutputParameter": {
            "outputParameterKey": "published_uri",
            "producerTask": "export-model",
        }
    }
    branches = spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    for branch in branches.values():
        for task in spec["components"][branch["componentRef"]["name"]]["dag"]["tasks"].values():
            name = task["taskInfo"]["name"]
            if name == "mark-current":
                continue
            assert task["inputs"]["parameters"]["backend"] == {
                "runtimeValue": {"constant": "seldon"}
            }
            command = spec["deploymentSpec"]["executors"][
                spec["components"][task["componentRef"]["name"]]["executorLabel"]
            ]["container"]
            assert command["command"][-1] == steps.CANARY_SOURCE
            assert command["args"][0] == name


def test_promotion_or_rollback_follows_the_evaluation_metric(ir):
    spec, _ = ir
    branches = spec["components"]["comp-condition-branches-1"]["dag"]["tasks"]
    conditions = {name: task["triggerPolicy"]["condition"] for name, task in branches.items()}
    assert len(conditions) == 2
    meets = [c for c in conditions.values() if "!" not in c]
    assert len(meets) == 1 and ">=" in meets[0]
    assert "evaluate-model-Output" in meets[0] and "min_auc" in meets[0]
    inner = {
        task["taskInfo"]["name"]
        for branch in branches.values()
        for task in spec["components"][branch["componentRef"]["name"]]["dag"]["tasks"].values()
    }
    assert inner == {"promote", "mark-current", "rollback"}


def test_the_published_model_is_exported_per_run_and_marked_current_after_promotion(ir):
    spec, _ = ir
    params = spec["root"]["inputDefinitions"]["parameters"]
    assert params["artifacts_uri"]["defaultValue"] == ""  # a run parameter, like warehouse
    export = spec["root"]["dag"]["tasks"]["export-model"]["inputs"]
    assert export["artifacts"]["weights"]["taskOutputArtifact"]["producerTask"] == "train-model"
    assert export["parameters"]["run_id"] == {
        "runtimeValue": {"constant": "{{$.pipeline_job_uuid}}"}
    }
    container = executor(spec, "export-model")
    assert container["command"][-1] == steps.EXPORT_SOURCE
    assert container["args"][0] == "export"
    (meets,) = [
        b
        for b in spec["components"]["comp-condition-branches-1"]["dag"]["tasks"].values()
        if "!" not in b["triggerPolicy"]["condition"]
    ]
    tasks = spec["components"][meets["componentRef"]["name"]]["dag"]["tasks"]
    assert tasks["mark-current"]["dependentTasks"] == ["promote-canary"]
    assert tasks["mark-current"]["inputs"]["parameters"]["model_uri"] == {
        "componentInputParameter": "pipelinechannel--export-model-published_uri"
    }


def test_every_step_runs_a_pinned_image(ir):
    spec, _ = ir
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert images == {steps.PYTHON_IMAGE, steps.TORCH_IMAGE}
    for image in images:
        _, _, tag = image.rpartition(":")
        assert tag and tag != "latest"


def test_settings_come_from_a_stacks_training_pool():
    settings = settings_for(load("intermediate-onprem").resolve(), canary_percent=20)
    assert settings.training_pool == "training"
    assert settings.node_selector == {"aiplat.io/pool": "training"}
    assert settings.canary_percent == 20
    spec, _ = parse_ir(compile_ir(settings))
    assert spec["root"]["inputDefinitions"]["parameters"]["canary_percent"]["defaultValue"] == 20


@pytest.mark.parametrize(
    ("stack", "backend", "expected"),
    [
        ("advanced-dev", None, "seldon"),
        ("intermediate-onprem", None, "seldon"),
        ("expert-prod", ServingBackend.KSERVE, "kserve"),
        ("advanced-dev", ServingBackend.TFSERVING, "tfserving"),
        ("poc-dev", None, "simple"),
    ],
)
def test_the_canary_acts_on_the_serving_backend_the_stack_runs(stack, backend, expected):
    config = load(stack).config
    if backend is not None:
        config = config.model_copy(update={"servingBackend": backend})
    settings = settings_for(resolve(stack, config))
    assert settings.serving_backend == expected
    assert (settings.endpoint, settings.serving_namespace) == ("reference-model", "seldon")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"serving_backend": "triton"},
            "pipeline.serving_backend: unknown serving backend 'triton'; "
            "fix: use one of: seldon, kserve, tfserving, simple",
        ),
        (
            {"canary_percent": 0},
            "pipeline.canary_percent: must be between 1 and 99 (got 0); "
            "fix: a canary takes part of the traffic, e.g. 10",
        ),
        (
            {"min_auc": 0.3},
            "pipeline.min_auc: must be between 0.5 and 1 (got 0.3); "
            "fix: promote only models better than chance, e.g. 0.75",
        ),
        ({"gpus": 0}, "pipeline.gpus: must be >= 1 (got 0); fix: train on at least one GPU"),
        (
            {"catalog_type": "nessie"},
            "pipeline.catalog_type: unknown catalog type 'nessie'; "
            "fix: use one of: rest, glue, sql, hive",
        ),
    ],
)
def test_bad_settings_are_refused_with_one_line(change, message):
    with pytest.raises(SpecError) as error:
        PipelineSettings(**change)
    assert str(error.value) == message


def test_the_pipeline_targets_the_model_the_serving_component_deploys():
    from components.serving_backends import NAMESPACE
    from components.serving_objects import REFERENCE_MODEL
    from pipelines.reference import PipelineSettings

    settings = PipelineSettings()
    assert (settings.endpoint, settings.serving_namespace) == (REFERENCE_MODEL, NAMESPACE)


LAKE_STEPS = {"exec-read-features", "exec-export-model", "exec-mark-current"}


def test_on_a_cluster_you_bring_the_lake_steps_read_their_credentials_from_a_secret():
    settings = PipelineSettings(
        s3_endpoint="http://seaweedfs-s3.lake.svc:8333", lake_client_secret="pipeline-lake-client"
    )
    spec, platform = parse_ir(compile_ir(settings))
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    mounting = {
        name
        for name, config in executors.items()
        if any(v["secretName"] == "pipeline-lake-client" for v in config.get("secretAsVolume", []))
    }
    assert mounting == LAKE_STEPS
    for name in LAKE_STEPS:
        (volume,) = executors[name]["secretAsVolume"]
        assert volume["mountPath"] == "/etc/lake-client"
        env = {
            e["name"]: e["value"]
            for e in spec["deploymentSpec"]["executors"][name]["container"]["env"]
        }
        assert env == {
            "AWS_SHARED_CREDENTIALS_FILE": "/etc/lake-client/credentials",
            "AWS_ENDPOINT_URL": "http://seaweedfs-s3.lake.svc:8333",
        }


def test_on_aws_the_lake_steps_use_the_runners_role_and_mount_nothing(ir):
    spec, platform = ir
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert not any("secretAsVolume" in config for config in executors.values())
    for name in LAKE_STEPS:
        assert "env" not in spec["deploymentSpec"]["executors"][name]["container"]
