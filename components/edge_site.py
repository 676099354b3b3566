"""EdgeSite: edge inference on a Kubernetes cluster the user brings (a store, a plant).

Each site gets its own Kubernetes provider (the site's kubeconfig and context from the stack
file), a hardened :class:`~components.platform_namespace.PlatformNamespace`, a small
serving stack (a model-server Deployment with probes, a Service, a PodDisruptionBudget; a
GPU per replica where the site has GPUs) and a model-sync CronJob that pulls models from the
central artifacts bucket (``LakeAccess.artifacts_uri`` of the primary region) into a
shared volume. The object store's credentials are a Secret the site's owner creates
(``model-sync-credentials``), mounted as a file, never put in the environment.

The serving builder here is deliberately small and self-contained; the main serving stack
(Seldon/KServe) lives elsewhere - dedupe the pod builders once both exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.hardening import (
    Resources,
    anti_affinity,
    container,
    http_probes,
    image,
    pod_spec,
    scratch_volume,
    secret_volume,
)
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
)
from tiers.reach import ResolvedEdgeSite

NAMESPACE = "aiplat-edge"
SERVER = "model-server"
SYNC = "model-sync"
CREDENTIALS_SECRET = "model-sync-credentials"  # created by the site's owner
CREDENTIALS_DIR = "/var/run/secrets/model-sync"
MODELS_DIR = "/mnt/models"
MODELS_CLAIM = "models"
HTTP_PORT = 8080
HTTPS_PORT = 443
REPLICAS = 2
SYNC_SCHEDULE = "*/15 * * * *"
# MLServer (Apache-2.0) serves sklearn/xgboost/lightgbm/MLflow models over the V2 protocol
SERVER_IMAGE = image("docker.io/seldonio/mlserver", "1.7.1")
# The AWS CLI (pinned) copies models from the artifacts bucket here and in Serving's model
# pods (components/serving_model.py), with the environment :func:`aws_cli_env` gives.
SYNC_IMAGE = image("docker.io/amazon/aws-cli", "2.27.50")
SERVER_RESOURCES = Resources(
    cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="4Gi"
)
SYNC_RESOURCES = Resources(
    cpu_request="100m", memory_request="128Mi", cpu_limit="500m", memory_limit="512Mi"
)
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def site_quota(gpu: bool) -> Quota:
    return Quota(cpu="8", memory="16Gi", gpus=REPLICAS if gpu else 0, pods=10)


def site_allows() -> tuple[NetworkAllow, ...]:
    """Clients of the site reach the model server's port; only the sync job goes out, to
    the object store over HTTPS."""
    return (
        NetworkAllow(
            name="serve",
            direction=Direction.INGRESS,
            any_peer=True,
            ports=(HTTP_PORT,),
            pods=(("app.kubernetes.io/name", SERVER),),
        ),
        NetworkAllow(
            name="object-store",
            direction=Direction.EGRESS,
            any_peer=True,
            ports=(HTTPS_PORT,),
            pods=(("app.kubernetes.io/name", SYNC),),
        ),
    )


def _labels(app: str, site: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": app, "aiplat.io/edge-site": site}


def _models_volume(read_only: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        {"name": "models", "persistentVolumeClaim": {"claimName": MODELS_CLAIM}},
        {"name": "models", "mountPath": MODELS_DIR, "readOnly": read_only},
    )


def server_pod(site: ResolvedEdgeSite) -> dict[str, Any]:
    """The model server's pod: hardened, probed, spread; one GPU where the site has them."""
    models, models_mount = _models_volume(read_only=True)
    tmp, tmp_mount = scratch_volume("tmp", "/tmp")
    resources = Resources(**{**SERVER_RESOURCES.__dict__, "gpus": 1 if site.gpu else 0})
    serving = container(
        name=SERVER,
        image_ref=SERVER_IMAGE,
        resources=resources,
        command=("mlserver", "start", MODELS_DIR),
        ports={"http": HTTP_PORT},
        env={"MLSERVER_HTTP_PORT": str(HTTP_PORT), "MLSERVER_LOAD_MODELS_AT_STARTUP": "true"},
        probes=http_probes("http", "/v2/health/ready", "/v2/health/live"),
        mounts=(models_mount, tmp_mount),
    )
    return pod_spec(
        service_account=SERVER,
        containers=[serving],
        volumes=(models, tmp),
        affinity=anti_affinity(_labels(SERVER, site.name)),
        tolerations=[GPU_TOLERATION] if site.gpu else None,
    )


