"""The Glue path end to end against a local moto server: Glue catalog, S3 FileIO, prod allowed."""

from __future__ import annotations

import pytest

from aiplat.lake import ingest as ingestion
from aiplat.lake import ops
from aiplat.lake.catalog import open_catalog

pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")


@pytest.mark.slow
def test_init_ingest_and_read_through_a_glue_catalog_with_s3_storage(moto_endpoint, tmp_path):
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1").create_bucket(
        Bucket="lake"
    )
    properties = {"glue.endpoint": moto_endpoint, "glue.region": "us-east-1"}
    for service in ("glue", "s3"):
        properties[f"{service}.access-key-id"] = "testing"
        properties[f"{service}.secret-access-key"] = "testing"
    properties |= {"s3.endpoint": moto_endpoint, "s3.region": "us-east-1"}
    catalog = open_catalog("glue", properties, "s3://lake/warehouse", environment="prod")

    assert {status for _, status in ops.init(catalog)} == {"created"}
    table = catalog.load_table("ml.prediction_log")
    assert table.location().startswith("s3://lake/warehouse/ml.db/prediction_log")
    assert table.properties["commit.retry.num-retries"] == "8"

    csv = tmp_path / "p.csv"
    csv.write_text(
        "request_id,model_name,model_version,entity_id,prediction,event_timestamp\n"
        "r1,churn,3,c1,0.5,2026-01-01T10:00:00Z\n"
    )
    result = ingestion.ingest(catalog, csv, "ml.prediction_log")
    assert ops.read(catalog, "ml.prediction_log").column("request_id").to_pylist() == ["r1"]
    assert ops.snapshots(catalog, "ml.prediction_log")[-1]["snapshot_id"] == result["snapshot_id"]
    assert {status for _, status in ops.init(catalog)} == {"exists"}
