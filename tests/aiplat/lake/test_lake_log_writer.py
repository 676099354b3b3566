"""The serving log writer: Seldon and KServe request/response CloudEvents become rows of
ml.feature_log and ml.prediction_log, appended to a real (SQLite) Iceberg catalog through the
HTTP endpoint the serving-log-writer Deployment runs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from aiplat.lake import ops
from aiplat.lake.log_writer import (
    FEATURE_LOG,
    PREDICTION_LOG,
    LogWriter,
    rows_from_event,
    serve,
)
from aiplat.lake.tables import standard_tables
from tiers.errors import SpecError

SELDON_REQUEST = {
    "ce-type": "io.seldon.serving.inference.request",
    "ce-id": "req-1",
    "ce-modelid": "reference-model",
    "ce-endpoint": "canary",
    "ce-time": "2026-11-23T10:00:00Z",
}
SELDON_BODY = {"data": {"ndarray": [[0.1, 2.0]]}, "meta": {"tags": {"entity_id": "c-42"}}}


def seldon(kind: str, **headers: str) -> dict[str, str]:
    return {**SELDON_REQUEST, "ce-type": f"io.seldon.serving.inference.{kind}", **headers}


def test_a_seldon_request_becomes_a_feature_log_row():
    table, row = rows_from_event(seldon("request"), json.dumps(SELDON_BODY).encode())
    assert table == FEATURE_LOG
    assert row == {
        "request_id": "req-1",
        "model_name": "reference-model",
        "model_version": "canary",
        "entity_id": "c-42",
        "event_timestamp": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        "features": json.dumps(SELDON_BODY, sort_keys=True),
    }


@pytest.mark.parametrize(
    ("headers", "body", "prediction", "label"),
    [
        (seldon("response"), {"data": {"ndarray": [[0.83]]}}, 0.83, None),
        (seldon("response"), {"data": {"tensor": {"values": [1, 0]}}}, 1.0, None),
        (seldon("response"), {"data": {"ndarray": ["churn"]}}, None, "churn"),
        (
            {
                "ce-type": "org.kubeflow.serving.inference.response",
                "ce-id": "req-2",
                "ce-inferenceservicename": "reference-model",
                "ce-component": "predictor",
            },
            {"outputs": [{"name": "p", "datatype": "FP32", "shape": [1], "data": [0.5]}]},
            0.5,
            None,
        ),
        (seldon("response"), {"data": {"ndarray": []}}, None, None),
    ],
    ids=["seldon-ndarray", "seldon-tensor", "seldon-label", "kserve-v2", "empty"],
)
def test_a_response_becomes_a_prediction_log_row(headers, body, prediction, label):
    table, row = rows_from_event(headers, json.dumps(body).encode())
    assert table == PREDICTION_LOG
    assert (row["prediction"], row["prediction_label"]) == (prediction, label)


def test_without_an_entity_the_row_says_unknown():
    _, row = rows_from_event(seldon("request"), b'{"data": {"ndarray": [[1]]}}')
    assert row["entity_id"] == "unknown"


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        (seldon("request", **{"ce-id": ""}), b"{}", "ce-id: missing"),
        (seldon("request"), b"not json", "body: not JSON"),
        (seldon("request"), b"[1, 2]", "body: must be a JSON object"),
        (seldon("feedback"), b"{}", "ce-type: 'io.seldon.serving.inference.feedback' is neither"),
        (seldon("request", **{"ce-time": "yesterday"}), b"{}", "ce-time: 'yesterday' is not"),
    ],
)
def test_anything_else_is_refused_with_the_reason(headers, body, message):
    with pytest.raises(SpecError) as error:
        rows_from_event(headers, body)
    assert str(error.value).startswith(message)


def post(port: int, headers: dict[str, str], body: bytes) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_logged_requests_and_responses_land_in_the_lake(catalog):
    ops.init(catalog, standard_tables())
    server, writer, stop = serve(catalog, "127.0.0.1", 0, batch_rows=1000, flush_seconds=60)
    port = server.server_address[1]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            assert health.status == 200
        for i in range(3):
            headers = seldon("request", **{"ce-id": f"req-{i}"})
            assert post(port, headers, json.dumps(SELDON_BODY).encode()) == 202
            headers = seldon("response", **{"ce-id": f"req-{i}"})
            # Seldon carries the request's meta.tags into the response
            response = {"data": {"ndarray": [[0.9]]}, "meta": SELDON_BODY["meta"]}
            assert post(port, headers, json.dumps(response).encode()) == 202
        assert post(port, seldon("feedback"), b"{}") == 400
    finally:
        stop.set()
        server.shutdown()
    assert writer.flush() == {FEATURE_LOG: 3, PREDICTION_LOG: 3}
    features = ops.read(catalog, FEATURE_LOG).to_pylist()
    predictions = ops.read(catalog, PREDICTION_LOG).to_pylist()
    assert sorted(r["request_id"] for r in features) == ["req-0", "req-1", "req-2"]
    assert {r["prediction"] for r in predictions} == {0.9}
    assert {r["entity_id"] for r in predictions} == {"c-42"}


def test_a_failed_flush_keeps_its_rows_for_the_next_one(catalog):
    writer = LogWriter(catalog)  # the tables do not exist yet: the flush fails
    _, row = rows_from_event(seldon("request"), json.dumps(SELDON_BODY).encode())
    writer.add(FEATURE_LOG, row)
    with pytest.raises(SpecError):
        writer.flush()
    assert writer.pending() == 1
    ops.init(catalog, standard_tables())
    assert writer.flush() == {FEATURE_LOG: 1}
    assert writer.pending() == 0
