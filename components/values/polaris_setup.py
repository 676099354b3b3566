"""The two Jobs that make the on-prem Polaris usable, as data: bootstrap its realm and root
principal in Postgres, then create the lake's Iceberg catalog on the SeaweedFS warehouse.

Polaris with ``relational-jdbc`` persistence starts with an empty database; its admin tool
(``apache/polaris-admin-tool``, same version as the server, as the Polaris docs require)
``bootstrap``s a realm and its root credentials, idempotently ("If a realm is already
bootstrapped, running the bootstrap command again will not have any effect on that realm",
Polaris admin tool docs, 1.7.0). The catalog is then created through the management API
(``POST /api/management/v1/catalogs`` with a root token from ``/api/catalog/v1/oauth/tokens``);
409 (it exists) counts as done, so re-running is harmless.

The root credentials come from a Secret the user creates (aiplat generates none):
:data:`ROOT_SECRET` with keys ``client-id`` and ``client-secret``, mounted as files and read
from them (never in arguments or environment variables). The catalog points at the in-cluster
S3 gateway with path-style access; SeaweedFS has no STS or KMS, so ``stsUnavailable`` and
``kmsUnavailable`` are set and engines use their own S3 credentials (no credential vending).
"""

from __future__ import annotations

import json
from typing import Any

from components.hardening import (
    Resources,
    container,
    pod_security_context,
    pod_spec,
    secret_volume,
)
from components.values import cloudnative_pg

ADMIN_IMAGE = "apache/polaris-admin-tool"  # tag: the Polaris chart's version
CURL_IMAGE = "curlimages/curl:8.11.1"  # pinned; runs as uid 100, has /bin/sh
ROOT_SECRET = "lake-catalog-root"  # user-created: keys client-id, client-secret
REALM = "POLARIS"  # the chart's default (and only) realm
CATALOG = "warehouse"  # pyiceberg's ``warehouse`` for the REST catalog
SERVICE_ACCOUNT = "lake-catalog-setup"
PODS = {"app.kubernetes.io/name": "lake-catalog-setup"}
BACKOFF_LIMIT = 10  # Postgres and Polaris may still be starting: retry with back-off
_SECRETS = "/var/run/secrets/polaris-root"
_DB_DIR = "/var/run/secrets/lake-catalog-db"
_TMP = "/tmp"


ADMIN_UID = 10000  # the ``polaris`` user of the admin tool image (curl runs as anyone)
RESOURCES = Resources(
    cpu_request="100m", memory_request="256Mi", cpu_limit="500m", memory_limit="512Mi"
)


