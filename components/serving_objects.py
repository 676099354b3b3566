"""The Kubernetes objects model serving renders itself, as pure functions (no Pulumi).

:func:`simple_server_objects` is the reusable small serving stack (a Deployment, a ClusterIP
Service, an autoscaling/v2 HorizontalPodAutoscaler and a PodDisruptionBudget): the PoC
tier's model server, TF Serving's variants, the log writer, and an edge site's server.
Custom resources (SeldonDeployment, InferenceService, VirtualService) are built here too,
every pod template from :mod:`components.hardening` (K8S-03, K8S-04, K8S-06, K8S-08, K8S-10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.hardening import (
    Resources,
    anti_affinity,
    container,
    http_probes,
    image,
    pod_spec,
    scratch_volume,
)

APP_LABEL = "app.kubernetes.io/name"
PART_OF = {"app.kubernetes.io/part-of": "aiplat-serving"}

# MLServer (SeldonIO/MLServer, Apache-2.0): a FastAPI model server speaking the Open
# Inference Protocol (V2); the simple server and the Seldon/KServe reference model use it.
MLSERVER = ("docker.io/seldonio/mlserver", "1.6.1")
MLSERVER_PORT = 8080
MLSERVER_READY = "/v2/health/ready"
MLSERVER_LIVE = "/v2/health/live"
TF_SERVING = ("docker.io/tensorflow/serving", "2.18.0")
TF_SERVING_REST_PORT = 8501
MODEL_MOUNT = "/mnt/models"
REFERENCE_MODEL = "reference-model"


@dataclass(frozen=True, kw_only=True)
class K8sObject:
    """One object to register: its API version, kind, metadata and the rest of its body."""

    api_version: str
    kind: str
    metadata: dict[str, Any]
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.metadata["name"])


@dataclass(frozen=True, kw_only=True)
class Scheduling:
    """Where a workload's pods land (the GPU inference pool, or anywhere)."""

    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """A small HTTP serving workload and how it scales."""

    name: str
    namespace: str
    image_ref: str
    port: int
    ready_path: str
    live_path: str
    service_account: str
    resources: Resources
    min_replicas: int
    max_replicas: int
    args: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    env: Mapping[str, Any] = field(default_factory=dict)
    scheduling: Scheduling = Scheduling()
    labels: Mapping[str, str] = field(default_factory=dict)
    scratch_paths: tuple[str, ...] = ("/tmp",)
    extra_volumes: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ()
    volumes: tuple[dict[str, Any], ...] = ()  # volumes only init containers mount
    init_containers: tuple[dict[str, Any], ...] = ()  # hardened with hardening.container
    pod_annotations: Mapping[str, Any] = field(default_factory=dict)
    cpu_target_percent: int = 70

    def __post_init__(self) -> None:
        if not 1 <= self.min_replicas <= self.max_replicas:
            raise ValueError(
                f"server {self.name}: need 1 <= min_replicas <= max_replicas "
                f"(got {self.min_replicas}, {self.max_replicas})"
            )


def selector(name: str) -> dict[str, str]:
    return {APP_LABEL: name}


def _meta(name: str, namespace: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {**selector(name), **PART_OF, **dict(labels or {})},
    }


def _volumes(spec: ServerSpec) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
    pairs = [
        scratch_volume(f"scratch-{i}", path) for i, path in enumerate(spec.scratch_paths)
    ] + list(spec.extra_volumes)
    return tuple(v for v, _ in pairs) + spec.volumes, tuple(m for _, m in pairs)


def _pod_meta(labels: Mapping[str, str], spec: ServerSpec) -> dict[str, Any]:
    meta: dict[str, Any] = {"labels": dict(labels)}
    if spec.pod_annotations:
        meta["annotations"] = dict(spec.pod_annotations)
    return meta


def server_pod_spec(spec: ServerSpec, container_name: str = "server") -> dict[str, Any]:
    """The hardened pod spec of one serving workload: probes, anti-affinity, scheduling."""
    volumes, mounts = _volumes(spec)
    main = container(
        name=container_name,
        image_ref=spec.image_ref,
        resources=spec.resources,
        args=spec.args,
        command=spec.command,
        ports={"http": spec.port},
        probes=http_probes("http", spec.ready_path, spec.live_path),
        mounts=mounts,
    )
    if spec.env:
        main["env"] = [{"name": k, "value": v} for k, v in spec.env.items()]
    pod = pod_spec(
        service_account=spec.service_account,
        containers=[main],
        volumes=volumes,
        node_selector=dict(spec.scheduling.node_selector) or None,
        tolerations=[dict(t) for t in spec.scheduling.tolerations] or None,
        affinity=anti_affinity(selector(spec.name)),
    )
    if spec.init_containers:
        pod["initContainers"] = [dict(c) for c in spec.init_containers]
    return pod


