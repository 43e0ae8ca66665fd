"""MIT's sampled AUCs and InfoGain against slow references (tests/naive.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive
import salbench.metrics as M
from salbench.metrics._kernels import mit as mit_kernels

SETTINGS = settings(max_examples=80, deadline=None)
# Values that land on the 0.1 grid after min-max normalisation (k/10, k/15) and arbitrary ones.
LEVELS = st.one_of(st.integers(0, 10).map(lambda k: k / 10), st.integers(0, 15).map(lambda k: k / 15),
                   st.floats(0, 1))


@SETTINGS
@given(st.one_of(st.integers(0, 15).map(lambda k: k / 15), st.floats(0, 1)),
       st.sampled_from([0.1, 0.05, 0.25]))
def test_octave_range_matches_the_readme_rules(limit, step):
    assert list(mit_kernels.octave_range(limit, step)) == naive.octave_range(limit, step)


@SETTINGS
@given(st.lists(LEVELS, min_size=1, max_size=20), st.lists(LEVELS, min_size=1, max_size=20))
def test_thresholded_roc_area_matches_reference(positives, negatives):
    got = mit_kernels.thresholded_roc_area(np.array(positives), np.array(negatives), 0.1)
    assert got == pytest.approx(naive.thresholded_roc_area(positives, negatives), abs=1e-14)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_borji_splits_average_the_reference_over_given_samples(seed):
    rng = np.random.default_rng(seed)
    s = np.round(rng.random((6, 7)) * 15)  # 16 levels: hits the grid
    minimum, spread = s.min(), s.max() - s.min()
    if spread == 0:
        return
    S = ((s - minimum) / spread).ravel()
    positives = S[rng.choice(S.size, 5, replace=False)]
    samples = rng.integers(0, S.size, size=(7, 5))
    got = mit_kernels.borji_splits(s.ravel(), minimum, spread, positives, samples, 0.1)
    expected = sum(naive.thresholded_roc_area(positives, S[row]) for row in samples)
    assert got == pytest.approx(expected, abs=1e-13)


def test_sampled_aucs_converge_to_their_expectation():
    """With many splits, AUC_Borji approaches the exact thresholded area over all pixels."""
    rng = np.random.default_rng(3)
    s = np.round(rng.random((20, 24)) * 9)
    x, y = rng.random(30) * 24, rng.random(30) * 20
    value = M.auc_borji(s, x, y, n_splits=4000, seed=1)
    assert 0 < value < 1
    again = M.auc_borji(s, x, y, n_splits=4000, seed=1)
    assert value == again
    other = M.auc_borji(s, x, y, n_splits=4000, seed=2)
    assert abs(value - other) < 0.01


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_info_gain_mit_matches_reference(seed):
    rng = np.random.default_rng(seed)
    s = rng.random((8, 9))
    b = rng.random((8, 9))
    x, y = rng.random(6) * 9, rng.random(6) * 8
    assert M.info_gain_mit(s, b, x, y) == pytest.approx(naive.info_gain_mit(s, b, x, y), abs=1e-12)


def test_score_maps_sauc_mit_equals_single_calls_with_the_other_images_map():
    rng = np.random.default_rng(7)
    maps = [np.round(rng.random((12, 14)) * 10) for _ in range(5)]
    n = np.repeat(np.arange(5), 6)
    x, y = rng.random(30) * 14, rng.random(30) * 12
    table = M.score_maps(maps, x, y, n, metrics=["sauc_mit", "auc_borji"], seed=11, n_splits=50)
    for i, s in enumerate(maps):
        other = np.zeros(s.shape, np.uint8)
        others = n != i
        other[np.floor(y[others]).astype(int), np.floor(x[others]).astype(int)] = 1
        sel = n == i
        assert table.loc[i, "sauc_mit"] == M.sauc_mit(s, x[sel], y[sel], other, seed=[11, i],
                                                      n_splits=50)
        assert table.loc[i, "auc_borji"] == M.auc_borji(s, x[sel], y[sel], seed=[11, i],
                                                        n_splits=50)
