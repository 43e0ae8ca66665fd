"""Leaderboards: statistics (against slow references), structure, baselines, formats."""

import html.parser
import io
import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import salbench
from salbench import stats
from salbench.exceptions import DegenerateInputWarning, InputError
from salbench.reports import LEADERBOARD_FORMAT, Leaderboard, leaderboard
from salbench.evaluation import Results

FINGERPRINT = "sha256:" + "0" * 64


def make_results(name, values, *, role="model", baseline=None, kind="probabilistic",
                 fingerprint=FINGERPRINT, images=None):
    """A complete Results object with the given per-image values (metric -> array)."""
    from salbench.metrics import get

    n = len(next(iter(values.values())))
    images = list(range(n)) if images is None else list(images)
    table = pd.DataFrame({"model": name, "image": images, "image_id": [f"{i}.png" for i in images],
                          "n_fixations": 10, "model_seconds": 0.0,
                          **{m: np.asarray(v, dtype=float) for m, v in values.items()}})
    metrics = [{"name": m, "direction": get(m).direction, "unit": get(m).unit} for m in values]
    manifest = {"format": "salbench.Results/1", "status": "complete",
                "model": {"name": name, "kind": kind, "role": role, "baseline": baseline},
                "dataset": {"name": "toy", "fingerprint": fingerprint}, "metrics": metrics,
                "parameters": {"convention": "tuebingen", "conventions": {}}}
    return Results(table, None, manifest)


# ------------------------------------------------------------------------------ statistics
def test_masked_bootstrap_means_match_a_plain_loop():
    rng = np.random.default_rng(1)
    values = rng.normal(size=23)
    values[[3, 7]] = np.nan
    indices = stats.bootstrap_indices(23, 300, np.random.default_rng(5))
    fast = stats.masked_means(values, indices)
    slow = [np.nanmean(values[row]) if np.isfinite(values[row]).any() else np.nan
            for row in indices]
    np.testing.assert_allclose(fast, slow, rtol=1e-12)


def test_bootstrap_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    covered = 0
    repeats = 300
    for _ in range(repeats):
        sample = rng.normal(loc=2.0, scale=1.0, size=60)
        indices = stats.bootstrap_indices(60, 400, rng)
        low, high = stats.percentile_interval(stats.masked_means(sample, indices), 0.95)
        covered += low <= 2.0 <= high
    assert 0.89 <= covered / repeats <= 0.99


def _exact_sign_flip(d):
    observed = abs(d.sum())
    total = 0
    for signs in itertools.product((-1.0, 1.0), repeat=d.size):
        total += abs(np.dot(signs, d)) >= observed * (1 - 1e-12)
    return total / 2 ** d.size


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sign_flip_test_agrees_with_exact_enumeration(seed):
    rng = np.random.default_rng(seed)
    d = rng.normal(loc=0.4, size=11)
    exact = _exact_sign_flip(d)
    estimate = stats.sign_flip_test(d, 20000, np.random.default_rng(seed + 10))
    assert abs(estimate - exact) < 4 * math.sqrt(exact * (1 - exact) / 20000) + 1e-4


def test_shared_sign_flips_cached_or_blockwise_give_the_same_p_and_ignore_nan():
    rng = np.random.default_rng(4)
    d = rng.normal(loc=0.3, size=12)
    d[[2, 9]] = np.nan
    cached = stats.SignFlips(12, 5000, np.random.default_rng(1))
    streamed = stats.SignFlips(12, 5000, np.random.default_rng(1), cache_bytes=0)
    p = stats.sign_flip_test(d, 5000, None, flips=cached)
    assert p == stats.sign_flip_test(d, 5000, None, flips=streamed)
    exact = _exact_sign_flip(d[~np.isnan(d)])
    assert abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / 5000) + 2e-4


def test_sign_flip_test_edge_cases():
    rng = np.random.default_rng(0)
    assert stats.sign_flip_test(np.zeros(5), 100, rng) == 1.0
    assert math.isnan(stats.sign_flip_test(np.full(3, np.nan), 100, rng))
    # four images all in one direction: the smallest two-sided p is 2 / 16
    p = stats.sign_flip_test(np.array([1.0, 1.0, 1.0, 1.0]), 20000, rng)
    assert abs(p - 0.125) < 0.01
    # with many consistent images p reaches its floor 1 / (1 + permutations)
    assert stats.sign_flip_test(np.full(40, 0.1), 999, rng) == 1 / 1000


