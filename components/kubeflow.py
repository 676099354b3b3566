"""Kubeflow: the training platform, composed part by part from ``platform.stacks.kubeflow``.

Each :class:`~tiers.model.KubeflowPart` is installed by its own method, switched on by the
set (never by the tier): notebooks (controller + an AutoML-ready GPU Notebook), trainer
(Kubeflow Trainer chart + hardened torch and MPI runtimes + a suspended reference TrainJob),
pipelines (KFP manifests + the compiled reference pipeline), katib (manifests + HPO, and NAS
when ``stacks.nas``), profiles (multi-user namespaces with KFAM) and dashboard (central
dashboard behind oauth2-proxy with Dex as OIDC provider).

Upstream parts are pinned kustomize directories (:mod:`components.kubeflow_manifests`) or
the Trainer's pinned Helm chart; what aiplat renders itself comes from
:mod:`components.kubeflow_workloads` and :mod:`components.kubeflow_training`, hardened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import kubeflow_manifests as manifests
from components import kubeflow_training as training
from components import kubeflow_workloads as work
from components.helm import pinned_release
from components.kubeflow_decisions import (
    PIPELINE_RUNNER,
    SYSTEM_NAMESPACE,
    USER_NAMESPACE,
    canary_subjects,
    system_pod_security,
    system_quota,
    upstream_namespaces,
)
from components.lake_access import LakeAccess
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    PodSecurity,
    Quota,
    ServiceAccountSpec,
)
from components.values import kubeflow as values
from tiers import pins
from tiers.model import KubeflowPart, PoolRole
from tiers.resolve import ResolvedPlatform

PROFILE_CONSUMER = "profile-editor"  # the lake consumer of multi-user runs (kubeflow-user)
NOTEBOOK_NAME = "automl"
# On a cluster you bring, pipeline runs read the lake's credentials from this Secret in the
# namespace they run in (keys ``credential``: a Polaris principal; ``credentials``: S3 keys).
LAKE_CLIENT = "pipeline-lake-client"
WORKSPACE_GIB = 50
DATA_GIB = 100
HPO_MAX_TRIALS = 12
INSTALL_ORDER = (
    KubeflowPart.PROFILES,
    KubeflowPart.DASHBOARD,
    KubeflowPart.NOTEBOOKS,
    KubeflowPart.TRAINER,
    KubeflowPart.PIPELINES,
    KubeflowPart.KATIB,
)


@dataclass(frozen=True, kw_only=True)
class KubeflowArgs:
    platform: ResolvedPlatform
    lake: LakeAccess | None = None
    # The serving namespace is ready after these (the pipeline's canary Role lives there).
    serving_ready: tuple[pulumi.Resource, ...] = ()

    def __post_init__(self) -> None:
        if not self.platform.stacks.kubeflow:
            raise ValueError("Kubeflow needs at least one part in platform.stacks.kubeflow")


# Admission webhooks of the controllers in ``kubeflow`` (Trainer and JobSet 9443, Katib and
# KFP 8443, PodDefaults 4443): the API server calls them from outside the cluster network.
_FROM_API_SERVER = NetworkAllow(
    name="from-api-server-webhooks",
    direction=Direction.INGRESS,
    any_peer=True,
    ports=(443, 4443, 8443, 9443),
)
_FROM_GATEWAY = NetworkAllow(
    name="from-ingress-gateway", direction=Direction.INGRESS, namespaces=("istio-system",)
)


_EGRESS = (
    NetworkAllow(name="egress-https", direction=Direction.EGRESS, cidr="0.0.0.0/0", ports=(443,)),
    NetworkAllow(name="egress-lake", direction=Direction.EGRESS, namespaces=("lake",)),
)


class Kubeflow(pulumi.ComponentResource):
    """Kubeflow parts on one cluster, each installable on its own."""

    TYPE = "aiplat:kubeflow:Kubeflow"

    parts: list[str]

    def __init__(
        self, name: str, args: KubeflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        self._args = args
        platform = args.platform
        parts = platform.stacks.kubeflow
        self._parts = parts
        self._notebook_pool = work.placement(platform.gpu_pools, PoolRole.NOTEBOOK)
        self._training_pool = work.placement(platform.gpu_pools, PoolRole.TRAINING)
        self._sources = manifests.kustomize_sources(parts)
        self._reference: list[pulumi.Resource] | None = None
        runner = ()
        if KubeflowPart.PIPELINES in parts:
            annotations = args.lake.service_account_annotations("pipelines") if args.lake else {}
            runner = (
                ServiceAccountSpec(
                    name=PIPELINE_RUNNER, automount_token=True, annotations=annotations
                ),
            )
        self.system = PlatformNamespace(
            f"{name}-system",
            PlatformNamespaceArgs(
                namespace=SYSTEM_NAMESPACE,
                pod_security=system_pod_security(parts, platform.stacks.mesh),
                quota=system_quota(parts, self._training_pool),
                service_accounts=runner,
                allows=(
                    NetworkAllow(
                        name="from-user-profile",
                        direction=Direction.INGRESS,
                        namespaces=(USER_NAMESPACE,),
                    ),
                    _FROM_API_SERVER,
                    _FROM_GATEWAY,
                    *_EGRESS,
                ),
                allow_api_server=True,
                mesh_injection=platform.stacks.mesh,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.upstream = [
            PlatformNamespace(
                f"{name}-{namespace}",
                PlatformNamespaceArgs(
                    namespace=namespace,
                    pod_security=PodSecurity.BASELINE
                    if platform.stacks.mesh
                    else PodSecurity.RESTRICTED,
                    quota=Quota(cpu="4", memory="8Gi", gpus=0, pods=20),
                    allows=(_FROM_API_SERVER, _FROM_GATEWAY, *_EGRESS),
                    allow_api_server=True,
                    mesh_injection=platform.stacks.mesh,
                ),
                pulumi.ResourceOptions(parent=self),
            )
            for namespace in upstream_namespaces(parts)
        ]
        user_labels = {"app.kubernetes.io/part-of": "kubeflow-profile"}
        if KubeflowPart.KATIB in parts:
            user_labels["katib.kubeflow.org/metrics-collector-injection"] = "enabled"
        # With profiles, kubeflow-user is the owner's Profile: the profile controller adopts
        # the namespace aiplat creates (hardened) because its owner annotation matches, and
        # keeps the labels set here. Pipeline runs there call the API (driver, canary).
        owner = platform.kubeflow_owner if KubeflowPart.PROFILES in parts else None
        self.user = PlatformNamespace(
            f"{name}-user",
            PlatformNamespaceArgs(
                namespace=USER_NAMESPACE,
                pod_security=PodSecurity.BASELINE,  # GPU notebooks, trainers and trials
                quota=work.user_quota(self._notebook_pool, self._training_pool),
                service_accounts=(
                    ServiceAccountSpec(name="notebook"),
                    ServiceAccountSpec(name="trainer"),
                ),
                allows=(
                    NetworkAllow(
                        name="to-kubeflow",
                        direction=Direction.EGRESS,
                        namespaces=(SYSTEM_NAMESPACE,),
                    ),
                    *_EGRESS,
                ),
                mesh_injection=platform.stacks.mesh,
                labels=user_labels,
                annotations={"owner": owner} if owner else {},
                allow_api_server=owner is not None and KubeflowPart.PIPELINES in parts,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        handlers = {
            KubeflowPart.PROFILES: self._profiles,
            KubeflowPart.DASHBOARD: self._dashboard,
            KubeflowPart.NOTEBOOKS: self._notebooks,
            KubeflowPart.TRAINER: self._trainer,
            KubeflowPart.PIPELINES: self._pipelines,
            KubeflowPart.KATIB: self._katib,
        }
        for part in INSTALL_ORDER:
            if part in parts:
                handlers[part]()
        self.parts = sorted(p.value for p in parts)
        self.register_outputs(
            {
                "parts": self.parts,
                "namespaces": [SYSTEM_NAMESPACE, USER_NAMESPACE, *upstream_namespaces(parts)],
            }
        )

    # -- helpers -------------------------------------------------------------------------

    def _in_system(self, *after: pulumi.Resource) -> pulumi.ResourceOptions:
        ready = [r for ns in (self.system, *self.upstream) for r in ns.ready]
        return pulumi.ResourceOptions(parent=self, depends_on=[*ready, *after])

    def _in_user(self, *after: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self, depends_on=[*self.system.ready, *self.user.ready, *after]
        )

    def _install(self, part: KubeflowPart) -> list[pulumi.Resource]:
        """The part's kustomize directories, each after the one before it."""
        installed: list[pulumi.Resource] = []
        for pin in self._sources.get(part, ()):
            installed.append(
                manifests.install(
                    f"{self._name}-{part.value}-{manifests.directory_name(pin)}",
                    pin,
                    self._in_system(*installed),
                )
            )
        return installed

    def _custom(
        self, suffix: str, api_version: str, kind: str, body: dict[str, Any], opts
    ) -> k8s.apiextensions.CustomResource:
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{suffix}",
            api_version=api_version,
            kind=kind,
            metadata=body["metadata"],
            spec=body["spec"],
            opts=opts,
        )

    def _reference_data(self) -> list[pulumi.Resource]:
        """The trainer script and the data volume that trials and the TrainJob mount."""
        if self._reference is None:
            script = (Path(__file__).resolve().parent.parent / "pipelines" / "trial.py").read_text()
            body = work.trial_script_configmap(USER_NAMESPACE, script)
            cm = k8s.core.v1.ConfigMap(
                f"{self._name}-trainer-script",
                metadata=body["metadata"],
                data=body["data"],
                opts=self._in_user(),
            )
            pvc_body = work.workspace_pvc(work.DATA_PVC, USER_NAMESPACE, DATA_GIB)
            pvc = k8s.core.v1.PersistentVolumeClaim(
                f"{self._name}-reference-data",
                metadata=pvc_body["metadata"],
                spec=pvc_body["spec"],
                opts=self._in_user(),
            )
            self._reference = [cm, pvc]
        return self._reference

    # -- parts ---------------------------------------------------------------------------

    def _profiles(self) -> None:
        installed = self._install(KubeflowPart.PROFILES)
        owner = self._args.platform.kubeflow_owner
        if owner is None:  # resolve gives every tier with profiles an owner
            raise ValueError("Kubeflow profiles need platform.kubeflow_owner")
        lake = self._args.lake
        role = lake.role_arns.get(PROFILE_CONSUMER) if lake else None
        k8s.apiextensions.CustomResource(
            f"{self._name}-profile-user",
            api_version="kubeflow.org/v1",
            kind="Profile",
            metadata={"name": USER_NAMESPACE, "labels": dict(work.LABELS)},
            spec=work.profile_spec(owner, role),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*installed, *self.user.ready]),
        )

    def _dashboard(self) -> None:
        self._install(KubeflowPart.DASHBOARD)

    def _notebooks(self) -> None:
        controller = self._install(KubeflowPart.NOTEBOOKS)
        workspace = f"{NOTEBOOK_NAME}-workspace"
        pvc_body = work.workspace_pvc(workspace, USER_NAMESPACE, WORKSPACE_GIB)
        pvc = k8s.core.v1.PersistentVolumeClaim(
            f"{self._name}-notebook-workspace",
            metadata=pvc_body["metadata"],
            spec=pvc_body["spec"],
            opts=self._in_user(),
        )
        body = work.notebook(NOTEBOOK_NAME, USER_NAMESPACE, self._notebook_pool, workspace)
        self._custom(
            "notebook", "kubeflow.org/v1", "Notebook", body, self._in_user(*controller, pvc)
        )

    def _trainer(self) -> None:
        release = pinned_release(
            f"{self._name}-trainer",
            release_name="kubeflow-trainer",
            pin=pins.KUBEFLOW_TRAINER,
            namespace=SYSTEM_NAMESPACE,
            values=values.trainer_values(),
            opts=self._in_system(),
        )
        api = f"{work.TRAINER_GROUP}/v1alpha1"
        after = pulumi.ResourceOptions(parent=self, depends_on=[release])
        torch = self._custom(
            "runtime-torch",
            api,
            "ClusterTrainingRuntime",
            training.torch_runtime(self._training_pool),
            after,
        )
        self._custom(
            "runtime-mpi",
            api,
            "ClusterTrainingRuntime",
            training.mpi_runtime(self._training_pool),
            after,
        )
        job = training.reference_train_job(USER_NAMESPACE, self._training_pool)
        self._custom(
            "trainjob-reference",
            api,
            "TrainJob",
            job,
            self._in_user(torch, *self._reference_data()),
        )

    def _pipelines(self) -> None:
        from pipelines.reference import compile_ir, settings_for

        installed = self._install(KubeflowPart.PIPELINES)
        lake = self._args.lake
        catalog = (
            {"catalog_type": lake.catalog.value, "catalog_uri": lake.catalog_uri or ""}
            if lake
            else {}
        )
        if lake and lake.s3_endpoint:  # a cluster you bring: the lake's credentials as files
            catalog |= {"s3_endpoint": lake.s3_endpoint, "lake_client_secret": LAKE_CLIENT}
        settings = settings_for(self._args.platform, **catalog)

        def registered(uris: list[str]) -> dict[str, str]:
            """The IR with the lake's locations as the run parameters' defaults."""
            located = replace(settings, warehouse=uris[0], artifacts_uri=uris[1])
            ir = compile_ir(located)
            return work.pipeline_data(ir, asdict(located))

        uris = [lake.catalog_warehouse, lake.artifacts_uri] if lake else ["", ""]
        k8s.core.v1.ConfigMap(
            f"{self._name}-pipeline-reference",
            metadata=work.pipeline_metadata(SYSTEM_NAMESPACE),
            data=pulumi.Output.all(*uris).apply(registered),
            opts=self._in_system(*installed),
        )
        # The canary steps patch the serving endpoint: a Role in the serving namespace with
        # exactly what they get and patch (K8S-07), bound to the pipeline runner.
        rules = work.canary_rules(settings.serving_backend, settings.endpoint)
        if not rules:
            return
        meta = {
            "name": work.CANARY_ROLE,
            "namespace": settings.serving_namespace,
            "labels": dict(work.LABELS),
        }
        ready = list(self._args.serving_ready)
        role = k8s.rbac.v1.Role(
            f"{self._name}-pipeline-canary",
            metadata=meta,
            rules=rules,
            opts=pulumi.ResourceOptions(parent=self, depends_on=ready),
        )
        k8s.rbac.v1.RoleBinding(
            f"{self._name}-pipeline-canary-binding",
            metadata=meta,
            role_ref={
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": work.CANARY_ROLE,
            },
            subjects=canary_subjects(self._args.platform.stacks.kubeflow),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*ready, role]),
        )

    def _katib(self) -> None:
        installed = self._install(KubeflowPart.KATIB)
        opts = self._in_user(*installed, *self._reference_data())
        api = "kubeflow.org/v1beta1"
        hpo = training.hpo_experiment(USER_NAMESPACE, self._training_pool, HPO_MAX_TRIALS)
        self._custom("katib-hpo", api, "Experiment", hpo, opts)
        if self._args.platform.stacks.nas:
            nas = training.nas_experiment(USER_NAMESPACE, self._training_pool)
            self._custom("katib-nas", api, "Experiment", nas, opts)
