"""The serving log writer: request/response CloudEvents from the model servers' request
loggers, appended to the lake's ``ml.feature_log`` and ``ml.prediction_log``.

Seldon Core v1's executor and KServe's logger POST each request and each response as a
CloudEvent in binary mode: the payload is the body, the attributes are ``ce-*`` headers
(``ce-type`` ends in ``.request`` or ``.response``; ``ce-id`` is the request id, the same
for both halves; ``ce-modelid`` / ``ce-inferenceservicename`` names the model and
``ce-endpoint`` / ``ce-predictor`` the variant). Payloads are Seldon's protocol
(``{"data": {"ndarray": ...}, "meta": {"tags": {...}}}``) or the Open Inference (V2)
protocol (``{"inputs"|"outputs": [...], "parameters": {...}}``). The entity a request is
about comes from ``meta.tags.entity_id`` or ``parameters.entity_id`` (``"unknown"`` when
the payload carries none: a response without tags joins its request by ``request_id``).

:func:`rows_from_event` is pure; :class:`LogWriter` buffers rows and appends them in one
commit per table (:meth:`LogWriter.flush`); :func:`serve` is the HTTP endpoint the
``serving-log-writer`` Deployment runs (``aiplat lake serve-logs``). On tiers with Kafka the
endpoint relays each event to the log topics instead (:mod:`aiplat.lake.log_relay`) and
:mod:`aiplat.lake.log_consumer` appends them.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tiers.errors import SpecError

FEATURE_LOG = "ml.feature_log"
PREDICTION_LOG = "ml.prediction_log"
UNKNOWN_ENTITY = "unknown"
_MODEL_HEADERS = ("ce-modelid", "ce-inferenceservicename", "ce-requestid-model")
_VARIANT_HEADERS = ("ce-endpoint", "ce-predictor", "ce-component")


def _header(headers: Mapping[str, str], names: tuple[str, ...], default: str) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    return next((lower[n] for n in names if lower.get(n)), default)


def _time(headers: Mapping[str, str]) -> datetime:
    text = _header(headers, ("ce-time",), "")
    if not text:
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise SpecError("ce-time", f"{text!r} is not an RFC 3339 time", "send ISO 8601") from None


def _entity(payload: Mapping[str, Any]) -> str:
    tags = (payload.get("meta") or {}).get("tags") or {}
    parameters = payload.get("parameters") or {}
    value = tags.get("entity_id", parameters.get("entity_id"))
    return str(value) if value is not None else UNKNOWN_ENTITY


def _outputs(payload: Mapping[str, Any]) -> list[Any]:
    """The prediction values, flattened: Seldon ``data.ndarray``/``data.tensor.values`` or
    the V2 protocol's first output's ``data``."""
    data = payload.get("data")
    if isinstance(data, Mapping):
        values = data.get("ndarray", (data.get("tensor") or {}).get("values", []))
    elif payload.get("outputs"):
        values = payload["outputs"][0].get("data", [])
    else:
        values = payload.get("predictions", [])
    flat: list[Any] = []
    stack = [values]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            flat.append(item)
    return flat


def rows_from_event(headers: Mapping[str, str], body: bytes) -> tuple[str, dict[str, Any]]:
    """(table, row) for one logged request or response; SpecError on anything else."""
    kind = _header(headers, ("ce-type",), "")
    request_id = _header(headers, ("ce-id",), "")
    if not request_id:
        raise SpecError("ce-id", "missing", "send the request id as the CloudEvent id")
    try:
        payload = json.loads(body or b"{}")
    except json.JSONDecodeError as exc:
        raise SpecError("body", f"not JSON ({exc.msg})", "log JSON payloads") from None
    if not isinstance(payload, Mapping):
        raise SpecError("body", "must be a JSON object", "log the protocol's JSON object")
    common = {
        "request_id": request_id,
        "model_name": _header(headers, _MODEL_HEADERS, UNKNOWN_ENTITY),
        "model_version": _header(headers, _VARIANT_HEADERS, "default"),
        "entity_id": _entity(payload),
        "event_timestamp": _time(headers),
    }
    if kind.endswith(".request"):
        return FEATURE_LOG, {**common, "features": json.dumps(payload, sort_keys=True)}
    if kind.endswith(".response"):
        outputs = _outputs(payload)
        first = outputs[0] if outputs else None
        numeric = isinstance(first, int | float) and not isinstance(first, bool)
        return PREDICTION_LOG, {
            **common,
            "prediction": float(first) if numeric else None,
            "prediction_label": None if numeric or first is None else str(first),
        }
    raise SpecError(
        "ce-type", f"{kind!r} is neither a request nor a response", "log inference events only"
    )


class LogWriter:
    """Buffers rows per table and appends them, one commit per table per flush. A flush
    that fails keeps its rows for the next one (nothing is dropped silently)."""

    def __init__(self, catalog: Any) -> None:
        self._catalog = catalog
        self._rows: dict[str, list[dict[str, Any]]] = {FEATURE_LOG: [], PREDICTION_LOG: []}
        self._lock = threading.Lock()

    def add(self, table: str, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows[table].append(row)

    def pending(self) -> int:
        with self._lock:
            return sum(len(rows) for rows in self._rows.values())

    def flush(self) -> dict[str, int]:
        """Append every buffered row; returns rows written per table."""
        import pyarrow as pa

        from aiplat.lake.ingest import conform
        from aiplat.lake.ops import load_table

        with self._lock:
            batches = {t: rows for t, rows in self._rows.items() if rows}
            self._rows = {FEATURE_LOG: [], PREDICTION_LOG: []}
        written: dict[str, int] = {}
        try:
            for name, rows in batches.items():
                table = load_table(self._catalog, name)
                table.append(conform(pa.Table.from_pylist(rows), table, name))
                written[name] = len(rows)
        except Exception:
            with self._lock:  # keep what was not written, in order, ahead of newer rows
                for name, rows in batches.items():
                    if name not in written:
                        self._rows[name] = rows + self._rows[name]
            raise
        return written


def _flush_keeping(writer: LogWriter) -> None:
    """Flush; on failure say so on stderr and keep the rows for the next flush."""
    try:
        writer.flush()
    except Exception as error:  # the catalog is down or a commit failed: retry later
        print(f"log writer: flush failed, rows kept: {error}", file=sys.stderr)


Accept = Callable[[str, dict[str, Any], Mapping[str, str], bytes], None]
"""What the endpoint does with a valid event: ``(table, row, headers, body)``."""


class Unavailable(Exception):
    """The event could not be kept (the log topics do not answer): the sender gets a 503."""


def buffer_into(writer: LogWriter, batch_rows: int) -> Accept:
    """Keep rows in ``writer`` (flushed every ``batch_rows`` rows and on a timer)."""

    def accept(table: str, row: dict[str, Any], headers: Mapping[str, str], body: bytes) -> None:
        writer.add(table, row)
        if writer.pending() >= batch_rows:
            _flush_keeping(writer)

    return accept


def handler_for(accept: Accept) -> type[BaseHTTPRequestHandler]:
    """The HTTP handler: 400 for what is not an inference event (nothing is kept), 503 when
    ``accept`` raises :class:`Unavailable`, else 202."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = 200 if self.path == "/healthz" else 404
            self.send_response(status)
            self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            headers, body = dict(self.headers), self.rfile.read(length)
            try:
                table, row = rows_from_event(headers, body)
                accept(table, row, headers, body)
            except SpecError as error:
                self._answer(400, str(error))
            except Unavailable as error:
                self._answer(503, str(error))
            else:
                self._answer(202, "")  # accepted: kept until it is in the lake

        def _answer(self, status: int, text: str) -> None:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, format: str, *args: Any) -> None:  # quiet: data, not access logs
            return

    return Handler


def serve(
    catalog: Any,
    host: str,
    port: int,
    batch_rows: int = 500,
    flush_seconds: float = 10.0,
    accept: Accept | None = None,
) -> tuple[ThreadingHTTPServer, LogWriter, threading.Event]:
    """Start the endpoint in background threads. By default events are buffered and
    appended every ``flush_seconds`` and every ``batch_rows`` rows; with ``accept`` (the
    Kafka relay, :mod:`aiplat.lake.log_relay`) they go there instead and the writer stays
    empty. Returns (server, writer, stop); set ``stop`` and call ``server.shutdown()`` to
    end, then ``writer.flush()`` for the rest."""
    writer = LogWriter(catalog)
    server = ThreadingHTTPServer(
        (host, port), handler_for(accept or buffer_into(writer, batch_rows))
    )
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(flush_seconds):
            if writer.pending():
                _flush_keeping(writer)

    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=tick, daemon=True).start()
    return server, writer, stop
