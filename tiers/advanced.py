"""Advanced: streaming lake with a metastore, Spark on Kubernetes, Flink, Kafka, full Kubeflow
(Katib, Pipelines), full Seldon with A/B and canary, 100+ GPU servers."""

from tiers.model import (
    CapacityType,
    CpuPoolSpec,
    DataEngine,
    EngineSizes,
    FederationSpec,
    GpuPoolSpec,
    KubeflowPart,
    LakeSpec,
    Metastore,
    ObservabilitySpec,
    PlatformStacks,
    PoolRole,
    ServingEngine,
    ServingSpec,
    TeamSpec,
    Tier,
    TierSpec,
)

SPEC = TierSpec(
    tier=Tier.ADVANCED,
    summary="streaming lake, Spark on K8s, Flink + Kafka, full Kubeflow, Seldon with A/B and canary",
    data_scale="PB-EB",
    gpu_server_range=(100, None),
    team=TeamSpec(data_scientists=20, data_engineers=8, ml_engineers=6, mlops_engineers=6),
    gpu_pools=(
        GpuPoolSpec(
            name="notebook",
            role=PoolRole.NOTEBOOK,
            instance_type="g6e.2xlarge",
            min_nodes=8,
            desired_nodes=16,
            max_nodes=24,
            capacity_type=CapacityType.ON_DEMAND,
        ),
        GpuPoolSpec(
            name="training",
            role=PoolRole.TRAINING,
            instance_type="p5.48xlarge",
            min_nodes=16,
            desired_nodes=32,
            max_nodes=64,
            capacity_type=CapacityType.ON_DEMAND,
            efa=True,
        ),
        GpuPoolSpec(
            name="batch",
            role=PoolRole.BATCH,
            instance_type="g6e.12xlarge",
            min_nodes=8,
            desired_nodes=32,
            max_nodes=48,
            capacity_type=CapacityType.SPOT,
        ),
        GpuPoolSpec(
            name="inference",
            role=PoolRole.INFERENCE,
            instance_type="g6e.xlarge",
            min_nodes=16,
            desired_nodes=48,
            max_nodes=96,
            capacity_type=CapacityType.ON_DEMAND,
        ),
    ),
    system_pool=CpuPoolSpec(
        instance_type="m7i.4xlarge", min_nodes=3, desired_nodes=6, max_nodes=12
    ),
    stacks=PlatformStacks(
        lake=LakeSpec(
            enabled=True,
            size_tb=2000,
            metastore=Metastore.GLUE,
            streaming_tables=True,
            olap_hooks=True,
        ),
        kubeflow=frozenset(KubeflowPart),
        automl=True,
        serving=ServingSpec(
            engines=frozenset(
                {ServingEngine.SELDON, ServingEngine.TF_SERVING, ServingEngine.KSERVE}
            ),
            canary=True,
            ab_tests=True,
            min_replicas=3,
        ),
        mesh=True,
        observability=ObservabilitySpec(enabled=True, retention_days=30),
        feature_store=True,
        data_engines=frozenset(
            {
                DataEngine.SPARK,
                DataEngine.RAY,
                DataEngine.DASK,
                DataEngine.FLINK,
                DataEngine.KAFKA,
                DataEngine.CLICKHOUSE,
            }
        ),
        federation=FederationSpec(enabled=False),
        engines=EngineSizes(
            spark_min_executors=2,
            spark_max_executors=50,
            spark_executor_cores=4,
            spark_executor_memory_gib=16,
            spark_dynamic_allocation=True,
            spark_spot=True,
            ray_max_workers=32,
            dask_workers=16,
            flink_task_managers=4,
            flink_task_slots=4,
            kafka_brokers=3,
            kafka_partitions=12,
            kafka_storage_gib=1000,
            msk_instance_type="kafka.m7g.xlarge",
            clickhouse_shards=2,
            clickhouse_replicas=2,
        ),
    ),
    regions=("us-east-1",),
)
