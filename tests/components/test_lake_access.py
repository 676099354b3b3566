"""What in-cluster services are told about the lake: on a cluster you bring, every Iceberg
client of the REST catalog (Polaris) names the catalog the setup Job creates as its
``warehouse`` (Polaris finds catalogs by name), while paths on the object store keep the
bucket; on AWS, Glue takes the warehouse location."""

from __future__ import annotations

import pytest
import yaml

from aiplat.manifests import manifests
from components.lake_access import CatalogKind, LakeAccess
from components.values import polaris_setup


@pytest.mark.parametrize(
    ("catalog", "expected"),
    [(CatalogKind.GLUE, "s3://aiplat-warehouse/"), (CatalogKind.REST, polaris_setup.CATALOG)],
)
def test_clients_name_the_glue_location_or_the_rest_catalog(catalog, expected):
    lake = LakeAccess(
        catalog=catalog, warehouse_uri="s3://aiplat-warehouse/", artifacts_uri="s3://a/"
    )
    assert lake.catalog_warehouse == expected


def by_name(cap, kind):
    return {m.name: m.body for m in manifests(cap) if m.kind == kind}


def test_on_prem_every_rest_client_names_the_polaris_catalog(capture):
    cap = capture("intermediate-onprem", True)
    config_maps = by_name(cap, "ConfigMap")
    store = yaml.safe_load(config_maps["feast-repo"]["data"]["feature_store.yaml"])
    conf = store["offline_store"]["spark_conf"]
    assert conf["spark.sql.catalog.lake.warehouse"] == "warehouse"
    assert store["registry"]["path"] == "s3://warehouse/features/feast/registry.db"
    (app,) = by_name(cap, "SparkApplication").values()
    assert app["spec"]["sparkConf"]["spark.sql.catalog.lake.warehouse"] == "warehouse"
    (sql,) = config_maps["clickhouse-lake-init"]["data"].values()
    assert "warehouse = 'warehouse'" in sql
