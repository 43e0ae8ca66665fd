"""The fast kernels against slow references (tests/naive.py), and invariances of the metrics."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import naive
import salbench.metrics as M
from salbench.exceptions import DegenerateInputWarning

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def images(draw, min_fixations=1, max_side=12, ties=None, positive=False):
    """A saliency map (integer-valued with many ties, or continuous) and fixations inside it."""
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    use_ties = draw(st.booleans()) if ties is None else ties
    if use_ties:
        s = draw(arrays(np.float64, (h, w), elements=st.integers(0, 4).map(float)))
    else:
        s = draw(arrays(np.float64, (h, w), elements=st.floats(-5, 5, allow_nan=False)))
    if positive:
        s = s - s.min() + draw(st.sampled_from([0.0, 0.5]))
    n = draw(st.integers(min_fixations, 25))
    x = np.array(draw(st.lists(st.floats(0, w, exclude_max=True), min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.floats(0, h, exclude_max=True), min_size=n, max_size=n)))
    return s, x, y


@SETTINGS
@given(images())
def test_auc_all_pixels_matches_reference(image):
    s, x, y = image
    expected = naive.rank_auc_per_fixation(s, x, y, naive.negatives_all(s))
    np.testing.assert_allclose(M.auc_per_fixation(s, x, y), expected, rtol=0, atol=1e-15)
    assert M.auc(s, x, y) == pytest.approx(expected.mean(), abs=1e-13)


@SETTINGS
@given(images())
def test_auc_is_the_roc_trapezoid_area(image):
    s, x, y = image
    positives = s[naive.pixels(x, y)]
    expected = naive.roc_auc_by_trapezoid(positives, naive.negatives_all(s))
    assert M.auc(s, x, y) == pytest.approx(expected, abs=1e-12)


@SETTINGS
@given(images())
def test_auc_unfixated_matches_reference(image):
    s, x, y = image
    negatives = naive.negatives_unfixated(s, x, y)
    assume(len(negatives) > 0)
    expected = naive.rank_auc_per_fixation(s, x, y, negatives).mean()
    assert M.auc(s, x, y, negatives="unfixated") == pytest.approx(expected, abs=1e-13)


@SETTINGS
@given(images(), st.data())
def test_shuffled_auc_matches_reference(image, data):
    s, x, y = image
    h, w = s.shape
    m = data.draw(st.integers(1, 30))
    nx = np.array(data.draw(st.lists(st.floats(0, w, exclude_max=True), min_size=m, max_size=m)))
    ny = np.array(data.draw(st.lists(st.floats(0, h, exclude_max=True), min_size=m, max_size=m)))
    expected = naive.rank_auc_per_fixation(s, x, y, naive.negatives_at(s, nx, ny)).mean()
    assert M.sauc(s, x, y, nx, ny) == pytest.approx(expected, abs=1e-13)
    assert M.auc(s, x, y, negatives=(nx, ny)) == M.sauc(s, x, y, nx, ny)


@SETTINGS
@given(images(ties=True))
def test_auc_unchanged_by_strictly_increasing_transform(image):
    s, x, y = image
    transformed = s**3 + 2 * s + 7  # exact on small integers, strictly increasing
    assert M.auc(transformed, x, y) == M.auc(s, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)  # every pixel fixated: NaN
        np.testing.assert_equal(M.auc(transformed, x, y, negatives="unfixated"),
                                M.auc(s, x, y, negatives="unfixated"))
    np.testing.assert_array_equal(M.auc_per_fixation(transformed, x, y), M.auc_per_fixation(s, x, y))


@SETTINGS
@given(images(), st.floats(-100, 100))
def test_constant_map_auc_is_one_half(image, value):
    s, x, y = image
    assert M.auc(np.full(s.shape, value), x, y) == 0.5


@SETTINGS
@given(images())
def test_auc_judd_matches_reference(image):
    s, x, y = image
    assume(s.max() > s.min())
    F = np.zeros(s.shape, bool)
    F[naive.pixels(x, y)] = True
    assume(F.sum() < s.size)
    assert M.auc_judd(s, x, y) == pytest.approx(naive.auc_judd(s, x, y), abs=1e-12)


@SETTINGS
@given(images(), st.sampled_from(["tuebingen", "mit"]))
def test_nss_matches_reference(image, convention):
    s, x, y = image
    # The naive reference's std underflows to 0 on spreads near 1e-160; salbench rescales first.
    assume(s.size > 1 and s.max() - s.min() > 1e-100)
    got = M.nss(s, x, y, convention=convention)
    assert got == pytest.approx(naive.nss(s, x, y, convention), rel=1e-9, abs=1e-9)


@SETTINGS
@given(images(), st.floats(0.01, 100), st.floats(-100, 100))
def test_nss_and_cc_unchanged_by_positive_affine_maps(image, a, b):
    s, x, y = image
    assume(s.max() > s.min() + 1e-6)
    ref = np.arange(s.size, dtype=float).reshape(s.shape) % 3
    assume(ref.max() > ref.min())
    assert M.nss(a * s + b, x, y) == pytest.approx(M.nss(s, x, y), rel=1e-7, abs=1e-7)
    assert M.cc(a * s + b, ref) == pytest.approx(M.cc(s, ref), rel=1e-7, abs=1e-7)


@SETTINGS
@given(images(), images())
def test_cc_matches_reference_and_is_bounded(image, other):
    s = image[0]
    ref = np.resize(other[0], s.shape)
    # numpy's corrcoef (the reference) underflows on spreads near 1e-160; salbench rescales.
    assume(s.max() - s.min() > 1e-100 and ref.max() - ref.min() > 1e-100)
    got = M.cc(s, ref)
    assert -1.0 <= got <= 1.0
    assert got == pytest.approx(naive.cc(s, ref), abs=1e-10)


@SETTINGS
@given(images(), images(), st.sampled_from(["tuebingen", "mit"]))
def test_sim_matches_reference_and_is_bounded(image, other, convention):
    s = image[0]
    ref = np.resize(other[0], s.shape)
    if convention == "mit":
        assume(s.max() > s.min() and ref.max() > ref.min())
    got = M.sim(s, ref, convention=convention)
    assert 0.0 <= got <= 1.0 + 1e-12
    assert got == pytest.approx(naive.sim(s, ref, convention), abs=1e-12)


@SETTINGS
@given(images(positive=True), images(positive=True), st.sampled_from(["tuebingen", "mit"]))
def test_kld_matches_reference_and_is_not_negative(image, other, convention):
    s = image[0]
    ref = np.resize(other[0], s.shape)
    got = M.kld(s, ref, convention=convention)
    # The regularisation constant makes exact ties a hair negative (about -N * 1e-16).
    assert got >= -1e-12
    assert got == pytest.approx(naive.kld(s, ref, convention), rel=1e-12, abs=1e-12)


@SETTINGS
@given(images(positive=True))
def test_kld_and_sim_of_a_map_with_itself(image):
    s = image[0]
    assert M.kld(s, s) == pytest.approx(0.0, abs=1e-12)
    assert M.sim(s, s) == pytest.approx(1.0, abs=1e-12)


@SETTINGS
@given(images(positive=True))
def test_log_likelihood_and_information_gain(image):
    s, x, y = image
    p = s + 0.25
    L = np.log(p / p.sum())
    uniform = np.full(s.shape, -np.log(s.size))
    assert M.log_likelihood(L, x, y) == pytest.approx(naive.log_likelihood(L, x, y), abs=1e-12)
    assert M.information_gain(L, L, x, y) == 0.0
    assert M.information_gain(L, uniform, x, y) == pytest.approx(
        naive.information_gain(L, uniform, x, y), abs=1e-12
    )


def _random_dataset(seed, n_images=7, shapes=((20, 30), (20, 30), (15, 10))):
    rng = np.random.default_rng(seed)
    maps, refs, logs, xs, ys, ns = [], [], [], [], [], []
    for i in range(n_images):
        h, w = shapes[i % len(shapes)]
        s = rng.integers(0, 6, size=(h, w)).astype(float) + (rng.random((h, w)) if i % 2 else 0)
        maps.append(s)
        refs.append(rng.random((h, w)) + 0.01)
        p = s + 0.5
        logs.append(np.log(p / p.sum()))
        k = 0 if i == 3 else rng.integers(1, 12)
        xs.append(rng.random(k) * w)
        ys.append(rng.random(k) * h)
        ns.append(np.full(k, i))
    return maps, refs, logs, np.concatenate(xs), np.concatenate(ys), np.concatenate(ns)


@pytest.mark.parametrize("convention", ["tuebingen", "mit"])
def test_score_maps_rows_equal_single_image_calls(convention):
    maps, refs, logs, x, y, n = _random_dataset(0)
    uniform = [np.full(m.shape, -np.log(m.size)) for m in maps]
    metrics = ["auc", "auc_unfixated", "sauc", "auc_judd", "nss", "cc", "kld", "sim",
               "log_likelihood", "information_gain", "info_gain_mit"]
    with pytest.warns(DegenerateInputWarning, match="image 3|3\\)"):
        table = M.score_maps(maps, x, y, n, metrics=metrics, reference_maps=refs,
                             log_densities=logs, baseline_log_densities=uniform,
                             baseline_maps=[np.exp(u) + np.arange(u.size).reshape(u.shape)
                                            for u in uniform],
                             convention=convention)
    assert list(table.index) == list(range(len(maps)))
    for i, s in enumerate(maps):
        sel = n == i
        row = table.loc[i]
        assert row["n_fixations"] == sel.sum()
        assert row["cc"] == M.cc(s, refs[i], convention=convention)
        assert row["kld"] == M.kld(s, refs[i], convention=convention)
        assert row["sim"] == M.sim(s, refs[i], convention=convention)
        if not sel.any():
            assert np.isnan(row["auc"]) and np.isnan(row["nss"])
            continue
        xi, yi = x[sel], y[sel]
        assert row["auc"] == M.auc(s, xi, yi)
        assert row["auc_unfixated"] == M.auc(s, xi, yi, negatives="unfixated")
        assert row["auc_judd"] == M.auc_judd(s, xi, yi)
        assert row["nss"] == M.nss(s, xi, yi, convention=convention)
        assert row["log_likelihood"] == M.log_likelihood(logs[i], xi, yi)
        assert row["information_gain"] == M.information_gain(logs[i], uniform[i], xi, yi)
        # shuffled AUC: every fixation of every other image, rescaled to this image's size
        h, w = s.shape
        others = ~sel
        sizes = np.array([maps[j].shape for j in n[others]], dtype=float)
        nx = np.minimum(x[others] * (w / sizes[:, 1]), np.nextafter(w, 0))
        ny = np.minimum(y[others] * (h / sizes[:, 0]), np.nextafter(h, 0))
        assert row["sauc"] == pytest.approx(M.sauc(s, xi, yi, nx, ny), abs=1e-14)


def test_score_maps_is_independent_of_thread_count_and_seeded():
    maps, refs, _, x, y, n = _random_dataset(1, n_images=9)
    kwargs = dict(metrics=["auc", "sauc", "auc_borji", "sauc_mit", "nss", "kld"],
                  reference_maps=refs, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        one = M.score_maps(maps, x, y, n, n_threads=1, **kwargs)
        two = M.score_maps(maps, x, y, n, n_threads=2, **kwargs)
        four = M.score_maps(maps, x, y, n, n_threads=4, **kwargs)
        reseeded = M.score_maps(maps, x, y, n, n_threads=2, **{**kwargs, "seed": 6})
    assert one.equals(two) and one.equals(four)
    assert not one["auc_borji"].equals(reseeded["auc_borji"])


def test_score_maps_accepts_a_3d_array():
    rng = np.random.default_rng(2)
    stack = rng.random((4, 10, 12))
    x, y, n = rng.random(20) * 12, rng.random(20) * 10, np.arange(20) % 4
    table = M.score_maps(stack, x, y, n, metrics="auc")
    for i in range(4):
        assert table.loc[i, "auc"] == M.auc(stack[i], x[n == i], y[n == i])


def test_octave_threshold_grid():
    from salbench.metrics._kernels.mit import octave_range

    assert list(octave_range(0.05, 0.1)) == [0.0]
    assert list(octave_range(0.0, 0.1)) == [0.0]
    grid = octave_range(1.0, 0.1)
    assert len(grid) == 11 and grid[3] == 0.30000000000000004 and grid[6] == 0.6000000000000001
    assert grid[-1] == 1.0
    # A 16-level map normalises level 9 to 9/15 = 0.59999999999999998: the end point itself is
    # the last threshold, so pixels at that level count (a naive k*0.1 <= M grid drops it).
    top = 9 / 15
    grid = octave_range(top, 0.1)
    assert grid[-1] == top and len(grid) == 7
    assert list(octave_range(0.35, 0.1)) == [0.0, 0.1, 0.2, 0.30000000000000004]


def test_registry_facts():
    assert {"auc", "sauc", "nss", "cc", "kld", "sim", "log_likelihood",
            "information_gain"} <= set(M.names())
    assert M.get("kld").higher_is_better is False and M.get("kld").direction == "lower"
    assert M.get("auc").function is M.auc
    assert "log_density" in M.get("log_likelihood").needs
    assert "reference_map" in M.get("cc").needs
    assert M.get("auc_borji").stochastic
    assert set(M.get("kld").conventions) == {"tuebingen", "mit", "pysaliency"}
    with pytest.raises(ValueError, match="unknown metric 'aucc'"):
        M.get("aucc")


def test_nss_and_cc_survive_tiny_and_huge_scales():
    s = np.add.outer(np.arange(5.0), np.arange(7.0)) ** 2
    ref = np.arange(35.0).reshape(5, 7) % 4
    x, y = [1.5, 6.5], [0.5, 4.5]
    for scale in (1e-300, 1e-200, 1e200, 1e300):
        assert M.nss(s * scale, x, y) == pytest.approx(M.nss(s, x, y), rel=1e-12)
        assert M.nss(s * scale, x, y, convention="mit") == pytest.approx(
            M.nss(s, x, y, convention="mit"), rel=1e-12)
        assert M.cc(s * scale, ref * scale) == pytest.approx(M.cc(s, ref), rel=1e-12)


def test_score_maps_emd_equals_single_calls():
    maps, refs, _, x, y, n = _random_dataset(3, n_images=4)
    table = M.score_maps(maps, x, y, n, metrics=["emd"], reference_maps=refs, emd_downsize=4)
    for i in range(4):
        assert table.loc[i, "emd"] == M.emd(maps[i], refs[i], downsize=4)
        assert table.loc[i, "emd"] > 0


def test_score_fixations_means_are_score_maps_rows():
    maps, _, logs, x, y, n = _random_dataset(4)
    uniform = [np.full(m.shape, -np.log(m.size)) for m in maps]
    metrics = ["auc", "auc_unfixated", "sauc", "nss", "log_likelihood", "information_gain"]
    kwargs = dict(log_densities=logs, baseline_log_densities=uniform)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        per_fixation = M.score_fixations(maps, x, y, n, metrics=metrics, **kwargs)
        per_image = M.score_maps(maps, x, y, n, metrics=metrics, **kwargs)
    assert len(per_fixation) == len(x)
    np.testing.assert_array_equal(per_fixation["image"], n)
    for i, s in enumerate(maps):
        sel = n == i
        if not sel.any():
            continue
        np.testing.assert_allclose(per_fixation.loc[sel, "auc"],
                                   M.auc_per_fixation(s, x[sel], y[sel]), rtol=0, atol=0)
        means = per_fixation[sel][metrics].mean()
        for metric in metrics:
            assert means[metric] == pytest.approx(per_image.loc[i, metric], abs=1e-12), metric
    with pytest.raises(ValueError, match="no per-fixation value"):
        M.score_fixations(maps, x, y, n, metrics=["cc"])


def test_streaming_scores_equal_one_big_call_and_merge():
    maps, refs, _, x, y, n = _random_dataset(5, n_images=8)
    metrics = ["auc", "nss", "cc", "kld"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        whole = M.score_maps(maps, x, y, n, metrics=metrics, reference_maps=refs)
        first, second = M.StreamingScores(metrics), M.StreamingScores(metrics)
        for part, images in ((first, range(0, 5)), (second, range(5, 8))):
            images = list(images)
            sel = np.isin(n, images)
            remap = {old: new for new, old in enumerate(images)}
            part.update([maps[i] for i in images], x[sel], y[sel],
                        np.array([remap[v] for v in n[sel]]),
                        reference_maps=[refs[i] for i in images])
    merged = first.merge(second).compute()
    for m in metrics:
        assert merged[m] == pytest.approx(whole[m].mean(), abs=1e-12)
    auc_only = M.StreamingScores(["auc"])
    auc_only.update_from_table(whole)
    defined = whole["auc"].notna()
    assert auc_only.compute(average="fixation")["auc"] == pytest.approx(
        np.average(whole["auc"][defined], weights=whole["n_fixations"][defined]), abs=1e-12)
    with pytest.raises(ValueError, match="cc is not a mean over fixations"):
        first.compute(average="fixation")


def test_score_maps_per_metric_conventions():
    maps, refs, _, x, y, n = _random_dataset(6, n_images=3)
    table = M.score_maps(maps, x, y, n, metrics=["kld", "nss"], reference_maps=refs,
                         convention={"kld": "pysaliency", "nss": "mit"})
    for i in range(3):
        assert table.loc[i, "kld"] == M.kld(maps[i], refs[i], convention="pysaliency")
        assert table.loc[i, "nss"] == M.nss(maps[i], x[n == i], y[n == i], convention="mit")
    with pytest.raises(ValueError, match="convention must be one of"):
        M.score_maps(maps, x, y, n, metrics=["nss"], convention={"nss": "pysaliency"})
    with pytest.raises(ValueError, match="no conventions"):
        M.score_maps(maps, x, y, n, metrics=["auc"], convention={"auc": "mit"})


def test_registry_functions_are_the_metric_definitions():
    s = np.add.outer(np.arange(4.0), np.arange(5.0))
    assert M.get("auc_unfixated").function(s, [4.5], [3.5]) == M.auc(
        s, [4.5], [3.5], negatives="unfixated")


@pytest.mark.parametrize("scale", [1e-87, 1e-200, 1e120, 1e149])
@pytest.mark.parametrize("convention", ["tuebingen", "mit"])
def test_cc_of_tiny_and_huge_maps_equals_cc_at_unit_scale(scale, convention):
    # Regression: sqrt(m2_s * m2_r) underflowed to 0 for maps of magnitude ~1e-87 (hypothesis).
    rng = np.random.default_rng(3)
    s, ref = rng.random((5, 7)), rng.random((5, 7))
    expected = M.cc(s, ref, convention=convention)
    assert M.cc(s * scale, ref, convention=convention) == pytest.approx(expected, abs=1e-12)
    assert M.cc(s * scale, ref * scale, convention=convention) == pytest.approx(expected, abs=1e-12)
