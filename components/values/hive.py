"""The Hive metastore aiplat renders itself (no chart is pinned anywhere it could check):
the pinned image, port, sizes and the Secret it reads its ``hive-site.xml`` from.

Left to the user: a Postgres database for the metastore, the Secret ``hive-metastore-site``
(key ``hive-site.xml``: JDBC URL, user and password of that database, and the warehouse
location), an image with the Postgres JDBC driver (``apache/hive`` does not ship it: build
FROM the pinned image and add the driver to ``/opt/hive/lib``), and the one-time schema
initialisation (``schematool -initSchema -dbType postgres``).
"""

from __future__ import annotations

from components.hardening import Resources

NAMESPACE = "hive"
SERVICE_ACCOUNT = "hive-metastore"
NAME = "hive-metastore"
IMAGE = ("docker.io/apache/hive", "4.0.1")  # Apache Hive 4.0.1 (2024-10); not pulled here
HIVE_UID = 1000  # the ``hive`` user of the apache/hive images
PORT = 9083
POSTGRES_PORT = 5432
SITE_SECRET = "hive-metastore-site"
RESOURCES = Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="1", memory_limit="2Gi")
# Namespaces whose engines read table metadata from the metastore.
CLIENTS: tuple[str, ...] = ("spark", "flink", "clickhouse")
