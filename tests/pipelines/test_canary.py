"""The canary steps' patches, as tables, on the objects Serving renders: a Seldon canary is a
weighted second predictor whose pods fetch the new model (and the patched SeldonDeployment
still validates against the pinned CRD schema); promotion carries the canary's model to the
stable, rollback keeps the stable's; only weights and models change, never the predictors;
a KServe canary is the Istio split in front of the variants;
weights outside 0-100 and backends without a split are refused with one line; every call a
step makes is one its RBAC allows."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from aiplat.manifests import Manifest, crd_dir, has_crd_schema, validate_custom
from components import serving_model
from components.kubeflow_workloads import canary_rules
from components.serving_backends import MODEL_RESOURCES, MODEL_SA, NAMESPACE, kserve_objects
from components.serving_model import ModelSource, with_fetch
from components.serving_objects import (
    MLSERVER_LIVE,
    MLSERVER_PORT,
    MLSERVER_READY,
    REFERENCE_MODEL,
    ServerSpec,
    Variant,
    mlserver_env,
    mlserver_image,
    seldon_deployment,
)
from components.serving_plan import variant_groups
from pipelines import canary, steps
from pipelines.canary import CanaryError
from tiers.model import ServingEngine, ServingSpec

MODEL_URI = "s3://aiplat-artifacts/models/reference-model/run-1/model.joblib"
CURRENT = "s3://aiplat-artifacts/models/reference-model/current/model.joblib"
MAIN = Variant(name="main", weight=100)
SPLIT = (Variant(name="main", weight=90), Variant(name="canary", weight=10))
SHADOW = Variant(name="shadow", weight=0, shadow=True)


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as the API server applies the steps' patches."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def server(fetch: bool = True) -> ServerSpec:
    """The reference model's server as Serving renders it (fetching the current model)."""
    spec = ServerSpec(
        name=REFERENCE_MODEL,
        namespace=NAMESPACE,
        image_ref=mlserver_image(),
        port=MLSERVER_PORT,
        ready_path=MLSERVER_READY,
        live_path=MLSERVER_LIVE,
        service_account=MODEL_SA,
        resources=MODEL_RESOURCES,
        min_replicas=2,
        max_replicas=8,
        env=mlserver_env(REFERENCE_MODEL),
    )
    if not fetch:
        return spec
    return with_fetch(spec, ModelSource(uri=CURRENT, region="us-east-1"))


def live_seldon(*variants: Variant, fetch: bool = True) -> dict[str, Any]:
    """The SeldonDeployment Serving renders, as the API server returns it."""
    obj = seldon_deployment(REFERENCE_MODEL, NAMESPACE, variants, server(fetch))
    return {
        "apiVersion": obj.api_version,
        "kind": obj.kind,
        "metadata": {**obj.metadata, "resourceVersion": "41"},
        **obj.body,
    }


def split(sdep: dict[str, Any]) -> dict[str, int | str]:
    return {
        p["name"]: "shadow" if p.get("shadow") else p["traffic"] for p in sdep["spec"]["predictors"]
    }


def seldon_errors(sdep: dict[str, Any]) -> list[str]:
    manifest = Manifest(
        urn="urn:test",
        resource_name=REFERENCE_MODEL,
        group="machinelearning.seldon.io",
        version="v1",
        kind="SeldonDeployment",
        body=sdep,
    )
    if not has_crd_schema(manifest):
        pytest.skip(f"no SeldonDeployment CRD schema at {crd_dir()} (../shared/crds)")
    return validate_custom(manifest)


# ---- Seldon -----------------------------------------------------------------------------


def _deploy(percent: int):
    return lambda sdep: canary.seldon_deploy(sdep, percent, MODEL_URI)


@pytest.mark.parametrize(
    ("rendered", "step", "expected"),
    [
        pytest.param(SPLIT, _deploy(20), {"main": 80, "canary": 20}, id="deploy"),
        pytest.param(
            (*SPLIT, SHADOW),
            _deploy(25),
            {"main": 75, "canary": 25, "shadow": "shadow"},
            id="deploy-keeps-shadow",
        ),
        pytest.param(SPLIT, canary.seldon_promote, {"main": 100, "canary": 0}, id="promote"),
        pytest.param(
            (*SPLIT, SHADOW),
            canary.seldon_promote,
            {"main": 100, "canary": 0, "shadow": "shadow"},
            id="promote-keeps-shadow",
        ),
        pytest.param(SPLIT, canary.seldon_rollback, {"main": 100, "canary": 0}, id="rollback"),
        pytest.param(
            (*SPLIT, SHADOW),
            canary.seldon_rollback,
            {"main": 100, "canary": 0, "shadow": "shadow"},
            id="rollback-keeps-shadow",
        ),
    ],
)
def test_a_seldon_canary_moves_the_weights_of_the_tiers_predictors(rendered, step, expected):
    live = live_seldon(*rendered)
    patch = step(live)
    assert patch["metadata"] == {"resourceVersion": "41"}
    assert set(patch["spec"]) == {"predictors"}
    patched = merge(live, patch)
    assert split(patched) == expected
    # No predictor is added or removed: the structure stays what pulumi up renders.
    assert [p["name"] for p in patched["spec"]["predictors"]] == [v.name for v in rendered]
    assert seldon_errors(patched) == []


