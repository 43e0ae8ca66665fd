"""The vectorised element-wise kernels against plain-Python references (tests/naive_kernels.py).

``sum_exp`` replaces a scalar ``exp`` per pixel in the log-density normalisation check; it must
stay within its documented error bound (1e-15 relative per value) over the whole range, pass NaN
through, and count ``-inf`` (probability 0) as nothing. ``flat_pixels`` validates and flattens
fixation coordinates in one pass; the AUC histogram rounds bucket positions through float bits.
"""

import math

import naive_kernels as naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.metrics._kernels import ranking, step_sum
from salbench.metrics._kernels.distinct import (
    distinct_pixels,
    distinct_sorted,
    distinct_with_inverse,
)
from salbench._coordinates import flat_pixels
from salbench.metrics._kernels.vector_exp import (
    CHECK_RELATIVE_ERROR,
    CHUNK,
    OVERFLOW,
    X_MAX,
    X_MIN,
    exp_check_into,
    exp_into,
    sum_exp,
    sum_exp_check,
)
from salbench.metrics._kernels.vector_log import logs_of

#: The documented bound of the vectorised exp (the largest error seen is one ulp, 2.2e-16).
EXP_RELATIVE_ERROR = 1e-15


def _exp(values):
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    exp_into(values, out)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(X_MIN, X_MAX), min_size=1, max_size=40))
def test_exp_is_within_its_error_bound(values):
    got = _exp(values)
    for v, g in zip(values, got):
        assert g == pytest.approx(math.exp(v), rel=EXP_RELATIVE_ERROR)


def test_exp_error_bound_on_a_dense_grid():
    # every reduced argument r in [-ln2/2, ln2/2] and every exponent k are visited
    x = np.concatenate([np.linspace(X_MIN, X_MAX, 400_001), np.linspace(-1, 1, 100_001),
                        np.arange(-1020, 1020) * math.log(2) / 2])
    relative = np.abs(_exp(x) / np.exp(x) - 1)
    assert relative.max() <= EXP_RELATIVE_ERROR


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-60, 5) | st.just(-math.inf), min_size=1, max_size=3 * CHUNK + 7))
def test_sum_exp_equals_the_plain_sum(values):
    expected = naive.sum_exp(values)
    assert sum_exp(np.array(values)) == pytest.approx(expected, rel=1e-13, abs=1e-300)


def test_sum_exp_special_values():
    assert sum_exp(np.array([-np.inf, -np.inf])) == pytest.approx(0.0, abs=1e-300)
    assert np.isnan(sum_exp(np.array([0.0, np.nan, 1.0])))
    # above the range: the mass is reported as at least OVERFLOW, never as a plausible number
    assert sum_exp(np.array([np.inf])) >= OVERFLOW
    assert sum_exp(np.array([0.0, 800.0])) >= OVERFLOW
    # below the range, a value counts as exp(-708) at most
    assert sum_exp(np.array([-1e300, 0.0])) == pytest.approx(1.0, abs=1e-300)
    # chunk boundaries: every length gives the plain sum
    for n in (1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3):
        a = np.linspace(-3, 1, n)
        assert sum_exp(a) == pytest.approx(naive.sum_exp(a), rel=1e-13)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(X_MIN, X_MAX), min_size=1, max_size=40))
def test_check_exp_is_within_its_error_bound(values):
    # the normalisation check's cheaper exp (degree 8) against math.exp, to its documented bound
    got = np.empty(len(values))
    exp_check_into(np.array(values), got)
    for v, g in zip(values, got):
        assert g == pytest.approx(math.exp(v), rel=CHECK_RELATIVE_ERROR)


def test_check_exp_error_bound_on_a_dense_grid():
    x = np.concatenate([np.linspace(X_MIN, X_MAX, 400_001), np.linspace(-1, 1, 100_001),
                        np.arange(-1020, 1020) * math.log(2) / 2])
    got = np.empty_like(x)
    exp_check_into(x, got)
    relative = np.abs(got / np.exp(x) - 1)
    assert relative.max() <= CHECK_RELATIVE_ERROR
    # the bound is not vacuous: the degree-8 polynomial is measurably less exact than sum_exp's
    assert relative.max() > 1e-11


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-60, 5) | st.just(-math.inf), min_size=1, max_size=3 * CHUNK + 7))
def test_sum_exp_check_equals_the_plain_sum(values):
    expected = naive.sum_exp(values)
    assert sum_exp_check(np.array(values)) == pytest.approx(expected, rel=CHECK_RELATIVE_ERROR,
                                                            abs=1e-300)


