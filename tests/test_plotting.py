"""Figures (Agg backend): what they draw matches the numbers they stand for; files and CLI."""

import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import salbench  # noqa: E402
from salbench import plotting  # noqa: E402
from salbench.cli import main  # noqa: E402
from salbench.exceptions import InputError  # noqa: E402
from salbench.metrics import auc, nss  # noqa: E402
from salbench.evaluation import Results  # noqa: E402

FINGERPRINT = "sha256:" + "1" * 64
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


def _is_figure_file(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".svg":
        return data.startswith(b"<?xml") and b"<svg" in data[:2000] and data.rstrip().endswith(
            b"</svg>")
    return len(data) > 1000 and data.startswith(MAGIC[path.suffix])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_results(name, values, *, role="model", baseline=None, kind="probabilistic", gflops=None,
                 ms=None, images=None):
    """A complete Results object with the given per-image values (metric -> array)."""
    from salbench.metrics import get

    n = len(next(iter(values.values())))
    images = list(range(n)) if images is None else list(images)
    table = pd.DataFrame({"model": name, "image": images, "image_id": [f"{i}.png" for i in images],
                          "n_fixations": 10, "model_seconds": 0.0,
                          **{m: np.asarray(v, dtype=float) for m, v in values.items()}})
    metrics = [{"name": m, "direction": get(m).direction, "unit": get(m).unit} for m in values]
    model = {"name": name, "kind": kind, "role": role, "baseline": baseline}
    if gflops is not None:
        model["gflops"] = float(gflops)
    manifest = {"format": "salbench.Results/1", "status": "complete", "model": model,
                "dataset": {"name": "toy", "fingerprint": FINGERPRINT}, "metrics": metrics,
                "parameters": {"convention": "tuebingen", "conventions": {}},
                "table_format": "csv", "timings": {"model_ms_per_image": ms}}
    return Results(table, None, manifest)


@pytest.fixture(scope="module")
def runs():
    """Four models and two baselines on 40 images with known orderings.

    alpha is best on auc and information_gain; beta differs from it by tiny noise (a near-tie);
    gamma is clearly worse; delta is a saliency model (no information gain)."""
    rng = np.random.default_rng(3)
    n = 40
    base = rng.uniform(0.6, 0.8, n)
    ig = rng.normal(1.0, 0.4, n)
    kld = rng.uniform(0.5, 1.5, n)
    alpha = {"auc": base + 0.05, "information_gain": ig + 0.3, "kld": kld}
    noise = rng.normal(0, 0.05, n)
    noise -= noise.mean() + 0.002  # slightly worse on average, not significantly
    beta = {"auc": base + 0.05 + noise / 20, "information_gain": ig + 0.3 + noise,
            "kld": kld + 0.01}
    gamma = {"auc": base - 0.05, "information_gain": ig - 0.2, "kld": kld + 0.4}
    delta = {"auc": base, "kld": kld + 0.2}
    return [
        make_results("alpha", alpha, gflops=40.0, ms=12.0),
        make_results("beta", beta, gflops=8.0, ms=3.0),
        make_results("gamma", gamma, gflops=2.0, ms=1.0),
        make_results("delta", delta, kind="saliency", gflops=100.0, ms=30.0),
        make_results("centre bias", {"auc": base - 0.1, "information_gain": np.zeros(n),
                                     "kld": kld + 0.6}, role="baseline", baseline="centre_bias",
                     ms=0.1),
        make_results("uniform", {"auc": np.full(n, 0.5), "information_gain": ig * 0 - 0.4,
                                 "kld": kld + 0.9}, role="baseline", baseline="uniform", ms=0.1),
    ]


@pytest.fixture(scope="module")
def board(runs):
    return salbench.leaderboard(runs, n_bootstrap=300, n_permutations=2000)


def _errorbars(ax):
    """{model: ((x_low, x_high), y, colour)} from the errorbar containers of plot_leaderboard."""
    out = {}
    for container in ax.containers:
        line = container.lines[0]
        (low, y0), (high, y1) = container.lines[2][0].get_segments()[0]
        assert y0 == y1
        out[line.get_gid()] = ((low, high), y0, to_hex(line.get_color()), line.get_xdata()[0])
    return out


# ------------------------------------------------------------------------------------ leaderboard
def test_leaderboard_plot_shows_every_model_with_its_interval(board):
    ax = plotting.plot_leaderboard(board, "information_gain")
    bars = _errorbars(ax)
    table = board.table[board.table["metric"] == "information_gain"].set_index("model")
    with_value = table[table["mean"].notna()]
    assert sorted(bars) == sorted(with_value.index)  # one bar per model with a value
    for name, ((low, high), _, _, mean) in bars.items():
        assert low == pytest.approx(with_value.loc[name, "ci_low"], abs=1e-12)
        assert high == pytest.approx(with_value.loc[name, "ci_high"], abs=1e-12)
        assert mean == pytest.approx(with_value.loc[name, "mean"], abs=1e-12)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # best first, the near-tie marked, the saliency model kept as a row without a value
    assert labels == ["alpha", "≈ beta", "gamma", "delta", "centre bias", "uniform"]
    assert [bars[m][1] for m in ("alpha", "beta", "gamma")] == [0, 1, 2]
    assert any(t.get_text() == "no value" for t in ax.texts)
    assert bars["alpha"][2] == plotting.BEST_COLOUR
    assert bars["gamma"][2] == plotting.MODEL_COLOUR
    assert bars["uniform"][2] == plotting.BASELINE_COLOUR
    assert "higher is better" in ax.get_xlabel() and "bits/fixation" in ax.get_xlabel()
    # the baselines' intervals are dashed, the models' solid
    container = next(c for c in ax.containers if c.lines[0].get_gid() == "uniform")
    assert container.lines[2][0].get_linestyle()[0][1] is not None
    container = next(c for c in ax.containers if c.lines[0].get_gid() == "gamma")
    assert container.lines[2][0].get_linestyle()[0][1] is None


def test_leaderboard_plot_of_a_lower_is_better_metric(board):
    ax = plotting.plot_leaderboard(board, "kld", baselines=False)
    assert "lower is better" in ax.get_xlabel()
    labels = [t.get_text().lstrip("≈ ") for t in ax.get_yticklabels()]
    assert labels[0] == "alpha" and labels[-1] == "gamma"  # kld: smallest first
    assert "uniform" not in labels
    means = board.table.query("metric == 'kld' and role == 'model'").set_index("model")["mean"]
    assert list(means.loc[labels]) == sorted(means)


def test_leaderboard_plot_keeps_the_table_order_when_asked(board):
    ax = plotting.plot_leaderboard(board, "kld", sort=False)
    labels = [t.get_text().lstrip("≈ ") for t in ax.get_yticklabels()]
    assert labels == board.models


def test_leaderboard_plot_rejects_an_unknown_metric(board):
    with pytest.raises(InputError, match="no metric 'cc'"):
        plotting.plot_leaderboard(board, "cc")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_figures_are_written_in_the_format_of_the_extension(board, tmp_path, suffix):
    ax = plotting.plot_leaderboard(board)
    path = plotting.save_figure(ax.figure, tmp_path / f"board{suffix}")
    assert _is_figure_file(path)
    assert [p.name for p in tmp_path.iterdir()] == [f"board{suffix}"]  # no temporary file left


def test_save_figure_refuses_an_unknown_format(board, tmp_path):
    ax = plotting.plot_leaderboard(board)
    with pytest.raises(InputError, match=r"\.png, \.svg, \.pdf"):
        plotting.save_figure(ax.figure, tmp_path / "board.jpg")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ paired
def test_paired_plot_points_counts_and_difference(runs):
    a, b = runs[2], runs[0]  # gamma, alpha
    ax = plotting.plot_paired(a, b, "auc", n_bootstrap=200, n_permutations=500)
    points = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(points[:, 0], a.images["auc"])
    np.testing.assert_array_equal(points[:, 1], b.images["auc"])
    pair = plotting.paired_difference(a, b, "auc", n_bootstrap=200, n_permutations=500)
    assert pair.mean == pytest.approx(float((b.images["auc"] - a.images["auc"]).mean()), abs=1e-12)
    assert pair.ci_low <= pair.mean <= pair.ci_high
    assert pair.n_b_better == 40 and pair.n_a_better == 0
    title = ax.get_title()
    assert f"alpha − gamma = {pair.mean:+.3f}" in title and "40 images" in title
    texts = [t.get_text() for t in ax.texts]
    assert "alpha better\non 40 images" in texts and "gamma better\non 0 images" in texts
    line = ax.lines[0].get_xydata()
    assert line[0, 0] == line[0, 1] and line[1, 0] == line[1, 1]  # the identity


def test_paired_counts_follow_the_metric_direction():
    lower = make_results("a", {"kld": [1.0, 2.0, 3.0, 4.0, 5.0]})
    other = make_results("b", {"kld": [0.5, 2.5, 3.0, 3.0, 6.0]})
    pair = plotting.paired_difference(lower, other, "kld", n_bootstrap=50, n_permutations=50)
    # b - a = -0.5, +0.5, 0, -1, +1: lower is better, so b is better where it is negative
    assert (pair.n_b_better, pair.n_a_better, pair.n_equal) == (2, 2, 1)
    ax = plotting.plot_paired(lower, other, "kld", n_bootstrap=50, n_permutations=50)
    assert "lower is better" in ax.get_xlabel()
    assert "1 equal" in ax.get_title()


def test_paired_uses_the_common_images_and_drops_undefined_ones():
    a = make_results("a", {"nss": [1.0, np.nan, 3.0, 4.0]}, images=[0, 1, 2, 3])
    b = make_results("b", {"nss": [2.0, 2.0, 2.0]}, images=[1, 2, 3])
    pair = plotting.paired_difference(a, b, "nss", n_bootstrap=20, n_permutations=20)
    assert pair.images.tolist() == [2, 3]
    assert pair.mean == pytest.approx(-1.5)


def test_paired_refuses_different_datasets_and_missing_metrics(runs):
    other = make_results("x", {"auc": np.zeros(40)})
    other.manifest["dataset"] = {"name": "other", "fingerprint": "sha256:" + "2" * 64}
    with pytest.raises(InputError, match="different datasets"):
        plotting.paired_difference(runs[0], other, "auc")
    with pytest.raises(InputError, match="no metric 'nss'"):
        plotting.paired_difference(runs[0], runs[1], "nss")


# ------------------------------------------------------------------------------------ ROC
def _naive_roc_points(s, x, y, negatives):
    """Every (fpr, tpr) point of the ROC curve, one threshold per distinct value (slow)."""
    s = np.asarray(s, dtype=float)
    pos = s[np.floor(y).astype(int), np.floor(x).astype(int)]
    if isinstance(negatives, str) and negatives == "all":
        neg = s.ravel()
    elif isinstance(negatives, str):
        fixated = set(zip(np.floor(y).astype(int), np.floor(x).astype(int)))
        neg = np.array([s[i, j] for i in range(s.shape[0]) for j in range(s.shape[1])
                        if (i, j) not in fixated])
    else:
        nx, ny = negatives
        neg = s[np.floor(ny).astype(int), np.floor(nx).astype(int)]
    points = {(0.0, 0.0)}
    for t in np.unique(np.concatenate([pos, neg])):
        points.add((float(np.mean(neg >= t)), float(np.mean(pos >= t))))
    return points


def _random_case(rng, shape=(9, 11), levels=5, n=12):
    s = rng.integers(0, levels, size=shape).astype(float)  # few levels: many ties
    x = rng.uniform(0, shape[1], n)
    y = rng.uniform(0, shape[0], n)
    return s, x, y


@pytest.mark.parametrize("negatives", ["all", "unfixated", "shuffled"])
@pytest.mark.parametrize("seed", range(4))
def test_roc_curve_area_is_the_exact_auc(negatives, seed):
    rng = np.random.default_rng(seed)
    s, x, y = _random_case(rng, levels=[3, 8, 50, 10**6][seed])
    if negatives == "shuffled":
        negatives = (rng.uniform(0, 11, 30), rng.uniform(0, 9, 30))
    curve = plotting.roc_curve(s, x, y, negatives=negatives)
    assert abs(curve.area - auc(s, x, y, negatives=negatives)) <= 1e-12
    assert (curve.fpr[0], curve.tpr[0]) == (0.0, 0.0) and (curve.fpr[-1], curve.tpr[-1]) == (1, 1)
    assert (np.diff(curve.fpr) >= 0).all() and (np.diff(curve.tpr) >= 0).all()
    # the kept points are points of the full curve, and every point of it lies on what is drawn
    naive = _naive_roc_points(s, x, y, negatives)
    for f, t in zip(curve.fpr, curve.tpr):
        assert any(abs(f - g) < 1e-12 and abs(t - u) < 1e-12 for g, u in naive)
    for g, u in naive:
        assert _on_polyline(g, u, curve.fpr, curve.tpr)


def _on_polyline(px, py, xs, ys):
    for x0, y0, x1, y1 in zip(xs[:-1], ys[:-1], xs[1:], ys[1:]):
        if min(x0, x1) - 1e-12 <= px <= max(x0, x1) + 1e-12 and \
                min(y0, y1) - 1e-12 <= py <= max(y0, y1) + 1e-12 and \
                abs((x1 - x0) * (py - y0) - (y1 - y0) * (px - x0)) < 1e-12:
            return True
    return False


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.sampled_from(["all", "unfixated"]))
def test_roc_curve_area_matches_auc_on_random_maps(seed, levels, negatives):
    rng = np.random.default_rng(seed)
    s, x, y = _random_case(rng, shape=(int(rng.integers(2, 7)), int(rng.integers(2, 7))),
                           levels=levels, n=int(rng.integers(1, 8)))
    every_pixel_fixated = np.unique(np.floor(y) * s.shape[1] + np.floor(x)).size == s.size
    if negatives == "unfixated" and every_pixel_fixated:
        with pytest.raises(InputError, match="no negatives"):
            plotting.roc_curve(s, x, y, negatives=negatives)
        return
    curve = plotting.roc_curve(s, x, y, negatives=negatives)
    assert abs(curve.area - auc(s, x, y, negatives=negatives)) <= 1e-12


