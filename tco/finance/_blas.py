"""One BLAS thread for the engine's skinny matrix products.

The vectorised paths multiply tall, thin matrices: ``(N, T) @ (T, G)`` with ``T`` a dozen
periods and ``G`` a few dozen grid points.  Threaded OpenBLAS splits such a product across
cores and then waits for them; on a two-core machine with anything else running that
costs two to four times the single-threaded time (measured: ``benchmarks/bench_tco.py``).
:func:`single_threaded_blas` pins BLAS to one thread for the duration of a block (nested
uses are fine) and is a no-op where threadpoolctl finds no BLAS to control.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # scans the loaded libraries once (a few ms)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with BLAS limited to one thread, then restore the previous limits."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
