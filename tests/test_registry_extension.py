"""The "add a metric" recipe is true: registering a metric is all it takes for every path to know it.

A toy metric is registered through :func:`salbench.metrics.register` alone — no other module is
edited — and then appears in ``score_maps``, ``score_fixations``, ``StreamingScores``,
``evaluate`` (named, and in ``metrics="all"``) and the leaderboard.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import salbench.metrics as M
from salbench.evaluation import evaluate
from salbench.exceptions import DegenerateInputWarning
from salbench.models.baselines import UniformModel
from salbench.reports import leaderboard

from _evaluate_support import SmoothRandomModel, mixed_size_dataset

TOY = "toy_peak_ratio"


def toy_peak_ratio(saliency_map, x, y):
    """Mean saliency at the fixations over the map's maximum (the toy's public function)."""
    s = np.asarray(saliency_map, dtype=np.float64)
    rows, cols = np.floor(y).astype(int), np.floor(x).astype(int)
    return float(np.mean(s[rows, cols]) / s.max())


def _fixation_values(inputs, options):
    s = inputs.saliency(TOY)
    return s.reshape(-1)[inputs.flat] / s.max(), None


def _image_value(inputs, options):
    values, _ = _fixation_values(inputs, options)
    return float(values.mean()), None


@pytest.fixture
def toy():
    info = M.register(M.MetricInfo(
        TOY, toy_peak_ratio, True, ("saliency_map", "fixations"), image_score=_image_value,
        fixation_scores=_fixation_values, mean_of_fixations=True, unit="ratio",
        summary="mean saliency at the fixations over the peak"))
    try:
        yield info
    finally:
        M.unregister(TOY)
    assert TOY not in M.names()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return mixed_size_dataset(tmp_path_factory.mktemp("toy"))


def test_a_registered_metric_is_scored_by_the_batch_paths(toy):
    rng = np.random.default_rng(0)
    maps = [rng.random((6, 8)) for _ in range(3)]
    x, y, n = rng.random(9) * 8, rng.random(9) * 6, np.repeat(np.arange(3), 3)
    table = M.score_maps(maps, x, y, n, metrics=[TOY, "auc"])
    for i in range(3):
        assert table.loc[i, TOY] == pytest.approx(toy_peak_ratio(maps[i], x[n == i], y[n == i]),
                                                  abs=1e-14)
    assert TOY in M.PER_FIXATION_METRICS
    per_fixation = M.score_fixations(maps, x, y, n, metrics=[TOY])
    assert per_fixation[TOY].groupby(per_fixation["image"]).mean().to_numpy() == pytest.approx(
        table[TOY].to_numpy(), abs=1e-14)
    streaming = M.StreamingScores([TOY])
    streaming.update(maps, x, y, n)
    assert streaming.compute()[TOY] == pytest.approx(table[TOY].mean(), abs=1e-14)


def test_a_registered_metric_reaches_the_engine_and_the_leaderboard(toy, mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        named = evaluate(SmoothRandomModel(), mixed, metrics=[TOY, "auc"], n_threads=1)
        everything = evaluate(UniformModel(), mixed, metrics="all", n_threads=1)
    assert TOY in named.metrics and TOY in everything.metrics
    images = named.images.set_index("image")
    for i in (0, 1, 3):
        f = mixed.fixations.for_image(i)
        s = np.exp(SmoothRandomModel().log_density(mixed.stimuli.shape(i),
                                                   image_id=mixed.stimuli.ids[i]))
        assert images.loc[i, TOY] == pytest.approx(toy_peak_ratio(s, f.x, f.y), abs=1e-12)
    assert TOY in named.fixations.columns
    facts = {m["name"]: m for m in named.manifest["metrics"]}
    assert facts[TOY]["unit"] == "ratio" and facts[TOY]["direction"] == "higher"

    board = leaderboard([named, everything], metrics=[TOY, "auc"])
    assert TOY in board.metrics
    assert TOY in board.to_markdown()
    assert set(board.table.loc[board.table["metric"] == TOY, "model"]) == {named.model,
                                                                            everything.model}