def test_roc_curve_of_a_huge_smooth_map_keeps_few_points():
    rng = np.random.default_rng(0)
    s = rng.random((300, 400))
    x, y = rng.uniform(0, 400, 25), rng.uniform(0, 300, 25)
    curve = plotting.roc_curve(s, x, y)
    assert curve.fpr.size <= 2 * 25 + 2  # one corner per fixation, not one point per pixel
    assert abs(curve.area - auc(s, x, y)) <= 1e-12


def test_roc_curve_errors():
    with pytest.raises(InputError, match="no negatives"):
        plotting.roc_curve(np.ones((1, 2)), [0.5, 1.5], [0.5, 0.5], negatives="unfixated")
    bad = np.ones((3, 3))
    bad[1, 2] = np.nan
    with pytest.raises(InputError, match="row 1, column 2"):
        plotting.roc_curve(bad, [0.5], [0.5])
    with pytest.raises(InputError, match="outside the image"):
        plotting.roc_curve(np.ones((3, 3)), [3.5], [0.5])


@pytest.mark.parametrize("weights", [None, [1.0, 3.0, 0.5, 2.0]])
def test_mean_roc_curve_area_is_the_mean_auc(weights):
    rng = np.random.default_rng(7)
    curves, areas = [], []
    for k in range(4):
        s, x, y = _random_case(rng, levels=[2, 6, 1000, 4][k], n=5 + 3 * k)
        curves.append(plotting.roc_curve(s, x, y))
        areas.append(auc(s, x, y))
    mean = plotting.mean_roc_curve(curves, weights)
    expected = np.average(areas, weights=weights)
    assert abs(mean.area - expected) <= 1e-12
    # away from the breakpoints the mean curve is the weighted mean of the curves
    w = np.ones(4) if weights is None else np.asarray(weights)
    breakpoints = np.concatenate([c.fpr for c in curves])
    probes = [u for u in rng.uniform(0, 1, 50) if np.abs(breakpoints - u).min() > 1e-9]
    for u in probes:
        expected_t = np.average([np.interp(u, c.fpr, c.tpr) for c in curves], weights=w)
        assert np.interp(u, mean.fpr, mean.tpr) == pytest.approx(expected_t, abs=1e-12)
    assert (np.diff(mean.fpr) >= 0).all() and (np.diff(mean.tpr) >= -1e-15).all()