# ------------------------------------------------------------------------------ the table
def _board(**options):
    rng = np.random.default_rng(3)
    n = 40
    truth_ig = rng.normal(2.0, 0.5, n)
    auc_a = rng.uniform(0.8, 0.9, n)
    runs = [
        make_results("model a", {"auc": auc_a, "kld": rng.uniform(0.5, 0.7, n),
                                 "information_gain": truth_ig * 0.5}),
        make_results("model b", {"auc": auc_a - 0.05, "kld": rng.uniform(0.2, 0.3, n),
                                 "information_gain": truth_ig * 0.25}),
        # a near-tie with model a on AUC: tiny zero-mean differences
        make_results("model c", {"auc": auc_a + rng.normal(0, 1e-4, n)}, kind="saliency"),
        make_results("uniform", {"auc": np.full(n, 0.5), "information_gain": np.full(n, -0.3)},
                     role="baseline", baseline="uniform"),
        make_results("gold", {"auc": np.full(n, 0.95), "information_gain": truth_ig},
                     role="baseline", baseline="gold_standard"),
        make_results("centre", {"auc": np.full(n, 0.7), "information_gain": np.zeros(n)},
                     role="baseline", baseline="centre_bias"),
    ]
    return leaderboard(runs, n_bootstrap=500, n_permutations=2000, **options), runs


def test_table_structure_rows_and_order():
    board, _ = _board()
    table = board.table
    assert list(table.columns) == [
        "model", "role", "baseline", "kind", "metric", "direction", "unit", "mean", "ci_low",
        "ci_high", "n_images", "rank", "is_best", "best_model", "diff_vs_best", "diff_ci_low",
        "diff_ci_high", "p_vs_best", "tied_with_best"]
    assert board.metrics == ["auc", "kld", "information_gain", "explained_ig"]
    # models sorted by information gain (c has none: last), then gold, centre bias, uniform
    assert board.models == ["model a", "model b", "model c", "gold", "centre", "uniform"]
    assert len(table) == 6 * 4
    kld = table[table.metric == "kld"].set_index("model")
    assert kld.loc["model a", "direction"] == "lower"
    assert kld.loc["model b", "is_best"] and kld.loc["model b", "rank"] == 1
    assert np.isnan(kld.loc["uniform", "mean"]) and kld.loc["uniform", "n_images"] == 0
    wide = board.wide()
    assert wide.index.tolist() == board.models and wide.columns.tolist() == board.metrics


def test_means_intervals_and_explained_information_gain():
    board, runs = _board()
    table = board.table.set_index(["model", "metric"])
    a = runs[0].images
    assert table.loc[("model a", "auc"), "mean"] == pytest.approx(a["auc"].mean())
    row = table.loc[("model a", "auc")]
    assert row.ci_low < row["mean"] < row.ci_high
    assert table.loc[("uniform", "auc"), ["ci_low", "ci_high"]].tolist() == [0.5, 0.5]
    assert table.loc[("model a", "explained_ig"), "mean"] == pytest.approx(50.0)
    assert table.loc[("model b", "explained_ig"), "mean"] == pytest.approx(25.0)
    assert table.loc[("gold", "explained_ig"), "mean"] == pytest.approx(100.0)
    assert table.loc[("centre", "explained_ig"), "mean"] == 0.0
    # model a: IG = truth / 2 on every image, so every resample gives exactly 50 %
    assert table.loc[("model a", "explained_ig"), "ci_low"] == pytest.approx(50.0)


def test_best_model_paired_test_and_near_ties():
    board, runs = _board()
    auc = board.table[board.table.metric == "auc"].set_index("model")
    best = auc.loc[auc.is_best].index.tolist()
    assert len(best) == 1 and best[0] in ("model a", "model c")  # never a baseline
    assert auc.loc["gold", "rank"] == 1.0 and not auc.loc["gold", "is_best"]
    assert auc.loc["model b", "diff_vs_best"] == pytest.approx(-0.05, abs=1e-4)
    assert auc.loc["model b", "p_vs_best"] == pytest.approx(1 / 2001)
    assert not auc.loc["model b", "tied_with_best"]
    other = "model c" if best[0] == "model a" else "model a"
    assert auc.loc[other, "tied_with_best"] and auc.loc[other, "p_vs_best"] > 0.05
    assert auc.loc[other, "diff_ci_low"] < 0 < auc.loc[other, "diff_ci_high"] or \
        abs(auc.loc[other, "diff_vs_best"]) < 1e-4
    assert "≈" in board.to_markdown()


