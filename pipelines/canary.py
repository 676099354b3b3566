"""The reference pipeline's canary, promotion and rollback on what Serving renders.

Pure functions turn the live serving object into the patch each step sends:

- ``seldon``: the SeldonDeployment named after the endpoint has the tier's two live
  predictors, ``main`` (stable) and ``canary``: a deploy gives the canary the new model
  (its ``aiplat.io/model-uri`` annotation, which its pods' ``fetch-model`` reads,
  components/serving_model.py) and ``canary_percent`` of the traffic; promotion gives the
  stable the canary's model and all the traffic; rollback gives the stable all the traffic
  and the canary the stable's model back.
- ``kserve`` (RawDeployment, where ``canaryTrafficPercent`` does nothing): the canary
  InferenceService ``<endpoint>-canary`` gets the new model (``storageUri``) and the Istio
  VirtualService ``<endpoint>`` that fronts the variants shifts its route weights; promotion
  gives the stable InferenceService the canary's model and all the traffic; rollback sends
  all the traffic back to the stable.
- ``tfserving`` and ``simple``: refused with one line (see :data:`UNSUPPORTED`).

The steps never add or remove a predictor or a route: they change only weights and models,
the fields ``pulumi up`` leaves to them (``ignoreChanges``,
components/serving_backends.py ``pipeline_owned``), so a later ``pulumi up`` keeps what a
run decided. Shadow predictors and mirrors are left as they are. Every patch is a JSON merge patch that
carries the object's ``resourceVersion``, so a concurrent change makes it fail (409)
instead of being overwritten.

Self-contained on purpose (standard library only; the Kubernetes client is imported when a
step applies a patch): the pipeline's steps run this file's source in a slim Python
container (:mod:`pipelines.steps`), and the tests import it.
"""

from __future__ import annotations

import argparse
import copy
import sys
from typing import Any

STABLE = "main"  # the variant names Serving renders (components/serving_plan.py)
CANARY = "canary"
SELDON = ("machinelearning.seldon.io", "v1", "seldondeployments")
VIRTUAL_SERVICE = ("networking.istio.io", "v1", "virtualservices")
INFERENCE_SERVICE = ("serving.kserve.io", "v1beta1", "inferenceservices")
SPLIT_BACKENDS = ("seldon", "kserve")
UNSUPPORTED = {
    "tfserving": "TF Serving loads SavedModels from its pods' own volume, so a step cannot "
    "roll a new model out to it; serve the reference model with seldon or kserve "
    "(aiplat:servingBackend)",
    "simple": "the simple model server has no traffic split; use a tier with an operator "
    "backend (seldon or kserve)",
}
BACKENDS = (*SPLIT_BACKENDS, *UNSUPPORTED)
ACTIONS = ("deploy", "promote", "rollback")
FETCH = "fetch-model"  # the init container that copies a model into the pod
MODEL_ANNOTATION = "aiplat.io/model-uri"  # what it copies (components/serving_model.py)


class CanaryError(ValueError):
    """A canary step that cannot be done; the message is the step's one-line failure."""


def check_percent(percent: Any) -> int:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise CanaryError(
            f"canary_percent must be a whole percent between 0 and 100 (got {percent!r})"
        )
    return percent


def check_backend(backend: str) -> str:
    if backend in UNSUPPORTED:
        raise CanaryError(f"serving backend {backend}: {UNSUPPORTED[backend]}")
    if backend not in SPLIT_BACKENDS:
        raise CanaryError(f"unknown serving backend {backend!r}; use one of: {', '.join(BACKENDS)}")
    return backend


def check_model_uri(model_uri: str) -> str:
    """The published model a variant loads (s3://<artifacts>/models/<endpoint>/<run>/...)."""
    if not model_uri.startswith("s3://") or model_uri.endswith("/"):
        raise CanaryError(
            f"model URI must be a published model file s3://<bucket>/<key> (got {model_uri!r}); "
            "the export step's published_uri is one"
        )
    return model_uri


def kserve_service(endpoint: str, variant: str) -> str:
    """The InferenceService of one variant (components/serving_backends.py kserve_objects)."""
    return f"{endpoint}-{variant}"