def aws_cli_env(
    credentials_dir: str | None, region: str | None, endpoint: str | None = None
) -> dict[str, str]:
    """The AWS CLI's environment on a read-only root filesystem: credentials from the
    ``credentials`` file of a mounted Secret (or, with ``None``, the pod's IRSA role), the
    object store's region and, for an S3-compatible store, its endpoint."""
    env = (
        {"AWS_SHARED_CREDENTIALS_FILE": f"{credentials_dir}/credentials"} if credentials_dir else {}
    )
    env |= {"AWS_CONFIG_FILE": "/tmp/aws-config", "HOME": "/tmp"}
    if region:
        env["AWS_DEFAULT_REGION"] = region
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def sync_pod(artifacts_uri: pulumi.Input[str], region: str | None) -> dict[str, Any]:
    """The model-sync job's pod: ``aws s3 sync`` of ``<artifacts>/models/`` into the
    models volume, credentials from the mounted Secret file."""
    models, models_mount = _models_volume(read_only=False)
    tmp, tmp_mount = scratch_volume("tmp", "/tmp")
    creds, creds_mount = secret_volume("credentials", CREDENTIALS_SECRET, CREDENTIALS_DIR)
    env = aws_cli_env(CREDENTIALS_DIR, region)
    source = pulumi.Output.concat(artifacts_uri, "models/")
    sync = container(
        name=SYNC,
        image_ref=SYNC_IMAGE,
        resources=SYNC_RESOURCES,
        command=("aws",),
        args=("s3", "sync", "--only-show-errors", "--delete"),
        env=env,
        mounts=(models_mount, tmp_mount, creds_mount),
    )
    sync["args"] = [*sync["args"], source, MODELS_DIR]
    return pod_spec(
        service_account=SYNC,
        containers=[sync],
        volumes=(models, tmp, creds),
        restart_policy="OnFailure",
    )


@dataclass(frozen=True, kw_only=True)
class EdgeSiteArgs:
    site: ResolvedEdgeSite
    artifacts_uri: pulumi.Input[str]  # the central artifacts bucket (s3://.../)
    artifacts_region: str | None  # its AWS region (None: an S3-compatible store on-prem)
    models_size: str = "20Gi"

    def __post_init__(self) -> None:
        if not self.site.kubeconfig.strip():
            raise ValueError(f"edge site {self.site.name}: a kubeconfig is required")


class EdgeSite(pulumi.ComponentResource):
    """One edge site: its own provider, namespace, model server and model sync."""

    TYPE = "aiplat:edge:EdgeSite"

    provider: k8s.Provider
    namespace: str

    def __init__(
        self, name: str, args: EdgeSiteArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        site = args.site
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=site.kubeconfig,
            context=site.context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        ns = PlatformNamespace(
            f"{name}-ns",
            PlatformNamespaceArgs(
                namespace=NAMESPACE,
                pod_security=PodSecurity.BASELINE if site.gpu else PodSecurity.RESTRICTED,
                quota=site_quota(site.gpu),
                service_accounts=(
                    ServiceAccountSpec(name=SERVER),
                    ServiceAccountSpec(name=SYNC),
                ),
                allows=site_allows(),
                labels={"aiplat.io/edge-site": site.name},
            ),
            pulumi.ResourceOptions(parent=self, providers={"kubernetes": self.provider}),
        )
        ready = pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=ns.ready)
        meta = {"namespace": NAMESPACE, "labels": _labels(SERVER, site.name)}
        selector = {"matchLabels": _labels(SERVER, site.name)}
        k8s.core.v1.PersistentVolumeClaim(
            f"{name}-models",
            metadata={"name": MODELS_CLAIM, "namespace": NAMESPACE},
            spec={
                "accessModes": ["ReadWriteMany"],
                "resources": {"requests": {"storage": args.models_size}},
            },
            opts=ready,
        )
        k8s.apps.v1.Deployment(
            f"{name}-{SERVER}",
            metadata={"name": SERVER, **meta},
            spec={
                "replicas": REPLICAS,
                "selector": selector,
                "template": {
                    "metadata": {"labels": _labels(SERVER, site.name)},
                    "spec": server_pod(site),
                },
            },
            opts=ready,
        )
        k8s.core.v1.Service(
            f"{name}-{SERVER}",
            metadata={"name": SERVER, **meta},
            spec={
                "type": "ClusterIP",
                "selector": _labels(SERVER, site.name),
                "ports": [{"name": "http", "port": HTTP_PORT, "targetPort": "http"}],
            },
            opts=ready,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-{SERVER}",
            metadata={"name": SERVER, **meta},
            spec={"maxUnavailable": 1, "selector": selector},
            opts=ready,
        )
        sync_labels = _labels(SYNC, site.name)
        k8s.batch.v1.CronJob(
            f"{name}-{SYNC}",
            metadata={"name": SYNC, "namespace": NAMESPACE, "labels": sync_labels},
            spec={
                "schedule": SYNC_SCHEDULE,
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": 1,
                "failedJobsHistoryLimit": 3,
                "jobTemplate": {
                    "spec": {
                        "backoffLimit": 2,
                        "activeDeadlineSeconds": 3600,
                        "template": {
                            "metadata": {"labels": sync_labels},
                            "spec": sync_pod(args.artifacts_uri, args.artifacts_region),
                        },
                    }
                },
            },
            opts=ready,
        )
        self.namespace = NAMESPACE
        self.register_outputs({"site": site.name, "namespace": NAMESPACE})
