"""The reference pipeline's steps as kfp lightweight components.

Each function runs in its own container: everything it needs is imported inside it, and the
packages it installs are pinned. The canary steps are container components that run
:mod:`pipelines.canary`, the export and mark-current steps run :mod:`pipelines.model_export`.
Base images are pinned tags (K8S-08).
"""

# No "from __future__ import annotations": kfp reads the annotations as types.
from pathlib import Path

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output, OutputPath

from pipelines import canary, model_export

# Pinned images: a slim Python for data and control steps, the PyTorch CUDA runtime (as the
# Kubeflow Trainer torch runtime uses) for training.
PYTHON_IMAGE = "python:3.12.11-slim-bookworm"
TORCH_IMAGE = "pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime"
LAKE_PACKAGES = ["pyiceberg[pyarrow,pandas,glue,s3fs]==0.11.1"]
TABLE_PACKAGES = ["pandas==2.2.3", "pyarrow==21.0.0"]
KUBE_PACKAGES = ["kubernetes==33.1.0"]
# The versions MLServer 1.6.1's image has (its poetry.lock): a joblib pickle loads only with
# the scikit-learn and numpy it was written with.
EXPORT_PACKAGES = [
    "scikit-learn==1.5.0",
    "numpy==1.26.4",
    "scipy==1.13.1",
    "joblib==1.4.2",
    "threadpoolctl==3.5.0",
    "boto3==1.44.8",
]
FEATURE_COLUMNS = ["tenure_days", "orders_30d", "total_spend_90d", "avg_order_value"]


@dsl.component(base_image=PYTHON_IMAGE, packages_to_install=LAKE_PACKAGES)
def read_features(
    catalog_type: str,
    catalog_uri: str,
    warehouse: str,
    table: str,
    s3_endpoint: str,
    features: Output[Dataset],
):
    """Snapshot the feature table from the Iceberg lake into a Parquet artifact. On a
    cluster you bring (``s3_endpoint`` set) the REST catalog's principal comes from the
    mounted lake-client Secret (``credential``) and the S3 keys from its ``credentials``
    file (AWS_SHARED_CREDENTIALS_FILE)."""
    import pathlib

    from pyiceberg.catalog import load_catalog

    properties = {"type": catalog_type, "warehouse": warehouse}
    if catalog_uri:
        properties["uri"] = catalog_uri
    credential = pathlib.Path("/etc/lake-client/credential")
    if credential.exists():
        properties["credential"] = credential.read_text().strip()
        properties["scope"] = "PRINCIPAL_ROLE:ALL"
    if s3_endpoint:
        properties["s3.endpoint"] = s3_endpoint
        properties["s3.path-style-access"] = "true"
    catalog = load_catalog("lake", **properties)
    frame = catalog.load_table(table).scan().to_pandas()
    frame.to_parquet(features.path, index=False)
    features.metadata["rows"] = len(frame)
    features.metadata["table"] = table