def test_plot_roc_draws_the_curve_with_the_auc_of_the_metric():
    rng = np.random.default_rng(2)
    s, x, y = _random_case(rng, levels=20)
    ax = plotting.plot_roc(s, x, y, label="toy")
    curve = plotting.roc_curve(s, x, y)
    np.testing.assert_array_equal(ax.lines[-1].get_xdata(), curve.fpr)
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), curve.tpr)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"toy (AUC = {auc(s, x, y):.4f})"]
    assert "all pixels" in ax.get_xlabel()
    # a second model on the same axes; pooled over images
    maps = [s, s[::-1], s[:, ::-1]]
    ax = plotting.plot_roc(maps, [x] * 3, [y] * 3, negatives="unfixated", ax=ax, label="three")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    mean_auc = np.mean([auc(m, x, y, negatives="unfixated") for m in maps])
    assert legend[1] == f"three (AUC = {mean_auc:.4f}, mean of 3 images)"
    fpr, tpr = ax.lines[-1].get_xdata(), ax.lines[-1].get_ydata()
    assert abs(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2 - mean_auc) <= 1e-12
    assert sum(line.get_gid() == "chance" for line in ax.lines) == 1


def test_plot_roc_checks_that_maps_and_fixations_pair_up():
    with pytest.raises(InputError, match="2 maps but 1 x"):
        plotting.plot_roc([np.ones((2, 2))] * 2, [[0.5]], [[0.5], [0.5]])


