"""The Feast feature repository aiplat generates, as pure functions: ``feature_store.yaml``
and the entity and feature-view definitions (``features.py``), both from the lake's standard
feature tables (:mod:`aiplat.lake.tables`: customers, transactions).

- Registry: a file registry on the lake, ``<warehouse>features/feast/registry.db`` (the
  ``feast`` lake consumer may write under ``features/``).
- Offline store: Feast's Spark offline store (``type: spark``, contrib in Feast 0.66) over the
  Iceberg warehouse, run by ``aiplat features apply|materialize`` on aiplat's image (the
  feature server only reads the online store): its Spark session gets an Iceberg catalog ``lake`` (Glue on AWS, the
  Iceberg REST catalog on a cluster you bring), and each feature view reads its table through
  a ``SparkSource(table="lake.features.<table>")``. Feast has no native Iceberg offline store.
- Online store: ``type: redis`` (Valkey speaks the same protocol) over TLS; the password is
  a ``${ONLINE_STORE_PASSWORD}`` placeholder the server's init container fills in from a
  mounted Secret file (K8S-09), never an environment variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from aiplat.lake.tables import CUSTOMER_FEATURES, TRANSACTION_FEATURES, TableDef
from components.values.aiplat_image import JARS_DIR

PORT = 6566
SPARK_CATALOG = "lake"
PASSWORD_PLACEHOLDER = "${ONLINE_STORE_PASSWORD}"
# The REST catalog's OAuth client credential (<client-id>:<client-secret>), filled in the same
# way from a mounted Secret file (components/values/feast_jobs.py).
CATALOG_CREDENTIAL_PLACEHOLDER = "${LAKE_CATALOG_CREDENTIAL}"
CATALOG_SCOPE = "PRINCIPAL_ROLE:ALL"  # Polaris: the principal's roles
# Iceberg's Spark runtime and AWS bundle, pinned: Spark 4.0 (Scala 2.13), the line of the
# pyspark that aiplat's ``features`` extra pins (Feast 0.66's spark extra needs pyspark 4).
# Baked into aiplat's image (``Dockerfile``) under JARS_DIR, so nothing is fetched at run time.
ICEBERG_VERSION = "1.10.0"
ICEBERG_ARTIFACTS = ("iceberg-spark-runtime-4.0_2.13", "iceberg-aws-bundle")
ICEBERG_JARS = tuple(f"{JARS_DIR}/{a}-{ICEBERG_VERSION}.jar" for a in ICEBERG_ARTIFACTS)
# The driver's heap in the apply and materialise pods (their limit: feast_jobs.RESOURCES).
SPARK_DRIVER_MEMORY = "2g"
FEATURE_TABLES: tuple[TableDef, ...] = (CUSTOMER_FEATURES, TRANSACTION_FEATURES)
# How long a feature value stays valid online, per feature view (days).
TTL_DAYS = {"customer_features": 90, "transaction_features": 1}
_SKIPPED = {"event_timestamp", "created_at"}
_FEAST_TYPES = {
    "string": "String",
    "int": "Int32",
    "long": "Int64",
    "float": "Float32",
    "double": "Float64",
    "boolean": "Bool",
    "timestamptz": "UnixTimestamp",
    "timestamp": "UnixTimestamp",
}


@dataclass(frozen=True, kw_only=True)
class FeatureViewDef:
    name: str
    entity: str
    join_key: str
    table: str  # the Spark table: <catalog>.<namespace>.<table>
    features: tuple[tuple[str, str], ...]  # (column, Feast type)
    ttl_days: int


def feast_type(iceberg_type: str) -> str:
    """The Feast type of an Iceberg column type (decimals are served as Float64)."""
    text = iceberg_type.strip().lower()
    if text.startswith("decimal"):
        return "Float64"
    try:
        return _FEAST_TYPES[text]
    except KeyError:
        raise ValueError(f"no Feast type for Iceberg type {iceberg_type!r}") from None


def feature_view(table: TableDef) -> FeatureViewDef:
    """A feature view per feature table: its entity is the table's required ``*_id``
    column; its features are the other columns except ids and timestamps."""
    keys = [c.name for c in table.columns if c.required and c.name.endswith("_id")]
    if len(keys) != 1:
        raise ValueError(f"table {table.identifier}: need exactly one required *_id column")
    join_key = keys[0]
    name = table.identifier.split(".", 1)[1]
    return FeatureViewDef(
        name=name,
        entity=join_key.removesuffix("_id"),
        join_key=join_key,
        table=f"{SPARK_CATALOG}.{table.identifier}",
        features=tuple(
            (c.name, feast_type(c.type))
            for c in table.columns
            if c.name not in _SKIPPED and not c.name.endswith("_id")
        ),
        ttl_days=TTL_DAYS[name],
    )


def feature_views() -> tuple[FeatureViewDef, ...]:
    return tuple(feature_view(t) for t in FEATURE_TABLES)


def project_name(stack: str) -> str:
    """Feast projects take letters, digits and underscores only."""
    return "aiplat_" + "".join(ch if ch.isalnum() else "_" for ch in stack)


def spark_conf(
    *, warehouse: str, catalog: str, catalog_uri: str | None, s3_endpoint: str | None
) -> dict[str, str]:
    """The Spark session of the offline store: Iceberg catalog ``lake`` over the warehouse
    (``warehouse``: what the catalog takes, the location for Glue, the catalog's name for
    the REST catalog; components/lake_access.LakeAccess.catalog_warehouse)."""
    prefix = f"spark.sql.catalog.{SPARK_CATALOG}"
    conf = {
        "spark.master": "local[*]",
        "spark.driver.memory": SPARK_DRIVER_MEMORY,
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parser.quotedRegexColumnNames": "true",
        "spark.jars": ",".join(ICEBERG_JARS),
        "spark.sql.extensions": (
            "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
        ),
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.type": catalog,
        f"{prefix}.warehouse": warehouse,
        f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
    }
    if catalog_uri:
        conf[f"{prefix}.uri"] = catalog_uri
    if catalog == "rest":
        conf[f"{prefix}.credential"] = CATALOG_CREDENTIAL_PLACEHOLDER
        conf[f"{prefix}.scope"] = CATALOG_SCOPE
    if s3_endpoint:
        conf[f"{prefix}.s3.endpoint"] = s3_endpoint
        conf[f"{prefix}.s3.path-style-access"] = "true"
    return conf


def online_connection(host: str, port: int, ca_file: str | None) -> str:
    """Feast's redis connection string: TLS always, password from the placeholder."""
    parts = [f"{host}:{port}", "ssl=true"]
    if ca_file:
        parts.append(f"ssl_ca_certs={ca_file}")
    parts.append(f"password={PASSWORD_PLACEHOLDER}")
    return ",".join(parts)


