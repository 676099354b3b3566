"""Model serving, run under mocks in preview and update mode: per tier what exists (PoC: the
simple server only; expert: canary, A/B, shadow and request logging), every rendered object
valid (K8S-01), hardened (K8S-03/04/06/08), available (K8S-10) and internal (K8S-11); the
stack's backend and canary weight overrides; bad overrides as one line and exit 1."""

from __future__ import annotations

from typing import Any

import pytest

from aiplat.harness import Capture, CapturedResource, run_program
from aiplat.manifests import Manifest, crd_dir, has_crd_schema, manifests, validate
from aiplat.stackfiles import load
from components.hardening import GPU_RESOURCE
from components.lake_access import IRSA_ANNOTATION
from components.serving_backends import LOG_WRITER_URL
from components.serving_objects import pod_specs
from components.serving_plan import KAFKA_BOOTSTRAP
from tiers import pins

SERVING = "aiplat:serving:Serving"
RELEASE = "kubernetes:helm.sh/v3:Release"
MODES = [pytest.param(True, id="preview"), pytest.param(False, id="update")]
STACKS = ["poc-dev", "poc-local", "intermediate-dev", "intermediate-onprem", "expert-prod"]
WORKLOADS = ("Deployment", "SeldonDeployment", "InferenceService")
K8S = "1.35"

both_modes = pytest.mark.parametrize("preview", MODES)
every_stack = pytest.mark.parametrize("stack", STACKS)
_overrides: dict[tuple[str, tuple[tuple[str, str], ...]], Capture] = {}


def serving_resources(cap: Capture) -> list[CapturedResource]:
    """Every resource under a Serving component (its namespaces, releases and objects)."""
    return cap.under(SERVING)


def objects(cap: Capture) -> list[Manifest]:
    return manifests(serving_resources(cap))


def of_kind(cap: Capture, kind: str) -> list[Manifest]:
    return [m for m in objects(cap) if m.kind == kind]


def by_name(cap: Capture, kind: str) -> dict[str, dict[str, Any]]:
    return {m.name: m.body for m in of_kind(cap, kind)}


def with_overrides(stack: str, preview: bool, **overrides: str) -> Capture:
    key = (stack, tuple(sorted(overrides.items())))
    if (key, preview) not in _overrides:
        values = {**load(stack).engine_values(), **overrides}
        _overrides[(key, preview)] = run_program(stack, values, preview=preview)
    return _overrides[(key, preview)]


def split(body: dict[str, Any]) -> dict[str, int | str]:
    """A SeldonDeployment's predictors: name -> traffic percent, or "shadow"."""
    return {
        p["name"]: "shadow" if p.get("shadow") else p["traffic"] for p in body["spec"]["predictors"]
    }


def routes(body: dict[str, Any]) -> dict[str, int]:
    (http,) = body["spec"]["http"]
    return {r["destination"]["host"].split(".")[0]: r["weight"] for r in http["route"]}


# ---- what each tier runs ----------------------------------------------------------------


@both_modes
def test_poc_dev_runs_only_the_simple_model_server(capture, preview):
    cap = capture("poc-dev", preview)
    kinds = {(m.kind, m.name) for m in objects(cap) if m.namespace == "seldon"}
    workloads = {k for k in kinds if k[0] not in {"NetworkPolicy", "ResourceQuota", "LimitRange"}}
    assert workloads == {
        ("ServiceAccount", "model-server"),
        ("Deployment", "reference-model"),
        ("Service", "reference-model"),
        ("HorizontalPodAutoscaler", "reference-model"),
        ("PodDisruptionBudget", "reference-model"),
    }
    assert not [r for r in serving_resources(cap) if r.type == RELEASE]
    (deployment,) = of_kind(cap, "Deployment")
    (server,) = deployment.body["spec"]["template"]["spec"]["containers"]
    assert server["image"] == "docker.io/seldonio/mlserver:1.6.1"
    assert GPU_RESOURCE not in server["resources"]["limits"]
    (hpa,) = of_kind(cap, "HorizontalPodAutoscaler")
    assert hpa.api_version == "autoscaling/v2"
    assert (hpa.body["spec"]["minReplicas"], hpa.body["spec"]["maxReplicas"]) == (1, 3)


