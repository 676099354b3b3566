"""Open the lake's Iceberg catalog.

The default is pyiceberg's SQL catalog on SQLite with its warehouse under ``.aiplat/lake``
in the current directory: fine on a laptop, refused for staging and prod (DATA-02). Glue
and REST catalogs take pyiceberg properties (``--property key=value``); the usual pyiceberg
configuration (``~/.pyiceberg.yaml``, ``PYICEBERG_CATALOG__AIPLAT__*``) applies to the
catalog named ``aiplat``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from tiers.errors import SpecError

CATALOG_NAME = "aiplat"
DEFAULT_WAREHOUSE = Path(".aiplat") / "lake"


class CatalogKind(StrEnum):
    SQL = "sql"
    GLUE = "glue"
    REST = "rest"


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


def parse_properties(items: list[str] | None) -> dict[str, str]:
    """``["k=v", ...]`` to a dict; a missing ``=`` is a SpecError. ``k=@/path`` takes the
    value from a file (a mounted Secret, such as a REST catalog's ``credential``), so it is
    never on the command line or in the environment."""
    properties: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SpecError("--property", f"'{item}' is not key=value", "write it as key=value")
        value = value.strip()
        if value.startswith("@"):
            path = Path(value[1:])
            try:
                value = path.read_text().strip()
            except OSError:
                raise SpecError(
                    "--property",
                    f"{key.strip()}: {path} is not a readable file",
                    "mount the file, or give the value itself",
                ) from None
        properties[key.strip()] = value
    return properties


def catalog_properties(
    kind: CatalogKind | str = CatalogKind.SQL,
    properties: dict[str, str] | None = None,
    warehouse: str | Path | None = None,
    environment: Environment | str = Environment.DEV,
) -> dict[str, str]:
    """The properties handed to pyiceberg's ``load_catalog``, after the DATA-02 check."""
    kind = CatalogKind(kind)
    environment = Environment(environment)
    props = dict(properties or {})
    props["type"] = kind.value
    if kind is CatalogKind.SQL:
        folder = Path(warehouse or DEFAULT_WAREHOUSE).resolve()
        props.setdefault("uri", f"sqlite:///{folder / 'catalog.db'}")
        props.setdefault("warehouse", folder.as_uri())
        if props["uri"].startswith("sqlite"):
            _refuse_sqlite(environment, props["uri"])
            folder.mkdir(parents=True, exist_ok=True)
    else:
        if props.get("uri", "").startswith("sqlite"):
            _refuse_sqlite(environment, props["uri"])
        if warehouse is not None:
            props.setdefault("warehouse", str(warehouse))
        if kind is CatalogKind.REST and "uri" not in props:
            raise SpecError(
                "--catalog rest",
                "a REST catalog needs its uri",
                "add --property uri=https://<catalog-host>",
            )
    return props


def _refuse_sqlite(environment: Environment, uri: str) -> None:
    if environment is not Environment.DEV:
        raise SpecError(
            "--catalog",
            f"a sqlite:// catalog ({uri}) is for dev only, not {environment.value} (DATA-02)",
            "use --catalog glue, --catalog rest, or --property uri=postgresql+psycopg://...",
        )


def open_catalog(
    kind: CatalogKind | str = CatalogKind.SQL,
    properties: dict[str, str] | None = None,
    warehouse: str | Path | None = None,
    environment: Environment | str = Environment.DEV,
) -> Any:
    """A pyiceberg ``Catalog``; bad kind, environment or properties raise SpecError."""
    try:
        kind = CatalogKind(kind)
    except ValueError:
        raise SpecError("--catalog", f"unknown catalog '{kind}'", "use sql, glue or rest") from None
    try:
        environment = Environment(environment)
    except ValueError:
        raise SpecError(
            "--environment", f"unknown environment '{environment}'", "use dev, staging or prod"
        ) from None
    props = catalog_properties(kind, properties, warehouse, environment)
    from pyiceberg.catalog import load_catalog

    return load_catalog(CATALOG_NAME, **props)