def only_owned_fields_differ(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """True when two SeldonDeployments differ only in what the steps own: traffic and the
    model annotation of each predictor (components/serving_backends.pipeline_owned)."""

    def strip(sdep: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for predictor in copy.deepcopy(sdep["spec"]["predictors"]):
            predictor.pop("traffic", None)
            predictor.get("annotations", {}).pop(canary.MODEL_ANNOTATION, None)
            out.append(predictor)
        return out

    return strip(before) == strip(after)


def test_the_seldon_canary_fetches_the_new_model_and_nothing_else_changes():
    live = live_seldon(*SPLIT)
    patched = merge(live, canary.seldon_deploy(live, 10, MODEL_URI))
    main, new = patched["spec"]["predictors"]
    assert (canary.model_of(main), canary.model_of(new)) == (CURRENT, MODEL_URI)
    assert "modelUri" not in new["graph"]
    assert only_owned_fields_differ(live, patched)


def test_promotion_gives_the_stable_the_canarys_model_and_all_the_traffic():
    live = live_seldon(*SPLIT)
    deployed = merge(live, canary.seldon_deploy(live, 10, MODEL_URI))
    promoted = merge(deployed, canary.seldon_promote(deployed))
    main, old = promoted["spec"]["predictors"]
    assert (main["traffic"], canary.model_of(main)) == (100, MODEL_URI)
    assert (old["traffic"], canary.model_of(old)) == (0, MODEL_URI)
    assert only_owned_fields_differ(live, promoted)


def test_rollback_keeps_the_stables_model_and_withdraws_the_canarys():
    live = live_seldon(*SPLIT)
    deployed = merge(live, canary.seldon_deploy(live, 10, MODEL_URI))
    main, old = merge(deployed, canary.seldon_rollback(deployed))["spec"]["predictors"]
    assert (main["traffic"], canary.model_of(main)) == (100, CURRENT)
    assert (old["traffic"], canary.model_of(old)) == (0, CURRENT)


def test_the_canary_names_the_annotation_serving_renders_and_the_fetch_reads():
    assert (canary.FETCH, canary.MODEL_ANNOTATION) == (
        serving_model.FETCH,
        serving_model.MODEL_ANNOTATION,
    )
    (predictor,) = live_seldon(MAIN)["spec"]["predictors"]
    assert canary.model_of(predictor) == serving_model.model_uri_of(predictor["annotations"])
    (component,) = predictor["componentSpecs"]
    (fetch,) = component["spec"]["initContainers"]
    (source,) = [e for e in fetch["env"] if e["name"] == serving_model.MODEL_URI_ENV]
    assert source["valueFrom"]["fieldRef"]["fieldPath"] == (
        f"metadata.annotations['{canary.MODEL_ANNOTATION}']"
    )


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            canary.seldon_promote,
            "SeldonDeployment reference-model has no 'canary' predictor; turn the tier's "
            "canary on so Serving renders one",
        ),
        (
            lambda s: canary.seldon_deploy(s, 10, MODEL_URI),
            "SeldonDeployment reference-model has no 'canary' predictor; turn the tier's "
            "canary on so Serving renders one",
        ),
        (
            lambda s: canary.seldon_deploy({**s, "spec": {"predictors": []}}, 10, MODEL_URI),
            "SeldonDeployment reference-model has no 'main' predictor; "
            "the canary steps act on the one aiplat's Serving renders",
        ),
    ],
)
def test_a_seldon_deployment_without_the_predictors_is_refused(step, message):
    with pytest.raises(CanaryError) as error:
        step(live_seldon(MAIN))
    assert str(error.value) == message