@both_modes
def test_expert_prod_runs_canary_ab_shadow_and_request_logging_through_kafka(capture, preview):
    cap = capture("expert-prod", preview)
    deployments = by_name(cap, "SeldonDeployment")
    # Two regions, one cluster each: the same two SeldonDeployments in both.
    assert len(of_kind(cap, "SeldonDeployment")) == 4
    main = deployments["reference-model"]
    assert split(main) == {"main": 90, "canary": 10, "shadow": "shadow"}
    assert split(deployments["reference-model-ab"]) == {"a": 50, "b": 50}
    logged = [
        m.body
        for m in of_kind(cap, "SeldonDeployment")
        if m.name == "reference-model" and "logger" in m.body["spec"]["predictors"][0]["graph"]
    ]
    # Every region reaches the lake (the secondary through its own roles), so both log.
    assert len(logged) == 2, "each region's reference model logs its requests"
    for body in logged:
        for predictor in body["spec"]["predictors"]:
            # The executor posts to the writer, which keeps the events in Kafka; it has no
            # Kafka producer settings of its own (aiplat/lake/log_relay.py says why).
            assert predictor["graph"]["logger"] == {"mode": "all", "url": LOG_WRITER_URL}
            assert "svcOrchSpec" not in predictor
    writers = [m for m in of_kind(cap, "Deployment") if m.name == "serving-log-writer"]
    assert len(writers) == 2  # one per region, each consuming its own cluster's Kafka
    for deployment in writers:
        pod = deployment.body["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "serving-log-writer"
        (writer,) = pod["containers"]
        writer_env = {e["name"]: e["value"] for e in writer["env"]}
        assert writer_env["FEATURE_LOG_TABLE"] == "ml.feature_log"
        assert writer_env["PREDICTION_LOG_TABLE"] == "ml.prediction_log"
        assert writer_env["KAFKA_BOOTSTRAP_SERVERS"] == KAFKA_BOOTSTRAP
        assert writer_env["KAFKA_REQUEST_TOPIC"] == "ml.feature_log"
        assert writer_env["KAFKA_RESPONSE_TOPIC"] == "ml.prediction_log"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["kafka-tls"]["secret"]["secretName"] == "serving-kafka-client"
    # The writer's CA comes with its own certificate from the internal CA, the issuer of
    # Kafka's listener certificate too.
    certificates = [m for m in of_kind(cap, "Certificate") if m.namespace == "seldon"]
    assert len(certificates) == 2
    for certificate in certificates:
        spec = certificate.body["spec"]
        assert spec["secretName"] == "serving-kafka-client"
        assert spec["issuerRef"]["name"] == "aiplat-ca"

    accounts = [m.body for m in of_kind(cap, "ServiceAccount") if m.name == "serving-log-writer"]
    assert len(accounts) == 2
    for account in accounts:
        annotations = account["metadata"]["annotations"]
        assert set(annotations) == {IRSA_ANNOTATION}
        if not preview:
            assert annotations[IRSA_ANNOTATION].startswith("arn:aws:iam::")
    if not preview:  # each region's writer has its own region's role
        assert len({a["metadata"]["annotations"][IRSA_ANNOTATION] for a in accounts}) == 2


@both_modes
def test_intermediate_runs_the_seldon_v1_operator_pinned_at_its_last_apache_release(
    capture, preview
):
    cap = capture("intermediate-dev", preview)
    (release,) = [r for r in serving_resources(cap) if r.type == RELEASE]
    pin = pins.SELDON_CORE_OPERATOR
    assert (release.inputs["chart"], release.inputs["version"]) == (pin.chart, "1.17.1")
    assert pin.licence == "Apache-2.0"
    assert release.inputs["namespace"] == "serving-system"
    assert release.inputs["values"]["usageMetrics"] == {"enabled": False}
    assert release.inputs["values"]["istio"]["enabled"] is True
    deployments = by_name(cap, "SeldonDeployment")
    assert split(deployments["reference-model"]) == {"main": 90, "canary": 10}
    assert "reference-model-ab" not in deployments  # intermediate runs no A/B tests


@both_modes
def test_gpu_models_land_on_the_inference_pool_with_a_gpu_limit(capture, preview):
    cap = capture("intermediate-onprem", preview)
    specs = [s for m in of_kind(cap, "SeldonDeployment") for s in pod_specs(m.kind, m.body)]
    assert specs
    for spec in specs:
        assert spec["nodeSelector"] == {"aiplat.io/pool": "inference"}
        assert {
            "key": GPU_RESOURCE,
            "operator": "Equal",
            "value": "true",
            "effect": "NoSchedule",
        } in (spec["tolerations"])
        (model,) = spec["containers"]
        assert model["resources"]["limits"][GPU_RESOURCE] == "1"


@every_stack
@both_modes
def test_k8s_02_the_serving_namespace_is_baseline_only_where_sidecars_or_gpus_run(
    capture, stack, preview
):
    cap = capture(stack, preview)
    for namespace in of_kind(cap, "Namespace"):
        labels = namespace.body["metadata"]["labels"]
        level = labels["pod-security.kubernetes.io/enforce"]
        if namespace.name == "serving-system":
            assert level == "restricted"
        elif stack.startswith("poc"):
            assert level == "restricted" and "istio-injection" not in labels
        else:
            assert level == "baseline" and labels["istio-injection"] == "enabled"


# ---- every object: valid, hardened, available, internal ---------------------------------


@every_stack
@both_modes
def test_k8s_01_every_rendered_object_validates(capture, stack, preview):
    found = objects(capture(stack, preview))
    custom = [m for m in found if not m.built_in]
    if custom and not crd_dir().is_dir():
        pytest.skip(f"CRD schemas not found at {crd_dir()}: custom resources not validated")
    for manifest in custom:
        assert has_crd_schema(manifest), f"no pinned CRD schema for {manifest.kind}"
    for manifest in found:
        assert validate(manifest, K8S) == [], (manifest.kind, manifest.name)


def _check_pod(spec: dict[str, Any], where: str) -> None:
    assert spec["serviceAccountName"] not in ("", "default"), where
    assert spec["automountServiceAccountToken"] is False, where
    assert not (spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC")), where
    assert spec["securityContext"]["runAsNonRoot"] is True, where
    assert spec["affinity"]["podAntiAffinity"], where  # K8S-10
    for container in spec["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["capabilities"] == {"drop": ["ALL"]}, where
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, where
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), where
        assert {"cpu", "memory"} <= set(resources["limits"]), where
        assert container["readinessProbe"] and container["livenessProbe"], where  # K8S-10
        assert "valueFrom" not in str(container.get("env", [])), where  # K8S-09
        if "image" in container:
            tag = container["image"].rsplit(":", 1)[1]
            assert tag and tag != "latest", where  # K8S-08


@every_stack
@both_modes
def test_k8s_03_04_06_08_10_every_pod_template_is_hardened(capture, stack, preview):
    checked = 0
    for manifest in objects(capture(stack, preview)):
        for spec in pod_specs(manifest.kind, manifest.body):
            _check_pod(spec, f"{manifest.kind}/{manifest.name}")
            checked += 1
    assert checked


@every_stack
@both_modes
def test_k8s_10_every_serving_workload_has_a_disruption_budget(capture, stack, preview):
    cap = capture(stack, preview)
    budgets = [
        m.body["spec"]["selector"]["matchLabels"] for m in of_kind(cap, "PodDisruptionBudget")
    ]
    for deployment in of_kind(cap, "Deployment"):
        labels = deployment.body["spec"]["template"]["metadata"]["labels"]
        assert any(b.items() <= labels.items() for b in budgets), deployment.name
    for seldon in of_kind(cap, "SeldonDeployment"):
        for predictor in seldon.body["spec"]["predictors"]:
            for component in predictor["componentSpecs"]:
                assert component["pdbSpec"] == {"maxUnavailable": 1}
                assert component["hpaSpec"]["maxReplicas"] >= component["hpaSpec"]["minReplicas"]


@every_stack
@both_modes
def test_k8s_11_no_service_is_exposed_outside_the_cluster(capture, stack, preview):
    for service in of_kind(capture(stack, preview), "Service"):
        assert service.body["spec"]["type"] == "ClusterIP", service.name


# ---- stack overrides --------------------------------------------------------------------


@both_modes
def test_the_stacks_canary_weight_appears_in_the_seldon_traffic_split(preview):
    cap = with_overrides("advanced-dev", preview, canaryWeight="30")
    deployments = by_name(cap, "SeldonDeployment")
    assert split(deployments["reference-model"]) == {"main": 70, "canary": 30, "shadow": "shadow"}


@both_modes
def test_kserve_runs_raw_deployments_split_and_mirrored_by_istio(preview):
    cap = with_overrides("advanced-dev", preview, servingBackend="kserve", canaryWeight="25")
    releases = {r.inputs["name"]: r for r in serving_resources(cap) if r.type == RELEASE}
    assert set(releases) == {"kserve-crd", "kserve"}
    assert releases["kserve"].inputs["version"] == pins.KSERVE.version
    assert releases["kserve"].inputs["values"]["kserve"]["controller"]["deploymentMode"] == (
        "RawDeployment"
    )
    services = by_name(cap, "InferenceService")
    assert set(services) == {
        "reference-model-main",
        "reference-model-canary",
        "reference-model-shadow",
        "reference-model-ab-a",
        "reference-model-ab-b",
    }
    for body in services.values():
        assert body["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == (
            "RawDeployment"
        )
        assert body["spec"]["predictor"]["logger"]["url"].startswith("http://serving-log-writer.")
    splits = by_name(cap, "VirtualService")
    assert routes(splits["reference-model"]) == {
        "reference-model-main-predictor": 75,
        "reference-model-canary-predictor": 25,
    }
    (http,) = splits["reference-model"]["spec"]["http"]
    assert http["mirror"]["host"].startswith("reference-model-shadow-predictor.")
    assert routes(splits["reference-model-ab"]) == {
        "reference-model-ab-a-predictor": 50,
        "reference-model-ab-b-predictor": 50,
    }
    budgets = {m.name for m in of_kind(cap, "PodDisruptionBudget")}
    assert {f"{name}-predictor" for name in services} <= budgets
    for manifest in objects(cap):
        assert validate(manifest, K8S) == [], (manifest.kind, manifest.name)
        for spec in pod_specs(manifest.kind, manifest.body):
            _check_pod(spec, f"{manifest.kind}/{manifest.name}")


@both_modes
def test_tf_serving_runs_pinned_deployments_split_by_istio_without_an_operator(preview):
    cap = with_overrides("intermediate-dev", preview, servingBackend="tfserving")
    assert not [r for r in serving_resources(cap) if r.type == RELEASE]
    images = {
        m.name: m.body["spec"]["template"]["spec"]["containers"][0]["image"]
        for m in of_kind(cap, "Deployment")
    }
    assert images == {
        "reference-model-main": "docker.io/tensorflow/serving:2.18.0-gpu",
        "reference-model-canary": "docker.io/tensorflow/serving:2.18.0-gpu",
    }
    assert routes(by_name(cap, "VirtualService")["reference-model"]) == {
        "reference-model-main": 90,
        "reference-model-canary": 10,
    }
    for manifest in objects(cap):
        assert validate(manifest, K8S) == [], (manifest.kind, manifest.name)


# ---- bad input ------------------------------------------------------------------------


def write_stack(tmp_path, body: str) -> str:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(body)
    return str(path)


BAD_SERVING = {
    "unknown backend": (
        "aiplat:tier: advanced\n  aiplat:environment: dev\n  aiplat:servingBackend: triton\n",
        "error: aiplat:servingBackend: Input should be 'seldon', 'tfserving' or 'kserve' "
        "(got 'triton'); fix: correct aiplat:servingBackend in the stack file",
    ),
    "weight above 100": (
        "aiplat:tier: advanced\n  aiplat:environment: dev\n  aiplat:canaryWeight: 150\n",
        "error: aiplat:canaryWeight: must be a percentage of traffic between 0 and 100 "
        "(got 150); fix: correct aiplat:canaryWeight in the stack file",
    ),
    "negative weight": (
        "aiplat:tier: advanced\n  aiplat:environment: dev\n  aiplat:canaryWeight: -5\n",
        "error: aiplat:canaryWeight: must be a percentage of traffic between 0 and 100 (got -5)",
    ),
    "backend the tier lacks": (
        "aiplat:tier: intermediate\n  aiplat:environment: dev\n  aiplat:servingBackend: kserve\n",
        "error: aiplat:servingBackend: tier intermediate does not run kserve (it serves with: "
        "seldon, tfserving); fix: remove aiplat:servingBackend, or choose a backend the tier "
        "offers",
    ),
    "canary on a tier without one": (
        "aiplat:tier: poc\n  aiplat:environment: dev\n  aiplat:canaryWeight: 20\n",
        "error: aiplat:canaryWeight: tier poc runs no canary; fix: remove aiplat:canaryWeight "
        "from the stack file",
    ),
}


@pytest.mark.parametrize("case", BAD_SERVING)
def test_a_bad_backend_or_weight_gets_one_line_naming_the_field_and_exit_one(cli, tmp_path, case):
    body, expected = BAD_SERVING[case]
    code, out, err = cli("preview", "--stack", write_stack(tmp_path, f"config:\n  {body}"))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err


SELDON_TYPE = "kubernetes:machinelearning.seldon.io/v1:SeldonDeployment"


def ignored(cap: Capture, type_: str) -> dict[str, tuple[str, ...]]:
    """ignoreChanges of every captured resource of a type, by object name."""
    return {
        r.inputs["metadata"]["name"]: r.ignore_changes for r in cap.resources if r.type == type_
    }


def test_pulumi_up_leaves_the_reference_models_weights_and_models_to_the_pipeline(capture):
    cap = capture("advanced-dev", False)
    assert ignored(cap, SELDON_TYPE) == {
        "reference-model": (
            "spec.predictors[*].traffic",
            'spec.predictors[*].annotations["aiplat.io/model-uri"]',
        ),
        "reference-model-ab": (),  # the A/B test is not the pipeline's
    }


def test_on_kserve_pulumi_up_leaves_the_split_and_the_variants_models_to_the_pipeline():
    values = {**load("advanced-dev").engine_values(), "servingBackend": "kserve"}
    cap = run_program("advanced-dev", values, preview=True)
    split = ignored(cap, "kubernetes:networking.istio.io/v1:VirtualService")
    assert split["reference-model"] == ("spec.http[*].route[*].weight",)
    assert split["reference-model-ab"] == ()
    variants = ignored(cap, "kubernetes:serving.kserve.io/v1beta1:InferenceService")
    owned = {n for n, paths in variants.items() if paths}
    assert owned == {"reference-model-main", "reference-model-canary"}
    assert variants["reference-model-main"] == ("spec.predictor.model.storageUri",)


def test_tf_serving_leaves_nothing_to_the_pipeline():
    values = {**load("advanced-dev").engine_values(), "servingBackend": "tfserving"}
    cap = run_program("advanced-dev", values, preview=True)
    assert not [r for r in cap.resources if r.ignore_changes]
