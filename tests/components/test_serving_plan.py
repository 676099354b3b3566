"""Serving's pure decisions as tables: replicas, traffic groups and their checks, the
request-log transport, namespace security and quota."""

from __future__ import annotations

from dataclasses import replace

import pytest

from components.platform_namespace import PodSecurity
from components.serving_objects import Variant
from components.serving_plan import (
    AB_GROUP,
    LogTransport,
    check_traffic,
    log_transport,
    operator_backend,
    pod_security,
    replicas,
    serving_quota,
    variant_groups,
)
from tiers import TIERS
from tiers.model import Environment, ServingBackend, ServingEngine, ServingSpec, Tier

POC = TIERS[Tier.POC].stacks.serving
INTERMEDIATE = TIERS[Tier.INTERMEDIATE].stacks.serving
EXPERT = TIERS[Tier.EXPERT].stacks.serving


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (POC, None),
        (INTERMEDIATE, ServingBackend.SELDON),
        (replace(EXPERT, backend=ServingBackend.KSERVE), ServingBackend.KSERVE),
        (replace(EXPERT, backend=ServingBackend.TFSERVING), ServingBackend.TFSERVING),
    ],
)
def test_the_operator_backend_is_the_specs_backend_when_it_runs_an_operator(spec, expected):
    assert operator_backend(spec) is expected


def test_a_backend_outside_the_tiers_engines_is_refused_with_the_engines_it_offers():
    spec = replace(INTERMEDIATE, backend=ServingBackend.KSERVE)
    with pytest.raises(ValueError) as error:
        operator_backend(spec)
    assert str(error.value) == (
        "serving backend kserve is not one of the tier's engines (seldon, tfserving)"
    )


@pytest.mark.parametrize(
    ("spec", "environment", "expected"),
    [
        (POC, Environment.DEV, (1, 3)),
        (INTERMEDIATE, Environment.DEV, (1, 3)),
        (INTERMEDIATE, Environment.STAGING, (2, 8)),
        (EXPERT, Environment.PROD, (3, 12)),
    ],
)
def test_replicas_follow_the_environment_and_the_tiers_minimum(spec, environment, expected):
    assert replicas(spec, environment) == expected


def _split(spec: ServingSpec) -> dict[str, list[tuple[str, int, bool]]]:
    return {g: [(v.name, v.weight, v.shadow) for v in vs] for g, vs in variant_groups(spec).items()}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (POC, {"reference-model": [("main", 100, False)]}),
        (
            INTERMEDIATE,
            {"reference-model": [("main", 90, False), ("canary", 10, False)]},
        ),
        (
            replace(EXPERT, canary_weight=25),
            {
                "reference-model": [
                    ("main", 75, False),
                    ("canary", 25, False),
                    ("shadow", 0, True),
                ],
                AB_GROUP: [("a", 50, False), ("b", 50, False)],
            },
        ),
        (
            replace(EXPERT, canary_weight=100, ab_tests=False, shadow=False),
            {"reference-model": [("main", 0, False), ("canary", 100, False)]},
        ),
    ],
)
def test_traffic_groups_follow_the_canary_ab_and_shadow_flags(spec, expected):
    assert _split(spec) == expected


def test_splits_without_the_mesh_are_refused_with_the_fix():
    with pytest.raises(ValueError) as error:
        check_traffic(variant_groups(INTERMEDIATE), mesh=False)
    assert str(error.value) == (
        "serving group reference-model: canary, A/B and shadow traffic need the mesh "
        "(Istio); turn the tier's mesh on or its canary, ab_tests and shadow off"
    )


def test_live_weights_must_sum_to_100():
    groups = {"m": (Variant(name="a", weight=60), Variant(name="b", weight=30))}
    with pytest.raises(ValueError) as error:
        check_traffic(groups, mesh=True)
    assert str(error.value) == "serving group m: live traffic weights must sum to 100"


