"""Shared fixtures: offline runs of the real program, cached per (stack, preview mode)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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


@contextmanager
def _moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as env:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.setenv(key, "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Callable[[], Any]:
    """``with moto_server() as endpoint``: a local moto server on 127.0.0.1, with test
    credentials and region in the environment while it runs."""
    pytest.importorskip("moto.server")
    return _moto_server


@pytest.fixture
def moto_endpoint(moto_server) -> Iterator[str]:
    """A moto server for one test (a module may override it with a longer-lived one)."""
    with moto_server() as endpoint:
        yield endpoint