def _versioned(obj: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    version = obj.get("metadata", {}).get("resourceVersion")
    patch: dict[str, Any] = {"spec": spec}
    if version:
        patch["metadata"] = {"resourceVersion": version}
    return patch


# ---- Seldon Core v1: predictors with traffic weights ------------------------------------


def _predictors(sdep: dict[str, Any]) -> list[dict[str, Any]]:
    name = sdep.get("metadata", {}).get("name", "?")
    predictors = copy.deepcopy(sdep.get("spec", {}).get("predictors", []))
    names = {p.get("name") for p in predictors}
    if STABLE not in names:
        raise CanaryError(
            f"SeldonDeployment {name} has no {STABLE!r} predictor; "
            "the canary steps act on the one aiplat's Serving renders"
        )
    strangers = sorted(
        p["name"] for p in predictors if not p.get("shadow") and p["name"] not in (STABLE, CANARY)
    )
    if strangers:
        raise CanaryError(
            f"SeldonDeployment {name} has live predictors besides {STABLE} and {CANARY}: "
            f"{', '.join(strangers)}; remove them before a canary"
        )
    return predictors


def _seldon_patch(sdep: dict[str, Any], predictors: list[dict[str, Any]]) -> dict[str, Any]:
    return _versioned(sdep, {"predictors": predictors})


def _pair(sdep: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """(predictors, stable, canary): the steps need both live predictors Serving renders."""
    predictors = _predictors(sdep)
    by_name = {p["name"]: p for p in predictors}
    if CANARY not in by_name:
        name = sdep.get("metadata", {}).get("name", "?")
        raise CanaryError(
            f"SeldonDeployment {name} has no {CANARY!r} predictor; turn the tier's canary on "
            "so Serving renders one"
        )
    return predictors, by_name[STABLE], by_name[CANARY]


def set_model(sdep: dict[str, Any], predictor: dict[str, Any], model_uri: str) -> None:
    """Every pod of ``predictor`` fetches ``model_uri`` (the annotation its ``fetch-model``
    init container reads); refused where the pods fetch nothing."""
    fetches = [
        init
        for component in predictor.get("componentSpecs", [])
        for init in component.get("spec", {}).get("initContainers", [])
        if init.get("name") == FETCH
    ]
    if not fetches:
        name = sdep.get("metadata", {}).get("name", "?")
        raise CanaryError(
            f"SeldonDeployment {name} predictor {predictor['name']} has no {FETCH} init "
            "container to load a model; Serving renders it when the stack has a lake"
        )
    predictor["annotations"] = {**predictor.get("annotations", {}), MODEL_ANNOTATION: model_uri}


def model_of(predictor: dict[str, Any]) -> str | None:
    """The model a predictor's pods fetch (None: not set)."""
    return predictor.get("annotations", {}).get(MODEL_ANNOTATION)


def seldon_deploy(sdep: dict[str, Any], canary_percent: int, model_uri: str) -> dict[str, Any]:
    """Stable at ``100 - canary_percent``, canary at ``canary_percent`` running the model
    at ``model_uri``."""
    percent = check_percent(canary_percent)
    check_model_uri(model_uri)
    predictors, stable, canary = _pair(sdep)
    stable["traffic"], canary["traffic"] = 100 - percent, percent
    set_model(sdep, canary, model_uri)
    return _seldon_patch(sdep, predictors)


def seldon_promote(sdep: dict[str, Any]) -> dict[str, Any]:
    """The stable runs the canary's model and takes all the traffic."""
    predictors, stable, canary = _pair(sdep)
    model = model_of(canary)
    if model is None:
        name = sdep.get("metadata", {}).get("name", "?")
        raise CanaryError(f"SeldonDeployment {name}: the canary has no model to promote")
    set_model(sdep, stable, model)
    stable["traffic"], canary["traffic"] = 100, 0
    return _seldon_patch(sdep, predictors)


def seldon_rollback(sdep: dict[str, Any]) -> dict[str, Any]:
    """The stable takes all the traffic; the canary gets the stable's model back."""
    predictors, stable, canary = _pair(sdep)
    stable["traffic"], canary["traffic"] = 100, 0
    model = model_of(stable)
    if model is not None:
        set_model(sdep, canary, model)
    return _seldon_patch(sdep, predictors)


# ---- KServe RawDeployment: the Istio VirtualService in front of the variants -------------


def _route_variant(route: dict[str, Any], endpoint: str) -> str | None:
    host = route.get("destination", {}).get("host", "")
    label = host.split(".", 1)[0]
    for variant in (STABLE, CANARY):
        if label == f"{kserve_service(endpoint, variant)}-predictor":
            return variant
    return None


def split_routes(vs: dict[str, Any], endpoint: str, canary_percent: int) -> dict[str, Any]:
    """The VirtualService's routes: stable at ``100 - canary_percent``, canary at
    ``canary_percent``; any mirror is kept."""
    percent = check_percent(canary_percent)
    name = vs.get("metadata", {}).get("name", "?")
    http = copy.deepcopy(vs.get("spec", {}).get("http", []))
    if len(http) != 1:
        raise CanaryError(
            f"VirtualService {name} must have exactly one http route (got {len(http)})"
        )
    routes = http[0].get("route", [])
    found = {_route_variant(r, endpoint): r for r in routes}
    for variant in (STABLE, CANARY):
        if variant not in found:
            raise CanaryError(
                f"VirtualService {name} has no route to "
                f"{kserve_service(endpoint, variant)}-predictor; turn the tier's canary on "
                "so Serving renders the split"
            )
    if None in found or len(routes) != 2:
        raise CanaryError(f"VirtualService {name} routes to more than the stable and the canary")
    found[STABLE]["weight"] = 100 - percent
    found[CANARY]["weight"] = percent
    return _versioned(vs, {"http": http})


def storage_patch(isvc: dict[str, Any], storage_uri: str) -> dict[str, Any]:
    """The InferenceService's predictor loads the model from ``storage_uri``."""
    return _versioned(isvc, {"predictor": {"model": {"storageUri": storage_uri}}})


def storage_uri(isvc: dict[str, Any]) -> str:
    uri = isvc.get("spec", {}).get("predictor", {}).get("model", {}).get("storageUri")
    if not uri:
        name = isvc.get("metadata", {}).get("name", "?")
        raise CanaryError(f"InferenceService {name} has no predictor.model.storageUri")
    return uri


# ---- applying (the only part that talks to the API server) ------------------------------


def run(action: str, backend: str, namespace: str, endpoint: str, api: Any, **kw: Any) -> None:
    """Do ``action`` (deploy needs ``canary_percent`` and ``model_uri``) with ``api``, a
    Kubernetes ``CustomObjectsApi``: get, then patch, only the objects named here."""
    if action not in ACTIONS:
        raise CanaryError(f"unknown action {action!r}; use one of: {', '.join(ACTIONS)}")
    check_backend(backend)

    def get(kind: tuple[str, str, str], name: str) -> dict[str, Any]:
        group, version, plural = kind
        return api.get_namespaced_custom_object(group, version, namespace, plural, name)

    def patch(kind: tuple[str, str, str], name: str, body: dict[str, Any]) -> None:
        group, version, plural = kind
        api.patch_namespaced_custom_object(group, version, namespace, plural, name, body)

    if backend == "seldon":
        sdep = get(SELDON, endpoint)
        if action == "deploy":
            body = seldon_deploy(sdep, kw["canary_percent"], kw["model_uri"])
        else:
            body = seldon_promote(sdep) if action == "promote" else seldon_rollback(sdep)
        patch(SELDON, endpoint, body)
        return
    stable, canary = kserve_service(endpoint, STABLE), kserve_service(endpoint, CANARY)
    vs = get(VIRTUAL_SERVICE, endpoint)
    percent = check_percent(kw["canary_percent"]) if action == "deploy" else 0
    routes = split_routes(vs, endpoint, percent)  # checked before any change
    if action == "deploy":
        uri = check_model_uri(kw["model_uri"])
        patch(INFERENCE_SERVICE, canary, storage_patch(get(INFERENCE_SERVICE, canary), uri))
    elif action == "promote":
        uri = storage_uri(get(INFERENCE_SERVICE, canary))
        patch(INFERENCE_SERVICE, stable, storage_patch(get(INFERENCE_SERVICE, stable), uri))
    patch(VIRTUAL_SERVICE, endpoint, routes)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="canary")
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--percent", type=int, default=0)
    parser.add_argument("--model-uri", default="")
    args = parser.parse_args(argv)
    try:
        check_backend(args.backend)
        from kubernetes import client, config

        config.load_incluster_config()
        run(
            args.action,
            args.backend,
            args.namespace,
            args.endpoint,
            client.CustomObjectsApi(),
            canary_percent=args.percent,
            model_uri=args.model_uri,
        )
    except CanaryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.action}: {args.backend} {args.namespace}/{args.endpoint} done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
