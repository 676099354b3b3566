"""Intermediate: Iceberg lake + OLAP, Spark with Ray/Dask, Kubeflow notebooks, Horovod-style
training, Seldon or TF Serving, Prometheus/Grafana, 50-100 GPU servers."""

from tiers.model import (
    CapacityType,
    CpuPoolSpec,
    DataEngine,
    EngineSizes,
    FederationSpec,
    GpuPoolSpec,
    GpuSharing,
    KubeflowPart,
    LakeSpec,
    Metastore,
    ObservabilitySpec,
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
    tier=Tier.INTERMEDIATE,
    summary="Iceberg lake + ClickHouse, Spark/Ray/Dask, Kubeflow notebooks and MPI training, Seldon",
    data_scale="TB-PB",
    gpu_server_range=(50, 100),
    # 20 platform staff, as in the design's central TCO scenario (section 5.2)
    team=TeamSpec(data_scientists=10, data_engineers=4, ml_engineers=3, mlops_engineers=3),
    gpu_pools=(
        GpuPoolSpec(
            name="notebook",
            role=PoolRole.NOTEBOOK,
            instance_type="g6e.xlarge",
            min_nodes=4,
            desired_nodes=8,
            max_nodes=12,
            capacity_type=CapacityType.ON_DEMAND,
            sharing=GpuSharing(mode=SharingMode.TIME_SLICING, replicas=4),  # notebooks share GPUs
        ),
        GpuPoolSpec(
            name="training",
            role=PoolRole.TRAINING,
            instance_type="p4d.24xlarge",
            min_nodes=8,
            desired_nodes=16,
            max_nodes=24,
            capacity_type=CapacityType.ON_DEMAND,
            efa=True,
        ),
        GpuPoolSpec(
            name="batch",
            role=PoolRole.BATCH,
            instance_type="g5.12xlarge",
            min_nodes=4,
            desired_nodes=16,
            max_nodes=24,
            capacity_type=CapacityType.SPOT,
        ),
        GpuPoolSpec(
            name="inference",
            role=PoolRole.INFERENCE,
            instance_type="g6.xlarge",
            min_nodes=8,
            desired_nodes=24,
            max_nodes=36,
            capacity_type=CapacityType.ON_DEMAND,
        ),
    ),
    system_pool=CpuPoolSpec(instance_type="m7i.2xlarge", min_nodes=3, desired_nodes=3, max_nodes=6),
    stacks=PlatformStacks(
        lake=LakeSpec(enabled=True, size_tb=200, metastore=Metastore.GLUE, olap_hooks=True),
        kubeflow=frozenset({KubeflowPart.NOTEBOOKS, KubeflowPart.TRAINER}),
        automl=True,
        serving=ServingSpec(
            engines=frozenset({ServingEngine.SELDON, ServingEngine.TF_SERVING}),
            canary=True,
            min_replicas=2,
        ),
        mesh=True,
        observability=ObservabilitySpec(enabled=True, retention_days=15),
        feature_store=True,
        data_engines=frozenset(
            {DataEngine.SPARK, DataEngine.RAY, DataEngine.DASK, DataEngine.CLICKHOUSE}
        ),
        federation=FederationSpec(enabled=False),
        engines=EngineSizes(
            spark_min_executors=2,
            spark_max_executors=8,
            spark_executor_cores=2,
            spark_executor_memory_gib=8,
            ray_max_workers=8,
            dask_workers=4,
            clickhouse_shards=2,
            clickhouse_replicas=1,
        ),
    ),
    regions=("us-east-1",),
)
