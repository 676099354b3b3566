"""The reference model in a form the serving containers load, and where it is published.

The training step saves the MLP's weights (``Linear(n, 32) -> ReLU -> Linear(32, 1)``,
logistic output) and the training standardisation (mean, std) as plain numpy arrays. This
module turns them into the numerically same scikit-learn model,
``Pipeline(StandardScaler, MLPClassifier)``, which MLServer's ``mlserver_sklearn`` runtime
loads from ``model.joblib``, and publishes it to the central artifacts bucket:

- ``<artifacts>/models/<endpoint>/<run id>/model.joblib``: each run's model (the canary
  steps point the serving variants at it);
- ``<artifacts>/models/<endpoint>/current/model.joblib``: the promoted model, which Serving
  renders as the stable variant's model and the edge sites sync, with the
  ``model-settings.json`` that ``mlserver start <dir>`` (the edge sites' server) looks for;
  run folders carry none, so a synced tree loads only the current model.

Self-contained on purpose (standard library and numpy at import; scikit-learn, joblib and
boto3 imported where used): the pipeline's export and mark-current steps run this file's
source in a slim Python container with the versions pinned in :mod:`pipelines.steps`, and
the tests import it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

MODELS_PREFIX = "models"
MODEL_FILE = "model.joblib"
SETTINGS_FILE = "model-settings.json"
IMPLEMENTATION = "mlserver_sklearn.SKLearnModel"  # MLServer's scikit-learn runtime
CURRENT = "current"
ARRAYS = ("w1", "b1", "w2", "b2", "mean", "std")  # the training step's weights file
ACTIONS = ("export", "mark-current")


class ExportError(ValueError):
    """A model that cannot be exported or published; the message is the step's one line."""


# ---- where models live ------------------------------------------------------------------


def _check_name(field: str, value: str) -> str:
    if not value or "/" in value:
        raise ExportError(f"{field} must be a non-empty name without '/' (got {value!r})")
    return value


def models_root(artifacts_uri: str) -> str:
    """``s3://bucket/`` -> ``s3://bucket/models``."""
    if not artifacts_uri.startswith("s3://") or not artifacts_uri[5:].strip("/"):
        raise ExportError(
            "artifacts_uri must be the artifacts bucket as s3://<bucket>/ "
            f"(got {artifacts_uri!r}); pass the lake's artifacts bucket as the run parameter artifacts_uri"
        )
    return f"{artifacts_uri.rstrip('/')}/{MODELS_PREFIX}"


def model_uri(artifacts_uri: str, endpoint: str, version: str) -> str:
    """The URI of one published model of ``endpoint`` (``version``: a run id or current)."""
    endpoint, version = _check_name("endpoint", endpoint), _check_name("run id", version)
    return f"{models_root(artifacts_uri)}/{endpoint}/{version}/{MODEL_FILE}"


def current_uri(artifacts_uri: str, endpoint: str) -> str:
    """The promoted model of ``endpoint``: what a stable variant loads by default."""
    return model_uri(artifacts_uri, endpoint, CURRENT)


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> (``bucket``, ``a/b``)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise ExportError(f"not an s3://<bucket>/<key> URI: {uri!r}")
    return bucket, key


# ---- the model --------------------------------------------------------------------------


def check_weights(arrays: dict[str, np.ndarray]) -> tuple[int, int]:
    """(features, hidden units) of consistent weights; one line naming the array if not."""
    missing = [name for name in ARRAYS if name not in arrays]
    if missing:
        raise ExportError(f"weights file lacks {', '.join(missing)}; expected {', '.join(ARRAYS)}")
    w1, b1, w2, b2, mean, std = (np.asarray(arrays[n], dtype=np.float64) for n in ARRAYS)
    if w1.ndim != 2:
        raise ExportError(f"w1 must be (hidden, features) (got shape {w1.shape})")
    hidden, features = w1.shape
    expected = {"b1": (hidden,), "w2": (1, hidden), "b2": (1,), "mean": (features,)}
    expected["std"] = (features,)
    for name, shape in expected.items():
        if np.shape(arrays[name]) != shape:
            raise ExportError(f"{name} must have shape {shape} (got {np.shape(arrays[name])})")
    if not np.all(std > 0):
        raise ExportError("std must be positive for every feature (clamp it when training)")
    if not all(np.all(np.isfinite(a)) for a in (w1, b1, w2, b2, mean, std)):
        raise ExportError("the weights contain NaN or infinity; the training diverged")
    return features, hidden


