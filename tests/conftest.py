"""Shared fixtures: offline runs of the real program, cached per (stack, preview mode)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import settings

from aiplat.harness import Capture, run_program
from aiplat.stackfiles import load

# No per-example deadline: tests check results, timing belongs in benchmarks/ (a loaded CI
# machine would otherwise fail correct code with DeadlineExceeded).
settings.register_profile("aiplat", deadline=None)
settings.load_profile("aiplat")

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


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """``cli(*argv)``: run ``aiplat`` in-process; returns (exit code, stdout, stderr).
    AIPLAT_DEBUG is cleared so bad input shows as it does to users."""
    from aiplat.cli.main import run

    monkeypatch.delenv("AIPLAT_DEBUG", raising=False)

    def invoke(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            run(list(argv))
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return invoke
