"""Serving's backends as pure functions: the objects each backend renders for the traffic
groups (Seldon, KServe, TF Serving), the Istio split in front of them, and the request-log
writer. Used by :class:`components.serving.Serving`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from components.hardening import SMALL, Resources, image, secret_volume
from components.lake_access import LakeAccess
from components.serving_model import MODEL_ANNOTATION
from components.serving_objects import (
    MLSERVER_PORT,
    MODEL_MOUNT,
    REFERENCE_MODEL,
    TF_SERVING_REST_PORT,
    K8sObject,
    ServerSpec,
    Variant,
    inference_service,
    pdb,
    seldon_deployment,
    simple_server_objects,
    tf_serving_image,
    virtual_service,
)
from components.serving_plan import (
    KAFKA_BOOTSTRAP,
    LOG_TABLES,
    SERVING_LOG_TOPICS,
    LogTransport,
    replicas,
)
from components.values import cert_manager
from components.values.aiplat_image import IMAGE as AIPLAT_IMAGE
from tiers.model import Environment, ServingBackend, ServingSpec

NAMESPACE = "seldon"
OPERATOR_NAMESPACE = "serving-system"
MODEL_SA = "model-server"
LOG_WRITER = "serving-log-writer"  # its Deployment, Service and ServiceAccount
LOG_WRITER_PORT = 8080
# The log writer is aiplat itself (``aiplat lake serve-logs``, aiplat/lake/log_writer.py):
# it receives Seldon/KServe request-logger CloudEvents over HTTP and appends rows to the
# lake's Iceberg tables. The image is aiplat's own, built from this repository (no Docker
# engine here, so it is not published by this project yet; see docs/architecture.md).
LOG_WRITER_IMAGE = AIPLAT_IMAGE  # components/values/aiplat_image.py
LOG_WRITER_URL = f"http://{LOG_WRITER}.{NAMESPACE}.svc:{LOG_WRITER_PORT}/"
# The log writer's own cert-manager certificate: its Secret carries the internal CA
# (``ca.crt``) that signed Kafka's listener, which is what the writer needs to trust.
KAFKA_CA_SECRET = "serving-kafka-client"
KAFKA_CA_DIR = "/etc/kafka-tls"
# On a cluster you bring, the log writer's lake credentials (you create the Secret in
# ``seldon``): ``credential``, a Polaris principal's ``<client-id>:<client-secret>``, and
# ``credentials``, an AWS shared-credentials file with SeaweedFS's S3 keys.
LAKE_CLIENT_SECRET = "serving-lake-client"
LAKE_CLIENT_DIR = "/etc/lake-client"
ISTIOD_PORT = 15012
MODEL_RESOURCES = Resources(
    cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="4Gi"
)


def seldon_objects(
    groups: dict[str, tuple[Variant, ...]], model: ServerSpec, transport: LogTransport | None
) -> list[K8sObject]:
    """One SeldonDeployment per traffic group; the executor logs requests and responses to
    the log writer over HTTP (which keeps them in Kafka where the tier has it)."""
    logger = {"mode": "all", "url": LOG_WRITER_URL} if transport is not None else None
    return [
        seldon_deployment(group, NAMESPACE, variants, model, logger)
        for group, variants in groups.items()
    ]


def kserve_objects(
    groups: dict[str, tuple[Variant, ...]],
    model: ServerSpec,
    transport: LogTransport | None,
    storage_uri: Any = None,
) -> list[K8sObject]:
    """An InferenceService (and its PDB) per variant, loading the model at ``storage_uri``
    (KServe's storage initializer); a split per group."""
    url = LOG_WRITER_URL if transport is not None else None
    objects: list[K8sObject] = []
    for group, variants in groups.items():
        services: dict[str, int] = {}
        mirror = None
        for variant in variants:
            isvc = f"{group}-{variant.name}"
            labels = {**model.labels, "aiplat.io/serving-group": group}
            variant_model = replace(model, name=isvc, labels=labels)
            objects.append(inference_service(isvc, NAMESPACE, variant_model, url, storage_uri))
            # RawDeployment: the predictor's Service is <name>-predictor, and KServe
            # renders no PodDisruptionBudget, so aiplat does.
            objects.append(_pdb(f"{isvc}-predictor", {"serving.kserve.io/inferenceservice": isvc}))
            if variant.shadow:
                mirror = f"{isvc}-predictor"
            else:
                services[f"{isvc}-predictor"] = variant.weight
        objects += _front(group, services, mirror, MLSERVER_PORT)
    return objects


def tf_serving_objects(
    groups: dict[str, tuple[Variant, ...]], model: ServerSpec, gpu: bool
) -> list[K8sObject]:
    """A TF Serving Deployment/Service/HPA/PDB per variant; a split per group."""
    objects: list[K8sObject] = []
    for group, variants in groups.items():
        services: dict[str, int] = {}
        mirror = None
        for variant in variants:
            server = f"{group}-{variant.name}"
            objects += simple_server_objects(
                replace(
                    model,
                    name=server,
                    image_ref=tf_serving_image(gpu),
                    port=TF_SERVING_REST_PORT,
                    ready_path=f"/v1/models/{REFERENCE_MODEL}",
                    live_path=f"/v1/models/{REFERENCE_MODEL}",
                    args=(
                        f"--rest_api_port={TF_SERVING_REST_PORT}",
                        f"--model_name={REFERENCE_MODEL}",
                        f"--model_base_path={MODEL_MOUNT}/{REFERENCE_MODEL}",
                    ),
                    env={},
                    labels={"aiplat.io/serving-group": group},
                )
            )
            if variant.shadow:
                mirror = server
            else:
                services[server] = variant.weight
        objects += _front(group, services, mirror, TF_SERVING_REST_PORT)
    return objects


def log_writer_spec(
    spec: ServingSpec,
    environment: Environment,
    transport: LogTransport,
    lake: LakeAccess | None,
) -> ServerSpec:
    """The log writer: CloudEvents over HTTP to the lake, kept in memory or (Kafka) in the
    log topics until they are appended."""
    env: dict[str, Any] = {
        "LOG_TRANSPORT": transport.value if transport else "",
        "FEATURE_LOG_TABLE": LOG_TABLES["requests"],
        "PREDICTION_LOG_TABLE": LOG_TABLES["responses"],
    }
    extra: tuple = ()
    if transport is LogTransport.KAFKA:
        env |= {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
            "KAFKA_REQUEST_TOPIC": SERVING_LOG_TOPICS["requests"],
            "KAFKA_RESPONSE_TOPIC": SERVING_LOG_TOPICS["responses"],
            "KAFKA_CA_FILE": f"{KAFKA_CA_DIR}/ca.crt",
        }
        extra = (secret_volume("kafka-tls", KAFKA_CA_SECRET, KAFKA_CA_DIR),)
    if lake is not None:
        env |= {"WAREHOUSE": lake.catalog_warehouse, "CATALOG": lake.catalog.value}
        if lake.catalog_uri:
            env["CATALOG_URI"] = lake.catalog_uri
    args: tuple[Any, ...] = ("--host", "0.0.0.0", "--port", str(LOG_WRITER_PORT))
    if lake is not None:
        args += ("--catalog", lake.catalog.value, "--warehouse", lake.catalog_warehouse)
        args += ("--environment", environment.value)
        if lake.catalog_uri:
            args += ("--property", f"uri={lake.catalog_uri}")
        if lake.region:
            args += ("--property", f"glue.region={lake.region}")
        if lake.s3_endpoint:  # on-prem: Polaris's principal and SeaweedFS's keys, as files
            args += (
                "--property", f"credential=@{LAKE_CLIENT_DIR}/credential",
                "--property", "scope=PRINCIPAL_ROLE:ALL",
                "--property", f"s3.endpoint={lake.s3_endpoint}",
                "--property", "s3.path-style-access=true",
            )  # fmt: skip
            env["AWS_SHARED_CREDENTIALS_FILE"] = f"{LAKE_CLIENT_DIR}/credentials"
            extra += (secret_volume("lake-client", LAKE_CLIENT_SECRET, LAKE_CLIENT_DIR),)
    low, high = replicas(spec, environment)
    return ServerSpec(
        name=LOG_WRITER,
        command=("aiplat", "lake", "serve-logs"),
        args=args,
        namespace=NAMESPACE,
        image_ref=image(*LOG_WRITER_IMAGE),
        port=LOG_WRITER_PORT,
        ready_path="/healthz",
        live_path="/healthz",
        service_account=LOG_WRITER,
        resources=SMALL,
        min_replicas=max(low, 2) if high > 1 else 1,
        max_replicas=max(high, 2),
        env=env,
        extra_volumes=extra,
    )


def log_writer_objects(
    spec: ServingSpec,
    environment: Environment,
    transport: LogTransport,
    lake: LakeAccess | None,
) -> list[K8sObject]:
    """The log writer's Deployment, Service, HPA and PDB; with Kafka also its cert-manager
    Certificate, whose Secret gives it the CA of Kafka's listener."""
    objects = simple_server_objects(log_writer_spec(spec, environment, transport, lake))
    if transport is LogTransport.KAFKA:
        objects.append(
            K8sObject(
                api_version="cert-manager.io/v1",
                kind="Certificate",
                metadata={"name": KAFKA_CA_SECRET, "namespace": NAMESPACE},
                body={
                    "spec": cert_manager.leaf_certificate(
                        secret_name=KAFKA_CA_SECRET,
                        common_name=LOG_WRITER,
                        dns_names=(),
                        usages=("client auth", "digital signature", "key encipherment"),
                    )
                },
            )
        )
    return objects


def pipeline_owned(obj: K8sObject, backend: ServingBackend | None) -> tuple[str, ...]:
    """The properties of ``obj`` that belong to the reference pipeline's canary steps once
    the object exists (:mod:`pipelines.canary`): traffic weights and which model each
    variant runs. ``pulumi up`` leaves them as a run left them (``ignoreChanges``;
    pulumi-kubernetes reads them from the live object); everything else stays Pulumi's.
    Only the reference model's objects, on the backends whose split the steps move."""
    endpoint = REFERENCE_MODEL
    seldon = obj.kind == "SeldonDeployment" and obj.name == endpoint
    if backend is ServingBackend.SELDON and seldon:
        return (
            "spec.predictors[*].traffic",
            f'spec.predictors[*].annotations["{MODEL_ANNOTATION}"]',
        )
    if backend is not ServingBackend.KSERVE:
        return ()
    if obj.kind == "VirtualService" and obj.name == endpoint:
        return ("spec.http[*].route[*].weight",)
    if obj.kind == "InferenceService" and obj.name in (f"{endpoint}-main", f"{endpoint}-canary"):
        return ("spec.predictor.model.storageUri",)
    return ()


def _pdb(name: str, match: dict[str, str]) -> K8sObject:
    return pdb(name, NAMESPACE, match)


def _front(group: str, routes: dict[str, int], mirror: str | None, port: int) -> list[K8sObject]:
    """With more than one variant: a Service clients call and the VirtualService that
    splits (and mirrors) its traffic across the variants' Services."""
    if len(routes) + (mirror is not None) < 2:
        return []
    service = K8sObject(
        api_version="v1",
        kind="Service",
        metadata={
            "name": group,
            "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/name": group},
        },
        body={
            "spec": {
                "type": "ClusterIP",
                "selector": {"aiplat.io/serving-group": group},
                "ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}],
            }
        },
    )
    return [service, virtual_service(group, NAMESPACE, routes, mirror, port)]
