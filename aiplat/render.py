"""Renderers: the only place that formats output. Commands hand them plain data.

Data goes to stdout; diagnostics go to stderr (see :mod:`aiplat.cli.main`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    MD = "md"


@dataclass(frozen=True)
class Table:
    """Rows of plain values under named columns; the unit every tabular command returns."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"{self.title}: row {row!r} does not match columns {self.columns}")

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def table_to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows([[_cell(v) for v in row] for row in table.rows])
    return buffer.getvalue()


def table_to_md(table: Table, heading_level: int = 2) -> str:
    escape = lambda text: _cell(text).replace("|", "\\|")  # noqa: E731
    lines = [
        f"{'#' * heading_level} {table.title}",
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines) + "\n"


def rich_table(table: Table):
    from rich.table import Table as RichTable

    rendered = RichTable(title=table.title, title_justify="left", header_style="bold")
    for column in table.columns:
        rendered.add_column(column, overflow="fold")
    for row in table.rows:
        rendered.add_row(*(_cell(v) for v in row))
    return rendered


def render_tables(tables: list[Table], fmt: OutputFormat) -> str | list:
    """Text for json, csv and md; a list of Rich renderables for table."""
    if fmt is OutputFormat.JSON:
        if len(tables) == 1:
            return to_json(tables[0].records())
        return to_json({t.title: t.records() for t in tables})
    if fmt is OutputFormat.CSV:
        return "\n".join(table_to_csv(t) for t in tables)
    if fmt is OutputFormat.MD:
        return "\n".join(table_to_md(t) for t in tables)
    return [rich_table(t) for t in tables]
