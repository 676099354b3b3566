"""The IcebergTable / IcebergNamespace providers, called directly against a real SQLite
pyiceberg catalog in tmp_path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pulumi
import pytest

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from aiplat.lake.tables import CUSTOMER_FEATURES, Column
from components.iceberg_table import (
    CatalogSettings,
    IcebergNamespaceProvider,
    IcebergTable,
    IcebergTableArgs,
    IcebergTableProvider,
    open_from,
    table_from_dict,
    table_to_dict,
)
from tiers.errors import SpecError

NAME = CUSTOMER_FEATURES.identifier

EVOLVED = CUSTOMER_FEATURES.with_columns(
    Column("tenure_days", "long"),
    Column("total_spend_90d", "decimal(24, 2)"),
    Column("lifetime_value", "double", doc="Added later"),
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(tmp_path)
    return CatalogSettings(kind="sql", warehouse=str(tmp_path / "lake")).to_dict()


def _props(settings: dict, table=CUSTOMER_FEATURES, **extra) -> dict:
    return {
        "catalog": settings,
        "identifier": table.identifier,
        "table": table_to_dict(table),
        "drop_on_delete": False,
        **extra,
    }


@pytest.fixture
def created(settings: dict, tmp_path: Path) -> dict:
    """customer_features created by the provider, with two rows appended by ingest."""
    props = _props(settings)
    provider = IcebergTableProvider()
    assert provider.check({}, props).failures == []
    result = provider.create(props)
    assert result.id == NAME
    (tmp_path / "c.csv").write_text(
        "customer_id,event_timestamp,tenure_days,total_spend_90d,segment\n"
        "c1,2026-01-01T00:00:00Z,10,12.34,new\n"
        "c2,2026-01-02T00:00:00Z,2000000000,99.99,loyal\n"
    )
    ingestion.ingest(open_from(settings), tmp_path / "c.csv", NAME)
    return result.outs


def test_table_definition_round_trips_through_a_plain_dict():
    assert table_from_dict(NAME, table_to_dict(EVOLVED)) == EVOLVED
    with pytest.raises(SpecError, match="is not a table definition"):
        table_from_dict(NAME, {"partition_by": "x"})


def test_create_makes_the_table_with_format_version_2_and_commit_retries(created, settings):
    table = open_from(settings).load_table(NAME)
    assert table.metadata.format_version == 2
    for key in (
        "commit.retry.num-retries",
        "commit.retry.min-wait-ms",
        "commit.retry.max-wait-ms",
        "commit.retry.total-timeout-ms",
    ):
        assert table.properties[key] == CUSTOMER_FEATURES.properties[key]
    assert [f.name for f in table.schema().fields] == [c.name for c in CUSTOMER_FEATURES.columns]
    assert created["location"] == table.location()


def test_diff_with_an_added_column_is_an_update_not_a_replace(created, settings):
    diff = IcebergTableProvider().diff(NAME, created, _props(settings, EVOLVED))
    assert diff.changes is True and diff.replaces == []
    same = IcebergTableProvider().diff(NAME, created, {**_props(settings), "location": "x"})
    assert same.changes is False


def test_changing_the_identifier_or_catalog_is_a_replace(created, settings, tmp_path):
    renamed = CUSTOMER_FEATURES.with_columns()
    renamed = table_from_dict("features.customers_v2", table_to_dict(renamed))
    diff = IcebergTableProvider().diff(NAME, created, _props(settings, renamed))
    assert diff.changes is True and diff.replaces == ["identifier"]
    other = {**settings, "warehouse": str(tmp_path / "other")}
    diff = IcebergTableProvider().diff(NAME, created, _props(other))
    assert diff.replaces == ["catalog"]


def test_update_adds_a_column_and_widens_types_and_old_rows_stay_readable(created, settings):
    result = IcebergTableProvider().update(NAME, created, _props(settings, EVOLVED))
    assert result.outs["table"] == table_to_dict(EVOLVED)
    schema = open_from(settings).load_table(NAME).schema()
    assert str(schema.find_type("tenure_days")) == "long"
    assert str(schema.find_type("total_spend_90d")) == "decimal(24, 2)"
    rows = ops.read(open_from(settings), NAME).sort_by("customer_id").to_pylist()
    assert [r["tenure_days"] for r in rows] == [10, 2_000_000_000]
    assert [r["total_spend_90d"] for r in rows] == [Decimal("12.34"), Decimal("99.99")]
    assert [r["lifetime_value"] for r in rows] == [None, None]
    assert [r["segment"] for r in rows] == ["new", "loyal"]


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            CUSTOMER_FEATURES.without_columns("segment"),
            r"^features\.customer_features\.segment: is in the table but not declared; "
            r"dropping a column is destructive .*; fix: keep the column",
        ),
        (
            CUSTOMER_FEATURES.with_columns(Column("avg_order_value", "float")),
            r"^features\.customer_features\.avg_order_value: changing double to float "
            r"narrows .*; fix: declare it as double",
        ),
    ],
)
def test_a_destructive_update_raises_clearly_and_leaves_the_table_as_it_was(
    created, settings, declared, message
):
    catalog = open_from(settings)
    before = catalog.load_table(NAME).metadata
    with pytest.raises(SpecError, match=message):
        IcebergTableProvider().update(NAME, created, _props(settings, declared))
    after = open_from(settings).load_table(NAME).metadata
    assert after.schemas == before.schemas
    assert after.current_schema_id == before.current_schema_id
    assert after.properties == before.properties


def test_check_reports_a_bad_identifier_and_an_unknown_type(settings):
    provider = IcebergTableProvider()
    bad = provider.check({}, {**_props(settings), "identifier": "nodot"})
    assert [f.property for f in bad.failures] == ["identifier"]
    typo = CUSTOMER_FEATURES.with_columns(Column("segment", "strnig"))
    bad = provider.check({}, _props(settings, typo))
    assert [f.property for f in bad.failures] == ["table"]
    assert "unknown type 'strnig'" in bad.failures[0].reason


def test_delete_keeps_the_table_by_default_and_drops_it_when_asked(created, settings):
    provider = IcebergTableProvider()
    provider.delete(NAME, created)
    catalog = open_from(settings)
    assert catalog.table_exists(NAME)
    assert ops.read(catalog, NAME).num_rows == 2
    provider.delete(NAME, {**created, "drop_on_delete": True})
    assert not open_from(settings).table_exists(NAME)


def test_read_returns_the_current_definition(created, settings):
    provider = IcebergTableProvider()
    provider.update(NAME, created, _props(settings, EVOLVED))
    got = provider.read(NAME, created)
    assert got.id == NAME
    declared = table_to_dict(EVOLVED)
    assert got.outs["table"]["columns"] == declared["columns"]
    assert got.outs["table"]["partition_by"] == "event_timestamp"
    assert got.outs["table"]["sort_by"] == ["customer_id", "event_timestamp"]
    assert got.outs["table"]["properties"] == declared["properties"]
    provider.delete(NAME, {**created, "drop_on_delete": True})
    assert provider.read(NAME, created).id is None


def test_namespace_provider_creates_keeps_and_drops(settings):
    provider = IcebergNamespaceProvider()
    props = {"catalog": settings, "identifier": "scratch", "drop_on_delete": False}
    assert provider.check({}, props).failures == []
    assert provider.create(props).id == "scratch"
    assert provider.read("scratch", props).id == "scratch"
    assert provider.diff("scratch", props, {**props, "identifier": "other"}).replaces == [
        "identifier"
    ]
    provider.delete("scratch", props)
    assert open_from(settings).namespace_exists("scratch")
    provider.delete("scratch", {**props, "drop_on_delete": True})
    assert not open_from(settings).namespace_exists("scratch")


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return [f"{args.name}-id", dict(args.inputs)]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture
def pulumi_mocks():
    pulumi.runtime.set_mocks(_Mocks(), preview=False)
    yield
    pulumi.runtime.settings.configure(pulumi.runtime.settings.Settings("project", "stack"))


@pulumi.runtime.test
def _registered_inputs():
    settings = CatalogSettings(kind="rest", properties={"uri": "https://catalog.example"})
    table = IcebergTable("cf", IcebergTableArgs(catalog=settings, table=CUSTOMER_FEATURES))

    def checks(values):
        identifier, catalog, drop = values
        assert identifier == NAME
        assert catalog["kind"] == "rest"
        assert catalog["properties"] == {"uri": "https://catalog.example"}
        assert drop is False

    return pulumi.Output.all(table.identifier, table.catalog, table.drop_on_delete).apply(checks)


def test_iceberg_table_registers_its_inputs_under_pulumi_mocks(pulumi_mocks):
    _registered_inputs()