def test_same_seed_same_table_other_seed_other_intervals():
    one, _ = _board(seed=1)
    two, _ = _board(seed=1)
    three, _ = _board(seed=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert not np.allclose(one.table["ci_low"].fillna(0), three.table["ci_low"].fillna(0))
    pd.testing.assert_series_equal(one.table["mean"], three.table["mean"])


def test_with_only_baselines_the_best_non_gold_baseline_is_the_reference():
    _, runs = _board()
    board = leaderboard(runs[3:], n_bootstrap=100, n_permutations=100)
    auc = board.table[board.table.metric == "auc"].set_index("model")
    assert auc.loc["centre", "is_best"] and not auc.loc["gold", "is_best"]


def test_mismatches_are_errors_or_explicit():
    a = make_results("a", {"auc": [0.6, 0.7, 0.8]})
    b = make_results("b", {"auc": [0.6, 0.7]}, images=[0, 2])
    with pytest.raises(InputError, match=r"cover different images \(a: 3, b: 2; 2 in common\)"):
        leaderboard([a, b])
    with pytest.warns(UserWarning, match="comparing on the 2 images all results share"):
        board = leaderboard([a, b], images="common", n_bootstrap=50, n_permutations=50)
    assert board.table.set_index("model").loc["a", "mean"] == pytest.approx(0.7)
    with pytest.raises(InputError, match="same model name: a"):
        leaderboard([a, make_results("a", {"auc": [0.1, 0.2, 0.3]})])
    with pytest.raises(InputError, match="different datasets"):
        leaderboard([a, make_results("c", {"auc": [0.1, 0.2, 0.3]}, fingerprint="sha256:1")])
    with pytest.raises(InputError, match="no result has metric 'nss'"):
        leaderboard([a], metrics=["nss"])
    with pytest.raises(InputError, match="confidence"):
        leaderboard([a], confidence=95)


# ------------------------------------------------------------------------------ formats
class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cells = 0, 0

    def handle_starttag(self, tag, attrs):
        self.rows += tag == "tr"
        self.cells += tag in ("td", "th")


def test_markdown_html_csv_json_outputs(tmp_path):
    board, _ = _board()
    md = board.to_markdown()
    lines = md.splitlines()
    assert lines[0] == ("| model | type | auc ↑ | kld ↓ | information_gain ↑ | explained_ig ↑ |")
    assert lines[2].startswith("| model a | model | ")
    assert "| gold | baseline |" in md and "**" in md
    parser = _Cells()
    parser.feed(board.to_html())
    # the page's one table (tests/test_site.py checks the page itself)
    assert parser.rows == 7 and parser.cells == 7 * 6
    frame = pd.read_csv(io.StringIO(board.to_csv()), dtype={"baseline": str, "unit": str},
                        keep_default_na=False, na_values={"mean": [""], "ci_low": [""]})
    # the protocol travels as columns (tests/test_leaderboard_protocol.py checks them)
    frame = frame.drop(columns=["average", "variant", "ig_baseline", "definition"])
    for column in ("ci_high", "rank", "diff_vs_best", "diff_ci_low", "diff_ci_high", "p_vs_best"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    pd.testing.assert_frame_equal(frame, board.table, check_dtype=False)
    data = json.loads(board.to_json())
    assert data["format"] == LEADERBOARD_FORMAT
    assert data["meta"]["n_images"] == 40 and data["meta"]["n_bootstrap"] == 500
    assert [m["name"] for m in data["models"]] == board.models
    back = Leaderboard.from_json(board.to_json())
    pd.testing.assert_frame_equal(back.table, board.table, check_dtype=False)
    for ext in ("md", "html", "csv", "json"):
        path = board.save(tmp_path / f"board.{ext}")
        assert path.read_text(encoding="utf-8") == board.render(ext)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(InputError, match="cannot tell the format"):
        board.save(tmp_path / "board.txt")


def test_leaderboard_of_real_evaluations_and_directories(tmp_path):
    from salbench.demo import BlurredTruthModel, TrueDensityModel, synthetic_dataset
    from salbench.evaluation import evaluate_baselines

    data = synthetic_dataset(n_images=8, shape=(32, 40), root=tmp_path / "data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        runs = [salbench.evaluate(TrueDensityModel(data), data.dataset, out=tmp_path / "r" / "truth"),
                salbench.evaluate(BlurredTruthModel(data, 6.0, "blurry"), data.dataset,
                                  out=tmp_path / "r" / "blurry")]
        runs += evaluate_baselines(data.dataset, which=["uniform", "centre_bias"],
                                   out=tmp_path / "r")
    from_objects = salbench.leaderboard(runs, n_bootstrap=200, n_permutations=200)
    from_folder = salbench.leaderboard([tmp_path / "r"], n_bootstrap=200, n_permutations=200)
    pd.testing.assert_frame_equal(from_objects.table.sort_values(["metric", "model"]).reset_index(drop=True),
                                  from_folder.table.sort_values(["metric", "model"]).reset_index(drop=True))
    table = from_objects.table.set_index(["model", "metric"])
    assert table.loc[("true density (gold standard)", "explained_ig"), "mean"] == 100.0
    assert 0 < table.loc[("blurry", "explained_ig"), "mean"] < 100
    assert table.loc[("centre bias", "information_gain"), "mean"] == 0.0