# ------------------------------------------------------------------------------------ Pareto front
def _dominated_naive(c, s, higher):
    n = len(c)
    out = []
    for i in range(n):
        if np.isnan(c[i]) or np.isnan(s[i]):
            out.append(False)
            continue
        dominated = False
        for j in range(n):
            if j == i or np.isnan(c[j]) or np.isnan(s[j]):
                continue
            better_or_equal = s[j] >= s[i] if higher else s[j] <= s[i]
            strictly = c[j] < c[i] or (s[j] > s[i] if higher else s[j] < s[i])
            if c[j] <= c[i] and better_or_equal and strictly:
                dominated = True
        out.append(not dominated)
    return out


def test_pareto_front_small_cases():
    assert plotting.pareto_front([1, 2, 3, 4], [0.5, 0.4, 0.7, 0.7]).tolist() == \
        [True, False, True, False]
    # identical points are both on the front; equal cost, worse score is not
    assert plotting.pareto_front([1, 1, 1, 2], [0.5, 0.5, 0.3, 0.9]).tolist() == \
        [True, True, False, True]
    # lower is better
    assert plotting.pareto_front([1, 2, 3], [3.0, 1.0, 2.0], higher_is_better=False).tolist() == \
        [True, True, False]
    assert plotting.pareto_front([1, np.nan, 2], [0.1, 5.0, 0.2]).tolist() == [True, False, True]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.5, 1.0, 2.0, 4.0, np.nan]),
                          st.sampled_from([0.1, 0.2, 0.3, np.nan])), min_size=1, max_size=9),
       st.booleans())