def _job(
    name: str,
    namespace: str,
    component: str,
    container_args: dict[str, Any],
    secrets: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """A hardened, restartable Job (``components.hardening``) with ``secrets`` (volume ->
    (Secret, path)) mounted as files and a memory-backed ``/tmp``."""
    labels = {**PODS, "app.kubernetes.io/component": component}
    mounted = [secret_volume(v, secret, path) for v, (secret, path) in secrets.items()]
    tmp = {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
    main = container(
        resources=RESOURCES,
        mounts=(*(m for _, m in mounted), {"name": "tmp", "mountPath": _TMP}),
        **container_args,
    )
    pod = pod_spec(
        service_account=SERVICE_ACCOUNT,
        containers=[main],
        volumes=(*(v for v, _ in mounted), tmp),
        restart_policy="OnFailure",
    )
    pod["securityContext"] = pod_security_context(ADMIN_UID)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def bootstrap_job(namespace: str, polaris_version: str) -> dict[str, Any]:
    """The admin tool's ``bootstrap`` of :data:`REALM`, root credentials from the mounted
    Secret written to a memory-backed credentials file (the tool's YAML format)."""
    db = _DB_DIR
    script = (
        "set -eu\n"
        # the database credentials, read from the mounted Secret (never in the pod's env)
        f'export QUARKUS_DATASOURCE_JDBC_URL="$(cat {db}/jdbcUrl)"\n'
        f'export QUARKUS_DATASOURCE_USERNAME="$(cat {db}/username)"\n'
        f'export QUARKUS_DATASOURCE_PASSWORD="$(cat {db}/password)"\n'
        f"printf '{REALM}:\\n  client-id: %s\\n  client-secret: %s\\n' "
        f'"$(cat {_SECRETS}/client-id)" "$(cat {_SECRETS}/client-secret)" '
        f"> {_TMP}/root.yaml\n"
        "exec /opt/jboss/container/java/run/run-java.sh "
        f"bootstrap --credentials-file={_TMP}/root.yaml\n"
    )
    container_args = {
        "name": "bootstrap",
        "image_ref": f"{ADMIN_IMAGE}:{polaris_version}",
        "command": ("/bin/sh", "-c", script),
        "env": {"POLARIS_PERSISTENCE_TYPE": "relational-jdbc", "HOME": _TMP},
    }
    secrets = {"root": (ROOT_SECRET, _SECRETS), "db": (cloudnative_pg.DB_SECRET, db)}
    return _job("lake-catalog-bootstrap", namespace, "bootstrap", container_args, secrets)


def catalog_request(s3_endpoint: str) -> dict[str, Any]:
    """The management API body creating :data:`CATALOG` on ``s3://warehouse/``."""
    location = f"s3://{CATALOG}/"
    return {
        "catalog": {
            "name": CATALOG,
            "type": "INTERNAL",
            "readOnly": False,
            "properties": {"default-base-location": location},
            "storageConfigInfo": {
                "storageType": "S3",
                "allowedLocations": [location],
                "endpoint": s3_endpoint,
                "pathStyleAccess": True,
                "stsUnavailable": True,
                "kmsUnavailable": True,
                "region": "us-east-1",  # the AWS SDK wants one; SeaweedFS ignores it
            },
        }
    }


def catalog_job(namespace: str, catalog_base: str, s3_endpoint: str) -> dict[str, Any]:
    """Create :data:`CATALOG` through ``catalog_base`` (``http://polaris.<ns>.svc:8181``);
    201 created and 409 already there both succeed, anything else fails the Job."""
    body = json.dumps(catalog_request(s3_endpoint), separators=(",", ":"))
    script = (
        "set -eu\n"
        f"token=$(curl -sS --fail-with-body {catalog_base}/api/catalog/v1/oauth/tokens "
        "-d grant_type=client_credentials -d scope=PRINCIPAL_ROLE:ALL "
        f"--data-urlencode client_id@{_SECRETS}/client-id "
        f"--data-urlencode client_secret@{_SECRETS}/client-secret "
        '| sed -n \'s/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p\')\n'
        f'[ -n "$token" ] || {{ echo "no token: check Secret {ROOT_SECRET}" >&2; exit 1; }}\n'
        f"code=$(curl -sS -o {_TMP}/reply -w '%{{http_code}}' "
        f"-H \"Authorization: Bearer $token\" -H 'Polaris-Realm: {REALM}' "
        "-H 'Content-Type: application/json' "
        f"{catalog_base}/api/management/v1/catalogs -d '{body}')\n"
        'case "$code" in\n'
        f"  201) echo 'catalog {CATALOG} created' ;;\n"
        f"  409) echo 'catalog {CATALOG} already exists' ;;\n"
        f'  *) echo "catalog {CATALOG}: HTTP $code" >&2; cat {_TMP}/reply >&2; exit 1 ;;\n'
        "esac\n"
    )
    container_args = {
        "name": "create-catalog",
        "image_ref": CURL_IMAGE,
        "command": ("/bin/sh", "-c", script),
    }
    secrets = {"root": (ROOT_SECRET, _SECRETS)}
    return _job("lake-catalog-create", namespace, "create-catalog", container_args, secrets)