def test_a_malformed_model_uri_is_refused():
    with pytest.raises(CanaryError) as error:
        canary.seldon_deploy(live_seldon(*SPLIT), 10, "s3://aiplat-artifacts/models/")
    assert str(error.value) == (
        "model URI must be a published model file s3://<bucket>/<key> "
        "(got 's3://aiplat-artifacts/models/'); the export step's published_uri is one"
    )


def test_a_seldon_deployment_whose_pods_fetch_no_model_is_refused():
    with pytest.raises(CanaryError) as error:
        canary.seldon_deploy(live_seldon(*SPLIT, fetch=False), 10, MODEL_URI)
    assert str(error.value) == (
        "SeldonDeployment reference-model predictor canary has no fetch-model init container "
        "to load a model; Serving renders it when the stack has a lake"
    )


# ---- KServe: the Istio split ------------------------------------------------------------


def live_split(shadow: bool = False) -> dict[str, Any]:
    spec = ServingSpec(engines=frozenset({ServingEngine.KSERVE}), canary=True, shadow=shadow)
    objects = kserve_objects(variant_groups(spec), server(), None)
    (vs,) = [o for o in objects if o.kind == "VirtualService"]
    return {
        "apiVersion": vs.api_version,
        "kind": vs.kind,
        "metadata": {**vs.metadata, "resourceVersion": "7"},
        **vs.body,
    }


def weights(vs: dict[str, Any]) -> dict[str, int]:
    (http,) = vs["spec"]["http"]
    return {r["destination"]["host"].split(".")[0]: r["weight"] for r in http["route"]}


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (10, {"reference-model-main-predictor": 90, "reference-model-canary-predictor": 10}),
        (35, {"reference-model-main-predictor": 65, "reference-model-canary-predictor": 35}),
        (0, {"reference-model-main-predictor": 100, "reference-model-canary-predictor": 0}),
        (100, {"reference-model-main-predictor": 0, "reference-model-canary-predictor": 100}),
    ],
)
@pytest.mark.parametrize("shadow", [False, True])
def test_a_kserve_canary_shifts_the_weights_of_the_istio_split(percent, expected, shadow):
    live = live_split(shadow)
    patch = canary.split_routes(live, REFERENCE_MODEL, percent)
    assert patch["metadata"] == {"resourceVersion": "7"}
    patched = merge(live, patch)
    assert weights(patched) == expected
    (before,), (after,) = live["spec"]["http"], patched["spec"]["http"]
    assert after.get("mirror") == before.get("mirror")
    assert ("mirror" in after) is shadow


def test_a_split_without_a_canary_route_is_refused():
    live = live_split()
    live["spec"]["http"][0]["route"].pop()
    with pytest.raises(CanaryError) as error:
        canary.split_routes(live, REFERENCE_MODEL, 10)
    assert str(error.value) == (
        "VirtualService reference-model has no route to reference-model-canary-predictor; "
        "turn the tier's canary on so Serving renders the split"
    )


# ---- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("percent", [-1, 101, 250, 10.5, True, "10"])
@pytest.mark.parametrize(
    "step",
    [
        pytest.param(lambda p: canary.seldon_deploy(live_seldon(*SPLIT), p, MODEL_URI), id="sdep"),
        pytest.param(lambda p: canary.split_routes(live_split(), REFERENCE_MODEL, p), id="split"),
    ],
)
def test_weights_outside_0_to_100_are_refused_with_one_line(step, percent):
    with pytest.raises(CanaryError) as error:
        step(percent)
    assert str(error.value) == (
        f"canary_percent must be a whole percent between 0 and 100 (got {percent!r})"
    )


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        (
            "tfserving",
            "serving backend tfserving: TF Serving loads SavedModels from its pods' own volume, "
            "so a step cannot roll a new model out to it; serve the reference model with "
            "seldon or kserve (aiplat:servingBackend)",
        ),
        (
            "simple",
            "serving backend simple: the simple model server has no traffic split; use a tier "
            "with an operator backend (seldon or kserve)",
        ),
        (
            "triton",
            "unknown serving backend 'triton'; use one of: seldon, kserve, tfserving, simple",
        ),
    ],
)
def test_backends_without_a_canary_split_fail_the_step_with_one_line(backend, message):
    with pytest.raises(CanaryError) as error:
        canary.run("promote", backend, NAMESPACE, REFERENCE_MODEL, api=None)
    assert str(error.value) == message
    assert canary_rules(backend, REFERENCE_MODEL) == []


ARGS = ("--backend", "tfserving", "--namespace", NAMESPACE, "--endpoint", REFERENCE_MODEL)