def test_a_single_variant_needs_no_mesh():
    check_traffic(variant_groups(POC), mesh=False)


@pytest.mark.parametrize(
    ("logging", "backend", "kafka", "expected"),
    [
        (False, ServingBackend.SELDON, True, None),
        (True, None, True, None),
        (True, ServingBackend.TFSERVING, True, None),
        (True, ServingBackend.SELDON, True, LogTransport.KAFKA),
        (True, ServingBackend.SELDON, False, LogTransport.HTTP),
        (True, ServingBackend.KSERVE, True, LogTransport.KAFKA),
        (True, ServingBackend.KSERVE, False, LogTransport.HTTP),
    ],
)
def test_request_logs_are_kept_in_kafka_wherever_the_tier_runs_it(
    logging, backend, kafka, expected
):
    spec = replace(EXPERT, request_logging=logging)
    assert log_transport(spec, backend, kafka) is expected


@pytest.mark.parametrize(
    ("mesh", "gpu", "expected"),
    [
        (False, False, PodSecurity.RESTRICTED),
        (True, False, PodSecurity.BASELINE),
        (False, True, PodSecurity.BASELINE),
        (True, True, PodSecurity.BASELINE),
    ],
)
def test_the_namespace_is_baseline_only_where_sidecars_or_gpus_run(mesh, gpu, expected):
    assert pod_security(mesh, gpu) is expected


def test_the_quota_leaves_room_for_every_variant_at_full_scale():
    quota = serving_quota(variant_groups(EXPERT), max_replicas=12, gpus_per_pod=1)
    assert quota.gpus == 5 * 12
    assert quota.pods == (5 * 12 + 4) * 2
    assert serving_quota(variant_groups(POC), max_replicas=3, gpus_per_pod=0).gpus == 0


def test_the_tier_spec_refuses_a_canary_weight_outside_0_to_100():
    with pytest.raises(ValueError, match="canary_weight must be 0-100"):
        ServingSpec(engines=frozenset({ServingEngine.SELDON}), canary_weight=101)


def test_the_backend_maps_to_its_engine():
    assert {b.engine for b in ServingBackend} == {
        ServingEngine.SELDON,
        ServingEngine.TF_SERVING,
        ServingEngine.KSERVE,
    }


def _rows(tier: str, environment: str, **overrides: object) -> dict[str, str]:
    from aiplat.summary import platform_summary
    from tiers import TIERS
    from tiers.model import Tier
    from tiers.resolve import resolve
    from tiers.stack_config import parse_config

    # the tier's edge sites are clusters the stack brings: each needs a kubeconfig
    sites = {s.name: {"kubeconfig": f"{s.name}.yaml"} for s in TIERS[Tier(tier)].edge_sites}
    config = parse_config(
        {"tier": tier, "environment": environment, "edgeSites": sites, **overrides}
    )
    return dict(platform_summary(resolve("s", config)))


@pytest.mark.parametrize(
    ("tier", "overrides", "expected"),
    [
        (
            "poc",
            {},
            {"serving backend": "simple model server", "rollouts": "none", "online store": "none"},
        ),
        (
            "intermediate",
            {"target": "kubernetes"},
            {
                "serving backend": "seldon",
                "rollouts": "canary",
                "canary weight": "10%",
                "online store": "Valkey (in-cluster)",
            },
        ),
        (
            "expert",
            {"servingBackend": "kserve", "canaryWeight": 35},
            {
                "serving backend": "kserve",
                "rollouts": "canary, A/B, shadow",
                "canary weight": "35%",
                "request logging": "prediction and feature logs to the lake",
                "online store": "ElastiCache for Valkey",
            },
        ),
    ],
)
def test_the_preview_summary_shows_backend_canary_weight_and_online_store(
    tier, overrides, expected
):
    rows = _rows(tier, "prod", **overrides)
    assert {k: rows.get(k) for k in expected} == expected
    if "canary weight" not in expected:
        assert "canary weight" not in rows
