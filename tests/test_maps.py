"""Empirical maps against slow references: tests/naive_maps.py, SciPy, and MIT's own definition."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import gaussian_filter

from salbench.datasets import density_map, fixation_map, load
from salbench.datasets import _gauss
from salbench.datasets._kernels import splat_separable
from salbench.datasets.maps import mit_blur, mit_effective_sigma, mit_padded_size
from salbench.exceptions import DegenerateInputWarning, InputError

from _datasets_support import SHARED_DATASETS
from naive_maps import naive_antonio_gaussian, naive_fixation_map, naive_gaussian_density


@st.composite
def image_fixations(draw, max_side=40, max_fix=25):
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    k = draw(st.integers(1, max_fix))
    # include exact integers and values just below the border
    def coord(limit):
        return st.one_of(st.floats(0, limit, exclude_max=True, allow_nan=False),
                         st.integers(0, limit - 1).map(float), st.just(np.nextafter(limit, 0)))
    x = draw(st.lists(coord(w), min_size=k, max_size=k))
    y = draw(st.lists(coord(h), min_size=k, max_size=k))
    return (h, w), np.array(x), np.array(y)


@given(image_fixations())
@settings(max_examples=80, deadline=None)
def test_fixation_map_matches_the_loop(case):
    shape, x, y = case
    np.testing.assert_array_equal(fixation_map((x, y), shape), naive_fixation_map(x, y, shape))
    np.testing.assert_array_equal(fixation_map((x, y), shape, kind="binary"),
                                  naive_fixation_map(x, y, shape, binary=True))


@given(image_fixations(max_side=25, max_fix=10), st.floats(0.3, 12))
@settings(max_examples=60, deadline=None)
def test_gaussian_density_matches_the_pixel_by_pixel_reference(case, sigma):
    shape, x, y = case
    mine = density_map((x, y), shape, sigma=sigma, normalize="none")
    ref = naive_gaussian_density(x, y, shape, sigma)
    np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)


@given(image_fixations(max_side=50), st.floats(0.2, 30),
       st.sampled_from(["reflect", "constant", "nearest", "wrap", "mirror"]))
@settings(max_examples=80, deadline=None)
def test_gaussian_density_equals_scipy_gaussian_filter(case, sigma, mode):
    shape, x, y = case
    counts = naive_fixation_map(x, y, shape)
    mine = density_map((x, y), shape, sigma=sigma, mode=mode, normalize="none")
    np.testing.assert_allclose(mine, gaussian_filter(counts, sigma, mode=mode), rtol=1e-12, atol=1e-15)


@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 60), st.floats(0.3, 8), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_splat_kernel_matches_dense_outer_products(h, w, k, sigma, seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, h, k), rng.integers(0, w, k)
    weights = rng.uniform(0.1, 3, k)
    pr, pc, pw = _gauss.unique_pixels(rows, cols, w, weights)
    ur, ri = np.unique(pr, return_inverse=True)
    uc, ci = np.unique(pc, return_inverse=True)
    wy = _gauss.source_weights(h, ur, sigma)
    wx = _gauss.source_weights(w, uc, sigma * 1.7)
    lo_y, hi_y = _gauss._support(wy)
    lo_x, hi_x = _gauss._support(wx)
    out = np.zeros((h, w))
    splat_separable(out, ri.astype(np.int64), ci.astype(np.int64), pw, wy, lo_y, hi_y, wx, lo_x, hi_x)
    expected = sum(c * np.outer(wy[i], wx[j]) for i, j, c in zip(ri, ci, pw))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


def test_dense_and_splat_paths_agree_on_a_crowded_map():
    # 3000 fixations on 60x80 with sigma 9: the dense (BLAS) path is chosen
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 80, 3000), rng.uniform(0, 60, 3000)
    counts = naive_fixation_map(x, y, (60, 80))
    np.testing.assert_allclose(density_map((x, y), (60, 80), sigma=9, normalize="none"),
                               gaussian_filter(counts, 9, mode="reflect"), rtol=1e-11, atol=1e-13)


@given(image_fixations(max_side=70, max_fix=12), st.floats(0.4, 15))
@settings(max_examples=50, deadline=None)
def test_mit_blur_matches_the_matlab_transliteration(case, sigma):
    shape, x, y = case
    binary = naive_fixation_map(x, y, shape, binary=True)
    ref = naive_antonio_gaussian(binary, sigma)
    mine = density_map((x, y), shape, sigma=sigma, method="mit", normalize="none")
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-13 * np.abs(ref).max())


def test_mit_blur_of_a_dense_map():
    rng = np.random.default_rng(0)
    image = rng.random((33, 47))
    np.testing.assert_allclose(mit_blur(image, 3.0), naive_antonio_gaussian(image, 3.0),
                               atol=1e-13 * 33 * 47)


def test_mit_effective_sigma_depends_on_the_padded_power_of_two():
    assert mit_padded_size((600, 800)) == 1024 and mit_padded_size((256, 256)) == 256
    assert mit_padded_size((3, 5)) == 8 and mit_padded_size((257, 100)) == 512
    assert mit_effective_sigma((600, 800), 10) == pytest.approx(12.8)
    for shape in [(600, 800), (512, 512)]:
        h, w = shape
        d = density_map(([w / 2], [h / 2]), shape, sigma=10, method="mit")
        cols = np.arange(w) + 0.5
        marginal = d.sum(axis=0)
        std = np.sqrt(np.sum(marginal * (cols - np.sum(marginal * cols)) ** 2))
        assert std == pytest.approx(mit_effective_sigma(shape, 10), rel=1e-3)


def test_options_and_units():
    x, y = np.array([3.2, 10.0, 10.5]), np.array([4.0, 7.0, 7.9])
    in_degrees = density_map((x, y), (20, 30), sigma=0.25, pixels_per_degree=8)
    np.testing.assert_allclose(in_degrees, density_map((x, y), (20, 30), sigma=2.0))
    assert density_map((x, y), (20, 30), sigma=2).sum() == pytest.approx(1.0)
    assert density_map((x, y), (20, 30), sigma=2, normalize="max").max() == pytest.approx(1.0)
    once = density_map((x, y), (20, 30), sigma=2, repeats="once", normalize="none")
    assert once.sum() == pytest.approx(2.0)  # (10.0, 7.0) and (10.5, 7.9) share a pixel
    with pytest.warns(DegenerateInputWarning, match="no fixations"):
        empty = density_map(([], []), (5, 5), sigma=1)
    assert np.isnan(empty).all()
    assert (density_map(([], []), (5, 5), sigma=1, normalize="none") == 0).all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(fixations=([5.0], [1.0]), shape=(4, 5), sigma=1), r"fixation 0 has x = 5.0, outside the image"),
    (dict(fixations=([1.0], [1.0]), shape=(4, 5), sigma=0), r"sigma must be a positive number"),
    (dict(fixations=([1.0], [1.0]), shape=(4, 5), sigma=1, method="fft"), r"method must be one of"),
    (dict(fixations=([1.0], [1.0]), shape=(4,), sigma=1), r"shape must be \(height, width\)"),
    (dict(fixations=[1.0, 2.0, 3.0], shape=(4, 5), sigma=1), r"an \(x, y\) pair"),
])
def test_bad_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        density_map(**kwargs)


def test_real_osie_map_equals_scipy():
    ds = load("osie", root=SHARED_DATASETS)
    item = ds[17]
    counts = fixation_map(item.fixations, item.shape)
    assert counts.sum() == len(item.fixations)
    np.testing.assert_allclose(
        density_map(item.fixations, item.shape, sigma=1.0, pixels_per_degree=ds.facts.pixels_per_degree,
                    normalize="none"),
        gaussian_filter(counts, 24.0, mode="reflect"), rtol=1e-10, atol=1e-15)
    with pytest.raises(InputError, match="several images"):
        density_map(ds.fixations, item.shape, sigma=24)


@given(st.integers(1, 80), st.floats(0.2, 60), st.sampled_from(["reflect", "constant", "nearest", "wrap", "mirror"]),
       st.booleans())
@settings(max_examples=80, deadline=None)
def test_axis_weight_matrices_equal_scipy_filtering_of_impulses(n, sigma, mode, reuse):
    from scipy.ndimage import gaussian_filter1d

    reference = gaussian_filter1d(np.eye(n), sigma, axis=0, mode=mode)
    rng = np.random.default_rng(n)
    targets, sources = rng.integers(0, n, 7), rng.integers(0, n, 5)
    weights = _gauss.pair_weights(n, targets, sources, sigma, mode=mode, reuse=reuse)
    assert (weights >= 0).all()  # a weight is a kernel mass: never a negative rounding residue
    np.testing.assert_allclose(weights, reference[np.ix_(targets, sources)], rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(_gauss.source_weights(n, sources, sigma, mode=mode),
                               reference[:, sources].T, rtol=1e-12, atol=1e-16)
