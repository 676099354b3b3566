"""The data engines' pure decisions, as tables: engine sizes per environment, Kafka
replication, MSK broker counts, the metastore plan, quotas that hold what the sizes allow,
network allows, and the preview's summary rows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aiplat.stackfiles import load
from aiplat.summary import data_engines
from components import data_engines_msk as msk
from components import data_engines_network as net
from components import data_engines_spark as spark_spec
from components.data_engines import DataEnginesArgs
from components.data_engines_hive import metastore_plan
from components.data_engines_python import dask_quota, ray_quota
from components.lake_access import CatalogKind
from components.values import clickhouse as clickhouse_values
from components.values import dask as dask_values
from components.values import flink as flink_values
from components.values import ray as ray_values
from components.values import spark as spark_values
from components.values import strimzi
from components.values.kafka_topics import broker_config, replication
from tiers import TIERS
from tiers.model import EngineSizes, KafkaMode, Metastore, Target
from tiers.resolve import ResolvedPlatform


@pytest.mark.parametrize(
    ("factor", "brokers", "partitions", "spark", "replicas"),
    [
        (1.0, 3, 12, (2, 50), 2),
        (0.5, 2, 6, (1, 25), 1),
        (0.25, 1, 3, (1, 13), 1),
    ],
)
def test_advanced_engine_sizes_scale_with_the_environment(
    factor, brokers, partitions, spark, replicas
):
    sizes = TIERS["advanced"].stacks.engines.scaled(factor)
    assert sizes.kafka_brokers == brokers
    assert sizes.kafka_partitions == partitions
    assert (sizes.spark_min_executors, sizes.spark_max_executors) == spark
    assert sizes.clickhouse_replicas == replicas
    assert sizes.spark_executor_cores == 4  # per-process sizes never scale


@pytest.mark.parametrize(
    ("stack", "brokers"), [("advanced-dev", 1), ("advanced-staging", 2), ("expert-prod", 6)]
)
def test_resolved_stacks_carry_the_scaled_sizes(stack, brokers):
    assert load(stack).resolve().engines.kafka_brokers == brokers


@pytest.mark.parametrize(
    "bad",
    [{"kafka_brokers": 0}, {"spark_min_executors": 3, "spark_max_executors": 2}],
    ids=["no-brokers", "min-above-max"],
)
def test_engine_sizes_refuse_impossible_counts(bad):
    with pytest.raises(ValueError):
        EngineSizes(**bad)


@pytest.mark.parametrize(
    ("brokers", "expected"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 2)), (6, (3, 2))]
)
def test_replication_follows_the_broker_count(brokers, expected):
    assert replication(brokers) == expected
    assert broker_config(brokers)["auto.create.topics.enable"] is False


@pytest.mark.parametrize(
    ("brokers", "zones", "expected"), [(1, 2, 2), (2, 2, 2), (3, 3, 3), (4, 3, 6), (6, 3, 6)]
)
def test_msk_broker_nodes_are_a_multiple_of_the_zones(brokers, zones, expected):
    assert msk.broker_nodes(brokers, zones) == expected


def test_msk_server_properties_spell_booleans_as_kafka_does():
    text = msk.server_properties(3)
    assert "auto.create.topics.enable=false\n" in text
    assert "min.insync.replicas=2\n" in text


@pytest.mark.parametrize(
    ("metastore", "target", "expected"),
    [
        (Metastore.GLUE, Target.AWS, Metastore.GLUE),
        (Metastore.GLUE, Target.KUBERNETES, Metastore.HIVE),
        (Metastore.HIVE, Target.AWS, Metastore.HIVE),
        (Metastore.NONE, Target.KUBERNETES, Metastore.NONE),
    ],
)
def test_the_metastore_plan(metastore, target, expected):
    assert metastore_plan(metastore, target) is expected


@pytest.mark.parametrize("tier", ["poc", "intermediate", "advanced", "expert"])
def test_quotas_hold_every_pod_the_sizes_allow(tier):
    sizes = TIERS[tier].stacks.engines
    spark_quota = spark_spec.quota(sizes)
    cores = sizes.spark_max_executors * sizes.spark_executor_cores + 1
    assert int(spark_quota.cpu) >= cores
    assert spark_quota.pods > sizes.spark_max_executors
    assert int(ray_quota(sizes).cpu) >= 2 * sizes.ray_max_workers
    assert int(dask_quota(sizes).memory.removesuffix("Gi")) >= 8 * sizes.dask_workers


@pytest.mark.parametrize(
    ("catalog", "https", "names"),
    [
        (CatalogKind.GLUE, False, ["https"]),
        (CatalogKind.REST, False, ["lake"]),
        (CatalogKind.REST, True, ["https", "lake"]),
        (None, False, []),
    ],
)
def test_lake_egress_follows_the_catalog(catalog, https, names):
    assert [a.name for a in net.lake(catalog, https)] == names


def test_kafka_egress_follows_where_kafka_runs():
    assert [a.ports for a in net.kafka(KafkaMode.STRIMZI, None)] == [(9093,)]
    (to_msk,) = net.kafka(KafkaMode.MSK, "10.64.0.0/16")
    assert (to_msk.cidr, to_msk.ports) == ("10.64.0.0/16", (msk.TLS_IAM_PORT,))
    assert net.kafka(None, "10.64.0.0/16") == ()


def test_msk_args_need_the_regions_network():
    platform = load("advanced-prod").resolve()
    with_msk: ResolvedPlatform = replace(platform, kafka=KafkaMode.MSK)
    with pytest.raises(ValueError, match="needs the region's network"):
        DataEnginesArgs(platform=with_msk, lake=None)


@pytest.mark.parametrize(
    ("stack", "rows"),
    [
        ("poc-dev", [("kafka", "none"), ("metastore", "none"), ("spark", "1-1 executors")]),
        (
            "intermediate-onprem",
            [("kafka", "none"), ("metastore", "hive"), ("spark", "2-8 executors")],
        ),
        (
            "advanced-prod",
            [
                ("kafka", "strimzi"),
                ("metastore", "glue"),
                ("spark", "2-50 executors, dynamic allocation, spot"),
            ],
        ),
    ],
)
def test_the_preview_summary_names_kafka_the_metastore_and_spark(stack, rows):
    assert data_engines(load(stack).resolve()) == rows


def _walk(value, key):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)


@pytest.mark.parametrize(
    "module", [spark_values, ray_values, dask_values, flink_values, clickhouse_values, strimzi]
)
def test_every_operator_chart_gets_requests_and_limits(module):
    resources = list(_walk(module.values(), "resources"))
    assert resources
    for spec in resources:
        assert {"cpu", "memory"} <= set(spec["requests"]) and {"cpu", "memory"} <= set(
            spec["limits"]
        )


@pytest.mark.parametrize(
    ("module", "key"),
    [
        (spark_values, "securityContext"),
        (ray_values, "securityContext"),
        (dask_values, "securityContext"),
        (flink_values, "operatorSecurityContext"),
        (clickhouse_values, "containerSecurityContext"),
    ],
)
def test_operator_containers_run_hardened(module, key):
    contexts = list(_walk(module.values(), key))
    assert contexts
    for context in contexts:
        assert context["runAsNonRoot"] is True
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
