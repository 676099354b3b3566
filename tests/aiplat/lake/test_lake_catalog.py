"""The catalog opener: SQLite under .aiplat/lake for dev, never sqlite:// beyond dev (DATA-02)."""

from __future__ import annotations

import pytest

from aiplat.lake.catalog import catalog_properties, open_catalog, parse_properties
from tiers.errors import SpecError


def test_the_default_catalog_is_sqlite_under_dot_aiplat_lake_in_the_current_directory(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    catalog = open_catalog()
    catalog.create_namespace("ml")
    assert (tmp_path / ".aiplat" / "lake" / "catalog.db").is_file()
    assert catalog.properties["uri"].startswith("sqlite:///")


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_a_sqlite_catalog_is_refused_outside_dev_with_one_line(tmp_path, environment):
    with pytest.raises(SpecError) as refused:
        open_catalog("sql", warehouse=tmp_path, environment=environment)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"--catalog: a sqlite:// catalog (sqlite:///{tmp_path.resolve()}")
    assert f"is for dev only, not {environment} (DATA-02)" in message
    assert not (tmp_path / "catalog.db").exists()


def test_an_explicit_sqlite_uri_is_refused_in_prod_whatever_the_catalog_type():
    for kind in ("sql", "rest"):
        with pytest.raises(SpecError, match="DATA-02"):
            catalog_properties(kind, {"uri": "sqlite:////tmp/x.db"}, environment="prod")


def test_glue_and_rest_pass_properties_through_and_are_allowed_in_prod():
    glue = catalog_properties("glue", {"glue.region": "eu-west-1"}, environment="prod")
    assert glue == {"type": "glue", "glue.region": "eu-west-1"}
    rest = catalog_properties("rest", {"uri": "https://cat.example"}, "s3://b/w", "prod")
    assert rest == {"type": "rest", "uri": "https://cat.example", "warehouse": "s3://b/w"}


def test_a_rest_catalog_without_a_uri_and_a_property_without_equals_are_spec_errors():
    with pytest.raises(SpecError, match="needs its uri"):
        catalog_properties("rest", {})
    with pytest.raises(SpecError, match="'region' is not key=value"):
        parse_properties(["region"])
    assert parse_properties(["a=b=c", " k = v "]) == {"a": "b=c", "k": "v"}


def test_a_property_may_come_from_a_mounted_file_and_a_missing_one_is_one_line(tmp_path):
    secret = tmp_path / "credential"
    secret.write_text("writer:s3cret\n")
    assert parse_properties([f"credential=@{secret}", "scope=PRINCIPAL_ROLE:ALL"]) == {
        "credential": "writer:s3cret",
        "scope": "PRINCIPAL_ROLE:ALL",
    }
    with pytest.raises(SpecError) as error:
        parse_properties([f"credential=@{tmp_path / 'absent'}"])
    assert str(error.value) == (
        f"--property: credential: {tmp_path / 'absent'} is not a readable file; "
        "fix: mount the file, or give the value itself"
    )