def test_sum_exp_check_special_values():
    assert sum_exp_check(np.array([-np.inf, -np.inf])) == pytest.approx(0.0, abs=1e-300)
    assert np.isnan(sum_exp_check(np.array([0.0, np.nan, 1.0])))
    assert sum_exp_check(np.array([np.inf])) >= OVERFLOW
    assert sum_exp_check(np.array([0.0, 800.0])) >= OVERFLOW


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-300, 1e300) | st.sampled_from([0.0, 5e-324, 1e-310, np.inf]),
                min_size=1, max_size=64))
def test_vector_log_equals_math_log(values):
    a = np.array(values)
    out = a.copy()
    logs_of(a, out)
    for v, got in zip(values, out):
        expected = -np.inf if v == 0 else (np.inf if v == np.inf else math.log(v))
        assert got == pytest.approx(expected, rel=1e-15, abs=1e-300)


coordinate = st.floats(-5, 40) | st.sampled_from([np.nan, np.inf, -np.inf, -0.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=30),
       st.integers(1, 30), st.integers(1, 30))
def test_flat_pixels_equal_reference(points, height, width):
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    flat = np.empty(len(points), dtype=np.int64)
    first_bad = flat_pixels(x, y, height, width, flat)
    expected, expected_bad = naive.flat_pixels(x, y, height, width)
    assert first_bad == expected_bad
    if first_bad < 0:
        assert flat.tolist() == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=12, unique=True),
       st.lists(st.integers(-2, 14) | st.just(99), min_size=1, max_size=3 * ranking.CHUNK + 5),
       st.sampled_from([1.0, 0.1, 1e-9, 3.7e12]))
def test_histogram_equals_reference(thresholds, values, unit):
    # small integer lattices scaled by a unit: many ties and values between thresholds
    w = np.sort(np.array(thresholds, dtype=np.float64)) * unit
    u = np.array(values, dtype=np.float64) * unit
    counts = np.zeros(2 * w.shape[0] + 1, dtype=np.int64)
    bad = ranking.histogram_all(u, w, *ranking.build_table(w), counts)
    assert bad == 0
    assert counts.tolist() == naive.histogram(u, w)


def test_histogram_counts_long_runs_of_one_slot():
    # a smooth map puts long runs of pixels into one slot: the histogram copies must add up
    w = np.array([0.25, 0.5, 0.75])
    u = np.repeat([0.1, 0.25, 0.6, 0.9], [1001, 3, 2050, 7])
    counts = np.zeros(7, dtype=np.int64)
    ranking.histogram_all(u, w, *ranking.build_table(w), counts)
    assert counts.tolist() == naive.histogram(u, w) == [1001, 3, 0, 0, 2050, 0, 7]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-4, 4).map(lambda k: k * 0.25) | st.floats(-1e3, 1e3),
                min_size=1, max_size=60))
def test_distinct_values_equal_reference(values):
    w, inverse = distinct_with_inverse(np.array(values))
    expected_w, expected_inverse = naive.distinct_with_inverse(values)
    assert w.tolist() == expected_w and inverse.tolist() == expected_inverse
    assert distinct_sorted(np.array(values)).tolist() == expected_w


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=80))
def test_distinct_pixels_equal_reference(flat):
    assert distinct_pixels(np.array(flat, dtype=np.int64)).tolist() == sorted(set(flat))


def test_streaming_update_returns_the_score_maps_values():
    import salbench.metrics as M

    rng = np.random.default_rng(3)
    maps = rng.random((5, 24, 32))
    refs = rng.random((5, 24, 32))
    x, y = rng.uniform(0, 32, 40), rng.uniform(0, 24, 40)
    n = np.repeat(np.arange(5), 8)
    names = ["auc", "sauc", "nss", "cc", "sim"]
    columns = M.StreamingScores(names).update(maps, x, y, n, reference_maps=refs)
    table = M.score_maps(maps, x, y, n, metrics=names, reference_maps=refs)
    for name in names + ["n_fixations"]:
        assert columns[name].tolist() == table[name].tolist()


