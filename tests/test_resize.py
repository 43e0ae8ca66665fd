"""Tests for salbench.metrics.resize (MATLAB-compatible imresize)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench.exceptions import InputError
from salbench.metrics.resize import resize_map
from tests.naive_resize import naive_resize

METHODS = ["mit", "bilinear", "nearest", "area"]


# ------------------------------------------------------------------ hand-computable cases


def test_bicubic_weights_for_half_scale_are_keys_kernel_stretched_by_two():
    # Shrinking by 2, an output pixel sits half-way between two inputs, so its 8 taps are at
    # distances 0.5, 1.5, 2.5, 3.5 and get 0.5 * cubic(d / 2): 0.43359375, 0.11328125,
    # -0.03515625, -0.01171875 (exact binary fractions). An impulse picks out one tap each.
    impulse = np.zeros((1, 16))
    impulse[0, 7] = 1.0  # 1-based column 8
    out = resize_map(impulse, (1, 8))
    expected = [0.0, 0.0, -0.03515625, 0.43359375, 0.11328125, -0.01171875, 0.0, 0.0]
    assert out.shape == (1, 8)
    assert out[0].tolist() == expected


def test_bicubic_upsampling_by_two_at_the_left_edge_mirrors_the_border():
    # [1 2] enlarged to 4 samples: the first output sits at 1-based u = 0.75; its taps
    # (distances 1.75, 0.75, 0.25, 1.25) read the mirrored row 2 1 | 1 2 | 2 1, so
    # -0.0234375*2 + 0.2265625*1 + 0.8671875*1 - 0.0703125*2 = 0.90625.
    out = resize_map(np.array([[1.0, 2.0]]), (1, 4))
    assert out[0, 0] == 0.90625
    assert out[0, 3] == 3.0 - 0.90625  # mirror image of the first sample
    # second sample, u = 1.25: taps 0..3 at distances 1.25, 0.25, 0.75, 1.75 read 1 1 2 2:
    # -0.0703125 + 0.8671875 + 2 * (0.2265625 - 0.0234375) = 1.203125
    assert out[0, 1] == 1.203125
    assert out[0, 2] == 3.0 - 1.203125


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", [(3, 5), (12, 20), (40, 7), (1, 1)])
def test_constant_map_stays_constant(method, shape):
    m = np.full((9, 13), 0.37)
    out = resize_map(m, shape, method=method)
    assert out.shape == shape
    np.testing.assert_allclose(out, 0.37, rtol=1e-14, atol=0)


@pytest.mark.parametrize("method", ["mit", "bilinear"])
@pytest.mark.parametrize("factor", [2, 4])
def test_linear_ramp_is_reproduced_away_from_the_border(method, factor):
    # Keys' kernel and the triangle reproduce linear functions; with integer factors the stretched
    # kernel does too. Output pixel x (1-based) samples the ramp at u = x/s + 0.5(1 - 1/s).
    n = 64
    rows, cols = np.mgrid[1:n + 1, 1:n + 1].astype(float)
    ramp = 0.5 + 2.0 * rows - 3.0 * cols
    for scale in (factor, 1 / factor):
        out = resize_map(ramp, scale=scale, method=method)
        x = np.arange(1, out.shape[0] + 1)
        u = x / scale + 0.5 * (1 - 1 / scale)
        expected = 0.5 + 2.0 * u[:, None] - 3.0 * u[None, :]
        margin = 4 * factor  # taps reach at most 2 * width / scale input pixels
        inner = slice(margin, out.shape[0] - margin)
        np.testing.assert_allclose(out[inner, inner], expected[inner, inner], rtol=0, atol=1e-11)


def test_area_is_a_block_mean_for_integer_factors_and_keeps_mass():
    rng = np.random.default_rng(3)
    m = rng.random((12, 18))
    out = resize_map(m, (4, 6), method="area")
    np.testing.assert_allclose(out, m.reshape(4, 3, 6, 3).mean(axis=(1, 3)), rtol=1e-14)
    up = resize_map(m, (24, 36), method="area")
    np.testing.assert_array_equal(up, np.repeat(np.repeat(m, 2, 0), 2, 1))


def test_nearest_copies_input_pixels():
    m = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(resize_map(m, (8, 10), method="nearest"),
                                  np.repeat(np.repeat(m, 2, 0), 2, 1))
    # shrinking by 2: output x takes input floor(2x - 0.5 + 0.5) = 2x (1-based) -> odd 0-based
    np.testing.assert_array_equal(resize_map(m, (2, 5), method="nearest"), m[[1, 3], :])


def test_identity_size_returns_an_equal_copy():
    m = np.random.default_rng(0).random((7, 9))
    for method in METHODS:
        out = resize_map(m, (7, 9), method=method)
        np.testing.assert_array_equal(out, m)
        assert out is not m


def test_mit_emd_downsize_shape():
    m = np.random.default_rng(1).random((768, 1024))
    assert resize_map(m, scale=1 / 32).shape == (24, 32)
    # ceil(300/32) = ceil(9.375), ceil(400/32) = ceil(12.5)
    assert resize_map(np.ones((300, 400)), scale=1 / 32).shape == (10, 13)


def test_scale_and_shape_differ_when_size_is_not_divisible():
    # imresize(A, 1/32) uses the kernel scale 1/32; imresize(A, [10 13]) uses 10/300 and 13/400.
    m = np.random.default_rng(2).random((300, 400))
    by_scale = resize_map(m, scale=1 / 32)
    by_shape = resize_map(m, (10, 13))
    assert by_scale.shape == by_shape.shape
    assert not np.allclose(by_scale, by_shape)
    np.testing.assert_allclose(by_scale, naive_resize(m, scale=1 / 32), rtol=1e-12, atol=1e-13)


def test_input_not_modified_and_integer_input_is_float():
    m = (np.arange(30) % 7).astype(np.uint8).reshape(5, 6)
    copy = m.copy()
    out = resize_map(m, (10, 12))
    np.testing.assert_array_equal(m, copy)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, resize_map(m.astype(float), (10, 12)), rtol=0, atol=0)


# Published MATLAB output: imresize(A, size(A)*2, 'bicubic') as printed (4 decimals) in MATLAB
# Answers question 1628 (2011). That release clamped out-of-range taps to the edge pixel; current
# releases mirror them. The two rules read the same pixels wherever the taps reach at most one
# pixel beyond the edge, which for this 2x enlargement is every output row/column but the first
# and last.
_ANSWERS_1628_INPUT = [[3, 1, 2, 6], [1, 5, 2, 7], [1, 3, 6, 2], [4, 1, 9, 2]]
_ANSWERS_1628_OUTPUT = [
    [3.3109, 2.6187, 1.1206, 0.7166, 1.4067, 2.8883, 5.1615, 6.2060],
    [2.6454, 2.4435, 2.0052, 1.7138, 1.5692, 2.8062, 5.4248, 6.6307],
    [1.2008, 2.0609, 3.9181, 3.8763, 1.9355, 2.6382, 5.9844, 7.5302],
    [0.4985, 1.6796, 4.2357, 4.6921, 3.0489, 3.2618, 5.3307, 6.2876],
    [0.5384, 1.2996, 2.9579, 4.1612, 4.9094, 4.6769, 3.4639, 2.9028],
    [1.5500, 1.6768, 1.9697, 3.5367, 6.3776, 6.1378, 2.8173, 1.2798],
    [3.5334, 2.8110, 1.2710, 2.8185, 7.4537, 7.6444, 3.3907, 1.4186],
    [4.4466, 3.3344, 0.9529, 2.4891, 7.9430, 8.3334, 3.6605, 1.4930],
]


def test_published_matlab_output_away_from_the_border():
    a = np.array(_ANSWERS_1628_INPUT, dtype=float)
    published = np.array(_ANSWERS_1628_OUTPUT)
    out = resize_map(a, (8, 8))
    np.testing.assert_allclose(out[1:7, 1:7], published[1:7, 1:7], rtol=0, atol=5e-5)
    # the outer ring differs because current MATLAB mirrors where the 2011 release clamped
    assert np.abs(out - published).max() > 0.05


def test_naive_reference_with_clamped_taps_reproduces_the_whole_published_output():
    a = np.array(_ANSWERS_1628_INPUT, dtype=float)
    np.testing.assert_allclose(naive_resize(a, shape=(8, 8), boundary="replicate"),
                               np.array(_ANSWERS_1628_OUTPUT), rtol=0, atol=5e-5)


# ------------------------------------------------------------------ symmetry


@pytest.mark.parametrize("method", ["mit", "bilinear", "area"])
def test_flip_and_transpose_commute_with_resizing(method):
    rng = np.random.default_rng(4)
    m = rng.random((16, 24))
    for shape in [(8, 12), (32, 48), (4, 6)]:
        out = resize_map(m, shape, method=method)
        np.testing.assert_allclose(resize_map(m[::-1, ::-1], shape, method=method),
                                   out[::-1, ::-1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(resize_map(m.T, shape[::-1], method=method), out.T,
                                   rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ against the slow reference


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 14), w=st.integers(1, 14),
    oh=st.integers(1, 20), ow=st.integers(1, 20),
    method=st.sampled_from(METHODS),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_naive_reference_by_shape(h, w, oh, ow, method, seed):
    m = np.random.default_rng(seed).normal(size=(h, w))
    np.testing.assert_allclose(resize_map(m, (oh, ow), method=method),
                               naive_resize(m, shape=(oh, ow), method=method),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 40), w=st.integers(1, 40),
    scale=st.sampled_from([1 / 32, 1 / 8, 1 / 3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0]),
    method=st.sampled_from(METHODS),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_naive_reference_by_scale(h, w, scale, method, seed):
    m = np.random.default_rng(seed).random((h, w))
    np.testing.assert_allclose(resize_map(m, scale=scale, method=method),
                               naive_resize(m, scale=scale, method=method),
                               rtol=1e-12, atol=1e-12)


def test_matches_naive_reference_for_emd_downsize_32():
    m = np.random.default_rng(5).random((96, 160))
    np.testing.assert_allclose(resize_map(m, scale=1 / 32), naive_resize(m, scale=1 / 32),
                               rtol=1e-12, atol=1e-13)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("bad_shape", [(0, 3), (2,), (2, 3, 4), (2.5, 3), "ab", (True, 2), 5])
def test_bad_shape_is_rejected(bad_shape):
    with pytest.raises(InputError, match="shape"):
        resize_map(np.ones((4, 4)), bad_shape)


@pytest.mark.parametrize("bad_scale", [0, -1.0, np.nan, np.inf, (1, 2, 3), "x"])
def test_bad_scale_is_rejected(bad_scale):
    with pytest.raises(InputError, match="scale"):
        resize_map(np.ones((4, 4)), scale=bad_scale)


def test_shape_and_scale_are_exclusive():
    with pytest.raises(InputError, match="exactly one"):
        resize_map(np.ones((4, 4)))
    with pytest.raises(InputError, match="exactly one"):
        resize_map(np.ones((4, 4)), (2, 2), scale=0.5)


def test_bad_map_and_method_are_rejected():
    with pytest.raises(InputError, match="method"):
        resize_map(np.ones((4, 4)), (2, 2), method="bicubic")
    with pytest.raises(InputError, match="2-D"):
        resize_map(np.ones(4), (2, 2))
    bad = np.ones((4, 4))
    bad[2, 1] = np.nan
    with pytest.raises(InputError, match="row 2, column 1"):
        resize_map(bad, (2, 2))
