"""What changes between two stacks (or a stack and a modified stack file): resources added,
removed and changed (every input that differs, old and new value), and the monthly and
yearly cost delta per component, from two offline reviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiplat.harness import CapturedResource
from aiplat.review import MONTHS, Review, owners


def resource_key(urn: str) -> str:
    """The URN without its stack: ``aiplat::<type chain>::<name>`` (equal across stacks)."""
    return urn.split("::", 1)[1] if "::" in urn else urn


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Inputs as dotted paths to leaves (lists by index)."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceChange:
    key: str
    type: str
    name: str
    component: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class StackDiff:
    a: Review
    b: Review
    added: list[ResourceChange]
    removed: list[ResourceChange]
    changed: list[ResourceChange]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed) and not any(
            self.cost_delta().values()
        )

    def cost_delta(self) -> dict[str, float]:
        """Yearly USD delta per component (B minus A); zero deltas dropped."""
        a, b = self.a.cost_by_component(), self.b.cost_by_component()
        deltas = {c: b.get(c, 0.0) - a.get(c, 0.0) for c in sorted(set(a) | set(b))}
        return {c: d for c, d in deltas.items() if abs(d) > 1e-9}

    @property
    def yearly_delta(self) -> float:
        return self.b.yearly_usd - self.a.yearly_usd

    def as_json(self) -> dict[str, Any]:
        def resource(r: ResourceChange) -> dict[str, Any]:
            item: dict[str, Any] = {"type": r.type, "name": r.name, "component": r.component}
            if r.changes:
                item["changes"] = [{"path": c.path, "old": c.old, "new": c.new} for c in r.changes]
            return item

        return {
            "a": self.a.stack,
            "b": self.b.stack,
            "added": [resource(r) for r in self.added],
            "removed": [resource(r) for r in self.removed],
            "changed": [resource(r) for r in self.changed],
            "cost_delta": [
                {"component": c, "monthly_usd": round(d / MONTHS, 2), "yearly_usd": round(d, 2)}
                for c, d in self.cost_delta().items()
            ],
            "totals": {
                "monthly_usd": round(self.yearly_delta / MONTHS, 2),
                "yearly_usd": round(self.yearly_delta, 2),
                "mandatory_in_b": len(self.b.mandatory),
            },
        }


def _entry(r: CapturedResource, owner: dict[str, str], changes=()) -> ResourceChange:
    return ResourceChange(resource_key(r.urn), r.type, r.name, owner.get(r.urn, ""), tuple(changes))


def diff_reviews(a: Review, b: Review) -> StackDiff:
    old = {resource_key(r.urn): r for r in a.resources}
    new = {resource_key(r.urn): r for r in b.resources}
    owner_a, owner_b = owners(a.capture), owners(b.capture)
    added = [_entry(new[k], owner_b) for k in new if k not in old]
    removed = [_entry(old[k], owner_a) for k in old if k not in new]
    changed = []
    for key in (k for k in new if k in old):
        before, after = flatten(old[key].inputs), flatten(new[key].inputs)
        changes = [
            Change(path, before.get(path), after.get(path))
            for path in sorted(set(before) | set(after))
            if before.get(path) != after.get(path)
        ]
        if changes:
            changed.append(_entry(new[key], owner_b, changes))
    return StackDiff(a, b, added, removed, changed)
