"""Fixtures for the lake tests: a real pyiceberg SQL catalog on SQLite in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiplat.lake.catalog import open_catalog


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
