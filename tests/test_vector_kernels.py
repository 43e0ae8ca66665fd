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

from salbench.metrics._kernels import ranking
from salbench.metrics._kernels.distinct import (
    distinct_pixels,
    distinct_sorted,
    distinct_with_inverse,
)
from salbench._coordinates import flat_pixels
from salbench.metrics._kernels.vector_exp import (
    CHUNK,
    OVERFLOW,
    X_MAX,
    X_MIN,
    exp_into,
    sum_exp,
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
