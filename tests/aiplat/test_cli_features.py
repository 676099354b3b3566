"""aiplat features apply|materialize: bad input is one error line and exit code 1 (always
tested); with Feast installed, the generated repository (the same generator, on local files:
file offline store, SQLite online store) is registered, re-registered idempotently,
materialised and read back online for real."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from aiplat.cli import features
from components.values import feast as generator

ROOT = Path(__file__).resolve().parents[2]
HAS_FEAST = importlib.util.find_spec("feast") is not None
needs_feast = pytest.mark.skipif(
    not HAS_FEAST,
    reason="Feast is not installed here (it cannot share a venv with the Pulumi SDKs); "
    "`make test-features` runs these in a venv of their own, and CI does",
)


@pytest.fixture
def cli(capsys, monkeypatch):
    """``cli(*argv)`` as in tests/conftest.py, defined here too so this file also runs with
    ``--noconftest`` in a venv with Feast (which cannot hold the Pulumi SDKs: dill)."""
    from aiplat.cli.main import run

    monkeypatch.delenv("AIPLAT_DEBUG", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            run(list(argv))
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return invoke


def write_repo(tmp_path: Path, parquet_dir: str = "/nowhere") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    config = generator.local_feature_store_config(
        project=generator.project_name("intermediate-dev"), directory=str(tmp_path / "state")
    )
    (repo / "feature_store.yaml").write_text(yaml.safe_dump(config))
    (repo / "features.py").write_text(generator.feature_definitions(parquet_dir=parquet_dir))
    return repo


# ---- bad input: one line, exit code 1 (no Feast needed) --------------------------------------


def test_the_features_commands_are_listed(cli):
    code, out, _ = cli("features", "--help")
    assert code == 0
    assert "apply" in out and "materialize" in out


@pytest.mark.parametrize("command", ["apply", "materialize"])
def test_a_missing_repository_directory_is_one_error_line(cli, tmp_path, command):
    code, out, err = cli("features", command, "--repo", str(tmp_path / "nope"))
    assert (code, out) == (1, "")
    assert err == (
        f"error: --repo: {tmp_path / 'nope'} is not a directory; "
        "fix: pass the feature repository's directory\n"
    )


@pytest.mark.parametrize("command", ["apply", "materialize"])
def test_a_directory_without_feature_store_yaml_is_one_error_line(cli, tmp_path, command):
    code, _, err = cli("features", command, "-r", str(tmp_path))
    assert code == 1
    assert err.startswith(f"error: --repo: no feature_store.yaml in {tmp_path}; fix: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["apply", "materialize"])
def test_without_feast_the_error_names_the_features_extra(cli, tmp_path, monkeypatch, command):
    monkeypatch.setitem(sys.modules, "feast", None)  # import feast raises ImportError
    code, out, err = cli("features", command, "--repo", str(write_repo(tmp_path)))
    assert (code, out) == (1, "")
    assert err.startswith("error: feast: Feast is not installed; fix: run it on aiplat's image")
    assert "the features extra's pins (pyproject.toml)" in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("command", "step"), [("apply", "apply_repo"), ("materialize", "materialize_repo")]
)
def test_a_feast_failure_is_one_line_naming_the_step(cli, tmp_path, monkeypatch, command, step):
    def fail(*_args):
        raise ConnectionError("registry unreachable:\n  s3://lake/features/feast/registry.db")

    monkeypatch.setattr(features, "import_feast", lambda: None)
    monkeypatch.setattr(features, step, fail)
    code, _, err = cli("features", command, "--repo", str(write_repo(tmp_path)))
    assert code == 1
    assert err == (
        f"error: feast {command}: ConnectionError: registry unreachable: "
        "s3://lake/features/feast/registry.db\n"
    )


def test_aiplat_debug_shows_the_feast_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("AIPLAT_DEBUG", "1")
    monkeypatch.setattr(features, "import_feast", lambda: None)
    monkeypatch.setattr(features, "apply_repo", lambda _repo: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        features.app(["apply", "--repo", str(write_repo(tmp_path))], standalone_mode=False)


# ---- for real, with Feast installed ----------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)
VALUES = {"Int32": 7, "Int64": 7, "Float32": 0.5, "Float64": 12.5, "String": "gold", "Bool": True}


def write_feature_tables(data: Path) -> None:
    """One Parquet file per feature view, with its columns, as the lake's tables have them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {
        "Int32": pa.int32(),
        "Int64": pa.int64(),
        "Float32": pa.float32(),
        "Float64": pa.float64(),
        "String": pa.string(),
        "Bool": pa.bool_(),
    }
    data.mkdir()
    for view in generator.feature_views():
        stamp = pa.timestamp("us", tz="UTC")
        columns = {
            view.join_key: pa.array(["k1", "k2"]),
            "event_timestamp": pa.array([NOW - timedelta(hours=2)] * 2, stamp),
            "created_at": pa.array([NOW - timedelta(hours=1)] * 2, stamp),
        }
        for name, typ in view.features:
            columns[name] = pa.array([VALUES[typ]] * 2, arrow[typ])
        pq.write_table(pa.table(columns), data / f"{view.name}.parquet")


