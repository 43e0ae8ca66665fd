"""Leaderboards averaged per fixation, and the protocol every output format states."""

import html
import io
import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import salbench
from salbench import stats
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.reports import leaderboard

from test_leaderboard import make_results


def test_weighted_bootstrap_means_match_a_plain_loop():
    rng = np.random.default_rng(0)
    values = rng.normal(size=30)
    values[[3, 7]] = np.nan
    weights = rng.integers(0, 20, 30).astype(float)
    indices = stats.bootstrap_indices(30, 50, rng)
    expected = []
    for row in indices:
        v, w = values[row], weights[row]
        keep = ~np.isnan(v)
        expected.append((v[keep] * w[keep]).sum() / w[keep].sum())
    np.testing.assert_allclose(stats.masked_means(values, indices, weights=weights), expected,
                               rtol=1e-12)
    # equal weights are the plain mean
    np.testing.assert_allclose(stats.masked_means(values, indices, weights=np.full(30, 3.0)),
                               stats.masked_means(values, indices), rtol=1e-12)
    with pytest.raises(InputError, match="unit 2"):
        stats.masked_means(values, indices, weights=np.r_[1.0, 1.0, -1.0, np.ones(27)])
    with pytest.raises(InputError, match="one value per unit"):
        stats.masked_means(values, indices, weights=np.ones(4))


def test_weighted_paired_test_agrees_with_exact_enumeration():
    d = np.array([0.3, -0.1, 0.25, 0.05, -0.2, 0.4, 0.1])
    w = np.array([10.0, 2.0, 7.0, 1.0, 60.0, 4.0, 5.0])
    observed = abs((w * d).sum())
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=d.size)))
    exact = np.mean(np.abs(signs @ (w * d)) >= observed * (1 - 1e-12))
    result = stats.paired_difference(np.zeros(d.size), d, weights=w, n_bootstrap=100,
                                     n_permutations=20000, seed=1)
    assert result.mean == pytest.approx((w * d).sum() / w.sum(), rel=1e-12)
    assert result.p_value == pytest.approx(exact, abs=0.015)
    # the weights matter: image 4 (weight 60, negative) pulls the weighted mean below zero
    assert result.mean < 0 < d.mean()


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    from salbench.models.baselines import UniformModel

    from _evaluate_support import SmoothRandomModel, mixed_size_dataset

    # images with 12, 9, 0, 7, 15 and 10 fixations: per image and per fixation differ
    data = mixed_size_dataset(tmp_path_factory.mktemp("protocol"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        return [salbench.evaluate(m, data) for m in (
            SmoothRandomModel("smooth", 1.0), SmoothRandomModel("sharp", 3.0), UniformModel())]


def test_per_fixation_means_are_the_means_over_all_fixations(real_runs):
    board = leaderboard(real_runs, average="fixation", n_bootstrap=200, n_permutations=200)
    per_image = leaderboard(real_runs, n_bootstrap=200, n_permutations=200)
    table = board.table.set_index(["model", "metric"])
    counts = real_runs[1].images["n_fixations"].to_numpy()
    assert len(set(counts.tolist())) > 2  # the images differ, so the averages differ
    for run in real_runs:
        fixations = run.fixations
        for metric in ("auc", "nss", "information_gain", "log_likelihood"):
            if metric not in fixations.columns:
                continue
            # a per-fixation metric: the weighted mean of image means is the fixations' mean
            assert table.loc[(run.model, metric), "mean"] == pytest.approx(
                fixations[metric].mean(), rel=1e-10)
        # a per-image metric (cc) is weighted by the images' fixation counts
        cc = run.images["cc"].to_numpy()
        defined = ~np.isnan(cc)
        assert table.loc[(run.model, "cc"), "mean"] == pytest.approx(
            (cc[defined] * counts[defined]).sum() / counts[defined].sum(), rel=1e-12)
    assert board.meta["average"] == "fixation" and per_image.meta["average"] == "image"
    assert not np.allclose(board.table["mean"].fillna(0), per_image.table["mean"].fillna(0))
    with pytest.raises(InputError, match="average must be"):
        leaderboard(real_runs, average="observer")


def test_different_fixation_counts_cannot_be_averaged_per_fixation():
    a = make_results("a", {"auc": [0.6, 0.7, 0.8]})
    b = make_results("b", {"auc": [0.5, 0.6, 0.7]})
    b.images.loc[1, "n_fixations"] = 3
    leaderboard([a, b], n_bootstrap=20, n_permutations=20)  # per image: fine
    with pytest.raises(InputError, match=r"'b' and 'a' count different numbers of fixations "
                                         r"on images \[1\]"):
        leaderboard([a, b], average="fixation", n_bootstrap=20, n_permutations=20)


@pytest.mark.parametrize("average", ["image", "fixation"])
def test_every_format_states_the_protocol(real_runs, average):
    board = leaderboard(real_runs, average=average, n_bootstrap=100, n_permutations=100)
    facts = board.protocol()
    assert facts["average"] == average
    assert "all pixels as negatives" in facts["metrics"]["auc"]
    assert "tuebingen convention" in facts["metrics"]["nss"]
    assert facts["ig_baseline"] and facts["ig_baseline"] in board.to_markdown()
    words = "per fixation" if average == "fixation" else "per image"
    md = board.to_markdown()
    assert f"Averaging {words}" in md and "Metric variants: auc: exact rank AUC" in md
    page = board.to_html()
    assert f"{words}:" in page and facts["ig_baseline"] in page
    frame = pd.read_csv(io.StringIO(board.to_csv()), keep_default_na=False)
    assert set(frame["average"]) == {average}
    auc_rows = frame[frame["metric"] == "auc"]
    assert set(auc_rows["variant"]) == {facts["metrics"]["auc"]}
    ig_rows = frame[frame["metric"] == "information_gain"]
    assert set(ig_rows["ig_baseline"]) == {facts["ig_baseline"]}
    assert set(frame.loc[frame["metric"] == "auc", "ig_baseline"]) == {""}
    data = json.loads(board.to_json())
    assert data["protocol"] == json.loads(json.dumps(facts))


def test_the_gold_standard_definition_is_in_every_format():
    from salbench.reports.leaderboard import GOLD_STANDARD_DEFINITION

    runs = [make_results("m", {"auc": [0.7, 0.8, 0.75]}),
            make_results("gold", {"auc": [0.9, 0.95, 0.92]}, role="baseline",
                         baseline="gold_standard")]
    board = leaderboard(runs, n_bootstrap=50, n_permutations=50)
    assert GOLD_STANDARD_DEFINITION[1:] in board.to_markdown()
    assert html.escape(GOLD_STANDARD_DEFINITION[1:]) in board.to_html()
    frame = pd.read_csv(io.StringIO(board.to_csv()), keep_default_na=False)
    assert set(frame.loc[frame["model"] == "gold", "definition"]) == {GOLD_STANDARD_DEFINITION}
    assert set(frame.loc[frame["model"] == "m", "definition"]) == {""}
    assert json.loads(board.to_json())["protocol"]["gold_standard"] == {
        "gold_standard": GOLD_STANDARD_DEFINITION}
