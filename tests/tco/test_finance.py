"""Finance primitives: golden cases, hand-checked cases and invariants.

Provenance of golden values:
- NF1-NF9: /work/shared/reference/finance-cases.md, which cites numpy-financial's own
  docstrings and ``tests/test_financial.py`` (numpy/numpy-financial).
- XIRR/XNPV example: Microsoft's help pages for the spreadsheet functions,
  https://support.microsoft.com/en-us/office/xirr-function-de1242ec-6477-445b-b11b-a303ad9adc9d
  and https://support.microsoft.com/en-us/office/xnpv-function-1b42bbf6-370f-4532-a0eb-d67c16b664b7
  (flows -10000, 2750, 4250, 3250, 2750 on 2008-01-01, 2008-03-01, 2008-10-30, 2009-02-15,
  2009-04-01: XIRR 0.373362535, XNPV at 9 % 2086.6476).
Hand-checked cases write their arithmetic next to them.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tco import finance
from tco.finance import (
    DEFAULT_HIGH,
    DEFAULT_LOW,
    FinanceInputError,
    IrrError,
    IrrResult,
    IrrStatus,
    irr,
    irr_roots,
    mirr,
    npv,
    payback,
    xirr,
    xnpv,
)

# NF5: numpy-financial tests/test_financial.py::TestIrr::test_gh_39 (27 flows).
GH_39 = [
    -217500.0,
    -217500.0,
    108466.80462450592,
    101129.96439328062,
    93793.12416205535,
    86456.28393083003,
    79119.44369960476,
    71782.60346837944,
    64445.76323715414,
    57108.92300592884,
    49772.08277470355,
    42435.24254347826,
    35098.40231225296,
    27761.56208102766,
    20424.721849802358,
    13087.88161857707,
    5751.041387351768,
    -1585.7988438735192,
    -8922.639075098821,
    -16259.479306324123,
    -23596.31953754941,
    -30933.159768774713,
    -38270.0,
    -45606.8402312253,
    -52943.680462450604,
    -60280.520693675906,
    -67617.36092490121,
]
# NF6: test_gh_44 ("true" value from Google Sheets).
GH_44 = [-1678.87, 771.96, 1814.05, 3520.30, 3552.95, 3584.99, 4789.91, -1]

# Microsoft's XIRR / XNPV example (see the module docstring).
MS_FLOWS = [-10000, 2750, 4250, 3250, 2750]
MS_DATES = ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]


def assert_close(actual: float, expected: float, rtol: float = 1e-12, atol: float = 0.0) -> None:
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- NPV


def test_npv_matches_the_numpy_financial_docstring_example_nf1() -> None:
    assert_close(npv(0.08, [-40_000, 5_000, 8_000, 12_000, 30_000]), 3065.22267, rtol=1e-9)


def test_npv_matches_the_numpy_financial_test_value_nf2() -> None:
    value = npv(0.05, [-15_000, 1_500, 2_500, 3_500, 4_500, 6_000])
    assert_close(value, 122.89, rtol=1e-2)
    assert_close(value, 122.8948549509, rtol=1e-10)


def test_npv_of_several_rates_and_scenarios_is_a_rates_by_scenarios_table_nf3() -> None:
    table = npv([0, 0.05, 0.10], [[-4000, 500, 800], [-5000, 600, 900]])
    assert table.shape == (3, 2)
    expected = [[-2700, -3500], [-2798.19, -3612.24], [-2884.30, -3710.74]]
    np.testing.assert_allclose(table, expected, rtol=1e-5)


def test_npv_of_one_rate_and_one_scenario_is_a_plain_float() -> None:
    assert type(npv(0.1, [-100, 110])) is float


def test_npv_of_one_rate_and_many_scenarios_has_one_value_per_scenario() -> None:
    flows = [[-100, 110], [-100, 121]]
    # -100 + 110 / 1.1 = 0;  -100 + 121 / 1.1 = 10
    np.testing.assert_allclose(npv(0.1, flows), [0.0, 10.0], atol=1e-12)


def test_npv_of_100_out_now_and_110_back_in_a_year_at_10_percent_is_zero() -> None:
    # -100 + 110 / 1.10 = -100 + 100 = 0
    assert npv(0.10, [-100, 110]) == pytest.approx(0.0, abs=1e-12)


def test_spreadsheet_npv_is_npv_with_a_leading_zero_period() -> None:
    # Spreadsheet NPV(10%, 110, 121) discounts its first value by one period:
    # 110 / 1.1 + 121 / 1.21 = 100 + 100 = 200; npv(0.1, [0, 110, 121]) is the same sum.
    assert npv(0.10, [0, 110, 121]) == pytest.approx(200.0, rel=1e-12)
    # while npv(0.1, [110, 121]) does not discount the 110: 110 + 121 / 1.1 = 220
    assert npv(0.10, [110, 121]) == pytest.approx(220.0, rel=1e-12)


@given(
    rate=st.floats(-0.9, 5.0, allow_subnormal=False),
    flows=st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=30),
)
def test_npv_equals_numpy_financial_npv(rate: float, flows: list[float]) -> None:
    scale = sum(abs(c) / (1 + rate) ** t for t, c in enumerate(flows))
    assert npv(rate, flows) == pytest.approx(npf.npv(rate, flows), rel=1e-12, abs=1e-12 * scale)


@given(
    first=st.floats(-1e6, -1.0, allow_subnormal=False),
    later=st.lists(st.floats(1.0, 1e6, allow_subnormal=False), min_size=1, max_size=20),
)
def test_npv_strictly_decreases_as_the_rate_rises_for_invest_then_earn_flows(
    first: float, later: list[float]
) -> None:
    rates = np.linspace(-0.9, 5.0, 60)
    values = npv(rates, [first, *later])
    assert np.all(np.diff(values) < 0)


@given(
    rate=st.floats(-0.9, 5.0, allow_subnormal=False),
    factor=st.floats(-1e3, 1e3, allow_subnormal=False),
    flows=st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=20),
)
def test_npv_scales_linearly_with_the_cash_flows(
    rate: float, factor: float, flows: list[float]
) -> None:
    scale = sum(abs(factor * c) / (1 + rate) ** t for t, c in enumerate(flows))
    scaled = npv(rate, [factor * c for c in flows])
    # below ~1e-300 products underflow into subnormals and lose relative precision
    tolerance = max(1e-12 * scale, 1e-300)
    assert scaled == pytest.approx(factor * npv(rate, flows), rel=1e-12, abs=tolerance)


# --------------------------------------------------------------------------- IRR


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-150000, 15000, 25000, 35000, 45000, 60000], 0.0524),
        ([-100, 0, 0, 74], -0.0955),
        ([-100, 39, 59, 55, 20], 0.28095),
        ([-100, 100, 0, 7], 0.06206),
    ],
)
def test_irr_matches_numpy_financial_basic_values_with_one_root_nf4(
    flows: list[float], expected: float
) -> None:
    rate = irr(flows)
    assert_close(rate, expected, rtol=1e-2)
    # numpy-financial 1.0.0 is right on these single-root cases: agree to machine precision.
    assert_close(rate, npf.irr(flows), rtol=1e-10)


@pytest.mark.parametrize(
    ("flows", "expected", "others"),
    [
        # -100 + 100x - 7x^3 = 0 with x = 1/(1+r) also has r = -67.9 %.
        ([-100, 100, 0, -7], -0.0833, [-0.6789]),
        # -5 + 10.5x + x^2 - 8x^3 + x^4 also has r = -87.0 % and r = 71.0 %.
        ([-5, 10.5, 1, -8, 1], 0.0886, [-0.8702, 0.7096]),
        # numpy-financial's test_trailing_zeros: the same flows padded with zeros.
        ([-5, 10.5, 1, -8, 1, 0, 0, 0], 0.0886, [-0.8702, 0.7096]),
    ],
)
def test_nf4_cases_with_several_roots_raise_and_carry_the_expected_root(
    flows: list[float], expected: float, others: list[float]
) -> None:
    with pytest.raises(IrrError) as caught:
        irr(flows)
    assert caught.value.status is IrrStatus.MULTIPLE_ROOTS
    np.testing.assert_allclose(sorted([expected, *others]), caught.value.roots, rtol=1e-2)
    # Narrowing the search range to the plausible region picks the published value.
    assert_close(irr(flows, low=-0.5, high=0.5), expected, rtol=1e-2)
    assert_close(irr(flows, low=-0.5, high=0.5), npf.irr(flows), rtol=1e-10)


def test_irr_of_gh_39_reports_twelve_percent_which_numpy_financial_misses_nf5() -> None:
    # numpy-financial 1.0.0 returns -1.81 %, the root closest to zero; the series has two.
    with pytest.raises(IrrError) as caught:
        irr(GH_39)
    assert caught.value.status is IrrStatus.MULTIPLE_ROOTS
    low_root, high_root = caught.value.roots
    assert_close(high_root, 0.12, rtol=1e-7)
    assert_close(low_root, npf.irr(GH_39), rtol=1e-9)
    assert_close(irr(GH_39, low=0.0), 0.12, rtol=1e-7)


def test_irr_of_gh_44_reports_the_google_sheets_value_nf6() -> None:
    # numpy-financial 1.0.0 returns -99.98 %, the other root.
    assert_close(irr_roots(GH_44)[-1], 1.00426, rtol=1e-4)
    assert_close(irr(GH_44, low=0.0), 1.00426, rtol=1e-4)
    with pytest.raises(IrrError, match="2 internal rates of return"):
        irr(GH_44)


@pytest.mark.parametrize("flows", [[1, 2, 3], [-1, -2, -3]])
def test_irr_of_flows_that_never_change_sign_raises_no_root_nf7(flows: list[float]) -> None:
    # numpy-financial returns NaN here (test_numpy_gh_6744); we raise a typed error.
    with pytest.raises(IrrError, match="never change sign") as caught:
        irr(flows)
    assert caught.value.status is IrrStatus.NO_ROOT
    assert caught.value.roots == ()


def test_irr_of_a_matrix_flags_rows_that_never_change_sign_instead_of_raising_nf7() -> None:
    result = irr([[1, 2, 3], [-1, -2, -3], [-100, 110, 0]])
    assert isinstance(result, IrrResult)
    assert list(result.status) == [IrrStatus.NO_ROOT, IrrStatus.NO_ROOT, IrrStatus.OK]
    assert np.isnan(result.rate[:2]).all()
    assert_close(result.rate[2], 0.10, rtol=1e-12)


def test_irr_of_a_flow_with_rates_10_and_20_percent_raises_with_both() -> None:
    # -100 + 230x - 132x^2 = 0 with x = 1/(1+r): x = (230 +- sqrt(230^2 - 4*132*100)) / 264
    # = (230 +- 10) / 264, i.e. x = 1/1.1 or 1/1.2: r = 10 % or 20 %.
    with pytest.raises(IrrError) as caught:
        irr([-100, 230, -132])
    assert caught.value.status is IrrStatus.MULTIPLE_ROOTS
    np.testing.assert_allclose(caught.value.roots, [0.10, 0.20], rtol=1e-12)
    assert str(caught.value) == (
        "cash flows have 2 internal rates of return in (-100%, 1000%]: 10.00%, 20.00%; "
        "use mirr() or irr_roots(), or narrow low/high"
    )
    assert isinstance(caught.value, ValueError)


def test_irr_roots_lists_every_root_in_ascending_order() -> None:
    np.testing.assert_allclose(irr_roots([-100, 230, -132]), (0.10, 0.20), rtol=1e-12)
    assert irr_roots([1, 2, 3]) == ()
    assert irr_roots([-100, 230, -132], low=0.15) == pytest.approx((0.20,), rel=1e-12)


def test_irr_of_100_out_and_110_back_is_10_percent() -> None:
    # -100 + 110 / (1 + r) = 0  =>  r = 0.10
    assert_close(irr([-100, 110]), 0.10, rtol=1e-12)


def test_irr_of_100_out_and_121_back_two_years_later_is_10_percent() -> None:
    # -100 + 121 / (1 + r)^2 = 0  =>  (1 + r)^2 = 1.21  =>  r = 0.10
    assert_close(irr([-100, 0, 121]), 0.10, rtol=1e-12)


def test_irr_ignores_leading_and_trailing_zero_periods_apart_from_timing() -> None:
    # Leading zeros shift every flow by the same number of periods: the rate is unchanged.
    assert_close(irr([0, 0, -100, 110, 0, 0]), 0.10, rtol=1e-12)


def test_irr_finds_a_double_root_where_the_npv_touches_zero() -> None:
    # -100 + 200x - 100x^2 = -100 (1 - x)^2 <= 0, zero only at x = 1 (r = 0): one root.
    assert irr([-100, 200, -100]) == pytest.approx(0.0, abs=1e-9)
    assert irr([[-100, 200, -100]]).rate[0] == pytest.approx(0.0, abs=1e-9)


def test_irr_finds_two_roots_closer_than_the_grid_spacing() -> None:
    # -1 + 2.2x - 1.2099999x^2: discriminant 2.2^2 - 4 * 1.2099999 = 4e-7 > 0, so two roots
    # x = (2.2 +- 6.32e-4) / 2.4199998, r = 1/x - 1 = 9.968 % and 10.032 %.
    flows = [-1, 2.2, -1.2099999]
    np.testing.assert_allclose(irr_roots(flows), [0.0996838, 0.1003162], rtol=1e-6)
    assert irr([flows]).status[0] == IrrStatus.MULTIPLE_ROOTS


def test_irr_of_a_root_outside_the_search_range_says_so() -> None:
    # -1 + 20 / (1 + r) = 0  =>  r = 19 (1900 %), beyond the default 1000 %.
    with pytest.raises(IrrError, match=r"no internal rate of return in \(-100%, 1000%\]"):
        irr([-1, 20])
    assert_close(irr([-1, 20], high=25.0), 19.0, rtol=1e-12)


def test_irr_of_a_matrix_never_returns_nan_without_a_non_ok_status() -> None:
    rows = [[-100, 110, 0], [1, 2, 3], [-100, 230, -132], [-100, 200, -100], [0, -1, 20]]
    result = irr(rows)
    assert result.status.dtype == np.int8
    assert list(result.status) == [0, 1, 2, 0, 1]
    assert np.array_equal(np.isnan(result.rate), result.status != IrrStatus.OK)


def test_numpy_financial_is_not_used_for_results() -> None:
    # finance-cases.md: npf.irr 1.0.0 fails gh-39/gh-44, raises LinAlgError, is slow.
    package = Path(finance.__file__).parent
    sources = sorted(package.glob("*.py"))
    assert len(sources) > 1, "the finance package's modules were not found"
    for path in sources:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module or "")
        assert not {name for name in imported if name.startswith("numpy_financial")}, path.name


conventional_flows = st.tuples(
    st.floats(-1e6, -1.0, allow_subnormal=False),
    st.lists(st.floats(0.0, 1e6, allow_subnormal=False), min_size=1, max_size=15),
).map(lambda parts: [parts[0], *parts[1]])


@given(conventional_flows)
def test_npv_at_the_irr_is_zero_for_invest_then_earn_flows(flows: list[float]) -> None:
    # One sign change: exactly one rate above -100 %; keep cases where it is in range.
    assume(npv(DEFAULT_HIGH, flows) < 0 < npv(DEFAULT_LOW, flows))
    rate = irr(flows)
    scale = sum(abs(c) / (1 + rate) ** t for t, c in enumerate(flows))
    assert abs(npv(rate, flows)) <= 1e-9 * scale


@settings(deadline=None)
@given(st.lists(conventional_flows.map(lambda f: (f + [0.0] * 16)[:16]), min_size=1, max_size=40))
def test_irr_of_a_matrix_equals_irr_row_by_row_for_invest_then_earn_flows(
    rows: list[list[float]],
) -> None:
    result = irr(rows)
    for flows, rate, status in zip(rows, result.rate, result.status, strict=True):
        try:
            expected = irr(flows)
        except IrrError as error:
            assert status == error.status
            assert np.isnan(rate)
        else:
            assert status == IrrStatus.OK
            assert rate == pytest.approx(expected, rel=1e-10, abs=1e-12)


@settings(deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-100, 100).map(float), min_size=2, max_size=8).map(
            lambda f: (f + [0.0] * 8)[:8]
        ),
        min_size=1,
        max_size=40,
    )
)
def test_irr_of_a_matrix_equals_irr_row_by_row_for_any_flows(rows: list[list[float]]) -> None:
    result = irr(rows)
    for flows, rate, status in zip(rows, result.rate, result.status, strict=True):
        try:
            expected = irr(flows)
        except IrrError as error:
            assert status == error.status
            assert np.isnan(rate)
        else:
            assert status == IrrStatus.OK
            assert rate == pytest.approx(expected, rel=1e-8, abs=1e-8)


@settings(deadline=None)
@given(
    conventional=st.lists(conventional_flows.map(lambda f: (f + [0.0] * 6)[:6]), max_size=10),
    positive=st.lists(
        st.lists(st.floats(0.0, 1e6, allow_subnormal=False), min_size=6, max_size=6), max_size=10
    ),
    pairs=st.lists(
        st.tuples(
            st.floats(-0.5, 2.0, allow_subnormal=False),
            st.floats(0.05, 2.0, allow_subnormal=False),
            st.floats(1.0, 1e6, allow_subnormal=False),
        ),
        max_size=10,
    ),
)
def test_irr_of_a_matrix_gives_each_kind_of_row_its_status(
    conventional: list[list[float]],
    positive: list[list[float]],
    pairs: list[tuple[float, float, float]],
) -> None:
    rows, expected = [], []
    for flows in conventional:
        if npv(DEFAULT_HIGH, flows) < 0 < npv(DEFAULT_LOW, flows):
            rows.append(flows)
            expected.append(IrrStatus.OK)
    for flows in positive:  # never changes sign
        rows.append(flows)
        expected.append(IrrStatus.NO_ROOT)
    for r1, gap, scale in pairs:
        # -scale (x - x1)(x - x2) with x = 1/(1+r) has exactly the rates r1 and r1 + gap.
        x1, x2 = 1 / (1 + r1), 1 / (1 + r1 + gap)
        rows.append([-scale * x1 * x2, scale * (x1 + x2), -scale, 0.0, 0.0, 0.0])
        expected.append(IrrStatus.MULTIPLE_ROOTS)
    assume(rows)
    result = irr(rows)
    assert list(result.status) == expected
    assert np.array_equal(np.isnan(result.rate), result.status != IrrStatus.OK)


@given(st.lists(st.integers(-100, 100).map(float), min_size=2, max_size=10))
def test_every_reported_root_zeroes_the_npv(flows: list[float]) -> None:
    roots = irr_roots(flows)
    assert list(roots) == sorted(roots)
    for rate in roots:
        assert DEFAULT_LOW <= rate <= DEFAULT_HIGH
        scale = sum(abs(c) / (1 + rate) ** t for t, c in enumerate(flows))
        # a root of multiplicity m is only determined to about eps**(1/m)
        assert abs(npv(rate, flows)) <= 1e-7 * scale


# --------------------------------------------------------------------------- MIRR


@pytest.mark.parametrize(
    ("flows", "finance_rate", "reinvest_rate", "expected"),
    [
        ([-4500, -800, 800, 800, 600, 600, 800, 800, 700, 3000], 0.08, 0.055, 0.0666),
        ([-120000, 39000, 30000, 21000, 37000, 46000], 0.10, 0.12, 0.126094),
        ([100, 200, -50, 300, -200], 0.05, 0.06, 0.3428),
    ],
)
def test_mirr_matches_numpy_financial_test_values_nf8(
    flows: list[float], finance_rate: float, reinvest_rate: float, expected: float
) -> None:
    value = mirr(flows, finance_rate, reinvest_rate)
    assert value == pytest.approx(expected, abs=5e-5)
    assert_close(value, npf.mirr(flows, finance_rate, reinvest_rate), rtol=1e-12)


def test_mirr_of_flows_that_never_change_sign_raises_instead_of_nan_nf8() -> None:
    with pytest.raises(IrrError, match="never change sign") as caught:
        mirr([39000, 30000, 21000, 37000, 46000], 0.10, 0.12)
    assert caught.value.status is IrrStatus.NO_ROOT


def test_mirr_matches_the_numpy_financial_docstring_example_nf9() -> None:
    assert_close(mirr([-100, 50, -60, 70], 0.10, 0.12), -0.03909366594356467, rtol=1e-12)


def test_mirr_of_one_outflow_and_one_inflow_ignores_both_rates() -> None:
    # Gains 121 compounded to the end stay 121; costs 100 discounted to now stay 100:
    # MIRR = (121 / 100)^(1/2) - 1 = 0.10 whatever the finance and reinvestment rates.
    assert_close(mirr([-100, 0, 121], 0.03, 0.25), 0.10, rtol=1e-12)


def test_mirr_of_a_matrix_flags_rows_without_both_signs() -> None:
    result = mirr([[-100, 50, -60, 70], [1, 2, 3, 4]], 0.10, 0.12)
    assert list(result.status) == [IrrStatus.OK, IrrStatus.NO_ROOT]
    assert_close(result.rate[0], -0.03909366594356467, rtol=1e-12)
    assert np.isnan(result.rate[1])


# --------------------------------------------------------------------------- payback


def test_payback_of_1000_repaid_at_500_a_year_is_two_years() -> None:
    # cumulative: -1000, -500, 0 -> reaches 0 at the end of year 2: 1 + 500 / 500 = 2.0
    assert payback([-1000, 500, 500, 500]) == 2.0


def test_discounted_payback_at_10_percent_is_2_352_years() -> None:
    # discounted flows: -1000, 500/1.1 = 454.545, 500/1.21 = 413.223, 500/1.331 = 375.657
    # cumulative: -1000, -545.455, -132.231, +243.426 -> turns in year 3:
    # 2 + 132.231 / 375.657 = 2 + (1331 - 605 - 550) / 500 = 2 + 176 / 500 = 2.352
    assert payback([-1000, 500, 500, 500], rate=0.10) == pytest.approx(2.352, rel=1e-12)


def test_payback_interpolates_within_the_year_it_turns() -> None:
    # cumulative: -100, -40, +20 -> 1 + 40 / 60
    assert payback([-100, 60, 60]) == pytest.approx(1 + 40 / 60, rel=1e-12)


def test_payback_is_none_when_never_repaid_within_the_horizon() -> None:
    assert payback([-100, 10, 10]) is None


def test_payback_starts_counting_when_the_spending_starts() -> None:
    # Nothing happens in year 0; cumulative: 0, -100, -40, +20 -> 2 + 40 / 60
    assert payback([0, -100, 60, 60]) == pytest.approx(2 + 40 / 60, rel=1e-12)


def test_payback_of_flows_never_under_water_is_zero() -> None:
    assert payback([5, 1, 1]) == 0.0


def test_payback_of_a_matrix_marks_never_with_nan() -> None:
    result = payback([[-1000, 500, 500, 500], [-100, 10, 10, 10], [0, -100, 60, 60]])
    np.testing.assert_allclose(result, [2.0, np.nan, 2 + 40 / 60], rtol=1e-12)


@given(
    flows=st.tuples(
        st.floats(-1e6, -1.0, allow_subnormal=False),
        st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), max_size=15),
    ).map(lambda parts: [parts[0], *parts[1]]),
    rate=st.one_of(st.none(), st.floats(-0.5, 1.0, allow_subnormal=False)),
)
def test_payback_exists_exactly_when_the_cumulative_flows_reach_zero(
    flows: list[float], rate: float | None
) -> None:
    discounted = np.asarray(flows) / (1.0 + (rate or 0.0)) ** np.arange(len(flows))
    cumulative = np.cumsum(discounted)
    result = payback(flows, rate)
    assert (result is not None) == bool((cumulative >= 0).any())
    if result is not None:
        turn = int(np.argmax(cumulative >= 0))
        assert turn - 1 <= result <= turn
        assert np.isclose(payback([flows], rate)[0], result, rtol=1e-12)


# --------------------------------------------------------------------------- XNPV / XIRR


def test_xirr_matches_the_microsoft_example() -> None:
    # The spreadsheet iterates "until the result is accurate within 0.000001 percent"
    # (same help page), so its printed 0.373362535 is good to about 1e-8.
    rate = xirr(MS_FLOWS, MS_DATES)
    assert_close(rate, 0.373362535, rtol=1e-8)
    assert abs(xnpv(rate, MS_FLOWS, MS_DATES)) < 1e-8


def test_xnpv_matches_the_microsoft_example() -> None:
    # days from 2008-01-01: 0, 60, 303, 411, 456; each flow / 1.09 ** (days / 365)
    assert xnpv(0.09, MS_FLOWS, MS_DATES) == pytest.approx(2086.6476, abs=5e-5)


def test_xnpv_accepts_dates_strings_and_datetime64_alike() -> None:
    as_dates = [dt.date.fromisoformat(d) for d in MS_DATES]
    as_datetime64 = np.array(MS_DATES, dtype="datetime64[D]")
    expected = xnpv(0.09, MS_FLOWS, MS_DATES)
    assert xnpv(0.09, MS_FLOWS, as_dates) == expected
    assert xnpv(0.09, MS_FLOWS, as_datetime64) == expected


def test_xnpv_on_dates_365_days_apart_equals_npv() -> None:
    # 2009 and 2010 have 365 days, so the year fractions are exactly 0, 1, 2.
    dates = ["2009-01-01", "2010-01-01", "2011-01-01"]
    assert xnpv(0.1, [-100, 0, 121], dates) == pytest.approx(npv(0.1, [-100, 0, 121]), abs=1e-12)


@given(conventional_flows)
def test_xirr_on_dates_365_days_apart_equals_irr(flows: list[float]) -> None:
    assume(npv(DEFAULT_HIGH, flows) < 0 < npv(DEFAULT_LOW, flows))
    dates = np.datetime64("2001-01-01") + 365 * np.arange(len(flows))
    assert xirr(flows, dates) == pytest.approx(irr(flows), rel=1e-9, abs=1e-12)


def test_xirr_of_a_matrix_shares_the_dates_and_flags_rows() -> None:
    result = xirr([MS_FLOWS, [1, 2, 3, 4, 5]], MS_DATES)
    assert list(result.status) == [IrrStatus.OK, IrrStatus.NO_ROOT]
    assert_close(result.rate[0], 0.373362535, rtol=1e-8)


def test_xirr_accepts_later_dates_in_any_order() -> None:
    order = [0, 3, 1, 4, 2]
    flows = [MS_FLOWS[i] for i in order]
    dates = [MS_DATES[i] for i in order]
    assert_close(xirr(flows, dates), 0.373362535, rtol=1e-8)


def test_dated_flows_must_not_precede_the_first_date() -> None:
    with pytest.raises(FinanceInputError, match=r"dates\[1\] \(2007-12-31\) precedes"):
        xnpv(0.1, [-100, 110], ["2008-01-01", "2007-12-31"])


def test_dated_flows_need_one_date_per_flow() -> None:
    with pytest.raises(FinanceInputError, match="dates has 1 entries but cash_flows has 2"):
        xirr([-100, 110], ["2008-01-01"])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("flows", [[], [[]]])
def test_empty_cash_flows_are_rejected_with_a_one_line_message(flows: list) -> None:
    with pytest.raises(FinanceInputError) as caught:
        npv(0.1, flows)
    assert str(caught.value) == "cash_flows is empty; give at least two periods"


def test_a_rate_of_minus_100_percent_or_less_is_rejected() -> None:
    with pytest.raises(FinanceInputError) as caught:
        npv(-1.5, [-100, 110])
    assert str(caught.value) == "discount rate must be > -100% (got -150.00%)"
    with pytest.raises(FinanceInputError, match="must be > -100%"):
        payback([-100, 110], rate=-1.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_cash_flows_are_rejected(bad: float) -> None:
    with pytest.raises(FinanceInputError, match=r"non-finite value .* at index 1"):
        irr([-100, bad, 110])
    with pytest.raises(FinanceInputError, match=r"at index \(1, 0\)"):
        irr([[-100, 110], [bad, 1]])


def test_ragged_rows_are_rejected_with_a_hint_to_pad() -> None:
    with pytest.raises(FinanceInputError, match="pad shorter rows with trailing zeros"):
        irr([[-100, 110], [-100, 50, 60]])


def test_irr_needs_at_least_two_periods() -> None:
    with pytest.raises(FinanceInputError, match="has 1 period"):
        irr([-100])


def test_the_search_range_must_be_ordered() -> None:
    with pytest.raises(FinanceInputError, match="low must be below high"):
        irr([-100, 110], low=0.5, high=0.2)


def test_every_error_is_a_value_error_with_a_single_line_message() -> None:
    for call in (
        lambda: npv(0.1, []),
        lambda: npv(-2, [1]),
        lambda: irr([1, 2]),
        lambda: irr([-100, 230, -132]),
        lambda: mirr([1, 2], 0.1, 0.1),
        lambda: xirr([-1, 2], ["2008-01-01", "2007-01-01"]),
    ):
        with pytest.raises(ValueError) as caught:
            call()
        assert "\n" not in str(caught.value)