def fitted_attributes(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """The fitted attributes of the scaler and the MLP, in scikit-learn's conventions
    (``coefs_[i]`` is (inputs, outputs), the transpose of torch's ``Linear.weight``)."""
    features, _ = check_weights(arrays)
    w1, b1, w2, b2, mean, std = (np.asarray(arrays[n], dtype=np.float64) for n in ARRAYS)
    scaler = {
        "mean_": mean.copy(),
        "scale_": std.copy(),
        "var_": std**2,
        "n_features_in_": features,
        "n_samples_seen_": 1,
    }
    mlp = {
        "coefs_": [w1.T.copy(), w2.T.copy()],
        "intercepts_": [b1.copy(), b2.copy()],
        "n_features_in_": features,
        "n_layers_": 3,
        "n_outputs_": 1,
        "n_iter_": 0,
        "out_activation_": "logistic",
        "classes_": np.array([0, 1]),
    }
    return {"scaler": scaler, "mlp": mlp}


def sklearn_pipeline(arrays: dict[str, np.ndarray]) -> Any:
    """``Pipeline(StandardScaler, MLPClassifier(hidden, relu))`` with the fitted attributes
    set from the weights: ``predict_proba`` is the trained network's output."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import LabelBinarizer, StandardScaler

    attributes = fitted_attributes(arrays)
    scaler = StandardScaler()
    for name, value in attributes["scaler"].items():
        setattr(scaler, name, value)
    _, hidden = check_weights(arrays)
    mlp = MLPClassifier(hidden_layer_sizes=(hidden,), activation="relu")
    for name, value in attributes["mlp"].items():
        setattr(mlp, name, value)
    mlp._label_binarizer = LabelBinarizer().fit(attributes["mlp"]["classes_"])
    return Pipeline([("scale", scaler), ("mlp", mlp)])


def load_weights(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError) as error:
        raise ExportError(f"cannot read the weights file {path!r}: {error}") from error


# ---- publishing -------------------------------------------------------------------------


def publish(path: str, uri: str, s3: Any) -> None:
    bucket, key = split_s3(uri)
    try:
        s3.upload_file(path, bucket, key)
    except Exception as error:  # boto3's S3UploadFailedError / ClientError
        raise ExportError(f"cannot upload the model to {uri}: {error}") from error


def model_settings(endpoint: str) -> dict[str, Any]:
    """MLServer's ``model-settings.json`` for the model file beside it."""
    return {
        "name": endpoint,
        "implementation": IMPLEMENTATION,
        "parameters": {"uri": f"./{MODEL_FILE}"},
    }


def mark_current(uri: str, artifacts_uri: str, endpoint: str, s3: Any) -> str:
    """Copy the published model at ``uri`` to the endpoint's ``current`` one, with its
    MLServer settings."""
    import json

    source_bucket, source_key = split_s3(uri)
    target = current_uri(artifacts_uri, endpoint)
    bucket, key = split_s3(target)
    settings = f"{key.rsplit('/', 1)[0]}/{SETTINGS_FILE}"
    try:
        s3.copy_object(
            Bucket=bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key}
        )
        s3.put_object(
            Bucket=bucket, Key=settings, Body=json.dumps(model_settings(endpoint)).encode()
        )
    except Exception as error:  # botocore's ClientError, without importing botocore here
        raise ExportError(f"cannot copy {uri} to {target}: {error}") from error
    return target


def main(argv: list[str], s3: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="model_export")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--artifacts-uri", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--run-id", default="")
    parser.add_argument("--weights", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--uri-out", default="")  # a file that receives the published URI
    parser.add_argument("--model-uri", default="")
    args = parser.parse_args(argv)
    try:
        if args.action == "export":
            uri = model_uri(args.artifacts_uri, args.endpoint, args.run_id)
            arrays = load_weights(args.weights)
            check_weights(arrays)
        else:
            split_s3(args.model_uri)
            uri = current_uri(args.artifacts_uri, args.endpoint)
        if s3 is None:
            import boto3

            s3 = boto3.client("s3")  # IRSA on AWS; AWS_* variables (endpoint, keys) on-prem
        if args.action == "export":
            import joblib

            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            joblib.dump(sklearn_pipeline(arrays), args.out)
            publish(args.out, uri, s3)
            if args.uri_out:
                Path(args.uri_out).parent.mkdir(parents=True, exist_ok=True)
                Path(args.uri_out).write_text(uri)
        else:
            mark_current(args.model_uri, args.artifacts_uri, args.endpoint, s3)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.action}: {uri}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
