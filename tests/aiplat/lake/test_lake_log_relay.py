"""The log writer's Kafka front: request-logger CloudEvents posted over HTTP are checked,
produced to the requests or responses topic of a real Kafka-protocol broker (Tansu, on
127.0.0.1) with the CloudEvents Kafka binding, answered only once the broker has them, and
consumed from there into a real SQLite Iceberg catalog."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from aiplat.lake import ops
from aiplat.lake.log_consumer import KafkaSource
from aiplat.lake.log_relay import KafkaSink, Relay, kafka_headers
from aiplat.lake.log_writer import FEATURE_LOG, PREDICTION_LOG, LogWriter, serve
from aiplat.lake.tables import standard_tables
from tiers.errors import SpecError

SINK = {"bootstrap": "b:9093", "request_topic": "req", "response_topic": "resp"}


def test_http_cloudevent_headers_become_kafka_binding_headers():
    headers = {
        "Ce-Id": "r-1",
        "ce-type": "io.seldon.serving.inference.request",
        "Content-Type": "application/json",
        "Content-Length": "12",
        "Host": "serving-log-writer",
    }
    assert kafka_headers(headers) == [
        ("ce_id", b"r-1"),
        ("ce_type", b"io.seldon.serving.inference.request"),
        ("content-type", b"application/json"),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"request_topic": " "}, "--kafka-request-topic", "is empty"),
        ({"response_topic": ""}, "--kafka-response-topic", "is empty"),
        ({"response_topic": "req"}, "--kafka-response-topic", "is the requests topic too (req)"),
    ],
)
def test_a_bad_sink_is_one_clear_error(change, field, message):
    with pytest.raises(SpecError) as error:
        KafkaSink(**(SINK | change))
    assert error.value.field == field and message in str(error.value)


def test_the_producer_waits_for_every_in_sync_replica_and_speaks_tls_with_the_ca(tmp_path):
    ca = tmp_path / "ca.crt"
    config = KafkaSink(**SINK, ca_file=ca).producer_config()
    assert config["acks"] == "all" and config["enable_idempotence"] is True
    assert config["security_protocol"] == "SSL" and config["ssl_cafile"] == str(ca)
    assert "security_protocol" not in KafkaSink(**SINK).producer_config()


def post(port: int, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def seldon(kind: str, request_id: str) -> dict[str, str]:
    return {
        "Ce-Type": f"io.seldon.serving.inference.{kind}",
        "Ce-Id": request_id,
        "Ce-Modelid": "reference-model",
        "Ce-Endpoint": "canary",
        "Content-Type": "application/json",
    }


def kserve_request(request_id: str) -> dict[str, str]:
    return {
        "ce-type": "org.kubeflow.serving.inference.request",
        "ce-id": request_id,
        "ce-inferenceservicename": "reference-model-main",
        "ce-component": "predictor",
        "Content-Type": "application/json",
    }


def create_topics(bootstrap: str, *topics: str) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(t, 1, 1) for t in topics if t not in admin.list_topics()])
    admin.close()


def read_topic(bootstrap: str, topic: str, expected: int) -> list:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=5000
    )
    records = []
    for record in consumer:
        records.append(record)
        if len(records) == expected:
            break
    consumer.close()
    return records


@pytest.mark.slow
def test_posted_events_reach_the_lake_through_the_topics(
    broker, catalog, run_pump, lake_counts, fast_group
):
    ops.init(catalog, standard_tables())
    sink = KafkaSink(bootstrap=broker, request_topic="requests.a", response_topic="responses.a")
    create_topics(broker, *sink.topics.values())
    relay = Relay.connect(sink)
    server, writer, stop = serve(catalog, "127.0.0.1", 0, accept=relay.accept)
    port = server.server_address[1]
    try:
        for i in range(3):
            request = {"data": {"ndarray": [[i, 1.0]]}, "meta": {"tags": {"entity_id": f"c-{i}"}}}
            assert post(port, seldon("request", f"r-{i}"), json.dumps(request).encode())[0] == 202
            response = {"data": {"ndarray": [[i / 10]]}}
            assert post(port, seldon("response", f"r-{i}"), json.dumps(response).encode())[0] == 202
        v2 = {"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1.0]}]}
        assert post(port, kserve_request("k-1"), json.dumps(v2).encode())[0] == 202
        status, text = post(port, seldon("feedback", "f-1"), b"{}")
        assert status == 400 and "neither a request nor a response" in text
    finally:
        stop.set()
        server.shutdown()
        relay.close()
    assert writer.pending() == 0  # nothing waits in memory: the topics hold it
    requests = read_topic(broker, "requests.a", 4)
    assert [r.key for r in requests] == [b"r-0", b"r-1", b"r-2", b"k-1"]
    assert ("ce_modelid", b"reference-model") in requests[0].headers
    assert len(read_topic(broker, "responses.a", 3)) == 3
    source = KafkaSource(bootstrap=broker, topics=tuple(sink.topics.values()), group="lake-a")
    consumer = source.connect(**fast_group)
    everything = {FEATURE_LOG: 4, PREDICTION_LOG: 3}
    stats = run_pump(
        consumer, LogWriter(catalog), lambda: lake_counts(catalog) == everything,
        batch_rows=10, flush_seconds=0.3,
    )  # fmt: skip
    consumer.close()
    assert stats.skipped == 0 and lake_counts(catalog) == everything
    features = {r["request_id"]: r for r in ops.read(catalog, FEATURE_LOG).to_pylist()}
    assert features["r-2"]["entity_id"] == "c-2" and features["r-2"]["model_version"] == "canary"
    assert features["k-1"]["model_name"] == "reference-model-main"
    predictions = ops.read(catalog, PREDICTION_LOG).to_pylist()
    assert sorted(r["prediction"] for r in predictions) == pytest.approx([0.0, 0.1, 0.2])


class Unacknowledged:
    """A producer whose records are never acknowledged (the brokers do not answer)."""

    def send(self, topic, **kwargs):
        from kafka.errors import KafkaTimeoutError

        class Future:
            def get(self, timeout):
                raise KafkaTimeoutError(f"no acknowledgement in {timeout} s")

        return Future()

    def close(self, timeout=None):
        return None


def test_while_the_brokers_do_not_acknowledge_the_sender_gets_503_and_nothing_is_kept(catalog):
    relay = Relay(KafkaSink(**SINK), Unacknowledged(), timeout_s=0.1)
    server, writer, stop = serve(catalog, "127.0.0.1", 0, accept=relay.accept)
    try:
        status, text = post(server.server_address[1], seldon("request", "r-1"), b"{}")
    finally:
        stop.set()
        server.shutdown()
    assert status == 503 and text.startswith("topic req: KafkaTimeoutError")
    assert writer.pending() == 0


def test_no_broker_at_the_address_is_one_clear_error(unused_port):
    sink = KafkaSink(**(SINK | {"bootstrap": f"127.0.0.1:{unused_port}"}))
    with pytest.raises(SpecError) as error:
        Relay.connect(sink, bootstrap_timeout_ms=1000, request_timeout_ms=1000)
    assert error.value.field == "--kafka-bootstrap"
