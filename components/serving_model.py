"""How Serving's model pods get their model: pure functions (no Pulumi resources).

The reference pipeline publishes ``model.joblib`` under ``<artifacts>/models/<endpoint>/``
(:mod:`pipelines.model_export`). Before MLServer starts, an init container ``fetch-model``
(the pinned AWS CLI of :mod:`components.edge_site`) copies the object at ``$MODEL_URI`` into
the pod's ``/mnt/models`` volume. The variable comes from the pod's annotation
``aiplat.io/model-uri`` (downward API), which a SeldonDeployment sets per predictor: the
canary steps change that annotation per variant (:mod:`pipelines.canary`), and ``pulumi
up`` leaves it to them once the predictor exists (``ignoreChanges``, see
:func:`components.serving_backends.pipeline_owned`). A variant starts from the endpoint's
``current`` model.
KServe's InferenceServices use KServe's own storage initializer with ``storageUri`` instead.

Credentials: the pods' service account ``model-server`` with the lake consumer
``model-server``'s IRSA role on AWS (read only on ``models/``); on-prem, a Secret
``model-server-credentials`` (key ``credentials``, an AWS shared-credentials file) that the
operator creates, mounted as a file, and the object store's endpoint.

No model yet: the init container fails with one line (``kubectl logs <pod> -c fetch-model``)
and Kubernetes retries it with back-off; the pod stays in ``Init`` and takes no traffic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulumi

from components.edge_site import SYNC_IMAGE, SYNC_RESOURCES, aws_cli_env
from components.hardening import container, scratch_volume, secret_volume
from components.lake_access import LakeAccess
from components.serving_objects import MODEL_MOUNT, ServerSpec
from pipelines.model_export import MODEL_FILE, current_uri

FETCH = "fetch-model"
MODEL_URI_ENV = "MODEL_URI"
MODEL_ANNOTATION = "aiplat.io/model-uri"  # on the pod (a Seldon predictor's annotations)
FETCH_LABEL = ("aiplat.io/model-fetch", "s3")  # the pods that reach the object store
CREDENTIALS_SECRET = "model-server-credentials"  # on-prem, created by the operator
CREDENTIALS_DIR = "/var/run/secrets/model-server"
# Istio's iptables leave traffic of its proxy's UID alone: an init container runs before
# the sidecar is up, so with the mesh only this UID reaches the object store.
FETCH_UID = 1337
FETCH_SCRIPT = (
    f'if ! aws s3 cp --only-show-errors "${MODEL_URI_ENV}" {MODEL_MOUNT}/{MODEL_FILE} '
    "2>/tmp/fetch.err; then "
    f'echo "fetch-model: no model at ${MODEL_URI_ENV} ($(tail -n 1 /tmp/fetch.err)); '
    'publish and promote one with the reference pipeline" >&2; exit 1; fi'
)
MODELS_VOLUME = "models"
KSERVE_S3_REGION = "serving.kserve.io/s3-region"
# On-prem, KServe's storage initializer takes S3 credentials from a Secret listed on the
# predictor's service account (keys AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; annotations
# serving.kserve.io/s3-endpoint, s3-usehttps "0", s3-verifyssl "0"), created by the operator.
KSERVE_S3_SECRET = "model-server-kserve-s3"


@dataclass(frozen=True, kw_only=True)
class ModelSource:
    """Where the stable variant's model comes from and how the pods authenticate."""

    uri: pulumi.Input[str]  # s3://<artifacts>/models/<endpoint>/current/model.joblib
    region: str | None = None  # AWS: the lake's region (credentials from IRSA)
    endpoint: str | None = None  # on-prem: the S3-compatible store (credentials: Secret)


def model_source(lake: LakeAccess | None, model: str) -> ModelSource | None:
    """The lake's ``current`` model of ``model``; None without a lake (nothing to fetch)."""
    if lake is None:
        return None
    uri = pulumi.Output.from_input(lake.artifacts_uri).apply(lambda a: current_uri(a, model))
    if lake.s3_endpoint:
        return ModelSource(uri=uri, endpoint=lake.s3_endpoint)
    return ModelSource(uri=uri, region=lake.region)


def models_volume() -> tuple[dict[str, Any], dict[str, Any]]:
    """The pod's model directory (filled by ``fetch-model`` or KServe's initializer)."""
    return (
        {"name": MODELS_VOLUME, "emptyDir": {"sizeLimit": "10Gi"}},
        {"name": MODELS_VOLUME, "mountPath": MODEL_MOUNT},
    )


def fetch_parts(
    source: ModelSource,
) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    """(the ``fetch-model`` init container, the volumes only it mounts)."""
    _, models_mount = models_volume()
    tmp, tmp_mount = scratch_volume("fetch-tmp", "/tmp", size="64Mi")
    volumes: list[dict[str, Any]] = [tmp]
    mounts = [models_mount, tmp_mount]
    on_prem = source.endpoint is not None
    if on_prem:
        creds, creds_mount = secret_volume("model-credentials", CREDENTIALS_SECRET, CREDENTIALS_DIR)
        volumes.append(creds)
        mounts.append(creds_mount)
    env: dict[str, Any] = aws_cli_env(
        CREDENTIALS_DIR if on_prem else None, source.region, source.endpoint
    )
    fetch = container(
        name=FETCH,
        image_ref=SYNC_IMAGE,
        resources=SYNC_RESOURCES,
        command=("/bin/sh", "-c"),
        args=(FETCH_SCRIPT,),
        env=env,
        mounts=tuple(mounts),
    )
    fetch["securityContext"] = {**fetch["securityContext"], "runAsUser": FETCH_UID}
    annotation = f"metadata.annotations['{MODEL_ANNOTATION}']"
    fetch["env"] = [
        *fetch.get("env", []),
        {"name": MODEL_URI_ENV, "valueFrom": {"fieldRef": {"fieldPath": annotation}}},
    ]
    return fetch, tuple(volumes)


def with_fetch(model: ServerSpec, source: ModelSource) -> ServerSpec:
    """``model`` whose pods fetch ``source.uri`` first: the init container, its volumes and
    the pod annotation it reads."""
    fetch, volumes = fetch_parts(source)
    return replace(
        model,
        init_containers=(fetch,),
        volumes=volumes,
        pod_annotations={**model.pod_annotations, MODEL_ANNOTATION: source.uri},
    )


def model_uri_of(annotations: Mapping[str, Any]) -> Any | None:
    """The model a pod (or a Seldon predictor) with these annotations fetches."""
    return annotations.get(MODEL_ANNOTATION)


def kserve_service_account_secrets(source: ModelSource | None) -> tuple[str, ...]:
    """On-prem, the Secret KServe's storage initializer reads its S3 credentials from."""
    if source is None or source.endpoint is None:
        return ()
    return (KSERVE_S3_SECRET,)


def kserve_service_account_annotations(source: ModelSource | None) -> dict[str, str]:
    """KServe's storage initializer reads the S3 region from the service account."""
    if source is None or source.region is None:
        return {}
    return {KSERVE_S3_REGION: source.region}
