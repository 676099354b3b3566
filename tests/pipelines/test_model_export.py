"""The exported model is the trained network: the scikit-learn attributes give the same
probabilities as the PyTorch forward pass (sigmoid(W2 relu(W1 z + b1) + b2), z standardised
with the training mean and std); bad weights and locations are refused with one line;
published models land under <artifacts>/models/<endpoint>/ and promotion copies one to
current, through the step's own source against a local S3 (moto)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import joblib
import numpy as np
import pytest

from components.serving_objects import mlserver_env
from pipelines import model_export, steps
from pipelines.model_export import ExportError

ARTIFACTS = "s3://aiplat-artifacts/"
RUN = "3f2a9c1e-run"
FEATURES, HIDDEN = 4, 32


def trained(seed: int = 7) -> dict[str, np.ndarray]:
    """Weights shaped as torch keeps them: Linear.weight is (outputs, inputs)."""
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(size=(HIDDEN, FEATURES)).astype("float32"),
        "b1": rng.normal(size=HIDDEN).astype("float32"),
        "w2": rng.normal(size=(1, HIDDEN)).astype("float32"),
        "b2": rng.normal(size=1).astype("float32"),
        "mean": np.array([400.0, 3.0, 250.0, 60.0], dtype="float32"),
        "std": np.array([300.0, 2.5, 200.0, 25.0], dtype="float32"),
    }


def samples(n: int = 64) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.normal([400, 3, 250, 60], [300, 2.5, 200, 25], size=(n, FEATURES))


def torch_forward(w: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """What train_model's network computes (torch conventions), in numpy."""
    z = (x - w["mean"]) / w["std"]
    hidden = np.maximum(z @ w["w1"].T + w["b1"], 0)
    return 1 / (1 + np.exp(-(hidden @ w["w2"].T + w["b2"])[:, 0]))


def sklearn_forward(attributes: dict, x: np.ndarray) -> np.ndarray:
    """StandardScaler.transform then MLPClassifier's forward pass (relu, logistic output),
    written from scikit-learn's documented conventions."""
    scaler, mlp = attributes["scaler"], attributes["mlp"]
    a = (x - scaler["mean_"]) / scaler["scale_"]
    a = np.maximum(a @ mlp["coefs_"][0] + mlp["intercepts_"][0], 0)
    return 1 / (1 + np.exp(-(a @ mlp["coefs_"][1] + mlp["intercepts_"][1])[:, 0]))


def test_the_fitted_attributes_compute_the_trained_networks_probabilities():
    weights = trained()
    attributes = model_export.fitted_attributes(weights)
    x = samples()
    np.testing.assert_allclose(
        sklearn_forward(attributes, x), torch_forward(weights, x), rtol=1e-5, atol=1e-6
    )
    assert attributes["mlp"]["coefs_"][0].shape == (FEATURES, HIDDEN)
    assert attributes["mlp"]["out_activation_"] == "logistic"
    assert attributes["scaler"]["n_features_in_"] == attributes["mlp"]["n_features_in_"] == 4


def test_a_different_network_gives_different_probabilities():
    x = samples()
    other = model_export.fitted_attributes(trained(seed=8))
    assert not np.allclose(sklearn_forward(other, x), torch_forward(trained(), x))


def test_the_sklearn_pipeline_predicts_like_the_trained_network(tmp_path):
    weights = trained()
    path = tmp_path / model_export.MODEL_FILE
    joblib.dump(model_export.sklearn_pipeline(weights), path)
    model = joblib.load(path)  # as MLServer's sklearn runtime loads it
    x = samples()
    expected = torch_forward(weights, x)
    np.testing.assert_allclose(model.predict_proba(x)[:, 1], expected, rtol=1e-5, atol=1e-6)
    assert list(model.predict(x)) == list((expected >= 0.5).astype(int))
    assert [name for name, _ in model.steps] == ["scale", "mlp"]


def _without(name: str) -> dict[str, np.ndarray]:
    weights = trained()
    del weights[name]
    return weights


def _with(**change) -> dict[str, np.ndarray]:
    return {**trained(), **change}


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (_without("std"), "weights file lacks std; expected w1, b1, w2, b2, mean, std"),
        (_with(w1=np.zeros(4)), "w1 must be (hidden, features) (got shape (4,))"),
        (_with(w2=np.zeros((2, HIDDEN))), "w2 must have shape (1, 32) (got (2, 32))"),
        (_with(mean=np.zeros(3)), "mean must have shape (4,) (got (3,))"),
        (
            _with(std=np.array([1.0, 0.0, 1.0, 1.0])),
            "std must be positive for every feature (clamp it when training)",
        ),
        (
            _with(b2=np.array([np.nan])),
            "the weights contain NaN or infinity; the training diverged",
        ),
    ],
)
def test_inconsistent_weights_are_refused_with_one_line(weights, message):
    with pytest.raises(ExportError) as error:
        model_export.fitted_attributes(weights)
    assert str(error.value) == message


# ---- where models are published ---------------------------------------------------------


def test_models_are_published_per_run_and_promoted_to_current():
    assert model_export.model_uri(ARTIFACTS, "reference-model", RUN) == (
        f"s3://aiplat-artifacts/models/reference-model/{RUN}/model.joblib"
    )
    assert model_export.current_uri("s3://aiplat-artifacts", "reference-model") == (
        "s3://aiplat-artifacts/models/reference-model/current/model.joblib"
    )


