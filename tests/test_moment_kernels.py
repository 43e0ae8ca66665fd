"""The blocked, pipelined moment kernels against an obviously correct two-pass reference.

The kernels read maps in blocks of ``BLOCK`` values and sum one block's deviations while the next
block streams in, so sizes around and across block boundaries (a short last block, a single
block, exact multiples) are what can go wrong; values with a large mean against their spread are
what a one-pass formula gets wrong.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.metrics._kernels.moments import (
    BLOCK,
    joint_moments,
    map_moments,
    pair_sum_min_max,
    sum_min_max,
)

SIZES = [1, 2, 7, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 3 * BLOCK - 5, 5 * BLOCK + 17]


def _reference(a):
    mean = math.fsum(a) / a.size
    return mean, math.fsum((a - mean) ** 2)


def _cross(a, b):
    mean_a, mean_b = math.fsum(a) / a.size, math.fsum(b) / b.size
    return math.fsum((a - mean_a) * (b - mean_b))


def _tolerance(offset, spread):
    return 1e-13 * max(1.0, abs(offset) / spread)


def _data(size, seed, offset, spread):
    rng = np.random.default_rng(seed)
    return offset + spread * rng.standard_normal(size)


@settings(max_examples=60, deadline=None)
@given(size=st.sampled_from(SIZES) | st.integers(1, 4 * BLOCK + 3), seed=st.integers(0, 2**31),
       offset=st.sampled_from([0.0, 1.0, -3.5, 1e8]), spread=st.sampled_from([1e-3, 1.0, 1e4]))
def test_map_moments_equal_two_pass_reference(size, seed, offset, spread):
    a = _data(size, seed, offset, spread)
    mean, m2, differs = map_moments(a)
    ref_mean, ref_m2 = _reference(a)
    assert mean == pytest.approx(ref_mean, rel=1e-14, abs=1e-14 * spread)
    # the problem's condition grows with |mean| / std; rounding the data's mean alone costs that
    assert m2 == pytest.approx(ref_m2, rel=_tolerance(offset, spread), abs=1e-12 * spread**2)
    assert differs == int(np.sum(a != a[0]))
    assert sum_min_max(a)[1:] == (a.min(), a.max())


@settings(max_examples=60, deadline=None)
@given(size=st.sampled_from(SIZES) | st.integers(1, 4 * BLOCK + 3), seed=st.integers(0, 2**31),
       offset=st.sampled_from([0.0, 2.0, 1e8]), coupling=st.floats(-1, 1))
def test_joint_moments_equal_two_pass_reference(size, seed, offset, coupling):
    a = _data(size, seed, offset, 1.0)
    b = coupling * (a - offset) + _data(size, seed + 1, -offset, 0.5)
    mean_a, mean_b, m2_a, m2_b, cross, differs_a, differs_b = joint_moments(a, b)
    for got, ref in ((mean_a, _reference(a)[0]), (mean_b, _reference(b)[0])):
        assert got == pytest.approx(ref, rel=1e-14, abs=1e-14)
    tol = _tolerance(offset, 0.5)
    assert m2_a == pytest.approx(_reference(a)[1], rel=tol)
    assert m2_b == pytest.approx(_reference(b)[1], rel=tol)
    assert cross == pytest.approx(_cross(a, b), rel=tol, abs=tol * math.sqrt(
        _reference(a)[1] * _reference(b)[1]))
    assert (differs_a, differs_b) == (int(np.sum(a != a[0])), int(np.sum(b != b[0])))
    total_a, lo_a, hi_a, total_b, lo_b, hi_b = pair_sum_min_max(a, b)
    assert (lo_a, hi_a, lo_b, hi_b) == (a.min(), a.max(), b.min(), b.max())
    assert total_a == pytest.approx(math.fsum(a), rel=1e-12, abs=1e-12 * size)
    assert total_b == pytest.approx(math.fsum(b), rel=1e-12, abs=1e-12 * size)


@pytest.mark.parametrize("size", SIZES)
def test_constant_arrays_are_recognised_exactly(size):
    # A block mean of 0.1s is not exactly 0.1, so m2 is tiny but need not be 0: "constant" is
    # decided by counting the values that differ from the first, which is exact.
    a = np.full(size, 0.1)
    mean, m2, differs = map_moments(a)
    assert differs == 0 and 0.0 <= m2 < 1e-28 * size
    moments = joint_moments(a, a)
    assert moments[5] == moments[6] == 0 and max(abs(v) for v in moments[2:5]) < 1e-28 * size
    if size > 1:
        b = a.copy()
        b[-1] = np.nextafter(0.1, 1.0)  # one ulp apart, anywhere (here the last, shortest block)
        assert map_moments(b)[2] == 1 and joint_moments(a, b)[6] == 1


def test_non_finite_values_surface_in_the_mean():
    a = np.ones(3 * BLOCK)
    a[BLOCK + 3] = np.nan
    assert np.isnan(map_moments(a)[0]) and np.isnan(sum_min_max(a)[0])
    a[BLOCK + 3] = np.inf
    assert not np.isfinite(map_moments(a)[0])
    assert not np.isfinite(joint_moments(np.ones(3 * BLOCK), a)[1])
