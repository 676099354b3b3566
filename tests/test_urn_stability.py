"""Changing only sizes or instance types in a stack file changes no resource URN: names
derive from pool names and region codes, never from counts, types or list order."""

from __future__ import annotations

import pytest
import yaml

from aiplat.harness import run_program
from aiplat.stackfiles import load

RESIZED = {
    "notebook": {"instanceType": "g6e.2xlarge", "minNodes": 1, "desiredNodes": 2, "maxNodes": 9},
    "training": {"instanceType": "p5.48xlarge", "minNodes": 0, "desiredNodes": 1, "maxNodes": 2},
    "inference": {
        "instanceType": "g5.2xlarge",
        "minNodes": 0,
        "desiredNodes": 3,
        "maxNodes": 30,
        "capacityType": "SPOT",
    },
}


def urns(stack, values) -> set[str]:
    return {r.urn for r in run_program(stack, values, preview=True).resources}


@pytest.mark.parametrize("stack", ["intermediate-dev", "expert-prod"])
def test_resizing_pools_and_changing_instance_types_keeps_every_urn(tmp_path, stack):
    original = load(stack)
    changed = dict(original.values)
    changed["gpuPools"] = RESIZED
    changed["systemPool"] = {
        "instanceType": "m7i.4xlarge",
        "minNodes": 2,
        "desiredNodes": 4,
        "maxNodes": 8,
    }
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": {f"aiplat:{k}": v for k, v in changed.items()}}))
    edited = load(str(path))
    assert edited.resolve() != original.resolve(), "the edit must change the resolved spec"
    assert urns(stack, edited.engine_values()) == urns(stack, original.engine_values())


def test_the_same_pools_in_another_order_give_the_same_urns():
    stack = load("poc-staging")
    forward = dict(stack.engine_values(), gpuPools=dict(RESIZED))
    backward = dict(stack.engine_values(), gpuPools=dict(reversed(list(RESIZED.items()))))
    assert urns("poc-staging", forward) == urns("poc-staging", backward)
