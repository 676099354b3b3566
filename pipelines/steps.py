"""The reference pipeline's steps as kfp lightweight components.

Each function runs in its own container: everything it needs is imported inside it, and the
packages it installs are pinned. The canary steps are container components that run
:mod:`pipelines.canary`. Base images are pinned tags (K8S-08).
"""

# No "from __future__ import annotations": kfp reads the annotations as types.
from pathlib import Path

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from pipelines import canary

# Pinned images: a slim Python for data and control steps, the PyTorch CUDA runtime (as the
# Kubeflow Trainer torch runtime uses) for training.
PYTHON_IMAGE = "python:3.12.11-slim-bookworm"
TORCH_IMAGE = "pytorch/pytorch:2.7.1-cuda12.6-cudnn9-runtime"
LAKE_PACKAGES = ["pyiceberg[pyarrow,pandas,glue,s3fs]==0.11.1"]
TABLE_PACKAGES = ["pandas==2.2.3", "pyarrow==21.0.0"]
KUBE_PACKAGES = ["kubernetes==33.1.0"]
FEATURE_COLUMNS = ["tenure_days", "orders_30d", "total_spend_90d", "avg_order_value"]


@dsl.component(base_image=PYTHON_IMAGE, packages_to_install=LAKE_PACKAGES)
def read_features(
    catalog_type: str, catalog_uri: str, warehouse: str, table: str, features: Output[Dataset]
):
    """Snapshot the feature table from the Iceberg lake into a Parquet artifact."""
    from pyiceberg.catalog import load_catalog

    properties = {"type": catalog_type, "warehouse": warehouse}
    if catalog_uri:
        properties["uri"] = catalog_uri
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
):
    """Train a small churn classifier (an MLP) on the GPU; the label is churn_score >= threshold."""
    import pandas as pd
    import torch

    frame = pd.read_parquet(features.path).dropna(subset=[*feature_columns, "churn_score"])
    x = torch.tensor(frame[feature_columns].astype("float32").values)
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
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
    torch.save({"state": net.state_dict(), "columns": feature_columns}, model.path)
    model.metadata["framework"] = "pytorch"
    model.metadata["device"] = device


@dsl.component(base_image=TORCH_IMAGE, packages_to_install=TABLE_PACKAGES)
def evaluate_model(
    features: Input[Dataset], model: Input[Model], label_threshold: float, metrics: Output[Metrics]
) -> float:
    """ROC AUC of the model on the snapshot (rank statistic, no extra packages)."""
    import pandas as pd
    import torch

    saved = torch.load(model.path, map_location="cpu")
    columns = saved["columns"]
    frame = pd.read_parquet(features.path).dropna(subset=[*columns, "churn_score"])
    x = torch.tensor(frame[columns].astype("float32").values)
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
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


@dsl.container_component
def deploy_canary(
    model: Input[Model], backend: str, endpoint: str, namespace: str, canary_percent: int
):
    """Roll the new model out to the serving endpoint as a canary taking ``canary_percent``
    of the traffic (a Seldon predictor, or a KServe variant behind the Istio split); the
    stable keeps the rest."""
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
            model.uri,
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
