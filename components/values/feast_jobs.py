"""Feast's ``feast apply`` Job and materialisation CronJob, as data (pure functions).

Both run aiplat's image (:mod:`components.values.aiplat_image`: aiplat with Feast's Spark,
Redis and AWS extras and a JRE) as the ``feast`` service account (the lake's IRSA role on
AWS), in hardened pods (:mod:`components.hardening`):

- an init container renders the repository into a memory-backed ``emptyDir`` the way the
  feature server's does (:data:`RENDER_SCRIPT`: ``feature_store.yaml`` from the ConfigMap with
  the online store's password filled in from the mounted Secret file, and ``features.py``);
- the main container runs ``aiplat features apply`` or ``aiplat features materialize`` on it;
  Spark runs in the container (``local[*]``) with its scratch space on ``/tmp``.

The apply Job's name carries a hash of the generated repository, so a changed repository is
a new Job (Pulumi replaces it) and an unchanged one is not re-run; ``feast apply`` is
idempotent either way. In a meshed namespace the pods keep their Istio sidecar (in-cluster
Valkey takes STRICT mTLS); Istio 1.29 injects it as a native sidecar, so the Jobs complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.hardening import Resources, container, pod_spec, secret_volume
from components.values import valkey
from components.values.feast import CATALOG_CREDENTIAL_PLACEHOLDER, PASSWORD_PLACEHOLDER
from tiers.model import Environment

APPLY = "feast-apply"
MATERIALIZE = "feast-materialize"
PODS = {"app.kubernetes.io/name": "feast-repo-jobs"}  # both Jobs' pods (NetworkPolicies)
REPO_CONFIGMAP = "feast-repo"  # feature_store.yaml (password as a placeholder), features.py
REPO_DIR = "/feast/repo"
TEMPLATE_DIR = "/etc/feast-repo"
PASSWORD_DIR = "/etc/feast-online-store"
VALKEY_CA_DIR = "/etc/valkey-tls"
LAKE_S3_DIR = "/etc/lake-s3"
LAKE_S3_SECRET = "feast-lake-s3"  # on-prem: AWS shared-credentials file for the object store
# On-prem: the Polaris principal Feast's Spark session authenticates as (key ``credential``:
# ``<client-id>:<client-secret>``), created by the operator like the others.
CATALOG_SECRET = "feast-lake-catalog"
CATALOG_DIR = "/etc/lake-catalog"
# The init container: feature_store.yaml with the placeholders filled in from the mounted
# Secret files (the catalog credential only where it is mounted), written to the
# memory-backed repo directory with features.py.
RENDER_SCRIPT = (
    "import pathlib, shutil; "
    f"t = pathlib.Path('{TEMPLATE_DIR}/feature_store.yaml').read_text(); "
    f"p = pathlib.Path('{PASSWORD_DIR}/password').read_text().strip(); "
    f"t = t.replace('{PASSWORD_PLACEHOLDER}', p); "
    f"c = pathlib.Path('{CATALOG_DIR}/credential'); "
    f"t = t.replace('{CATALOG_CREDENTIAL_PLACEHOLDER}', c.read_text().strip()) "
    "if c.exists() else t; "
    f"pathlib.Path('{REPO_DIR}/feature_store.yaml').write_text(t); "
    f"shutil.copy('{TEMPLATE_DIR}/features.py', '{REPO_DIR}/features.py')"
)
RENDER_RESOURCES = Resources(
    cpu_request="50m", memory_request="64Mi", cpu_limit="250m", memory_limit="128Mi"
)
# Spark's driver (local mode) and Feast in one container: the JVM heap (spark.driver.memory
# in components/values/feast.py) plus Python and Arrow fit under the limit.
RESOURCES = Resources(cpu_request="500m", memory_request="2Gi", cpu_limit="2", memory_limit="4Gi")
SCRATCH = "8Gi"  # /tmp: Spark's local dirs, Ivy-free (the jars are in the image)
BACKOFF_LIMIT = 4  # the registry or the online store may still be starting
APPLY_DEADLINE_SECONDS = 1800
MATERIALIZE_DEADLINE_SECONDS = 3600
# How often new feature rows reach the online store, by environment (UTC). The shortest TTL
# (transaction_features, a day) stays well above every interval.
MATERIALIZE_SCHEDULES = {
    Environment.DEV: "0 */6 * * *",
    Environment.STAGING: "0 * * * *",
    Environment.PROD: "*/15 * * * *",
}


@dataclass(frozen=True, kw_only=True)
class RepoPod:
    """What the repository's pods need: aiplat's image, the CA of in-cluster Valkey (none
    for ElastiCache, whose certificate is publicly trusted), the object store's endpoint on
    a cluster you bring (its credentials from :data:`LAKE_S3_SECRET`), the AWS region."""

    image_ref: str
    service_account: str
    valkey_ca: bool
    s3_endpoint: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if not self.image_ref or self.image_ref.endswith(":latest"):
            raise ValueError(f"image_ref: pin aiplat's image (got {self.image_ref!r})")


def schedule(environment: Environment) -> str:
    return MATERIALIZE_SCHEDULES[environment]


def render_volumes(rest_catalog: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, the init container's mounts): the rendered repo (memory), the ConfigMap
    template, the password Secret and, for the REST catalog, its credential Secret."""
    password, password_mount = secret_volume(
        "online-store-password", valkey.PASSWORD_SECRET, PASSWORD_DIR
    )
    volumes = [
        {"name": "repo", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
        {"name": "repo-template", "configMap": {"name": REPO_CONFIGMAP}},
        password,
    ]
    mounts = [
        {"name": "repo", "mountPath": REPO_DIR},
        {"name": "repo-template", "mountPath": TEMPLATE_DIR, "readOnly": True},
        password_mount,
    ]
    if rest_catalog:
        credential, credential_mount = secret_volume("lake-catalog", CATALOG_SECRET, CATALOG_DIR)
        volumes.append(credential)
        mounts.append(credential_mount)
    return volumes, mounts


def _env(pod: RepoPod) -> dict[str, str]:
    env = {"FEAST_USAGE": "False", "HOME": "/tmp", "SPARK_LOCAL_DIRS": "/tmp/spark"}
    if pod.region:
        env["AWS_REGION"] = pod.region
    if pod.s3_endpoint:
        env |= {
            "FEAST_S3_ENDPOINT_URL": pod.s3_endpoint,
            "AWS_SHARED_CREDENTIALS_FILE": f"{LAKE_S3_DIR}/credentials",
        }
    return env


def repo_pod_spec(pod: RepoPod, step: str) -> dict[str, Any]:
    """The hardened pod running ``aiplat features <step>`` on the rendered repository."""
    volumes, init_mounts = render_volumes(rest_catalog=pod.s3_endpoint is not None)
    repo_mount, *_ = init_mounts
    mounts = [repo_mount, {"name": "tmp", "mountPath": "/tmp"}]
    volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": SCRATCH}})
    if pod.valkey_ca:
        volume, mount = secret_volume("valkey-ca", valkey.TLS_SECRET, VALKEY_CA_DIR)
        volumes.append(volume)
        mounts.append(mount)
    if pod.s3_endpoint:
        volume, mount = secret_volume("lake-s3", LAKE_S3_SECRET, LAKE_S3_DIR)
        volumes.append(volume)
        mounts.append(mount)
    init = container(
        name="render-config",
        image_ref=pod.image_ref,
        resources=RENDER_RESOURCES,
        command=("python", "-c", RENDER_SCRIPT),
        mounts=tuple(init_mounts),
    )
    main = container(
        name=step,
        image_ref=pod.image_ref,
        resources=RESOURCES,
        command=("aiplat", "features", step, "--repo", REPO_DIR),
        env=_env(pod),
        mounts=tuple(mounts),
    )
    spec = pod_spec(
        service_account=pod.service_account,
        containers=[main],
        volumes=tuple(volumes),
        restart_policy="Never",  # a failed pod stays, with its logs; the Job retries
    )
    spec["initContainers"] = [init]
    return spec


def _labels(component: str) -> dict[str, str]:
    return {**PODS, "app.kubernetes.io/component": component}


def apply_job(pod: RepoPod, namespace: str, name: Any) -> dict[str, Any]:
    """The ``feast apply`` Job (``name``: :data:`APPLY` and the repository's hash)."""
    labels = _labels("apply")
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "activeDeadlineSeconds": APPLY_DEADLINE_SECONDS,
            "template": {"metadata": {"labels": labels}, "spec": repo_pod_spec(pod, "apply")},
        },
    }


def materialize_cron_job(pod: RepoPod, namespace: str, environment: Environment) -> dict[str, Any]:
    """The materialisation CronJob: one run at a time, on :data:`MATERIALIZE_SCHEDULES`."""
    labels = _labels("materialize")
    return {
        "metadata": {"name": MATERIALIZE, "namespace": namespace, "labels": labels},
        "spec": {
            "schedule": schedule(environment),
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 600,
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "metadata": {"labels": labels},
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": MATERIALIZE_DEADLINE_SECONDS,
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": repo_pod_spec(pod, "materialize"),
                    },
                },
            },
        },
    }
