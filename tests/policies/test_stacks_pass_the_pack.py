"""Every shipped stack (AWS and existing clusters, both run modes) has zero mandatory
violations of the policy pack."""

from __future__ import annotations

import pytest

from aiplat.stackfiles import stack_names
from policies.offline import evaluate, mandatory


@pytest.mark.parametrize(
    "preview", [pytest.param(True, id="preview"), pytest.param(False, id="update")]
)
@pytest.mark.parametrize("stack", stack_names())
def test_the_stack_has_no_mandatory_violation(capture, stack, preview):
    cap = capture(stack, preview)
    assert cap.resources
    found = mandatory(evaluate(cap.resources))
    assert found == [], "\n".join(f"{f.policy} {f.resource}: {f.message}" for f in found)
