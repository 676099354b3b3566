"""Serving: model serving on one cluster, switched on and sized by the tier's ServingSpec.

- Simple server only (the PoC tier): one MLServer model server (FastAPI) as a Deployment,
  ClusterIP Service, HorizontalPodAutoscaler and PodDisruptionBudget.
- An operator backend (``spec.backend``, overridable per stack with ``aiplat:servingBackend``):
  Seldon Core v1 operator 1.17.1 (Apache-2.0) with a SeldonDeployment; KServe (RawDeployment)
  with InferenceServices; or TF Serving Deployments. The reference model runs on the GPU
  inference pool with an ``nvidia.com/gpu`` limit.
- Canary (``canary_weight`` percent, ``aiplat:canaryWeight``), A/B and shadow traffic: Seldon
  predictors' ``traffic``/``shadow``; for KServe and TF Serving, Istio VirtualServices.
- The model: the reference pipeline publishes ``model.joblib`` under the lake's
  ``<artifacts>/models/<endpoint>/``; MLServer pods copy it into ``/mnt/models`` first (init
  container ``fetch-model``), KServe's storage initializer from ``storageUri``
  (:mod:`components.serving_model`).
- Request logging: a log writer (SA ``serving-log-writer``, IRSA to the lake) that writes
  ``ml.feature_log`` and ``ml.prediction_log``, fed through Kafka or over HTTP.

Everything runs in the ``seldon`` PlatformNamespace (baseline when meshed or on GPUs), the
operators in ``serving-system`` (restricted). No LoadBalancer or NodePort Service (K8S-11).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.existing_cluster import GpuScheduling
from components.helm import pinned_release
from components.lake_access import CatalogKind, LakeAccess
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
)
from components.serving_backends import (
    ISTIOD_PORT,
    LOG_WRITER,
    LOG_WRITER_URL,
    MODEL_RESOURCES,
    MODEL_SA,
    NAMESPACE,
    OPERATOR_NAMESPACE,
    kserve_objects,
    log_writer_objects,
    pipeline_owned,
    seldon_objects,
    tf_serving_objects,
)
from components.serving_model import (
    FETCH_LABEL,
    ModelSource,
    kserve_service_account_annotations,
    kserve_service_account_secrets,
    model_source,
    models_volume,
    with_fetch,
)
from components.serving_objects import (
    MLSERVER_LIVE,
    MLSERVER_PORT,
    MLSERVER_READY,
    REFERENCE_MODEL,
    K8sObject,
    Scheduling,
    ServerSpec,
    Variant,
    mlserver_env,
    mlserver_image,
    simple_server_objects,
)
from components.serving_plan import (
    KAFKA_BOOTSTRAP,
    KAFKA_NAMESPACE,
    LogTransport,
    check_traffic,
    log_transport,
    operator_backend,
    pod_security,
    replicas,
    serving_quota,
    variant_groups,
)
from components.values import kserve, polaris, seaweedfs, seldon
from tiers import pins
from tiers.model import Environment, ServingBackend, ServingSpec


@dataclass(frozen=True, kw_only=True)
class ServingArgs:
    spec: ServingSpec
    environment: Environment
    mesh: bool
    kafka: bool  # the tier runs Kafka in the cluster (Strimzi, namespace ``kafka``)
    gpu: GpuScheduling | None  # the inference pool; None: models run on CPU nodes
    lake: LakeAccess | None

    def __post_init__(self) -> None:
        backend = operator_backend(self.spec)
        if backend is not None:
            check_traffic(variant_groups(self.spec), self.mesh)


_TYPES: dict[tuple[str, str], Any] = {
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("v1", "Service"): k8s.core.v1.Service,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
}


def register(name: str, obj: K8sObject, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Register one object: a typed resource for built-in kinds, else a CustomResource."""
    resource_name = f"{name}-{obj.kind.lower()}-{obj.name}"
    cls = _TYPES.get((obj.api_version, obj.kind))
    if cls is not None:
        return cls(resource_name, metadata=obj.metadata, **obj.body, opts=opts)
    return k8s.apiextensions.CustomResource(
        resource_name,
        api_version=obj.api_version,
        kind=obj.kind,
        metadata=obj.metadata,
        opts=opts,
        **obj.body,
    )