def test_pareto_front_is_the_set_of_non_dominated_points(points, higher):
    c = np.array([p[0] for p in points])
    s = np.array([p[1] for p in points])
    assert plotting.pareto_front(c, s, higher_is_better=higher).tolist() == \
        _dominated_naive(c, s, higher)


# ------------------------------------------------------------------------------------ speed
def test_speed_accuracy_from_a_table():
    table = pd.DataFrame({"model": ["a", "b", "c", "d", "e"],
                          "gflops": [1.0, 2.0, 10.0, 20.0, 200.0],
                          "auc": [0.70, 0.65, 0.80, 0.79, 0.85],
                          "ci_low": [0.69, 0.64, 0.78, 0.77, 0.84],
                          "ci_high": [0.71, 0.66, 0.82, 0.81, 0.86]})
    ax = plotting.plot_speed_accuracy(table, "auc", "gflops")
    points = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(points, table[["gflops", "auc"]].to_numpy())
    front = next(line for line in ax.lines if line.get_gid() == "pareto-front")
    assert list(zip(front.get_xdata(), front.get_ydata())) == [(1.0, 0.70), (10.0, 0.80),
                                                               (200.0, 0.85)]
    assert ax.get_xscale() == "log"
    assert "higher is better" in ax.get_ylabel() and "GFLOP" in ax.get_xlabel()
    names = {t.get_text() for t in ax.texts}
    assert {"a", "b", "c", "d", "e"} <= names
    _assert_labels_do_not_overlap(ax, {"a", "b", "c", "d", "e"})