@pytest.mark.parametrize(
    ("artifacts", "endpoint", "run", "message"),
    [
        (
            "",
            "reference-model",
            RUN,
            "artifacts_uri must be the artifacts bucket as s3://<bucket>/ (got ''); "
            "pass the lake's artifacts bucket as the run parameter artifacts_uri",
        ),
        (
            "gs://b/",
            "reference-model",
            RUN,
            "artifacts_uri must be the artifacts bucket as s3://<bucket>/ (got 'gs://b/'); "
            "pass the lake's artifacts bucket as the run parameter artifacts_uri",
        ),
        (ARTIFACTS, "a/b", RUN, "endpoint must be a non-empty name without '/' (got 'a/b')"),
        (ARTIFACTS, "reference-model", "", "run id must be a non-empty name without '/' (got '')"),
    ],
)
def test_bad_locations_are_refused_with_one_line(artifacts, endpoint, run, message):
    with pytest.raises(ExportError) as error:
        model_export.model_uri(artifacts, endpoint, run)
    assert str(error.value) == message


# ---- the step's own source against a local S3 -------------------------------------------


def s3_client(endpoint: str):
    boto3 = pytest.importorskip("boto3")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="aiplat-artifacts")
    return s3


def run_step(*argv: str, env: dict[str, str] | None = None, cwd=None):
    """What the container runs: this module's source alone (no aiplat on the path)."""
    assert steps.EXPORT_COMMAND[-1] == steps.EXPORT_SOURCE
    return subprocess.run(
        [sys.executable, "-I", "-c", steps.EXPORT_SOURCE, *argv],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def test_mark_current_copies_the_promoted_model_to_current(moto_endpoint, tmp_path):
    s3 = s3_client(moto_endpoint)
    key = f"models/reference-model/{RUN}/model.joblib"
    s3.put_object(Bucket="aiplat-artifacts", Key=key, Body=b"model-bytes")
    result = run_step(
        "mark-current",
        *("--artifacts-uri", ARTIFACTS, "--endpoint", "reference-model"),
        *("--model-uri", f"s3://aiplat-artifacts/{key}"),
        env={"AWS_ENDPOINT_URL": moto_endpoint},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    current = s3.get_object(
        Bucket="aiplat-artifacts", Key="models/reference-model/current/model.joblib"
    )
    assert current["Body"].read() == b"model-bytes"
    # What `mlserver start` looks for beside the file (the edge sites load it so).
    settings = s3.get_object(
        Bucket="aiplat-artifacts", Key="models/reference-model/current/model-settings.json"
    )
    assert json.loads(settings["Body"].read()) == {
        "name": "reference-model",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib"},
    }
    # Serving's own MLServer pods load the same file with the same runtime.
    env = mlserver_env("reference-model")
    assert env["MLSERVER_MODEL_IMPLEMENTATION"] == model_export.IMPLEMENTATION
    assert env["MLSERVER_MODEL_URI"].endswith(model_export.MODEL_FILE)


def test_mark_current_of_a_missing_model_fails_the_step_with_one_line(moto_endpoint, tmp_path):
    s3_client(moto_endpoint)
    result = run_step(
        "mark-current",
        *("--artifacts-uri", ARTIFACTS, "--endpoint", "reference-model"),
        *("--model-uri", "s3://aiplat-artifacts/models/reference-model/nope/model.joblib"),
        env={"AWS_ENDPOINT_URL": moto_endpoint},
        cwd=tmp_path,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "error: cannot copy s3://aiplat-artifacts/models/reference-model/nope/model.joblib to "
        "s3://aiplat-artifacts/models/reference-model/current/model.joblib: "
    )


def test_export_without_the_artifacts_bucket_fails_the_step_with_one_line(tmp_path):
    weights = tmp_path / "weights.npz"
    np.savez(weights, **trained())
    result = run_step(
        "export",
        *("--artifacts-uri", "", "--endpoint", "reference-model", "--run-id", RUN),
        *("--weights", str(weights), "--out", str(tmp_path / "model")),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: artifacts_uri must be the artifacts bucket as s3://<bucket>/ (got ''); "
        "pass the lake's artifacts bucket as the run parameter artifacts_uri\n"
    )


def test_export_writes_and_publishes_the_joblib_model(moto_endpoint, tmp_path):
    s3 = s3_client(moto_endpoint)
    weights = tmp_path / "weights.npz"
    np.savez(weights, **trained())
    out, uri_out = tmp_path / "outputs" / "model", tmp_path / "outputs" / "published_uri"
    argv = ["export", "--artifacts-uri", ARTIFACTS, "--endpoint", "reference-model"]
    argv += ["--run-id", RUN, "--weights", str(weights), "--out", str(out)]
    assert model_export.main([*argv, "--uri-out", str(uri_out)], s3=s3) == 0
    uri = f"s3://aiplat-artifacts/models/reference-model/{RUN}/model.joblib"
    assert uri_out.read_text() == uri
    downloaded = tmp_path / "downloaded.joblib"
    s3.download_file("aiplat-artifacts", model_export.split_s3(uri)[1], str(downloaded))
    x = samples()
    np.testing.assert_allclose(
        joblib.load(downloaded).predict_proba(x)[:, 1],
        torch_forward(trained(), x),
        rtol=1e-5,
        atol=1e-6,
    )


def test_the_export_step_installs_the_versions_mlservers_image_has():
    """MLServer 1.6.1's image (its poetry.lock): a joblib pickle needs the same
    scikit-learn and numpy to load."""
    from components.serving_objects import MLSERVER

    pins = dict(p.split("==") for p in steps.EXPORT_PACKAGES)
    assert MLSERVER == ("docker.io/seldonio/mlserver", "1.6.1"), "re-check the pins below"
    assert (pins["scikit-learn"], pins["numpy"], pins["joblib"]) == ("1.5.0", "1.26.4", "1.4.2")
