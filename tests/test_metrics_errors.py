"""Bad input gets a clear error; degenerate but valid input gets NaN with a reason."""

import numpy as np
import pytest

import salbench.metrics as M
from salbench.exceptions import DegenerateInputWarning, InputError

S = np.add.outer(np.arange(6.0), np.arange(8.0))
REF = S[::-1].copy() + 1.0
X, Y = np.array([1.5, 6.2]), np.array([2.5, 4.9])
L = np.log(np.full(S.shape, 1.0 / S.size))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "call",
    [
        lambda s: M.auc(s, X, Y),
        lambda s: M.auc(s, X, Y, negatives="unfixated"),
        lambda s: M.sauc(s, X, Y, [0.5], [0.5]),
        lambda s: M.auc_judd(s, X, Y),
        lambda s: M.auc_borji(s, X, Y),
        lambda s: M.nss(s, X, Y),
        lambda s: M.cc(s, REF),
        lambda s: M.kld(s, REF),
        lambda s: M.sim(s, REF),
        lambda s: M.info_gain_mit(s, REF, X, Y),
    ],
)
def test_non_finite_maps_are_located(call, bad):
    s = S.copy()
    s[3, 5] = bad
    with pytest.raises(InputError, match=r"non-finite.*row 3, column 5"):
        call(s)


def test_non_finite_reference_map():
    ref = REF.copy()
    ref[0, 1] = np.nan
    with pytest.raises(InputError, match=r"reference_map contains .*row 0, column 1"):
        M.cc(S, ref)


@pytest.mark.parametrize("x,y,what", [([8.0], [1.0], "x = 8.0"), ([1.0], [-0.1], "y = -0.1"),
                                       ([np.nan], [1.0], "x = nan")])
def test_fixation_outside_the_image(x, y, what):
    with pytest.raises(InputError, match=rf"fixation 0 has {what}.*outside the image"):
        M.auc(S, x, y)


def test_shape_mismatch_is_an_error_not_a_resize():
    with pytest.raises(InputError, match=r"shape \(6, 8\).*shape \(8, 6\).*resize"):
        M.cc(S, REF.T)


@pytest.mark.parametrize("bad", [np.zeros(5), np.zeros((2, 3, 4)), np.array([[True, False]]),
                                 np.array([["a"]]), np.zeros((0, 4))])
def test_wrong_dimensionality_or_dtype(bad):
    with pytest.raises(InputError, match="saliency_map"):
        M.nss(bad, [0.5], [0.5])


def test_empty_fixations_and_mismatched_lengths():
    with pytest.raises(InputError, match="no fixations"):
        M.auc(S, [], [])
    with pytest.raises(InputError, match="x has 2 values but y has 1"):
        M.nss(S, [1, 2], [1])


def test_log_density_must_be_normalised():
    with pytest.raises(InputError, match="not a normalised log-density"):
        M.log_likelihood(L + 0.1, X, Y)
    bad = L.copy()
    bad[2, 2] = np.nan
    with pytest.raises(InputError, match=r"NaN or \+inf.*row 2, column 2"):
        M.information_gain(bad, L, X, Y)
    # -inf is a legitimate zero probability
    zero = L.copy()
    zero[0, 0] = -np.inf
    zero = zero - np.log(np.exp(zero).sum())
    assert np.isfinite(M.log_likelihood(zero, X, Y))
    # without the check a sloppy density is accepted (hot training loops)
    assert M.log_likelihood(L + 0.1, X, Y, check_normalization=False) == pytest.approx(L[0, 0] + 0.1)


def test_degenerate_inputs_warn_and_return_nan():
    constant = np.full(S.shape, 2.0)
    assert M.auc(constant, X, Y) == 0.5
    assert M.nss(constant, X, Y) == 0.0
    assert M.cc(constant, REF) == 0.0
    with pytest.warns(DegenerateInputWarning, match="constant saliency map"):
        assert np.isnan(M.nss(constant, X, Y, convention="mit"))
    with pytest.warns(DegenerateInputWarning, match="constant saliency map"):
        assert np.isnan(M.cc(constant, REF, convention="mit"))
    with pytest.warns(DegenerateInputWarning, match="constant reference map"):
        assert np.isnan(M.cc(S, np.ones(S.shape)))
    with pytest.warns(DegenerateInputWarning, match="AUC_Judd"):
        assert np.isnan(M.auc_judd(constant, X, Y))
    with pytest.warns(DegenerateInputWarning, match="two fixated pixels"):
        assert np.isnan(M.auc_borji(S, [1.5], [1.5]))
    with pytest.warns(DegenerateInputWarning, match="negative"):
        assert np.isnan(M.kld(S - 10, REF, convention="mit"))


def test_uint8_maps_are_not_computed_in_integer_arithmetic():
    u8 = (S * 10).astype(np.uint8)
    assert M.nss(u8, X, Y) == M.nss(u8.astype(float), X, Y)
    assert M.sim(u8, REF, convention="mit") == M.sim(u8.astype(float), REF, convention="mit")


def test_inputs_are_not_modified():
    s, ref = S.copy(), REF.copy()
    for call in (M.auc, M.nss, M.auc_judd):
        call(s, X, Y)
    M.kld(s, ref)
    M.sim(s, ref, convention="mit")
    np.testing.assert_array_equal(s, S)
    np.testing.assert_array_equal(ref, REF)


def test_keyword_options_are_checked():
    with pytest.raises(InputError, match="convention must be one of"):
        M.nss(S, X, Y, convention="MIT")
    with pytest.raises(InputError, match="negatives must be"):
        M.auc(S, X, Y, negatives="some")
    with pytest.raises(InputError, match="n_splits"):
        M.auc_borji(S, X, Y, n_splits=0)
    with pytest.raises(TypeError):
        M.nss(S, X, Y, "mit")  # options are keyword-only


def test_score_maps_reports_where():
    maps = [S, S.copy()]
    maps[1][2, 3] = np.nan
    with pytest.raises(InputError, match=r"image 1.*row 2, column 3"):
        M.score_maps(maps, [1.0, 1.0], [1.0, 1.0], [0, 1], metrics=["auc"])
    with pytest.raises(InputError, match="fixation 1 has image index n = 5"):
        M.score_maps([S], [1.0, 1.0], [1.0, 1.0], [0, 5], metrics=["auc"])
    with pytest.raises(InputError, match=r"fixation 0 \(image 0\) has x = 9.0"):
        M.score_maps([S], [9.0], [1.0], [0], metrics=["nss"])
    with pytest.raises(InputError, match="need reference_maps="):
        M.score_maps([S], [1.0], [1.0], [0], metrics=["cc"])
    with pytest.raises(InputError, match="unknown metric"):
        M.score_maps([S], [1.0], [1.0], [0], metrics=["aucc"])
    with pytest.raises(InputError, match="different lengths"):
        M.score_maps([S, S], [1.0], [1.0], [0], metrics=["cc"], reference_maps=[REF])
    with pytest.raises(InputError, match=r"image 0.*shape \(6, 8\).*shape \(8, 6\)"):
        M.score_maps([S], [1.0], [1.0], [0], metrics=["cc"], reference_maps=[REF.T])
