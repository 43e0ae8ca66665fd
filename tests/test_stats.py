"""salbench.stats: one resampling stream, the paired difference used by the leaderboard and the
paired figure, bootstrap means of the crop summaries (against the code they replaced)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench import stats
from salbench.exceptions import InputError


# ------------------------------------------------------------------------------ resampling
@settings(max_examples=60, deadline=None)
@given(n_units=st.integers(1, 40), n_bootstrap=st.integers(1, 700), block=st.integers(1, 300),
       seed=st.integers(0, 2**32 - 1))
def test_bootstrap_blocks_are_the_rows_of_bootstrap_indices(n_units, n_bootstrap, block, seed):
    whole = stats.bootstrap_indices(n_units, n_bootstrap, np.random.default_rng(seed))
    blocks = list(stats.bootstrap_blocks(n_units, n_bootstrap, np.random.default_rng(seed),
                                         block=block))
    assert [start for start, _ in blocks] == list(range(0, n_bootstrap, block))
    assert all(rows.shape[0] <= block for _, rows in blocks)
    np.testing.assert_array_equal(np.concatenate([rows for _, rows in blocks]), whole)
    assert whole.dtype == np.int64 and whole.min() >= 0 and whole.max() < n_units


def _old_crop_bootstrap(values, *, n_boot, seed, confidence, chunk=250):
    """The crop summaries' bootstrap as it was (salbench/cropping/_stats.py), for bit-identity."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    n = v.shape[0]
    rng = np.random.default_rng(seed)
    means = np.empty((n_boot, v.shape[1]))
    for start in range(0, n_boot, chunk):
        stop = min(start + chunk, n_boot)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = v[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return v.mean(axis=0), low, high


@pytest.mark.parametrize("shape,n_boot,seed,confidence", [
    ((29, 6), 777, 3, 0.95), ((5,), 2000, 0, 0.9), ((1, 3), 251, 11, 0.683), ((40, 2), 250, 2, 0.5)])
def test_bootstrap_means_are_bit_identical_to_the_crop_summaries_old_bootstrap(shape, n_boot, seed,
                                                                              confidence):
    values = np.random.default_rng(seed + 100).uniform(size=shape)
    new = stats.bootstrap_means(values, n_bootstrap=n_boot, seed=seed, confidence=confidence)
    old = _old_crop_bootstrap(values, n_boot=n_boot, seed=seed, confidence=confidence)
    for a, b in zip(new, old):
        np.testing.assert_array_equal(a, b)


def test_bootstrap_means_match_a_loop_over_bootstrap_indices_and_do_not_depend_on_the_block():
    values = np.random.default_rng(4).normal(size=(17, 3))
    mean, low, high = stats.bootstrap_means(values, n_bootstrap=300, seed=9, confidence=0.8)
    indices = stats.bootstrap_indices(17, 300, np.random.default_rng(9))
    resampled = np.array([values[row].mean(axis=0) for row in indices])
    np.testing.assert_allclose(mean, values.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(low, np.quantile(resampled, 0.1, axis=0), rtol=1e-12)
    np.testing.assert_allclose(high, np.quantile(resampled, 0.9, axis=0), rtol=1e-12)
    again = stats.bootstrap_means(values, n_bootstrap=300, seed=9, confidence=0.8, block=7)
    for a, b in zip(again, (mean, low, high)):
        np.testing.assert_array_equal(a, b)
    empty = stats.bootstrap_means(np.empty((0, 2)))
    assert all(np.isnan(part).all() and part.shape == (2,) for part in empty)


def test_percentile_interval_ignores_non_finite_samples():
    assert stats.percentile_interval(np.array([np.inf, 1.0, np.nan, 3.0]), 0.5) == (1.5, 2.5)
    low, high = stats.percentile_interval(np.full(4, np.nan), 0.95)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, "x", None])
def test_check_confidence_rejects_levels_outside_the_unit_interval(bad):
    with pytest.raises(InputError, match="confidence"):
        stats.check_confidence(bad)


# ------------------------------------------------------------------------------ paired difference
def _naive_paired(a, b, *, confidence, n_bootstrap, n_permutations, seed, scale=1.0):
    """Mean, interval and p-value of (b - a) * scale spelled out with loops."""
    d = (np.asarray(b, float) - np.asarray(a, float)) * scale
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, d.size, size=(n_bootstrap, d.size))
    means = []
    for row in indices:
        picked = d[row][~np.isnan(d[row])]
        means.append(picked.mean() if picked.size else np.nan)
    means = np.asarray(means)
    finite = means[np.isfinite(means)]
    tail = 50 * (1 - confidence)
    low, high = np.percentile(finite, [tail, 100 - tail])
    defined = ~np.isnan(d)
    p = stats.sign_flip_test(d, n_permutations, rng)
    return d[defined].mean(), low, high, p, int(defined.sum())


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 1000), n_missing=st.integers(0, 3),
       scale=st.sampled_from([1.0, 100.0 / 0.37]), confidence=st.sampled_from([0.95, 0.8]))