class Serving(pulumi.ComponentResource):
    """Model serving in the ``seldon`` namespace (see the module docstring)."""

    TYPE = "aiplat:serving:Serving"

    backend: ServingBackend | None
    transport: LogTransport | None

    def __init__(
        self, name: str, args: ServingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        spec = args.spec
        self.backend = operator_backend(spec)
        # Logs go to the lake; a region without it (expert's second region) logs nothing.
        self.transport = (
            log_transport(spec, self.backend, args.kafka) if args.lake is not None else None
        )
        groups = (
            variant_groups(spec)
            if self.backend
            else {REFERENCE_MODEL: (Variant(name="main", weight=100),)}
        )
        gpus = 1 if self.backend is not None and args.gpu is not None else 0
        low, high = replicas(spec, args.environment)
        self.source = model_source(args.lake, REFERENCE_MODEL)
        self.namespace = self._namespace(args, groups, high, gpus)
        scheduling = (
            Scheduling(
                node_selector=args.gpu.node_selector, tolerations=tuple(args.gpu.tolerations)
            )
            if gpus
            else Scheduling()
        )
        model = ServerSpec(
            name=REFERENCE_MODEL,
            namespace=NAMESPACE,
            image_ref=mlserver_image(),
            port=MLSERVER_PORT,
            ready_path=MLSERVER_READY,
            live_path=MLSERVER_LIVE,
            service_account=MODEL_SA,
            resources=replace(MODEL_RESOURCES, gpus=gpus),
            min_replicas=low,
            max_replicas=high,
            env=mlserver_env(REFERENCE_MODEL),
            scheduling=scheduling,
            extra_volumes=(models_volume(),),
        )
        model = self._with_model_fetch(model)
        operator = self._operator(args)
        deps = [*self.namespace.ready, *([operator] if operator else [])]
        objects: list[K8sObject] = []
        if self.backend is None:
            objects += simple_server_objects(model)
        elif self.backend is ServingBackend.SELDON:
            objects += seldon_objects(groups, model, self.transport)
        elif self.backend is ServingBackend.KSERVE:
            storage = self.source.uri if self.source else None
            objects += kserve_objects(groups, model, self.transport, storage)
        else:
            objects += tf_serving_objects(groups, model, gpus > 0)
        if self.transport is not None:
            objects += log_writer_objects(spec, args.environment, self.transport, args.lake)
        self.objects = [
            register(
                name,
                obj,
                pulumi.ResourceOptions(
                    parent=self,
                    depends_on=deps,
                    ignore_changes=list(pipeline_owned(obj, self.backend)) or None,
                ),
            )
            for obj in objects
        ]
        self.register_outputs(
            {
                "namespace": NAMESPACE,
                "backend": self.backend.value if self.backend else "simple",
                "groups": {g: [v.name for v in vs] for g, vs in groups.items()},
                "logTransport": self.transport.value if self.transport else None,
            }
        )

    def _with_model_fetch(self, model: ServerSpec) -> ServerSpec:
        """MLServer pods fetch the model first; KServe's storage initializer fills
        ``/mnt/models`` itself (its own volume there); TF Serving is left as it is."""
        if self.backend is ServingBackend.TFSERVING:
            return model
        kserve = self.backend is ServingBackend.KSERVE
        if kserve:
            model = replace(model, extra_volumes=())
        if self.source is None:
            return model
        model = replace(model, labels={**model.labels, FETCH_LABEL[0]: FETCH_LABEL[1]})
        if kserve:
            return model
        return with_fetch(model, self.source)

    def _model_allows(self) -> list[NetworkAllow]:
        """The model pods (``fetch-model``, KServe's initializer) reach the object store:
        the lake's S3 port on-prem, HTTPS to AWS."""
        source: ModelSource | None = self.source
        if source is None or self.backend is ServingBackend.TFSERVING:
            return []
        if source.endpoint is not None:
            peer: dict[str, Any] = {"namespaces": ("lake",), "ports": (seaweedfs.S3_PORT,)}
            name = "models-from-lake"
        else:
            peer, name = {"cidr": "0.0.0.0/0", "ports": (443,)}, "models-from-s3"
        return [NetworkAllow(name=name, direction=Direction.EGRESS, pods=(FETCH_LABEL,), **peer)]

    # ---- namespaces and operators -------------------------------------------------------

    def _namespace(
        self, args: ServingArgs, groups: dict[str, tuple[Variant, ...]], high: int, gpus: int
    ) -> PlatformNamespace:
        writer = (("app.kubernetes.io/name", LOG_WRITER),)
        allows: list[NetworkAllow] = []
        if args.mesh:
            allows += [
                NetworkAllow(
                    name="from-mesh-ingress",
                    direction=Direction.INGRESS,
                    namespaces=("istio-system",),
                ),
                NetworkAllow(
                    name="to-istiod",
                    direction=Direction.EGRESS,
                    namespaces=("istio-system",),
                    ports=(ISTIOD_PORT,),
                ),
            ]
        allows += self._model_allows()
        model_annotations: dict[str, Any] = {}
        if self.source is not None and args.lake is not None:
            model_annotations |= args.lake.service_account_annotations(MODEL_SA)
        secrets: tuple[str, ...] = ()
        if self.backend is ServingBackend.KSERVE:
            model_annotations |= kserve_service_account_annotations(self.source)
            secrets = kserve_service_account_secrets(self.source)
        accounts = [
            ServiceAccountSpec(name=MODEL_SA, annotations=model_annotations, secrets=secrets)
        ]
        if self.transport is not None:
            lake = args.lake
            accounts.append(
                ServiceAccountSpec(
                    name=LOG_WRITER,
                    annotations=lake.service_account_annotations(LOG_WRITER) if lake else {},
                )
            )
            if self.transport is LogTransport.KAFKA:
                allows.append(
                    NetworkAllow(
                        name="to-kafka",
                        direction=Direction.EGRESS,
                        namespaces=(KAFKA_NAMESPACE,),
                        ports=(int(KAFKA_BOOTSTRAP.rsplit(":", 1)[1]),),
                        pods=writer,
                    )
                )
            if lake is not None and lake.catalog is CatalogKind.REST:
                allows.append(
                    NetworkAllow(
                        name="writer-to-lake",
                        direction=Direction.EGRESS,
                        namespaces=("lake",),
                        ports=(seaweedfs.S3_PORT, polaris.PORT),
                        pods=writer,
                    )
                )
            elif lake is not None:
                # S3, Glue and STS (IRSA) are AWS endpoints reached over HTTPS.
                allows.append(
                    NetworkAllow(
                        name="writer-to-aws-apis",
                        direction=Direction.EGRESS,
                        cidr="0.0.0.0/0",
                        ports=(443,),
                        pods=writer,
                    )
                )
        return PlatformNamespace(
            f"{self._name}-ns",
            PlatformNamespaceArgs(
                namespace=NAMESPACE,
                pod_security=pod_security(args.mesh, gpus > 0),
                quota=serving_quota(groups, high, gpus),
                service_accounts=tuple(accounts),
                allows=tuple(allows),
                mesh_injection=args.mesh,
            ),
            pulumi.ResourceOptions(parent=self),
        )

    def _operator(self, args: ServingArgs) -> pulumi.Resource | None:
        if self.backend not in (ServingBackend.SELDON, ServingBackend.KSERVE):
            return None
        webhook = (
            seldon.WEBHOOK_PORT if self.backend is ServingBackend.SELDON else (kserve.WEBHOOK_PORT)
        )
        ns = PlatformNamespace(
            f"{self._name}-operator-ns",
            PlatformNamespaceArgs(
                namespace=OPERATOR_NAMESPACE,
                pod_security=PodSecurity.RESTRICTED,
                quota=Quota(cpu="4", memory="8Gi", gpus=0, pods=20),
                allow_api_server=True,
                allows=(
                    # The API server calls the admission webhooks; its address cannot be
                    # named portably, so the webhook port is open to any peer.
                    NetworkAllow(
                        name="webhook-from-api-server",
                        direction=Direction.INGRESS,
                        any_peer=True,
                        ports=(webhook,),
                    ),
                ),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        opts = pulumi.ResourceOptions(parent=self, depends_on=ns.ready)
        if self.backend is ServingBackend.SELDON:
            url = LOG_WRITER_URL if self.transport is not None else None
            return pinned_release(
                f"{self._name}-seldon-core",
                release_name="seldon-core",
                pin=pins.SELDON_CORE_OPERATOR,
                namespace=OPERATOR_NAMESPACE,
                values=seldon.values(mesh=args.mesh, request_logger_url=url),
                opts=opts,
            )
        crds = pinned_release(
            f"{self._name}-kserve-crd",
            release_name="kserve-crd",
            pin=pins.KSERVE_CRD,
            namespace=OPERATOR_NAMESPACE,
            values={},
            opts=opts,
        )
        return pinned_release(
            f"{self._name}-kserve",
            release_name="kserve",
            pin=pins.KSERVE,
            namespace=OPERATOR_NAMESPACE,
            values=kserve.values(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*ns.ready, crds]),
        )
