"""Pure decisions of model serving: replicas, traffic splits, request-log transport,
namespace security and quota. Tested as tables in tests/components/test_serving_plan.py."""

from __future__ import annotations

from enum import StrEnum

from components.platform_namespace import PodSecurity, Quota
from components.serving_objects import REFERENCE_MODEL, Variant
from tiers.model import Environment, ServingBackend, ServingEngine, ServingSpec

# The Kafka cluster helper h6a installs (Strimzi, namespace ``kafka``); TLS listener.
KAFKA_NAMESPACE = "kafka"
KAFKA_BOOTSTRAP = "aiplat-kafka-kafka-bootstrap.kafka.svc:9093"
# Topics the request logger writes and the log writer reads (data, not code).
SERVING_LOG_TOPICS: dict[str, str] = {
    "requests": "aiplat.serving.requests",  # -> ml.feature_log
    "responses": "aiplat.serving.responses",  # -> ml.prediction_log
}
LOG_TABLES: dict[str, str] = {"requests": "ml.feature_log", "responses": "ml.prediction_log"}
AB_GROUP = f"{REFERENCE_MODEL}-ab"


class LogTransport(StrEnum):
    KAFKA = "kafka"  # Seldon's executor writes CloudEvents to Kafka; the writer consumes
    HTTP = "http"  # the request logger posts CloudEvents to the writer's Service


def operator_backend(spec: ServingSpec) -> ServingBackend | None:
    """The operator backend the spec runs, or None when it serves with the simple server
    only. The backend must be one of the tier's engines."""
    operators = spec.engines - {ServingEngine.SIMPLE}
    if not operators:
        return None
    if spec.backend.engine not in spec.engines:
        offered = ", ".join(sorted(b.value for b in ServingBackend if b.engine in spec.engines))
        raise ValueError(
            f"serving backend {spec.backend.value} is not one of the tier's engines ({offered})"
        )
    return spec.backend


def replicas(spec: ServingSpec, environment: Environment) -> tuple[int, int]:
    """(min, max) replicas of a model: dev runs one, scaling to 3; staging and prod run the
    tier's minimum and scale to four times it."""
    if environment is Environment.DEV:
        return 1, 3
    return spec.min_replicas, spec.min_replicas * 4


def variant_groups(spec: ServingSpec) -> dict[str, tuple[Variant, ...]]:
    """Traffic groups, by the name clients call: the reference model (main, plus a canary
    at ``canary_weight`` percent and a shadow when on) and, with A/B tests, an even split."""
    main: list[Variant] = []
    if spec.canary:
        main += [
            Variant(name="main", weight=100 - spec.canary_weight),
            Variant(name="canary", weight=spec.canary_weight),
        ]
    else:
        main.append(Variant(name="main", weight=100))
    if spec.shadow:
        main.append(Variant(name="shadow", weight=0, shadow=True))
    groups = {REFERENCE_MODEL: tuple(main)}
    if spec.ab_tests:
        groups[AB_GROUP] = (Variant(name="a", weight=50), Variant(name="b", weight=50))
    return groups


def check_traffic(groups: dict[str, tuple[Variant, ...]], mesh: bool) -> None:
    """Weighted splits and shadows are routed by the mesh (Istio): refuse them without it."""
    for group, variants in groups.items():
        live = [v for v in variants if not v.shadow]
        if sum(v.weight for v in live) != 100:
            raise ValueError(f"serving group {group}: live traffic weights must sum to 100")
        if len(variants) > 1 and not mesh:
            raise ValueError(
                f"serving group {group}: canary, A/B and shadow traffic need the mesh "
                "(Istio); turn the tier's mesh on or its canary, ab_tests and shadow off"
            )


def log_transport(
    spec: ServingSpec, backend: ServingBackend | None, kafka: bool
) -> LogTransport | None:
    """How request/response logs reach the lake's log writer: through Kafka when the tier
    runs it and the backend's logger can write to it (Seldon), else over HTTP (Seldon,
    KServe); None when logging is off or the backend has no request logger (TF Serving)."""
    if not spec.request_logging or backend in (None, ServingBackend.TFSERVING):
        return None
    if kafka and backend is ServingBackend.SELDON:
        return LogTransport.KAFKA
    return LogTransport.HTTP


def pod_security(mesh: bool, gpu: bool) -> PodSecurity:
    """Baseline where Istio sidecars or GPU pods run; restricted otherwise (K8S-02)."""
    return PodSecurity.BASELINE if mesh or gpu else PodSecurity.RESTRICTED


def serving_quota(
    groups: dict[str, tuple[Variant, ...]], max_replicas: int, gpus_per_pod: int
) -> Quota:
    """Room for every variant at its maximum scale, plus the log writer and rollouts."""
    pods = sum(len(v) for v in groups.values()) * max_replicas + 4
    return Quota(
        cpu=str(pods * 2),
        memory=f"{pods * 4}Gi",
        gpus=sum(len(v) for v in groups.values()) * max_replicas * gpus_per_pod,
        pods=pods * 2,
    )