def test_the_embedded_step_source_runs_on_its_own_and_fails_clearly(tmp_path):
    """What the container runs is this module's source alone (no aiplat on the path)."""
    assert steps.CANARY_COMMAND[-1] == steps.CANARY_SOURCE
    result = subprocess.run(
        [sys.executable, "-I", "-c", steps.CANARY_SOURCE, "rollback", *ARGS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: serving backend tfserving: TF Serving loads")


# ---- what the steps call, against what the RBAC allows ---------------------------------


class FakeApi:
    """A CustomObjectsApi over a dict of objects, recording every call."""

    def __init__(self, objects: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.objects = objects
        self.calls: list[tuple[str, str, str, str, str]] = []

    def get_namespaced_custom_object(self, group, version, namespace, plural, name):
        self.calls.append(("get", group, namespace, plural, name))
        return copy.deepcopy(self.objects[(plural, name)])

    def patch_namespaced_custom_object(self, group, version, namespace, plural, name, body):
        self.calls.append(("patch", group, namespace, plural, name))
        self.objects[(plural, name)] = merge(self.objects[(plural, name)], body)


def kserve_api() -> FakeApi:
    services = {}
    for variant in ("main", "canary"):
        name = canary.kserve_service(REFERENCE_MODEL, variant)
        storage = {"storageUri": f"s3://models/{variant}"}
        services[("inferenceservices", name)] = {
            "metadata": {"name": name},
            "spec": {"predictor": {"model": storage}},
        }
    return FakeApi({("virtualservices", REFERENCE_MODEL): live_split(), **services})


def allowed(api: FakeApi, backend: str) -> None:
    rules = canary_rules(backend, REFERENCE_MODEL)
    for verb, group, namespace, plural, name in api.calls:
        assert namespace == NAMESPACE
        assert any(
            group in r["apiGroups"]
            and plural in r["resources"]
            and name in r["resourceNames"]
            and verb in r["verbs"]
            for r in rules
        ), (verb, plural, name)


@pytest.mark.parametrize("action", canary.ACTIONS)
def test_the_seldon_steps_get_and_patch_only_the_seldon_deployment(action):
    api = FakeApi({("seldondeployments", REFERENCE_MODEL): live_seldon(*SPLIT)})
    canary.run(
        action, "seldon", NAMESPACE, REFERENCE_MODEL, api, canary_percent=15, model_uri=MODEL_URI
    )
    assert [c[0] for c in api.calls] == ["get", "patch"]
    allowed(api, "seldon")
    expected = {"deploy": {"main": 85, "canary": 15}}.get(action, {"main": 100, "canary": 0})
    assert split(api.objects[("seldondeployments", REFERENCE_MODEL)]) == expected


@pytest.mark.parametrize(
    ("action", "weights_after", "main_model", "canary_model"),
    [
        ("deploy", (85, 15), "s3://models/main", MODEL_URI),
        ("promote", (100, 0), "s3://models/canary", "s3://models/canary"),
        ("rollback", (100, 0), "s3://models/main", "s3://models/canary"),
    ],
)
def test_the_kserve_steps_move_the_model_and_the_split(
    action, weights_after, main_model, canary_model
):
    api = kserve_api()
    canary.run(
        action, "kserve", NAMESPACE, REFERENCE_MODEL, api, canary_percent=15, model_uri=MODEL_URI
    )
    allowed(api, "kserve")
    after = weights(api.objects[("virtualservices", REFERENCE_MODEL)])
    assert (after["reference-model-main-predictor"], after["reference-model-canary-predictor"]) == (
        weights_after
    )
    models = {
        name: obj["spec"]["predictor"]["model"]["storageUri"]
        for (plural, name), obj in api.objects.items()
        if plural == "inferenceservices"
    }
    assert models == {"reference-model-main": main_model, "reference-model-canary": canary_model}


# ---- the names the steps use are the ones Serving renders -------------------------------


def test_the_variant_and_service_names_are_the_ones_serving_renders():
    spec = ServingSpec(engines=frozenset({ServingEngine.KSERVE}), canary=True)
    groups = variant_groups(spec)
    assert [v.name for v in groups[REFERENCE_MODEL]] == [canary.STABLE, canary.CANARY]
    isvcs = {o.name for o in kserve_objects(groups, server(), None) if o.kind == "InferenceService"}
    (rule,) = [
        r
        for r in canary_rules("kserve", REFERENCE_MODEL)
        if r["resources"] == ["inferenceservices"]
    ]
    assert isvcs == set(rule["resourceNames"])
