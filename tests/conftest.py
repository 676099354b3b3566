"""Shared fixtures: offline runs of the real program, cached per (stack, preview mode)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aiplat.harness import Capture, run_program
from aiplat.stackfiles import load

_cache: dict[tuple[str, bool], Capture] = {}


@pytest.fixture(scope="session")
def capture() -> Callable[[str, bool], Capture]:
    """``capture(stack, preview)``: the program's registrations for a stack file."""

    def run(stack: str, preview: bool) -> Capture:
        key = (stack, preview)
        if key not in _cache:
            _cache[key] = run_program(stack, load(stack).engine_values(), preview=preview)
        return _cache[key]

    return run
