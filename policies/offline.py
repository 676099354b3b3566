"""Run the pack's validate functions offline, on the resources the harness captured.

Each policy is called exactly as the CrossGuard analyzer calls it: a resource policy once per
resource with ``ResourceValidationArgs`` (type, inputs as ``props``, urn, name, options), a
stack policy once with ``StackValidationArgs`` whose resources carry their outputs (plus
``id``, as bridged providers report it). Violations are collected instead of reported to the
engine. No ``PolicyPack`` is built (that would start the analyzer server).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError


class Captured(Protocol):
    """The fields of :class:`aiplat.harness.CapturedResource` the adapter reads."""

    urn: str
    id: str | None
    type: str
    name: str
    parent: str | None
    protect: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    policy: str
    level: str  # "mandatory" | "advisory"
    urn: str | None
    resource: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "level": self.level,
            "resource": self.resource,
            "urn": self.urn,
            "message": self.message,
        }

    @property
    def mandatory(self) -> bool:
        return self.level == EnforcementLevel.MANDATORY.value


def _options(r: Captured) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=r.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=r.parent,
    )


def resource_args(r: Captured) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        resource_type=r.type,
        props=r.inputs,
        urn=r.urn,
        name=r.name,
        opts=_options(r),
        provider=None,
    )


def stack_args(resources: Sequence[Captured]) -> StackValidationArgs:
    by_urn: dict[str, PolicyResource] = {}
    for r in resources:
        props = {**r.inputs, **r.outputs}
        if r.id is not None:
            props.setdefault("id", r.id)
        by_urn[r.urn] = PolicyResource(
            resource_type=r.type,
            props=props,
            urn=r.urn,
            name=r.name,
            opts=_options(r),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
    for r in resources:
        if r.parent in by_urn:
            by_urn[r.urn].parent = by_urn[r.parent]
    return StackValidationArgs(resources=list(by_urn.values()))


def _level(policy) -> str:
    return (policy.enforcement_level or EnforcementLevel.ADVISORY).value


def _call(validate, args, report) -> None:
    try:
        result = validate(args, report)
        if inspect.isawaitable(result):
            raise TypeError("async validate functions are not supported offline")
    except _NotApplicableError:
        pass


def _collector(findings: list[Finding], policy, names: dict[str, str], subject=None):
    """A ``report_violation`` for ``policy``: on ``subject`` (a resource policy ignores the
    urn argument, as the analyzer does) or on the urn the stack policy names."""
    level = _level(policy)

    def report(message: str, urn: str | None = None) -> None:
        if subject is not None:
            findings.append(Finding(policy.name, level, subject.urn, subject.name, message))
        else:
            findings.append(
                Finding(policy.name, level, urn, names.get(urn or "", "<stack>"), message)
            )

    return report


def evaluate(resources: Sequence[Captured], policies: Iterable[Any] | None = None) -> list[Finding]:
    """Every violation the policies report on ``resources``, in policy order."""
    if policies is None:
        from policies import POLICIES

        policies = POLICIES
    names = {r.urn: r.name for r in resources}
    findings: list[Finding] = []
    stack = None
    for policy in policies:
        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                _call(policy.validate, resource_args(r), _collector(findings, policy, names, r))
        elif isinstance(policy, StackValidationPolicy):
            stack = stack or stack_args(resources)
            _call(policy.validate, stack, _collector(findings, policy, names))
    return findings


def mandatory(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.mandatory]