def pdb(name: str, namespace: str, match: Mapping[str, str]) -> K8sObject:
    """At most one pod of the workload down at a time (K8S-10); never blocks a drain."""
    return K8sObject(
        api_version="policy/v1",
        kind="PodDisruptionBudget",
        metadata=_meta(name, namespace),
        body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(match)}}},
    )


def simple_server_objects(spec: ServerSpec) -> list[K8sObject]:
    """Deployment + ClusterIP Service + HorizontalPodAutoscaler (CPU) + PodDisruptionBudget."""
    labels = {**selector(spec.name), **PART_OF, **dict(spec.labels)}
    meta = _meta(spec.name, spec.namespace, spec.labels)
    deployment = K8sObject(
        api_version="apps/v1",
        kind="Deployment",
        metadata=meta,
        body={
            "spec": {
                "replicas": spec.min_replicas,
                "selector": {"matchLabels": selector(spec.name)},
                "template": {"metadata": _pod_meta(labels, spec), "spec": server_pod_spec(spec)},
            }
        },
    )
    service = K8sObject(
        api_version="v1",
        kind="Service",
        metadata=meta,
        body={
            "spec": {
                "type": "ClusterIP",
                "selector": selector(spec.name),
                "ports": [
                    {"name": "http", "port": spec.port, "targetPort": "http", "protocol": "TCP"}
                ],
            }
        },
    )
    hpa = K8sObject(
        api_version="autoscaling/v2",
        kind="HorizontalPodAutoscaler",
        metadata=meta,
        body={
            "spec": {
                "scaleTargetRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": spec.name,
                },
                "minReplicas": spec.min_replicas,
                "maxReplicas": spec.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {
                                "type": "Utilization",
                                "averageUtilization": spec.cpu_target_percent,
                            },
                        },
                    }
                ],
            }
        },
    )
    return [deployment, service, hpa, pdb(spec.name, spec.namespace, selector(spec.name))]


def mlserver_env(model_name: str) -> dict[str, str]:
    """MLServer settings for one model loaded from ``MODEL_MOUNT`` (copied there before
    MLServer starts, see components/serving_model.py)."""
    return {
        "MLSERVER_MODEL_NAME": model_name,
        "MLSERVER_MODEL_IMPLEMENTATION": "mlserver_sklearn.SKLearnModel",
        "MLSERVER_MODEL_URI": f"{MODEL_MOUNT}/model.joblib",
        "MLSERVER_HTTP_PORT": str(MLSERVER_PORT),
    }


def mlserver_image() -> str:
    return image(*MLSERVER)


def tf_serving_image(gpu: bool) -> str:
    repository, tag = TF_SERVING
    return image(repository, f"{tag}-gpu" if gpu else tag)


# ---- Seldon Core v1 ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Variant:
    """One predictor of a traffic split: ``weight`` percent of live traffic, or a shadow
    that receives a mirrored copy of it."""

    name: str
    weight: int
    shadow: bool = False


