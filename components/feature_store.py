"""FeatureStore: Feast on one cluster, over the lake.

- Namespace ``feast`` (a PlatformNamespace; SA ``feast`` with the lake's IRSA annotation).
- The feature repository as a ConfigMap ``feast-repo``: ``feature_store.yaml`` and
  ``features.py`` generated from the lake's feature tables (:mod:`components.values.feast`):
  file registry on the lake, Spark offline store over the Iceberg warehouse, Redis-protocol
  online store.
- The Feast feature server (image pinned to :data:`tiers.pins.FEAST_FEATURE_SERVER`'s version)
  rendered by aiplat rather than from the chart, because the chart passes
  ``feature_store.yaml`` in an environment variable and cannot take the online store's
  password from a file (K8S-09): an init container renders the config into a memory-backed
  ``emptyDir`` from the ConfigMap and the mounted password Secret.
- The registry filled and the online store fed, on aiplat's own image
  (:mod:`components.values.feast_jobs`): a ``feast apply`` Job named after the repository's
  hash (a changed repository is a new Job) and a materialisation CronJob on a schedule per
  environment, both ``aiplat features ...`` as the ``feast`` service account.
- The online store, by the spec's ``online_store``: Amazon ElastiCache for Valkey on AWS
  (encrypted at rest with a customer key and in transit, AUTH token, private subnets, a
  security group open to the VPC only, Multi-AZ in prod), or in-cluster Valkey (BSD-3-Clause;
  a pinned chart) on a cluster you bring (:func:`online_store_for`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components import iam_documents as docs
from components.hardening import SMALL, Resources, container, image, secret_volume
from components.helm import pinned_release
from components.lake_access import CatalogKind, LakeAccess
from components.platform_namespace import (
    Direction,
    NetworkAllow,
    PlatformNamespace,
    PlatformNamespaceArgs,
    Quota,
    ServiceAccountSpec,
)
from components.serving import register
from components.serving_backends import ISTIOD_PORT
from components.serving_objects import ServerSpec, simple_server_objects
from components.serving_plan import pod_security
from components.values import feast, feast_jobs, polaris, seaweedfs, valkey
from components.values.aiplat_image import IMAGE as AIPLAT_IMAGE
from components.values.feast_jobs import (
    LAKE_S3_SECRET,
    RENDER_SCRIPT,
    REPO_CONFIGMAP,
    REPO_DIR,
    VALKEY_CA_DIR,
    render_volumes,
)
from tiers import pins
from tiers.managed import cache_plan
from tiers.model import Environment, OnlineStore, Target

if TYPE_CHECKING:
    from components.cluster_services import RegionNetwork

NAMESPACE = "feast"
SERVICE_ACCOUNT = "feast"  # the lake consumer "feast"
SERVER = "feast-feature-server"
FEATURE_SERVER_IMAGE = ("docker.io/feastdev/feature-server", pins.FEAST_FEATURE_SERVER.version)
CLIENT_NAMESPACES = ("seldon", "kubeflow")  # models and pipelines read online features
ELASTICACHE_ENGINE_VERSION = "8.1"


def online_store_for(store: OnlineStore, target: Target) -> OnlineStore:
    """ElastiCache exists only on AWS; a cluster you bring runs Valkey in-cluster."""
    if store is OnlineStore.ELASTICACHE and target is not Target.AWS:
        return OnlineStore.VALKEY
    return store


def server_replicas(environment: Environment) -> tuple[int, int]:
    return (1, 2) if environment is Environment.DEV else (2, 6)


@dataclass(frozen=True, kw_only=True)
class FeatureStoreArgs:
    stack: str
    environment: Environment
    online_store: OnlineStore  # already resolved for the target (online_store_for)
    lake: LakeAccess
    network: RegionNetwork | None  # AWS only; required for ElastiCache
    mesh: bool
    protect: bool = False

    def __post_init__(self) -> None:
        if self.online_store is OnlineStore.ELASTICACHE and self.network is None:
            raise ValueError("the ElastiCache online store needs the region's network")


class FeatureStore(pulumi.ComponentResource):
    """Feast, its feature repository and its online store (see the module docstring)."""

    TYPE = "aiplat:features:FeatureStore"

    online_host: pulumi.Output[str]

    def __init__(
        self, name: str, args: FeatureStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, name, None, opts)
        self._name = name
        lake = args.lake
        self.namespace = self._namespace(args)
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=self.namespace.ready)

        ca_file = None
        if args.online_store is OnlineStore.ELASTICACHE:
            assert args.network is not None
            group = self._elasticache(args, args.network)
            self.online_host = group.primary_endpoint_address
            port: int = 6379
            online: list[pulumi.Resource] = [group]
        else:
            release = pinned_release(
                f"{name}-valkey",
                release_name=valkey.RELEASE,
                pin=pins.VALKEY,
                namespace=NAMESPACE,
                values=valkey.values(args.environment),
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=self.namespace.ready, protect=args.protect
                ),
            )
            self.online_host = pulumi.Output.from_input(f"{valkey.RELEASE}.{NAMESPACE}.svc")
            port = valkey.PORT
            ca_file = f"{VALKEY_CA_DIR}/ca.crt"
            online = [release]

        project = feast.project_name(args.stack)
        store_yaml = pulumi.Output.all(
            lake.warehouse_uri, self.online_host, lake.catalog_warehouse
        ).apply(
            lambda values: feast.feature_store_yaml(
                project=project,
                warehouse=values[0],
                catalog_warehouse=values[2],
                catalog=lake.catalog.value,
                catalog_uri=lake.catalog_uri,
                s3_endpoint=lake.s3_endpoint,
                online_host=values[1],
                online_port=port,
                ca_file=ca_file,
            )
        )
        definitions = feast.feature_definitions()
        self.repo = k8s.core.v1.ConfigMap(
            f"{name}-repo",
            metadata={"name": REPO_CONFIGMAP, "namespace": NAMESPACE},
            data={"feature_store.yaml": store_yaml, "features.py": definitions},
            opts=in_ns,
        )
        config_hash = store_yaml.apply(
            lambda text: hashlib.sha256((text + definitions).encode()).hexdigest()[:16]
        )
        server = self._server(args, ca_file is not None)
        deps = [*self.namespace.ready, self.repo, *online]
        self.objects = []
        for obj in simple_server_objects(server):
            if obj.kind == "Deployment":
                # A changed repository rolls the server, so it reloads its configuration.
                template = obj.body["spec"]["template"]
                template["metadata"]["annotations"] = {"aiplat.io/repo-hash": config_hash}
            self.objects.append(
                register(name, obj, pulumi.ResourceOptions(parent=self, depends_on=deps))
            )
        repo_pod = feast_jobs.RepoPod(
            image_ref=image(*AIPLAT_IMAGE),
            service_account=SERVICE_ACCOUNT,
            valkey_ca=ca_file is not None,
            s3_endpoint=lake.s3_endpoint,
            region=lake.region,
        )
        self.apply_job, self.materialize = self._repo_jobs(args, repo_pod, config_hash, deps)
        self.register_outputs(
            {
                "namespace": NAMESPACE,
                "project": project,
                "onlineStore": args.online_store.value,
                "onlineHost": self.online_host,
            }
        )

    def _repo_jobs(
        self,
        args: FeatureStoreArgs,
        pod: feast_jobs.RepoPod,
        config_hash: pulumi.Output[str],
        deps: list[pulumi.Resource],
    ) -> tuple[k8s.batch.v1.Job, k8s.batch.v1.CronJob]:
        """``feast apply`` once per repository (named by its hash), then materialisation."""
        name = config_hash.apply(lambda digest: f"{feast_jobs.APPLY}-{digest[:10]}")
        job = feast_jobs.apply_job(pod, NAMESPACE, name)
        wait = f"{feast_jobs.APPLY_DEADLINE_SECONDS // 60}m"  # Pulumi awaits Jobs (10m default)
        apply = k8s.batch.v1.Job(
            f"{self._name}-apply",
            metadata=job["metadata"],
            spec=job["spec"],
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=deps,
                custom_timeouts=pulumi.CustomTimeouts(create=wait, update=wait),
            ),
        )
        cron = feast_jobs.materialize_cron_job(pod, NAMESPACE, args.environment)
        materialize = k8s.batch.v1.CronJob(
            f"{self._name}-materialize",
            metadata=cron["metadata"],
            spec=cron["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*deps, apply]),
        )
        return apply, materialize

    def _namespace(self, args: FeatureStoreArgs) -> PlatformNamespace:
        server_pods = (("app.kubernetes.io/name", SERVER),)
        job_pods = tuple(feast_jobs.PODS.items())
        allows = [
            NetworkAllow(
                name="from-feature-clients",
                direction=Direction.INGRESS,
                namespaces=CLIENT_NAMESPACES,
                ports=(feast.PORT,),
                pods=server_pods,
            )
        ]
        if args.mesh:
            allows.append(
                NetworkAllow(
                    name="to-istiod",
                    direction=Direction.EGRESS,
                    namespaces=("istio-system",),
                    ports=(ISTIOD_PORT,),
                )
            )
        # The server reads the registry; the Jobs also run Spark over the lake's tables and
        # write the online store. Existing policy names stay (their URNs); the Jobs' get "jobs-".
        for prefix, pods in (("", server_pods), ("jobs-", job_pods)):
            allows += self._lake_and_store_allows(args, prefix, pods)
        return PlatformNamespace(
            f"{self._name}-ns",
            PlatformNamespaceArgs(
                namespace=NAMESPACE,
                pod_security=pod_security(args.mesh, gpu=False),
                quota=Quota(cpu="16", memory="48Gi", gpus=0, pods=40),
                service_accounts=(
                    ServiceAccountSpec(
                        name=SERVICE_ACCOUNT,
                        annotations=args.lake.service_account_annotations("feast"),
                    ),
                ),
                allows=tuple(allows),
                mesh_injection=args.mesh,
            ),
            pulumi.ResourceOptions(parent=self),
        )

    def _lake_and_store_allows(
        self, args: FeatureStoreArgs, prefix: str, pods: tuple[tuple[str, str], ...]
    ) -> list[NetworkAllow]:
        peers: list[tuple[str, dict[str, Any], tuple[int, ...]]] = []
        if args.lake.catalog is CatalogKind.REST:
            peers.append(("to-lake", {"namespaces": ("lake",)}, (seaweedfs.S3_PORT, polaris.PORT)))
        else:  # the registry and tables on S3, Glue and STS (IRSA): AWS endpoints over HTTPS
            peers.append(("to-aws-apis", {"cidr": "0.0.0.0/0"}, (443,)))
        if args.online_store is OnlineStore.ELASTICACHE and args.network is not None:
            peers.append(("to-elasticache", {"cidr": args.network.vpc_cidr}, (6379,)))
        return [
            NetworkAllow(
                name=f"{prefix}{name}", direction=Direction.EGRESS, ports=ports, pods=pods, **peer
            )
            for name, peer, ports in peers
        ]

    def _server(self, args: FeatureStoreArgs, valkey_ca: bool) -> ServerSpec:
        # the same rendering as the Jobs': repo (memory), template, password, catalog
        (repo, *init_volumes), init_mounts = render_volumes(args.lake.s3_endpoint is not None)
        repo_mount = init_mounts[0]
        init = container(
            name="render-config",
            image_ref=image(*FEATURE_SERVER_IMAGE),
            resources=SMALL,
            command=("python", "-c", RENDER_SCRIPT),
            mounts=tuple(init_mounts),
        )
        extra = [(repo, repo_mount)]
        env: dict[str, Any] = {"FEAST_USAGE": "False"}
        if valkey_ca:
            extra.append(secret_volume("valkey-ca", valkey.TLS_SECRET, VALKEY_CA_DIR))
        if args.lake.s3_endpoint:
            extra.append(secret_volume("lake-s3", LAKE_S3_SECRET, "/etc/lake-s3"))
            env |= {
                "FEAST_S3_ENDPOINT_URL": args.lake.s3_endpoint,
                "AWS_SHARED_CREDENTIALS_FILE": "/etc/lake-s3/credentials",
            }
        low, high = server_replicas(args.environment)
        return ServerSpec(
            name=SERVER,
            namespace=NAMESPACE,
            image_ref=image(*FEATURE_SERVER_IMAGE),
            port=feast.PORT,
            ready_path="/health",
            live_path="/health",
            service_account=SERVICE_ACCOUNT,
            resources=Resources(
                cpu_request="250m", memory_request="512Mi", cpu_limit="1", memory_limit="2Gi"
            ),
            min_replicas=low,
            max_replicas=high,
            command=("feast", "--chdir", REPO_DIR, "serve"),
            args=("--host", "0.0.0.0", "--port", str(feast.PORT)),
            env=env,
            extra_volumes=tuple(extra),
            volumes=tuple(init_volumes),
            init_containers=(init,),
        )

    def _elasticache(
        self, args: FeatureStoreArgs, network: RegionNetwork
    ) -> aws.elasticache.ReplicationGroup:
        name = self._name
        child = pulumi.ResourceOptions(parent=self)
        stateful = pulumi.ResourceOptions(parent=self, protect=args.protect)
        plan = cache_plan(args.environment)
        identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
        partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=self)).partition
        root = f"arn:{partition}:iam::{identity.account_id}:root"
        key = aws.kms.Key(
            f"{name}-cache-key",
            description=f"Feast online store (ElastiCache) encryption for {args.stack}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(docs.kms_key_policy(root)),
            opts=stateful,
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-cache",
            vpc_id=network.vpc_id,
            description="Feast online store: Valkey from inside the VPC only",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 6379,
                    "to_port": 6379,
                    "cidr_blocks": [network.vpc_cidr],
                    "description": "Valkey (TLS) from the VPC",
                }
            ],
            egress=[],
            opts=child,
        )
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-cache",
            description="Feast online store: private subnets",
            subnet_ids=network.private_subnet_ids,
            opts=child,
        )
        # The AUTH token is created by the platform's operators in Secrets Manager (and the
        # same value in the Kubernetes Secret Feast mounts); aiplat never generates it.
        token = aws.secretsmanager.get_secret_version_output(
            secret_id=f"aiplat/{args.stack}/feast-online-store",
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).secret_string
        return aws.elasticache.ReplicationGroup(
            f"{name}-cache",
            description=f"Feast online store for {args.stack}",
            engine="valkey",
            engine_version=ELASTICACHE_ENGINE_VERSION,
            node_type=plan.node_type,
            num_cache_clusters=plan.cache_clusters,
            automatic_failover_enabled=plan.cache_clusters > 1,
            multi_az_enabled=plan.multi_az,
            port=6379,
            subnet_group_name=subnets.name,
            security_group_ids=[group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=key.arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=pulumi.Output.secret(token),
            snapshot_retention_limit=plan.snapshot_retention_days,
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            opts=stateful,
        )