@pytest.fixture
def local_repo(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FEAST_USAGE", "False")
    write_feature_tables(tmp_path / "data")
    return write_repo(tmp_path, parquet_dir=str(tmp_path / "data"))


@needs_feast
def test_apply_registers_the_generated_repository_and_is_idempotent(cli, local_repo):
    for _ in range(2):
        code, out, err = cli("features", "apply", "--repo", str(local_repo))
        assert code == 0, err
        assert out.splitlines()[-1] == (
            "feast apply: 2 entities, 2 feature views, 1 feature services registered"
        )
    import feast

    store = feast.FeatureStore(repo_path=str(local_repo))
    assert store.project == "aiplat_intermediate_dev"
    assert sorted(v.name for v in store.list_feature_views()) == [
        "customer_features",
        "transaction_features",
    ]
    (service,) = store.list_feature_services()
    assert service.name == "platform_features"


@needs_feast
def test_apply_removes_what_the_repository_no_longer_defines(cli, local_repo, tmp_path):
    assert cli("features", "apply", "--repo", str(local_repo))[0] == 0
    (customers, _transactions) = generator.feature_views()
    only = generator.feature_definitions((customers,), parquet_dir=str(tmp_path / "data"))
    (local_repo / "features.py").write_text(only)
    code, out, err = cli("features", "apply", "--repo", str(local_repo))
    assert code == 0, err
    assert out.splitlines()[-1] == (
        "feast apply: 1 entities, 1 feature views, 1 feature services registered"
    )


@needs_feast
def test_materialize_loads_the_offline_rows_into_the_online_store(cli, local_repo):
    assert cli("features", "apply", "--repo", str(local_repo))[0] == 0
    code, out, err = cli("features", "materialize", "--repo", str(local_repo))
    assert code == 0, err
    last = out.splitlines()[-1]
    assert last.startswith("feast materialize: customer_features, transaction_features up to ")
    import feast

    store = feast.FeatureStore(repo_path=str(local_repo))
    online = store.get_online_features(
        features=["customer_features:segment", "customer_features:tenure_days"],
        entity_rows=[{"customer_id": "k1"}, {"customer_id": "missing"}],
    ).to_dict()
    assert online["segment"] == ["gold", None]
    assert online["tenure_days"] == [7, None]
    transactions = store.get_online_features(
        features=["transaction_features:is_foreign", "transaction_features:amount"],
        entity_rows=[{"transaction_id": "k2"}],
    ).to_dict()
    assert (transactions["is_foreign"], transactions["amount"]) == ([True], [12.5])


@needs_feast
def test_importing_the_cli_does_not_import_feast():
    probe = "import json, sys\nimport aiplat.cli.main\nprint(json.dumps('feast' in sys.modules))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) is False


def test_make_test_features_runs_feast_at_the_feature_servers_version():
    from tiers.pins import FEAST_FEATURE_SERVER

    makefile = (ROOT / "Makefile").read_text()
    assert f"FEAST_VERSION := {FEAST_FEATURE_SERVER.version}\n" in makefile
    assert "make test-features" in (ROOT / ".ci" / "run").read_text()
