"""The reference pipeline's canary, promotion and rollback on what Serving renders.

Pure functions turn the live serving object into the patch each step sends:

- ``seldon``: the SeldonDeployment named after the endpoint gets two live predictors,
  ``main`` (stable) and ``canary``, with ``traffic`` weights; the canary's pods fetch the
  new model (``MODEL_URI`` of their ``fetch-model`` init container,
  components/serving_model.py); promotion makes the canary, with its model, the sole live
  predictor (under the stable's name, at 100%); rollback removes the canary.
- ``kserve`` (RawDeployment, where ``canaryTrafficPercent`` does nothing): the canary
  InferenceService ``<endpoint>-canary`` gets the new model (``storageUri``) and the Istio
  VirtualService ``<endpoint>`` that fronts the variants shifts its route weights; promotion gives the
  stable InferenceService the canary's model and all the traffic; rollback sends all the
  traffic back to the stable.
- ``tfserving`` and ``simple``: refused with one line (see :data:`UNSUPPORTED`).

Shadow predictors and mirrors are left as they are. Every patch is a JSON merge patch that
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
VARIANT_LABEL = "aiplat.io/variant"
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
MODEL_URI_ENV = "MODEL_URI"  # (components/serving_model.py)


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


def _relabelled(predictor: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(predictor)
    out["name"] = name
    out["labels"] = {**out.get("labels", {}), VARIANT_LABEL: name}
    return out


def _seldon_patch(sdep: dict[str, Any], predictors: list[dict[str, Any]]) -> dict[str, Any]:
    return _versioned(sdep, {"predictors": predictors})


def set_model(sdep: dict[str, Any], predictor: dict[str, Any], model_uri: str) -> None:
    """Every pod of ``predictor`` fetches ``model_uri`` (its ``fetch-model`` init container)."""
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
    for init in fetches:
        env = [e for e in init.get("env", []) if e.get("name") != MODEL_URI_ENV]
        init["env"] = [*env, {"name": MODEL_URI_ENV, "value": model_uri}]


def model_of(predictor: dict[str, Any]) -> str | None:
    """The model a predictor's pods fetch (None: no fetch-model init container)."""
    for component in predictor.get("componentSpecs", []):
        for init in component.get("spec", {}).get("initContainers", []):
            for var in init.get("env", []) if init.get("name") == FETCH else []:
                if var.get("name") == MODEL_URI_ENV:
                    return var.get("value")
    return None


def seldon_deploy(sdep: dict[str, Any], canary_percent: int, model_uri: str) -> dict[str, Any]:
    """Stable at ``100 - canary_percent``, the canary (added as a copy of the stable if
    absent) at ``canary_percent`` running the model at ``model_uri``."""
    percent = check_percent(canary_percent)
    check_model_uri(model_uri)
    predictors = _predictors(sdep)
    if not any(p["name"] == CANARY for p in predictors):
        at = next(i for i, p in enumerate(predictors) if p["name"] == STABLE)
        predictors.insert(at + 1, _relabelled(predictors[at], CANARY))
    for predictor in predictors:
        if predictor["name"] == STABLE:
            predictor["traffic"] = 100 - percent
        elif predictor["name"] == CANARY:
            predictor["traffic"] = percent
            set_model(sdep, predictor, model_uri)
    return _seldon_patch(sdep, predictors)


def seldon_promote(sdep: dict[str, Any]) -> dict[str, Any]:
    """The canary becomes the sole live predictor: under the stable's name, at 100%."""
    predictors = _predictors(sdep)
    canary = next((p for p in predictors if p["name"] == CANARY), None)
    if canary is None:
        name = sdep.get("metadata", {}).get("name", "?")
        raise CanaryError(f"SeldonDeployment {name} has no {CANARY!r} predictor to promote")
    promoted = _relabelled(canary, STABLE)
    promoted["traffic"] = 100
    out = [promoted if p["name"] == STABLE else p for p in predictors if p["name"] != CANARY]
    return _seldon_patch(sdep, out)


def seldon_rollback(sdep: dict[str, Any]) -> dict[str, Any]:
    """The canary is removed; the stable takes all the traffic."""
    predictors = [p for p in _predictors(sdep) if p["name"] != CANARY]
    for predictor in predictors:
        if predictor["name"] == STABLE:
            predictor["traffic"] = 100
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
