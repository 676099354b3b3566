"""The fast paths behind the vectorised IRR keep the robust path's answers: the sign-change
count, Newton's early stop and the single BLAS thread."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from tco.finance import IrrStatus, irr
from tco.finance._blas import single_threaded_blas
from tco.finance.roots import _sign_changes


def descartes_count(row: list[float]) -> int:
    signs = [c > 0 for c in row if c != 0]
    return sum(a != b for a, b in itertools.pairwise(signs))


small_flows = st.lists(st.sampled_from([-3.0, -1.0, 0.0, 1.0, 2.5]), min_size=2, max_size=12)


@settings(deadline=None)
@given(st.lists(small_flows.map(lambda f: (f + [1.0] * 12)[:12]), min_size=1, max_size=30))
def test_sign_changes_count_descartes_sign_changes_with_or_without_zeros(rows) -> None:
    flows = np.array(rows)
    assert list(_sign_changes(flows)) == [descartes_count(r) for r in rows]


def test_sign_changes_of_rows_without_zeros_take_the_byte_path_and_agree() -> None:
    rng = np.random.default_rng(3)
    flows = rng.choice([-2.0, 1.0, 3.0], size=(5_000, 9))
    assert np.count_nonzero(flows) == flows.size
    assert list(_sign_changes(flows)) == [descartes_count(list(r)) for r in flows]


def test_sign_changes_of_long_series_do_not_overflow_a_byte() -> None:
    flows = np.tile([-1.0, 1.0], (3, 200))  # 400 periods, 399 changes
    assert list(_sign_changes(flows)) == [399, 399, 399]


def test_the_vectorised_irr_of_monte_carlo_rows_zeroes_the_npv_to_machine_precision() -> None:
    # Newton stops on its own error estimate; the rates must still be as exact as the
    # flows allow (design-shaped rows: 12.6M out, then ~7.1M a year for 3 to 10 years).
    rng = np.random.default_rng(11)
    for years in (3, 10):
        flows = np.empty((20_000, years + 1))
        flows[:, 0] = -12.6e6 * rng.uniform(0.8, 1.2, 20_000)
        flows[:, 1:] = 7.1e6 * rng.uniform(0.5, 1.5, (20_000, years))
        result = irr(flows)
        assert (result.status == IrrStatus.OK).all()
        factors = (1.0 + result.rate[:, None]) ** -np.arange(years + 1.0)
        residual = np.abs((flows * factors).sum(axis=1))
        scale = np.abs(flows * factors).sum(axis=1)
        assert (residual <= 1e-14 * scale).all(), float((residual / scale).max())


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_single_threaded_blas_pins_blas_to_one_thread_and_restores_it() -> None:
    before = blas_threads()
    if not before:  # numpy without a BLAS that threadpoolctl can see: nothing to pin
        with single_threaded_blas():
            assert blas_threads() == []
        return
    with single_threaded_blas():
        assert blas_threads() == [1] * len(before)
        with single_threaded_blas():  # nesting is harmless
            assert blas_threads() == [1] * len(before)
    assert blas_threads() == before
