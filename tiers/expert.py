"""Expert: multi-region clusters, FATE federation with secure computation and differential
privacy, NAS/HPO, edge inference, 500+ GPU servers. Pools below are per region."""

from tiers.model import (
    CapacityType,
    CpuPoolSpec,
    DataEngine,
    EdgeSiteSpec,
    FatePartySpec,
    FederationSpec,
    GpuPoolSpec,
    GpuSharing,
    KubeflowPart,
    LakeSpec,
    Metastore,
    ObservabilitySpec,
    OnlineStore,
    PlatformStacks,
    PoolRole,
    ServingEngine,
    ServingSpec,
    SharingMode,
    TeamSpec,
    Tier,
    TierSpec,
)

SPEC = TierSpec(
    tier=Tier.EXPERT,
    summary="multi-region clusters, FATE federation with MPC and DP, NAS/HPO, edge inference",
    data_scale="global",
    gpu_server_range=(500, None),
    team=TeamSpec(data_scientists=50, data_engineers=16, ml_engineers=12, mlops_engineers=12),
    gpu_pools=(
        GpuPoolSpec(
            name="notebook",
            role=PoolRole.NOTEBOOK,
            instance_type="g6e.2xlarge",
            min_nodes=8,
            desired_nodes=24,
            max_nodes=32,
            capacity_type=CapacityType.ON_DEMAND,
            sharing=GpuSharing(mode=SharingMode.TIME_SLICING, replicas=2),  # notebooks share GPUs
        ),
        GpuPoolSpec(
            name="training",
            role=PoolRole.TRAINING,
            instance_type="p5.48xlarge",
            min_nodes=32,
            desired_nodes=96,
            max_nodes=128,
            capacity_type=CapacityType.ON_DEMAND,
            efa=True,
        ),
        GpuPoolSpec(
            name="batch",
            role=PoolRole.BATCH,
            instance_type="g6e.12xlarge",
            min_nodes=16,
            desired_nodes=48,
            max_nodes=96,
            capacity_type=CapacityType.SPOT,
        ),
        GpuPoolSpec(
            name="inference",
            role=PoolRole.INFERENCE,
            instance_type="g6e.xlarge",
            min_nodes=32,
            desired_nodes=112,
            max_nodes=192,
            capacity_type=CapacityType.ON_DEMAND,
        ),
    ),
    system_pool=CpuPoolSpec(
        instance_type="m7i.4xlarge", min_nodes=3, desired_nodes=6, max_nodes=12
    ),
    stacks=PlatformStacks(
        lake=LakeSpec(
            enabled=True,
            size_tb=5000,
            metastore=Metastore.GLUE,
            streaming_tables=True,
            olap_hooks=True,
            replicate_warehouse=True,
        ),
        kubeflow=frozenset(KubeflowPart),
        nas=True,
        automl=True,
        serving=ServingSpec(
            engines=frozenset(
                {ServingEngine.SELDON, ServingEngine.TF_SERVING, ServingEngine.KSERVE}
            ),
            canary=True,
            ab_tests=True,
            min_replicas=3,
            shadow=True,
            request_logging=True,
        ),
        mesh=True,
        observability=ObservabilitySpec(enabled=True, retention_days=90),
        feature_store=True,
        online_store=OnlineStore.ELASTICACHE,
        data_engines=frozenset(DataEngine),
        federation=FederationSpec(
            enabled=True,
            # one party per region: the exchange runs beside hq in the primary region
            parties=(
                FatePartySpec(name="hq", party_id=9999, organisation="hq", region="us-east-1"),
                FatePartySpec(
                    name="partner", party_id=10000, organisation="partner", region="eu-north-1"
                ),
            ),
            secure_aggregation=True,
            differential_privacy=True,
            epsilon=3.0,
            delta=1e-5,
            exchange_party_id=1,
        ),
    ),
    regions=("us-east-1", "eu-north-1"),
    edge_sites=(EdgeSiteSpec(name="store-east", gpu=True), EdgeSiteSpec(name="plant-west")),
)