def _assert_labels_do_not_overlap(ax, names):
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j])


def test_speed_accuracy_from_a_leaderboard(board):
    ax = plotting.plot_speed_accuracy(board, "information_gain", "gflops")
    table = plotting.speed_accuracy_table(board, "information_gain", "gflops")
    # delta has no information gain: left out and named; baselines are lines, not points
    assert table["model"].tolist() == ["alpha", "beta", "gamma"]
    assert table.attrs["left_out"] == ["delta"]
    assert table["on_front"].tolist() == [True, True, True]
    assert len(ax.collections[0].get_offsets()) == 3
    assert any("no gflops: delta" in t.get_text() for t in ax.texts)
    # the measured time instead, and a lower-is-better metric (the axis flips: better is up)
    ax = plotting.plot_speed_accuracy(board, "kld", "ms")
    assert ax.yaxis_inverted() and "lower is better" in ax.get_ylabel()
    assert "ms per image" in ax.get_xlabel()
    table = plotting.speed_accuracy_table(board, "kld", "ms")
    assert dict(zip(table["model"], table["cost"])) == {"alpha": 12.0, "beta": 3.0, "gamma": 1.0,
                                                        "delta": 30.0}
    assert table.set_index("model")["on_front"].to_dict() == {
        "alpha": True, "beta": True, "gamma": True, "delta": False}


def test_speed_accuracy_of_a_table_with_an_unregistered_metric():
    table = pd.DataFrame({"model": ["a", "b", "c"], "ms": [1.0, 5.0, 3.0],
                          "error": [0.3, 0.1, 0.2]})
    with pytest.raises(InputError, match="direction='higher' or 'lower'"):
        plotting.speed_accuracy_table(table, "error", "ms")
    result = plotting.speed_accuracy_table(table, "error", "ms", direction="lower")
    assert result["on_front"].tolist() == [True, True, True]
    ax = plotting.plot_speed_accuracy(table, "error", "ms", direction="lower")
    assert "lower is better" in ax.get_ylabel() and ax.yaxis_inverted()
    front = next(line for line in ax.lines if line.get_gid() == "pareto-front")
    assert list(front.get_xdata()) == [1.0, 3.0, 5.0]


def test_speed_accuracy_without_costs_says_so():
    table = pd.DataFrame({"model": ["a"], "ms": [np.nan], "auc": [0.7]})
    with pytest.raises(InputError, match="no model has both"):
        plotting.plot_speed_accuracy(table, "auc", "ms")
    with pytest.raises(InputError, match="needs columns 'model' and 'gflops'"):
        plotting.plot_speed_accuracy(table, "auc", "gflops")


