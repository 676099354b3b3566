"""Pure decisions of model serving: replicas, traffic splits, request-log transport,
namespace security and quota. Tested as tables in tests/components/test_serving_plan.py."""

from __future__ import annotations

from enum import StrEnum

from components.platform_namespace import PodSecurity, Quota
from components.serving_objects import REFERENCE_MODEL, Variant
from components.values import kafka_topics, strimzi
from tiers.model import Environment, ServingBackend, ServingEngine, ServingSpec

# The platform's Kafka (Strimzi, components/data_engines_streaming.py); TLS listener.
KAFKA_NAMESPACE = strimzi.NAMESPACE
KAFKA_BOOTSTRAP = strimzi.BOOTSTRAP
# Topics the log writer produces to and consumes from (data, not code).
SERVING_LOG_TOPICS: dict[str, str] = {
    "requests": kafka_topics.FEATURE_LOG_TOPIC,  # -> the lake's ml.feature_log
    "responses": kafka_topics.PREDICTION_LOG_TOPIC,  # -> the lake's ml.prediction_log
}
LOG_TABLES: dict[str, str] = {"requests": "ml.feature_log", "responses": "ml.prediction_log"}
AB_GROUP = f"{REFERENCE_MODEL}-ab"


class LogTransport(StrEnum):
    KAFKA = "kafka"  # the writer produces events to the log topics and consumes them
    HTTP = "http"  # the writer buffers events in memory and appends them in batches


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
    """Where the log writer keeps the request loggers' events until they are in the lake:
    in the log topics when the tier runs Kafka in the cluster, else in memory. Either way
    the loggers (Seldon's executor, KServe's agent) post them to the writer over HTTP. None
    when logging is off or the backend has no request logger (TF Serving)."""
    if not spec.request_logging or backend in (None, ServingBackend.TFSERVING):
        return None
    return LogTransport.KAFKA if kafka else LogTransport.HTTP


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