def feature_store_config(
    *,
    project: str,
    warehouse: str,
    catalog: str,
    catalog_uri: str | None,
    s3_endpoint: str | None,
    online_host: str,
    catalog_warehouse: str | None = None,
    online_port: int,
    ca_file: str | None,
) -> dict[str, Any]:
    if not warehouse.endswith("/"):
        raise ValueError(f"warehouse must end with '/' (got {warehouse!r})")
    return {
        "project": project,
        "provider": "local",
        "registry": {
            "registry_type": "file",
            "path": f"{warehouse}features/feast/registry.db",
            "cache_ttl_seconds": 60,
        },
        "offline_store": {
            "type": "spark",
            "spark_conf": spark_conf(
                warehouse=catalog_warehouse or warehouse,
                catalog=catalog,
                catalog_uri=catalog_uri,
                s3_endpoint=s3_endpoint,
            ),
        },
        "online_store": {
            "type": "redis",
            "redis_type": "redis",
            "connection_string": online_connection(online_host, online_port, ca_file),
        },
        "entity_key_serialization_version": 3,
    }


def feature_store_yaml(**kwargs: Any) -> str:
    return yaml.safe_dump(feature_store_config(**kwargs), sort_keys=False)


def local_feature_store_config(*, project: str, directory: str) -> dict[str, Any]:
    """The same project on local files, for trying the definitions without the lake (and for
    running Feast for real in tests): a file registry, Feast's file offline store (one Parquet
    file per feature view, see :func:`feature_definitions`'s ``parquet_dir``) and a SQLite
    online store, all under ``directory``."""
    return {
        "project": project,
        "provider": "local",
        "registry": {"registry_type": "file", "path": f"{directory}/registry.db"},
        "offline_store": {"type": "file"},
        "online_store": {"type": "sqlite", "path": f"{directory}/online.db"},
        "entity_key_serialization_version": 3,
    }


def _source(view: FeatureViewDef, parquet_dir: str | None) -> list[str]:
    if parquet_dir is None:
        kind, where = "SparkSource", f'    table="{view.table}",'
    else:
        kind, where = "FileSource", f'    path="{parquet_dir}/{view.name}.parquet",'
    return [
        f"{view.name}_source = {kind}(",
        f'    name="{view.name}_source",',
        where,
        '    timestamp_field="event_timestamp",',
        '    created_timestamp_column="created_at",',
        ")",
    ]


def feature_definitions(
    views: tuple[FeatureViewDef, ...] | None = None, *, parquet_dir: str | None = None
) -> str:
    """``features.py``: one Entity, SparkSource and FeatureView per feature table, and a
    FeatureService serving them all. With ``parquet_dir``, each view reads
    ``<parquet_dir>/<view>.parquet`` through a FileSource instead (the local repository)."""
    views = feature_views() if views is None else views
    types = sorted({t for v in views for _, t in v.features})
    if parquet_dir is None:
        source_import = [
            "from feast import Entity, FeatureService, FeatureView, Field, ValueType",
            "from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import (",
            "    SparkSource,",
            ")",
        ]
    else:
        source_import = [
            "from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType"
        ]
    lines = [
        '"""Generated by aiplat (components/values/feast.py) from the lake\'s feature tables."""',
        "",
        "from datetime import timedelta",
        "",
        *source_import,
        f"from feast.types import {', '.join(types)}",
        "",
    ]
    for view in views:
        lines += [
            "",
            f"{view.entity} = Entity(",
            f'    name="{view.entity}", join_keys=["{view.join_key}"], value_type=ValueType.STRING',
            ")",
            *_source(view, parquet_dir),
            f"{view.name} = FeatureView(",
            f'    name="{view.name}",',
            f"    entities=[{view.entity}],",
            f"    ttl=timedelta(days={view.ttl_days}),",
            "    schema=[",
            *(f'        Field(name="{col}", dtype={typ}),' for col, typ in view.features),
            "    ],",
            f"    source={view.name}_source,",
            "    online=True,",
            ")",
        ]
    lines += [
        "",
        "platform_features = FeatureService(",
        '    name="platform_features",',
        f"    features=[{', '.join(v.name for v in views)}],",
        ")",
        "",
    ]
    return "\n".join(lines)
