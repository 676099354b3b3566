"""aiplat lake through the real entry point: data on stdout, one error line on bad input."""

from __future__ import annotations

import json

import pytest

STANDARD = [
    "features.customer_features",
    "features.transaction_features",
    "ml.feature_log",
    "ml.prediction_log",
    "ml.feedback",
]


@pytest.fixture
def lake(cli, warehouse):
    """A function running ``aiplat lake ...`` against the test warehouse."""

    def lake_cmd(*argv: str) -> tuple[int, str, str]:
        command, *rest = argv
        return cli("lake", command, "--warehouse", str(warehouse), *rest)

    return lake_cmd


def test_lake_init_creates_the_standard_tables_then_reports_them_as_existing(lake):
    code, out, _ = lake("init", "--format", "json")
    assert code == 0
    assert json.loads(out) == [{"table": t, "status": "created"} for t in STANDARD]
    code, out, _ = lake("init", "--format", "csv")
    assert out.splitlines() == ["table,status", *(f"{t},exists" for t in STANDARD)]


def test_lake_init_streaming_adds_the_streaming_table(lake):
    code, out, _ = lake("init", "--streaming", "--format", "json")
    assert code == 0
    assert json.loads(out)[-1] == {"table": "streaming.events", "status": "created"}


def test_lake_tables_lists_every_table_with_its_day_partitioning(lake):
    lake("init")
    code, out, _ = lake("tables", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert sorted(r["table"] for r in rows) == sorted(STANDARD)
    assert {r["partitioning"] for r in rows} == {"day(event_timestamp)"}
    code, out, _ = lake("tables")
    assert "ml.prediction_log" in out and "day(event_timestamp)" in out


def test_lake_describe_shows_partitioning_sort_order_and_retry_properties(lake):
    lake("init")
    code, out, _ = lake("describe", "ml.feedback", "--format", "md")
    assert code == 0
    assert "| partitioning | day(event_timestamp) |" in out
    assert "| commit.retry.num-retries | 8 |" in out
    assert "| format-version | 2 |" in out
    code, out, _ = lake("describe", "ml.feedback", "--format", "json")
    assert json.loads(out)["sort_order"][0] == "model_name asc nulls first"


def test_lake_ingest_then_snapshots_then_read_at_the_older_snapshot(lake, tmp_path):
    lake("init")
    header = "request_id,model_name,model_version,entity_id,prediction,event_timestamp\n"
    (tmp_path / "a.csv").write_text(header + "r1,m,1,e1,0.1,2026-01-01T00:00:00Z\n")
    (tmp_path / "b.csv").write_text(header + "r2,m,1,e2,0.2,2026-01-02T00:00:00Z\n")
    code, out, err = lake(
        "ingest", str(tmp_path / "a.csv"), "ml.prediction_log", "--format", "json"
    )
    assert code == 0, err
    first = json.loads(out)
    assert first["rows"] == 1
    lake("ingest", str(tmp_path / "b.csv"), "ml.prediction_log")
    code, out, _ = lake("snapshots", "ml.prediction_log", "--format", "json")
    snaps = json.loads(out)
    assert [s["total_records"] for s in snaps] == [1, 2]
    assert snaps[0]["snapshot_id"] == first["snapshot_id"]
    code, out, _ = lake(
        "read", "ml.prediction_log", "--snapshot", str(first["snapshot_id"]), "--format", "json"
    )
    assert [r["request_id"] for r in json.loads(out)] == ["r1"]
    code, out, _ = lake("read", "ml.prediction_log", "--limit", "5", "--format", "csv")
    assert out.splitlines()[0].startswith("request_id,model_name")
    assert len(out.splitlines()) == 3


def test_lake_migrate_reports_nothing_to_do_on_fresh_tables(lake):
    lake("init")
    code, out, err = lake("migrate", "--format", "json")
    assert code == 0
    assert json.loads(out) == []
    assert "already matches" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ("describe", "ml.nope"),
            "error: TABLE: no table 'ml.nope' in the catalog; fix: run `aiplat lake tables` "
            "to list them (or `aiplat lake init` to create them)\n",
        ),
        (
            ("snapshots", "nodot"),
            "error: TABLE: 'nodot' is not namespace.table; fix: e.g. ml.prediction_log\n",
        ),
        (
            ("tables", "--property", "oops"),
            "error: --property: 'oops' is not key=value; fix: write it as key=value\n",
        ),
        (
            ("serve-logs", "--kafka-bootstrap", "b:9093", "--kafka-ca-file", "/nope/ca.crt"),
            "error: --kafka-ca-file: /nope/ca.crt is not a file; fix: mount the CA\n",
        ),
        (
            ("serve-logs", "--kafka-bootstrap", "b:9093", "--kafka-request-topic", " "),
            "error: --kafka-request-topic: is empty; fix: name the topic\n",
        ),
        (
            (
                "serve-logs",
                "--kafka-bootstrap",
                "b:9093",
                "--kafka-response-topic",
                "ml.feature_log",
            ),
            "error: --kafka-response-topic: is the requests topic too (ml.feature_log); "
            "fix: give responses their own topic\n",
        ),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_1(lake, argv, expected):
    lake("init")
    code, out, err = lake(*argv)
    assert (code, out, err) == (1, "", expected)


def test_a_sqlite_catalog_in_prod_is_one_line_and_exit_1(lake):
    code, out, err = lake("init", "--environment", "prod")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: --catalog: a sqlite:// catalog")
    assert "is for dev only, not prod (DATA-02)" in err


def test_an_unconvertible_column_through_the_cli_is_one_line_and_no_snapshot(lake, tmp_path):
    lake("init")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "request_id,model_name,model_version,entity_id,prediction,event_timestamp\n"
        "r1,m,1,e1,high,2026-01-01T00:00:00Z\n"
    )
    code, out, err = lake("ingest", str(bad), "ml.prediction_log")
    assert code == 1
    assert err.startswith("error: column prediction: cannot convert string to double")
    assert err.count("\n") == 1
    _, out, _ = lake("snapshots", "ml.prediction_log", "--format", "json")
    assert json.loads(out) == []
