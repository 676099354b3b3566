"""Serving logs from Kafka into the lake: the log topics' records, appended to
``ml.feature_log`` and ``ml.prediction_log`` by the same rules as the HTTP endpoint
(:func:`aiplat.lake.log_writer.rows_from_event`).

What arrives on the topics:

- The writer's own HTTP front (:mod:`aiplat.lake.log_relay`, what aiplat deploys) produces
  each request-logger event with the CloudEvents Kafka binding (binary mode): ``ce_``
  headers (``ce_id``, ``ce_type``, ...).
- Seldon Core v1's executor, when pointed at Kafka itself (``LOGGER_KAFKA_BROKER``,
  ``LOGGER_KAFKA_TOPIC``; aiplat does not, see log_relay), produces one record per request
  and per response: the value is the payload, the attributes are plain headers ``type``, ``requestid``, ``modelid``, ``inferenceservicename``, ``namespace``,
  ``endpoint``, ``protocol`` and ``content-type`` (``executor/logger/worker.go``); the
  record's timestamp is the event time.

Delivery is at least once: offsets are committed only after the rows read so far have been
appended (one commit per table per flush). A flush that fails keeps its rows and commits
nothing; when the lake stays down, consumption pauses at :data:`MAX_PENDING_BATCHES` batches
instead of buffering without bound. A record that is not an inference event is skipped with
one line on stderr naming its topic, partition and offset, never silently. A restart after
a failed flush re-reads the uncommitted records, so a row may be appended twice; readers
that need exactly once deduplicate on ``request_id``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from aiplat.lake.log_writer import LogWriter, rows_from_event
from tiers.errors import SpecError

# Seldon Core v1 executor's Kafka headers -> the CloudEvent attributes rows_from_event reads.
SELDON_HEADERS = {
    "type": "ce-type",
    "requestid": "ce-id",
    "modelid": "ce-modelid",
    "inferenceservicename": "ce-inferenceservicename",
    "endpoint": "ce-endpoint",
    "namespace": "ce-namespace",
    "content-type": "content-type",
}
MAX_PENDING_BATCHES = 20  # stop polling while this many batches wait for the lake
DEFAULT_GROUP = "serving-log-writer"


def event_headers(
    headers: Iterable[tuple[str, bytes | None]], timestamp_ms: int | None
) -> dict[str, str]:
    """CloudEvent-style ``ce-*`` headers of one Kafka record (see the module docstring);
    ``ce-time`` from the record's timestamp when the headers carry none."""
    out: dict[str, str] = {}
    for key, value in headers:
        name = key.lower()
        text = (value or b"").decode("utf-8", errors="replace")
        if name.startswith("ce_"):
            out[f"ce-{name[3:]}"] = text
        elif name in SELDON_HEADERS:
            out.setdefault(SELDON_HEADERS[name], text)
    if "ce-time" not in out and timestamp_ms is not None and timestamp_ms >= 0:
        out["ce-time"] = datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat()
    return out


def client_config(bootstrap: str, ca_file: Path | None) -> dict[str, Any]:
    """kafka-python settings every client shares: the brokers, and TLS with the listener's
    CA when one is given (the listener does not ask clients for certificates)."""
    config: dict[str, Any] = {
        "bootstrap_servers": [s.strip() for s in bootstrap.split(",") if s.strip()]
    }
    if ca_file is not None:
        config |= {"security_protocol": "SSL", "ssl_cafile": str(ca_file)}
    return config


def kafka_client(factory: Callable[..., Any], bootstrap: str, config: dict[str, Any]) -> Any:
    """``factory(**config)`` (a kafka-python consumer or producer); no broker answering is
    one SpecError naming the address, not a traceback."""
    from kafka.errors import KafkaError

    try:
        return factory(**config)
    except KafkaError as error:  # e.g. NoBrokersAvailable
        raise SpecError(
            "--kafka-bootstrap",
            f"no Kafka broker answers at {bootstrap} ({type(error).__name__})",
            "check the address, the port and, for TLS, --kafka-ca-file",
        ) from None


