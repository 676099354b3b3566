"""What the rules share: building policies with table ids, reading IAM documents, finding
resources of a type in a stack validation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY


def resource_policy(
    policy_id: str,
    description: str,
    types: Iterable[str] | Callable[[str], bool],
    check: Callable[[Any, Callable[[str], None]], None],
    level: EnforcementLevel = MANDATORY,
) -> ResourceValidationPolicy:
    """A ResourceValidationPolicy whose validate function runs ``check(args, report)`` only on
    resources of ``types`` (a set of type tokens or a predicate on the type)."""
    applies = types if callable(types) else frozenset(types).__contains__

    def validate(args, report_violation) -> None:
        if applies(args.resource_type):
            check(args, report_violation)

    validate.__name__ = f"validate_{policy_id.replace('-', '_')}"
    return ResourceValidationPolicy(
        name=policy_id, description=description, validate=validate, enforcement_level=level
    )


def stack_policy(
    policy_id: str,
    description: str,
    check: Callable[[Any, Callable[..., None]], None],
    level: EnforcementLevel = MANDATORY,
) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=policy_id, description=description, validate=check, enforcement_level=level
    )


def of_type(resources: Iterable[Any], type_: str) -> list[Any]:
    return [r for r in resources if r.resource_type == type_]


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def document(value: Any) -> dict:
    """An IAM or key policy as a dict (Pulumi carries them as JSON strings)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return {}
    return {}


def statements(value: Any) -> list[dict]:
    return [s for s in as_list(document(value).get("Statement")) if isinstance(s, dict)]


def stack_of(urn: str) -> str:
    """``urn:pulumi:<stack>::<project>::...`` -> ``<stack>``."""
    parts = urn.split(":", 3)
    return parts[2] if len(parts) > 3 else ""


def is_production(urn: str) -> bool:
    return stack_of(urn).rsplit("-", 1)[-1] == "prod"


def is_dev(urn: str) -> bool:
    return stack_of(urn).rsplit("-", 1)[-1] in {"dev", "local"}


def ident(resource: Any) -> Any:
    """The id other resources use to refer to a stack resource (``props['id']``)."""
    return resource.props.get("id")
