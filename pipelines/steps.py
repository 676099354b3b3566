"""The reference pipeline's steps as kfp lightweight components.

Each function runs in its own container: everything it needs is imported inside it, and the
packages it installs are pinned. Base images are pinned tags (K8S-08).
"""

# No "from __future__ import annotations": kfp reads the annotations as types.
from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

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


@dsl.component(base_image=PYTHON_IMAGE, packages_to_install=KUBE_PACKAGES)
def deploy_canary(model: Input[Model], endpoint: str, namespace: str, canary_percent: int):
    """Roll the new model out to the serving endpoint (a KServe InferenceService) as a canary
    taking ``canary_percent`` of the traffic; the previous revision keeps the rest."""
    from kubernetes import client, config

    config.load_incluster_config()
    patch = {
        "spec": {
            "predictor": {
                "canaryTrafficPercent": canary_percent,
                "model": {"storageUri": model.uri.rsplit("/", 1)[0]},
            }
        }
    }
    client.CustomObjectsApi().patch_namespaced_custom_object(
        "serving.kserve.io", "v1beta1", namespace, "inferenceservices", endpoint, patch
    )


@dsl.component(base_image=PYTHON_IMAGE, packages_to_install=KUBE_PACKAGES)
def promote_canary(endpoint: str, namespace: str):
    """The canary becomes the model: all traffic to the latest revision."""
    from kubernetes import client, config

    config.load_incluster_config()
    patch = {"spec": {"predictor": {"canaryTrafficPercent": 100}}}
    client.CustomObjectsApi().patch_namespaced_custom_object(
        "serving.kserve.io", "v1beta1", namespace, "inferenceservices", endpoint, patch
    )


@dsl.component(base_image=PYTHON_IMAGE, packages_to_install=KUBE_PACKAGES)
def rollback_canary(endpoint: str, namespace: str):
    """The canary is withdrawn: all traffic back to the previous revision."""
    from kubernetes import client, config

    config.load_incluster_config()
    patch = {"spec": {"predictor": {"canaryTrafficPercent": 0}}}
    client.CustomObjectsApi().patch_namespaced_custom_object(
        "serving.kserve.io", "v1beta1", namespace, "inferenceservices", endpoint, patch
    )