# ------------------------------------------------------------------------------------ image grid
@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from salbench.demo import synthetic_dataset

    return synthetic_dataset(n_images=4, shape=(24, 32), n_observers=4,
                             root=tmp_path_factory.mktemp("synthetic"))


def test_image_grid_panels_show_the_images_and_each_models_map(synthetic, tmp_path):
    from salbench.demo import ContrastModel, TrueDensityModel

    dataset = synthetic.dataset
    models = [TrueDensityModel(synthetic), ContrastModel()]
    fig = plotting.plot_image_grid(dataset, [2, 0], models, score="auc")
    axes = np.array(fig.axes).reshape(2, 3)
    assert [ax.get_title() for ax in axes[0]] == ["image + fixations", models[0].name, "contrast"]
    np.testing.assert_array_equal(axes[0, 0].images[0].get_array(), dataset.stimuli.load(2))
    f = dataset.fixations.for_image(2)
    np.testing.assert_allclose(axes[0, 0].collections[0].get_offsets(),
                               np.column_stack([f.x, f.y]) - 0.5)
    np.testing.assert_allclose(axes[0, 1].images[0].get_array(), synthetic.true_density(2),
                               rtol=1e-12)
    contrast = models[1].saliency_map(dataset.stimuli.load(0))
    np.testing.assert_allclose(axes[1, 2].images[0].get_array(), contrast)
    f0 = dataset.fixations.for_image(0)
    assert axes[1, 2].texts[0].get_text() == f"AUC {auc(contrast, f0.x, f0.y):.3f}"
    assert "fixations" in axes[1, 0].get_ylabel()
    assert _is_figure_file(plotting.save_figure(fig, tmp_path / "grid.png", dpi=60))


def test_image_grid_with_colourbars_and_fixations_on_maps(synthetic):
    from salbench.demo import TrueDensityModel

    fig = plotting.plot_image_grid(synthetic.dataset, [1], [TrueDensityModel(synthetic)],
                                   colorbar=True, fixations_on_maps=True, score="nss")
    assert len(fig.axes) == 2 and len(fig.axes[1].child_axes) == 1  # the colourbar: an inset
    bar = fig.axes[1].child_axes[0]
    assert bar.get_ylim() == pytest.approx((0.0, synthetic.true_density(1).max()))
    f = synthetic.dataset.fixations.for_image(1)
    assert fig.axes[1].texts[0].get_text() == \
        f"NSS {nss(synthetic.true_density(1), f.x, f.y):.3f}"
    assert len(fig.axes[1].collections) == 1


def test_image_grid_errors(synthetic):
    from salbench.demo import ContrastModel

    with pytest.raises(InputError, match=r"outside 0..3"):
        plotting.plot_image_grid(synthetic.dataset, [0, 4], [ContrastModel()])
    with pytest.raises(InputError, match="score must be one of"):
        plotting.plot_image_grid(synthetic.dataset, [0], [ContrastModel()], score="kld")
    with pytest.raises(InputError, match="saliency_map"):
        plotting.plot_image_grid(synthetic.dataset, [0], [object()])


def test_importing_the_module_does_not_import_matplotlib():
    code = "import sys, salbench.plotting; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------ CLI
