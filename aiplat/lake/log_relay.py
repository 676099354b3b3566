"""The serving log writer's front half on tiers with Kafka: request-logger events, received
over HTTP, produced to the log topics; :mod:`aiplat.lake.log_consumer` appends the topics
to the lake.

Seldon Core v1's executor and KServe's logger POST each request and each response as a
binary-mode CloudEvent (:mod:`aiplat.lake.log_writer`). With Kafka the writer does not keep
them in memory: it checks each event by the lake's rules
(:func:`~aiplat.lake.log_writer.rows_from_event`, so nothing the lake would refuse reaches
a topic) and produces it with the CloudEvents Kafka binding, binary mode: the body is the
record's value, every ``ce-*`` attribute a ``ce_*`` header, ``content-type`` as is, and the
event id as the key, so a request and its response land in the same partition of their
topics. Requests go to the requests topic, responses to the responses topic. The sender gets
202 only once every in-sync replica has the record (``acks=all``), so an accepted event
outlives the writer; while the brokers do not answer it gets 503 and nothing is kept.

Why not the executor's own Kafka producer: Seldon Core v1 gives its producer a CA only
together with a client certificate, and ``svcOrchSpec`` cannot mount files, so reaching
Strimzi's TLS listener would take PEM keys in environment variables (against K8S-09). Over
HTTP the executor needs neither, and KServe's logger gets the same path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiplat.lake.log_consumer import client_config, kafka_client
from aiplat.lake.log_writer import FEATURE_LOG, PREDICTION_LOG, Unavailable
from tiers.errors import SpecError

SEND_TIMEOUT_S = 10.0


def kafka_headers(headers: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """The CloudEvents Kafka binding's headers for HTTP binary-mode ``ce-*`` headers."""
    out: list[tuple[str, bytes]] = []
    for key, value in headers.items():
        name = key.lower()
        if name.startswith("ce-"):
            out.append((f"ce_{name[3:]}", value.encode()))
        elif name == "content-type":
            out.append((name, value.encode()))
    return sorted(out)


@dataclass(frozen=True, kw_only=True)
class KafkaSink:
    """Where accepted events go: one topic per table."""

    bootstrap: str
    request_topic: str
    response_topic: str
    ca_file: Path | None = None  # TLS (the listener's CA) when given

    def __post_init__(self) -> None:
        for field, topic in (
            ("--kafka-request-topic", self.request_topic),
            ("--kafka-response-topic", self.response_topic),
        ):
            if not topic.strip():
                raise SpecError(field, "is empty", "name the topic")
        if self.request_topic == self.response_topic:
            raise SpecError(
                "--kafka-response-topic",
                f"is the requests topic too ({self.request_topic})",
                "give responses their own topic",
            )

    @property
    def topics(self) -> dict[str, str]:
        return {FEATURE_LOG: self.request_topic, PREDICTION_LOG: self.response_topic}

    def producer_config(self) -> dict[str, Any]:
        """kafka-python ``KafkaProducer`` settings: every in-sync replica acknowledges,
        retries are idempotent, TLS with the CA if given."""
        return client_config(self.bootstrap, self.ca_file) | {
            "acks": "all",
            "enable_idempotence": True,
            "client_id": "serving-log-relay",
        }


class Relay:
    """Produces accepted events to the sink's topics; its :meth:`accept` is the endpoint's
    ``accept`` (:func:`aiplat.lake.log_writer.serve`)."""

    def __init__(self, sink: KafkaSink, producer: Any, timeout_s: float = SEND_TIMEOUT_S):
        self.sink = sink
        self._producer = producer
        self._timeout_s = timeout_s

    @classmethod
    def connect(cls, sink: KafkaSink, **overrides: Any) -> Relay:
        from kafka import KafkaProducer

        config = sink.producer_config() | overrides
        return cls(sink, kafka_client(KafkaProducer, sink.bootstrap, config))

    def accept(
        self, table: str, row: dict[str, Any], headers: Mapping[str, str], body: bytes
    ) -> None:
        """Produce one event and wait for the brokers' acknowledgement."""
        from kafka.errors import KafkaError

        topic = self.sink.topics[table]
        try:
            self._producer.send(
                topic, value=body, key=row["request_id"].encode(), headers=kafka_headers(headers)
            ).get(timeout=self._timeout_s)
        except KafkaError as error:
            raise Unavailable(f"topic {topic}: {type(error).__name__}: {error}") from None

    def close(self) -> None:
        self._producer.close(timeout=self._timeout_s)