def test_paired_difference_matches_the_naive_computation(n, seed, n_missing, scale, confidence):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(loc=0.3, size=n)
    a[rng.integers(0, n, size=min(n_missing, n - 1))] = np.nan
    got = stats.paired_difference(a, b, confidence=confidence, n_bootstrap=120, n_permutations=150,
                                  seed=seed, scale=scale)
    mean, low, high, p, count = _naive_paired(a, b, confidence=confidence, n_bootstrap=120,
                                              n_permutations=150, seed=seed, scale=scale)
    assert got.n == count
    assert got.mean == pytest.approx(mean, rel=1e-12, abs=1e-14)
    assert got.ci_low == pytest.approx(low, rel=1e-9, abs=1e-12)
    assert got.ci_high == pytest.approx(high, rel=1e-9, abs=1e-12)
    assert got.p_value == p


def test_paired_difference_is_b_minus_a_and_detects_a_clear_difference():
    a = np.linspace(0.5, 0.7, 25)
    result = stats.paired_difference(a, a + 0.1, n_bootstrap=500, n_permutations=999)
    assert result.mean == pytest.approx(0.1)
    assert result.ci_low == pytest.approx(0.1) and result.ci_high == pytest.approx(0.1)
    assert result.p_value == pytest.approx(1 / 1000)
    flipped = stats.paired_difference(a + 0.1, a, n_bootstrap=500, n_permutations=999)
    assert flipped.mean == pytest.approx(-0.1)


def test_paired_difference_with_shared_indices_and_flips_uses_them():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=12), rng.normal(size=12)
    shared = np.random.default_rng(8)
    indices = stats.bootstrap_indices(12, 200, shared)
    flips = stats.SignFlips(12, 300, shared)
    got = stats.paired_difference(a, b, indices=indices, flips=flips, seed=None)
    d = b - a
    assert (got.ci_low, got.ci_high) == stats.percentile_interval(stats.masked_means(d, indices),
                                                                  0.95)
    assert got.p_value == stats.sign_flip_test(d, 300, None, flips=flips)
    with pytest.raises(InputError, match="indices"):
        stats.paired_difference(a[:5], b[:5], indices=indices)
    with pytest.raises(ValueError, match="flips"):
        stats.paired_difference(a[:5], b[:5], flips=flips)


def test_paired_difference_edge_cases():
    empty = stats.paired_difference([np.nan, 1.0], [2.0, np.nan])
    assert empty.n == 0 and all(math.isnan(v) for v in (empty.mean, empty.ci_low, empty.ci_high,
                                                         empty.p_value))
    same = stats.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], n_bootstrap=50)
    assert (same.mean, same.ci_low, same.ci_high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    with pytest.raises(InputError, match="one value per unit"):
        stats.paired_difference([1.0, 2.0], [1.0])
    with pytest.raises(InputError, match="n_bootstrap"):
        stats.paired_difference([1.0, 2.0], [1.5, 2.0], n_bootstrap=0)
    with pytest.raises(InputError, match="confidence"):
        stats.paired_difference([1.0, 2.0], [1.5, 2.0], confidence=1.0)


def test_leaderboard_and_paired_figure_report_stats_paired_difference():
    from test_leaderboard import make_results

    from salbench import leaderboard, plotting

    rng = np.random.default_rng(12)
    a_values = rng.uniform(0.5, 0.8, 30)
    b_values = a_values + rng.normal(0.02, 0.05, 30)
    b_values[[4, 9]] = np.nan
    a, b = make_results("a", {"auc": a_values}), make_results("b", {"auc": b_values})
    board = leaderboard([a, b], n_bootstrap=300, n_permutations=400, seed=5)
    row = board.table.set_index("model").loc[board.table.loc[~board.table.is_best, "model"].iloc[0]]
    best, other = (a_values, b_values) if row.name == "b" else (b_values, a_values)
    shared = np.random.default_rng(5)
    indices = stats.bootstrap_indices(30, 300, shared)
    flips = stats.SignFlips(30, 400, shared)
    expected = stats.paired_difference(best, other, indices=indices, flips=flips)
    assert (row.diff_vs_best, row.diff_ci_low, row.diff_ci_high, row.p_vs_best) == \
        (expected.mean, expected.ci_low, expected.ci_high, expected.p_value)

    pair = plotting.paired_difference(a, b, "auc", n_bootstrap=300, n_permutations=400, seed=2)
    keep = ~np.isnan(b_values)
    direct = stats.paired_difference(a_values[keep], b_values[keep], n_bootstrap=300,
                                     n_permutations=400, seed=2)
    assert (pair.mean, pair.ci_low, pair.ci_high, pair.p_value) == \
        (direct.mean, direct.ci_low, direct.ci_high, direct.p_value)
    assert pair.a.size == direct.n == 28


# ------------------------------------------------------------------------------ binomial
@settings(max_examples=50, deadline=None)
@given(trials=st.integers(1, 200), data=st.data())
def test_wilson_interval_is_the_score_interval_formula(trials, data):
    k = data.draw(st.integers(0, trials))
    s = stats.binomial_summary(k, trials, confidence=0.95)
    z = 1.959963984540054
    p = k / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    assert s["share"] == p
    assert s["ci_low"] == pytest.approx(max(0.0, centre - half), abs=1e-9)
    assert s["ci_high"] == pytest.approx(min(1.0, centre + half), abs=1e-9)
    assert 0 < s["p_value"] <= 1
    with pytest.raises(InputError, match="interval"):
        stats.binomial_summary(k, trials, interval="normal")