def _step_sum(values, w, weights, alpha, beta):
    ok, *table = step_sum.step_table(w, np.asarray(weights, dtype=np.int64), alpha, beta)
    assert ok
    return step_sum.step_sum(values, w, *table, alpha, beta)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=12, unique=True),
       st.lists(st.integers(-2, 14) | st.just(99), min_size=1, max_size=3 * step_sum.CHUNK + 5),
       st.sampled_from([1.0, 0.1, 1e-9, 3.7e12]), st.data())
def test_step_sum_equals_reference(thresholds, values, unit, data):
    # ties between pixels and thresholds, values outside the thresholds' range, both forms of f
    w = np.sort(np.array(thresholds, dtype=np.float64)) * unit
    u = np.array(values, dtype=np.float64) * unit
    weights = data.draw(st.lists(st.integers(0, 30), min_size=len(w), max_size=len(w)))
    alpha, beta = data.draw(st.sampled_from([(2, 1), (1, 0)]))
    total, bad = _step_sum(u, w, weights, alpha, beta)
    assert bad == 0
    assert total == naive.step_sum(u, w, weights, alpha, beta)


def test_step_sum_thresholds_sharing_a_bucket():
    # thresholds one ulp apart share a bucket: those pixels are resolved by comparisons
    base = 0.3
    w = np.array([0.0, base, np.nextafter(base, 1), np.nextafter(np.nextafter(base, 1), 1), 1.0])
    ok, *table = step_sum.step_table(w, np.ones(5, dtype=np.int64), 2, 1)
    assert ok and (table[3] == -1).any()
    u = np.concatenate([np.repeat(w, 700), np.linspace(-0.5, 1.5, 3001)])
    assert step_sum.step_sum(u, w, *table, 2, 1)[0] == naive.step_sum(u, w, [1] * 5, 2, 1)


def test_step_sum_counts_non_finite_values_and_refuses_large_weights():
    w = np.array([0.25, 0.5])
    _, bad = _step_sum(np.array([0.1, np.nan, np.inf, -np.inf, 0.5]), w, [1, 1], 2, 1)
    assert bad == 3
    ok, *_ = step_sum.step_table(w, np.array([step_sum.MAX_WEIGHT + 1, 1]), 2, 1)
    assert not ok


def test_auc_with_many_fixations_on_one_value_takes_the_histogram_path():
    # more fixations on one pixel than the packed table holds: the exact histogram decides
    import salbench.metrics as M

    s = np.arange(12.0).reshape(3, 4)
    x = np.r_[np.full(step_sum.MAX_WEIGHT + 5, 1.5), 3.5]
    y = np.r_[np.full(step_sum.MAX_WEIGHT + 5, 0.5), 2.5]
    per_fixation = M.auc_per_fixation(s, x, y)
    assert M.auc(s, x, y) == pytest.approx(per_fixation.mean(), abs=1e-15)
    expected = ((step_sum.MAX_WEIGHT + 5) * 1.5 + 11.5) / (12 * x.shape[0])
    assert M.auc(s, x, y) == pytest.approx(expected, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=2, max_size=30), st.sampled_from([1.0, 0.1, 3e-7, 7e11]),
       st.sampled_from([-3.0, 0.0, 0.37]))
def test_raw_thresholds_reproduce_the_normalised_comparisons(levels, unit, offset):
    # AUC_Judd compares raw pixels with raw_thresholds: u >= x exactly when N(u) >= N(v)
    from salbench.metrics._kernels.mit import raw_thresholds

    raw = np.array(levels, dtype=np.float64) * unit + offset
    raw = np.concatenate([raw, np.nextafter(raw, np.inf), np.nextafter(raw, -np.inf)])
    minimum = raw.min()
    spread = raw.max() - minimum
    if not spread > 0:
        return
    normalised = (raw - minimum) / spread
    thresholds = raw_thresholds(raw, minimum, spread)
    for v, x in zip(raw, thresholds):
        target = (v - minimum) / spread
        assert ((raw >= x) == (normalised >= target)).all()
        assert (x - minimum) / spread >= target  # x itself qualifies ...
        below = np.nextafter(x, -np.inf)
        assert below < minimum or (below - minimum) / spread < target  # ... and nothing lower