@dataclass(frozen=True, kw_only=True)
class KafkaSource:
    """Where the log records come from."""

    bootstrap: str
    topics: tuple[str, ...]
    group: str = DEFAULT_GROUP
    ca_file: Path | None = None  # TLS (Strimzi's cluster CA) when given

    def __post_init__(self) -> None:
        if not self.bootstrap.strip():
            raise SpecError("--kafka-bootstrap", "is empty", "give host:port[,host:port]")
        if not self.topics or not all(t.strip() for t in self.topics):
            raise SpecError("topics", "names no topic", "give at least one topic")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise SpecError("--kafka-ca-file", f"{self.ca_file} is not a file", "mount the CA")

    def consumer_config(self) -> dict[str, Any]:
        """kafka-python ``KafkaConsumer`` settings: manual commits, earliest offset for a new
        group (nothing logged before the first start is skipped), TLS with the CA if given."""
        return client_config(self.bootstrap, self.ca_file) | {
            "group_id": self.group,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "client_id": self.group,
        }

    def connect(self, **overrides: Any) -> Any:
        """A subscribed ``kafka.KafkaConsumer``."""
        from kafka import KafkaConsumer

        config = self.consumer_config() | overrides
        consumer = kafka_client(KafkaConsumer, self.bootstrap, config)
        consumer.subscribe(list(self.topics))
        return consumer


class Consumer(Protocol):
    """What :func:`pump` needs of a consumer (``kafka.KafkaConsumer`` has it)."""

    def poll(
        self, timeout_ms: int = ..., max_records: int | None = ...
    ) -> Mapping[Any, Sequence[Any]]: ...

    def commit(self) -> Any: ...


@dataclass
class PumpStats:
    consumed: int = 0
    written: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    failed_flushes: int = 0


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _flush_and_commit(consumer: Consumer, writer: LogWriter, stats: PumpStats, say) -> bool:
    try:
        written = writer.flush()
    except Exception as error:  # the lake is down or a commit failed: keep rows, no offsets
        stats.failed_flushes += 1
        say(
            f"log consumer: flush failed, {writer.pending()} rows kept, offsets not committed: {error}"
        )
        return False
    for table, rows in written.items():
        stats.written[table] = stats.written.get(table, 0) + rows
    consumer.commit()  # everything read so far is in the lake (or was skipped, and said so)
    return True


def pump(
    consumer: Consumer,
    writer: LogWriter,
    stop: threading.Event,
    *,
    batch_rows: int = 500,
    flush_seconds: float = 10.0,
    poll_ms: int = 500,
    say: Callable[[str], None] = _say,
) -> PumpStats:
    """Read records until ``stop`` is set, appending them in batches (see the module
    docstring); a last flush and commit on the way out. Returns what was done."""
    stats = PumpStats()
    last = time.monotonic()
    while not stop.is_set():
        if writer.pending() >= MAX_PENDING_BATCHES * batch_rows:
            stop.wait(min(flush_seconds, 1.0))  # the lake is behind: retry before reading more
        else:
            for records in consumer.poll(timeout_ms=poll_ms, max_records=batch_rows).values():
                for record in records:
                    stats.consumed += 1
                    try:
                        headers = event_headers(record.headers or (), record.timestamp)
                        table, row = rows_from_event(headers, record.value or b"")
                    except SpecError as error:
                        stats.skipped += 1
                        where = f"{record.topic}[{record.partition}]@{record.offset}"
                        say(f"log consumer: skipped {where}: {error}")
                        continue
                    writer.add(table, row)
        due = time.monotonic() - last >= flush_seconds
        flushed = (writer.pending() >= batch_rows or due) and _flush_and_commit(
            consumer, writer, stats, say
        )
        if flushed or due:  # a failed timed flush waits for the next period
            last = time.monotonic()
    _flush_and_commit(consumer, writer, stats, say)
    return stats


def start(
    source: KafkaSource, catalog: Any, batch_rows: int, flush_seconds: float, stop: threading.Event
) -> threading.Thread:
    """Run :func:`pump` from ``source`` into ``catalog`` in a background thread."""
    consumer = source.connect()
    writer = LogWriter(catalog)

    def run() -> None:
        try:
            pump(consumer, writer, stop, batch_rows=batch_rows, flush_seconds=flush_seconds)
        finally:
            consumer.close()

    thread = threading.Thread(target=run, name="kafka-log-consumer", daemon=True)
    thread.start()
    return thread