def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def results_dir(runs, tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    for r in runs:
        r.save(root / r.model.replace(" ", "-"))
    return root


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_cli_plot_leaderboard_writes_the_figure(results_dir, tmp_path, suffix):
    out = tmp_path / f"board{suffix}"
    result = _run("plot", "leaderboard", results_dir, "--metric", "auc", "--out", out,
                  "--bootstrap", 100, "--permutations", 100)
    assert result.exit_code == 0, result.output
    assert _is_figure_file(out)
    assert f"wrote {out}" in result.stderr


def test_cli_plot_paired_and_speed(results_dir, tmp_path):
    out = tmp_path / "paired.svg"
    result = _run("plot", "paired", results_dir / "gamma", results_dir / "alpha", "--metric",
                  "auc", "--out", out, "--bootstrap", 100, "--permutations", 100)
    assert result.exit_code == 0, result.output
    assert _is_figure_file(out) and b"alpha better" in out.read_bytes()
    out = tmp_path / "speed.pdf"
    result = _run("plot", "speed", results_dir, "--metric", "auc", "--cost", "ms", "--out", out,
                  "--bootstrap", 100, "--permutations", 100)
    assert result.exit_code == 0, result.output
    assert _is_figure_file(out)


def test_cli_leaderboard_plot_option(results_dir, tmp_path):
    out = tmp_path / "board.png"
    result = _run("leaderboard", results_dir, "--plot", out, "--bootstrap", 100,
                  "--permutations", 100)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("| model |")  # the table is still printed
    assert _is_figure_file(out)


def test_cli_plot_errors(results_dir, tmp_path):
    result = _run("plot", "leaderboard", results_dir, "--out", tmp_path / "board.jpg")
    assert result.exit_code == 2 and ".png, .svg or .pdf" in result.output
    result = _run("plot", "leaderboard", results_dir, "--metric", "cc", "--out",
                  tmp_path / "board.png", "--bootstrap", 10, "--permutations", 10)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the leaderboard has no metric 'cc'")
    result = _run("plot", "speed", results_dir, "--metric", "nss", "--out", tmp_path / "s.png",
                  "--bootstrap", 10, "--permutations", 10)
    assert result.exit_code == 1 and "no metric 'nss'" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written on errors


@pytest.fixture(scope="module")
def pysaliency_folder(synthetic, tmp_path_factory):
    from salbench.datasets.hdf5 import save_pysaliency

    folder = tmp_path_factory.mktemp("data") / "toy"
    save_pysaliency(synthetic.dataset, folder)
    return folder


def test_cli_plot_roc_legend_is_the_engines_auc(pysaliency_folder, tmp_path):
    from salbench.cli import load_dataset
    from salbench.models.spec import from_spec

    dataset = load_dataset(str(pysaliency_folder))
    centre = from_spec("baseline:centre", dataset=dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = salbench.evaluate(centre, dataset, metrics=["auc", "sauc"]).images
    for negatives, metric in (("all", "auc"), ("shuffled", "sauc")):
        out = tmp_path / f"roc-{negatives}.svg"
        result = _run("plot", "roc", "--model", "baseline:centre", "--model", "baseline:uniform",
                      "--dataset", pysaliency_folder, "--image", "0,2", "--image", 3,
                      "--negatives", negatives, "--allow-fit-overlap", "--out", out)
        assert result.exit_code == 0, result.output
        text = out.read_text()
        expected = scores.set_index("image").loc[[0, 2, 3], metric].mean()
        assert f"centre bias (AUC = {expected:.4f}, mean of 3 images)" in text
        assert "uniform (AUC = 0.5000, mean of 3 images)" in text


def test_cli_plot_grid(pysaliency_folder, tmp_path):
    out = tmp_path / "grid.png"
    result = _run("plot", "grid", "--dataset", pysaliency_folder, "--images", "0,1",
                  "--images", 3, "--model", "baseline:centre", "--model", "baseline:gold",
                  "--score", "auc", "--colorbar", "--allow-fit-overlap", "--out", out,
                  "--dpi", 50)
    assert result.exit_code == 0, result.output
    assert _is_figure_file(out)
    from PIL import Image

    with Image.open(out) as image:  # three rows of three panels: taller than wide is wrong
        assert image.width > image.height
    result = _run("plot", "grid", "--dataset", pysaliency_folder, "--images", "0,x",
                  "--model", "baseline:centre", "--out", out)
    assert result.exit_code == 1 and "'x' is not an image index" in result.stderr


@pytest.mark.parametrize("command", [["plot"], ["plot", "leaderboard"], ["plot", "paired"],
                                     ["plot", "roc"], ["plot", "grid"], ["plot", "speed"]])
def test_every_plot_command_has_help(command):
    result = _run(*command, "--help")
    assert result.exit_code == 0 and result.output.startswith("Usage:")