def seldon_deployment(
    name: str,
    namespace: str,
    variants: tuple[Variant, ...],
    model: ServerSpec,
    logger: Mapping[str, str] | None = None,
) -> K8sObject:
    """A SeldonDeployment (machinelearning.seldon.io/v1, protocol v2) with one predictor per
    variant; each predictor's pod is hardened, autoscaled (hpaSpec) and has a pdbSpec."""
    predictors = []
    for variant in variants:
        pod = server_pod_spec(model, container_name="model")
        pod["affinity"] = anti_affinity({"seldon-deployment-id": name})
        graph: dict[str, Any] = {"name": "model", "type": "MODEL"}
        labels = {"metadata": {"labels": dict(model.labels)}} if model.labels else {}
        if logger:
            graph["logger"] = dict(logger)
        predictor: dict[str, Any] = {
            "name": variant.name,
            "graph": graph,
            "componentSpecs": [
                {
                    "spec": pod,
                    **labels,
                    "hpaSpec": {
                        "minReplicas": model.min_replicas,
                        "maxReplicas": model.max_replicas,
                        "metricsv2": [
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "target": {
                                        "type": "Utilization",
                                        "averageUtilization": model.cpu_target_percent,
                                    },
                                },
                            }
                        ],
                    },
                    "pdbSpec": {"maxUnavailable": 1},
                }
            ],
            "replicas": model.min_replicas,
            "labels": {"aiplat.io/variant": variant.name},
        }
        if model.pod_annotations:  # Seldon puts a predictor's annotations on its pods
            predictor["annotations"] = dict(model.pod_annotations)
        if variant.shadow:
            predictor["shadow"] = True
        else:
            predictor["traffic"] = variant.weight
        predictors.append(predictor)
    return K8sObject(
        api_version="machinelearning.seldon.io/v1",
        kind="SeldonDeployment",
        metadata=_meta(name, namespace),
        body={"spec": {"name": name, "protocol": "v2", "predictors": predictors}},
    )


# ---- KServe (RawDeployment) ------------------------------------------------------------


def inference_service(
    name: str, namespace: str, model: ServerSpec, logger_url: str | None = None, storage: Any = None
) -> K8sObject:
    """An InferenceService in RawDeployment mode (plain Deployment + HPA, no Knative), running
    the model at ``storage`` (KServe's storage initializer) on MLServer; hardened pod."""
    pod = server_pod_spec(model, container_name="kserve-container")
    (main,) = pod.pop("containers")
    main.pop("name")
    main.pop("image")
    main.pop("ports")  # the serving runtime declares them
    main.pop("imagePullPolicy")
    main.pop("env", None)
    predictor: dict[str, Any] = {
        **pod,
        "minReplicas": model.min_replicas,
        "maxReplicas": model.max_replicas,
        "scaleMetric": "cpu",
        "scaleTarget": model.cpu_target_percent,
        "model": {
            **main,
            "modelFormat": {"name": "sklearn"},
            "protocolVersion": "v2",
            "runtime": "kserve-mlserver",
            "storageUri": storage or f"pvc://{REFERENCE_MODEL}-store/",
        },
    }
    if model.labels:
        predictor["labels"] = dict(model.labels)
    if logger_url:
        predictor["logger"] = {"mode": "all", "url": logger_url}
    metadata = _meta(name, namespace)
    metadata["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    return K8sObject(
        api_version="serving.kserve.io/v1beta1",
        kind="InferenceService",
        metadata=metadata,
        body={"spec": {"predictor": predictor}},
    )


# ---- Istio traffic split ----------------------------------------------------------------


def virtual_service(
    name: str, namespace: str, routes: Mapping[str, int], mirror: str | None, port: int
) -> K8sObject:
    """Weighted routes (percent) between in-cluster services, and a mirrored copy of every
    request to ``mirror`` (its responses are dropped)."""
    host = f"{name}.{namespace}.svc.cluster.local"
    http: dict[str, Any] = {
        "route": [
            {
                "destination": {
                    "host": f"{service}.{namespace}.svc.cluster.local",
                    "port": {"number": port},
                },
                "weight": weight,
            }
            for service, weight in routes.items()
        ]
    }
    if mirror:
        http["mirror"] = {
            "host": f"{mirror}.{namespace}.svc.cluster.local",
            "port": {"number": port},
        }
        http["mirrorPercentage"] = {"value": 100.0}
    return K8sObject(
        api_version="networking.istio.io/v1",
        kind="VirtualService",
        metadata=_meta(name, namespace),
        body={"spec": {"hosts": [host], "http": [http]}},
    )


def pod_specs(kind: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every pod spec inside a rendered serving object (for checks and the policy pack):
    a Deployment's template, a SeldonDeployment's component specs, an InferenceService's
    predictor (its ``model`` as the one container)."""
    spec = body.get("spec", {})
    if kind == "Deployment":
        return [spec["template"]["spec"]]
    if kind == "SeldonDeployment":
        return [c["spec"] for p in spec["predictors"] for c in p.get("componentSpecs", [])]
    if kind == "InferenceService":
        predictor = dict(spec["predictor"])
        model = predictor.pop("model")
        return [{**predictor, "containers": [model]}]
    return []
