"""Stack files: find them, read them, validate them (the CLI's edge)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tiers.errors import SpecError
from tiers.model import Target
from tiers.resolve import ResolvedPlatform, resolve
from tiers.stack_config import StackConfig, from_namespaced, parse_config

PROJECT_DIR = Path(__file__).resolve().parent.parent
_FILE = re.compile(r"^Pulumi\.(?P<name>[A-Za-z0-9_.-]+)\.yaml$")


def stacks_dir() -> Path:
    return Path(os.environ.get("AIPLAT_STACKS_DIR", PROJECT_DIR / "stacks"))


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path
    values: dict[str, Any]  # the aiplat: keys, namespace stripped, as written
    config: StackConfig

    def resolve(self) -> ResolvedPlatform:
        return resolve(self.name, self.config)

    def engine_values(self) -> dict[str, Any]:
        """What the Pulumi engine hands the program: Pulumi.yaml defaults under the file."""
        return {**project_defaults(), **self.values}


def project_defaults() -> dict[str, Any]:
    """The ``default:`` of every ``aiplat:`` key declared in Pulumi.yaml."""
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    declared = from_namespaced(document.get("config") or {})
    return {key: spec["default"] for key, spec in declared.items() if "default" in spec}


def stack_names() -> list[str]:
    """Every stack with a file in stacks/, sorted."""
    names = (_FILE.match(p.name) for p in stacks_dir().glob("Pulumi.*.yaml"))
    return sorted(m["name"] for m in names if m)


def stack_names_for(target: Target) -> list[str]:
    """The stacks whose file sets ``aiplat:target`` to ``target``."""
    return [name for name in stack_names() if load(name).config.target is target]


def load(stack: str) -> StackFile:
    """Load a stack by name (``intermediate-dev``) or by the path of a stack file."""
    candidate = Path(stack)
    if candidate.suffix == ".yaml" and candidate.exists():
        match = _FILE.match(candidate.name)
        if not match:
            raise SpecError(
                "--stack", f"{candidate.name} is not named Pulumi.<stack>.yaml", "rename the file"
            )
        return read(match["name"], candidate)
    path = stacks_dir() / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise SpecError(
            "--stack", f"unknown stack {stack!r}", f"use one of: {', '.join(stack_names())}"
        )
    return read(stack, path)


def read(name: str, path: Path) -> StackFile:
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(str(path), f"is not valid YAML{where}", "fix the YAML syntax") from None
    if not isinstance(document, dict) or not isinstance(document.get("config"), dict):
        raise SpecError(str(path), "has no 'config:' mapping", "put the aiplat: keys under config:")
    values = from_namespaced(document["config"])
    return StackFile(name=name, path=path, values=values, config=parse_config(values))