@dsl.component(base_image=TORCH_IMAGE, packages_to_install=TABLE_PACKAGES)
def train_model(
    features: Input[Dataset],
    feature_columns: list,
    label_threshold: float,
    learning_rate: float,
    epochs: int,
    model: Output[Model],
    weights: Output[Artifact],
):
    """Train a small churn classifier (an MLP) on the GPU; the label is churn_score >= threshold.
    ``model`` is the PyTorch checkpoint (with the training standardisation); ``weights`` the
    same network as numpy arrays (``w1, b1, w2, b2, mean, std``) for the export step."""
    import numpy as np
    import pandas as pd
    import torch

    frame = pd.read_parquet(features.path).dropna(subset=[*feature_columns, "churn_score"])
    x = torch.tensor(frame[feature_columns].astype("float32").values)
    mean, std = x.mean(0), x.std(0).clamp_min(1e-6)
    x = (x - mean) / std
    y = torch.tensor((frame["churn_score"] >= label_threshold).astype("float32").values)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    net = torch.nn.Sequential(
        torch.nn.Linear(len(feature_columns), 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
    ).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x, y = x.to(device), y.to(device)
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = loss_fn(net(x).squeeze(1), y)
        loss.backward()
        optimiser.step()
    net = net.cpu()
    torch.save(
        {"state": net.state_dict(), "columns": feature_columns, "mean": mean, "std": std},
        model.path,
    )
    model.metadata["framework"] = "pytorch"
    model.metadata["device"] = device
    first, last = net[0], net[2]
    arrays = {
        "w1": first.weight,
        "b1": first.bias,
        "w2": last.weight,
        "b2": last.bias,
        "mean": mean,
        "std": std,
    }
    with open(weights.path, "wb") as out:
        np.savez(out, **{k: v.detach().numpy() for k, v in arrays.items()})
    weights.metadata["columns"] = feature_columns


@dsl.component(base_image=TORCH_IMAGE, packages_to_install=TABLE_PACKAGES)
def evaluate_model(
    features: Input[Dataset], model: Input[Model], label_threshold: float, metrics: Output[Metrics]
) -> float:
    """ROC AUC of the model on the snapshot (rank statistic, no extra packages), with the
    inputs standardised as in training (the mean and std saved with the model)."""
    import pandas as pd
    import torch

    saved = torch.load(model.path, map_location="cpu")
    columns = saved["columns"]
    frame = pd.read_parquet(features.path).dropna(subset=[*columns, "churn_score"])
    x = torch.tensor(frame[columns].astype("float32").values)
    x = (x - saved["mean"]) / saved["std"]
    net = torch.nn.Sequential(
        torch.nn.Linear(len(columns), 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
    )
    net.load_state_dict(saved["state"])
    with torch.no_grad():
        scores = net(x).squeeze(1)
    labels = torch.tensor((frame["churn_score"] >= label_threshold).values)
    ranks = scores.argsort().argsort().double() + 1
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        auc = 0.0
    else:
        auc = float(
            (ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives)
        )
    metrics.log_metric("auc", auc)
    return auc


# The canary steps run pipelines/canary.py (standard library + the Kubernetes client): its
# source is embedded in the command, so the logic the tests check is the logic that runs.
CANARY_SOURCE = Path(canary.__file__).read_text()
CANARY_COMMAND = [
    "sh",
    "-ec",
    "python3 -m pip install --quiet --disable-pip-version-check "
    + " ".join(KUBE_PACKAGES)
    + '\nexec python3 -c "$0" "$@"',
    CANARY_SOURCE,
]


# The export and mark-current steps run pipelines/model_export.py the same way, with the
# scikit-learn, numpy and joblib of MLServer's image.
EXPORT_SOURCE = Path(model_export.__file__).read_text()
EXPORT_COMMAND = [
    "sh",
    "-ec",
    "python3 -m pip install --quiet --disable-pip-version-check "
    + " ".join(EXPORT_PACKAGES)
    + '\nexec python3 -c "$0" "$@"',
    EXPORT_SOURCE,
]


@dsl.container_component
def export_model(
    weights: Input[Artifact],
    artifacts_uri: str,
    endpoint: str,
    run_id: str,
    model: Output[Model],
    published_uri: OutputPath(str),
):
    """The trained network as ``Pipeline(StandardScaler, MLPClassifier)`` in ``model.joblib``
    (what MLServer's sklearn runtime loads), published to
    ``<artifacts_uri>/models/<endpoint>/<run_id>/model.joblib``."""
    return dsl.ContainerSpec(
        image=PYTHON_IMAGE,
        command=EXPORT_COMMAND,
        args=[
            "export",
            "--artifacts-uri",
            artifacts_uri,
            "--endpoint",
            endpoint,
            "--run-id",
            run_id,
            "--weights",
            weights.path,
            "--out",
            model.path,
            "--uri-out",
            published_uri,
        ],
    )


@dsl.container_component
def mark_current(model_uri: str, artifacts_uri: str, endpoint: str):
    """The promoted model becomes ``<artifacts_uri>/models/<endpoint>/current/model.joblib``:
    what the stable variant loads when Serving re-renders it, and what edge sites sync."""
    return dsl.ContainerSpec(
        image=PYTHON_IMAGE,
        command=EXPORT_COMMAND,
        args=[
            "mark-current",
            "--artifacts-uri",
            artifacts_uri,
            "--endpoint",
            endpoint,
            "--model-uri",
            model_uri,
        ],
    )


@dsl.container_component
def deploy_canary(model_uri: str, backend: str, endpoint: str, namespace: str, canary_percent: int):
    """Roll the published model (``model_uri``) out to the serving endpoint as a canary
    taking ``canary_percent`` of the traffic (a Seldon predictor, or a KServe variant behind
    the Istio split); the stable keeps the rest."""
    return dsl.ContainerSpec(
        image=PYTHON_IMAGE,
        command=CANARY_COMMAND,
        args=[
            "deploy",
            "--backend",
            backend,
            "--namespace",
            namespace,
            "--endpoint",
            endpoint,
            "--percent",
            canary_percent,
            "--model-uri",
            model_uri,
        ],
    )


@dsl.container_component
def promote_canary(backend: str, endpoint: str, namespace: str):
    """The canary becomes the model: it alone takes all the traffic."""
    return dsl.ContainerSpec(
        image=PYTHON_IMAGE,
        command=CANARY_COMMAND,
        args=["promote", "--backend", backend, "--namespace", namespace, "--endpoint", endpoint],
    )


@dsl.container_component
def rollback_canary(backend: str, endpoint: str, namespace: str):
    """The canary is withdrawn: all traffic back to the stable model."""
    return dsl.ContainerSpec(
        image=PYTHON_IMAGE,
        command=CANARY_COMMAND,
        args=["rollback", "--backend", backend, "--namespace", namespace, "--endpoint", endpoint],
    )
