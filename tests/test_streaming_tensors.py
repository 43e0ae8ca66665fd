"""The numpy StreamingScores and score_maps take tensors (also ones that require grad) and read
float32 maps without a float64 copy where the metric's cores are exact on them."""

from __future__ import annotations

import numpy as np
import pytest

import salbench.metrics as M
from salbench.exceptions import InputError
from salbench.metrics._batch import _Batch

torch = pytest.importorskip("torch")

FLOAT32_METRICS = [m for m in M.names() if M.get(m).float32]


def _data(seed=0, shape=(4, 30, 40)):
    rng = np.random.default_rng(seed)
    maps = rng.random(shape).astype(np.float32)
    maps[:, :5] = 0.5  # ties
    x = rng.uniform(0, shape[2], 60)
    y = rng.uniform(0, shape[1], 60)
    n = np.repeat(np.arange(shape[0]), 15)
    flat = maps.reshape(shape[0], -1).astype(np.float64)
    log_p = (np.log(flat) - np.log(flat.sum(1, keepdims=True))).reshape(shape).astype(np.float32)
    return maps, x, y, n, log_p


def test_the_float32_metrics_are_the_rank_aucs_and_likelihoods():
    assert set(FLOAT32_METRICS) == {"auc", "auc_unfixated", "sauc", "log_likelihood",
                                    "information_gain"}


def test_float32_maps_are_read_in_place_for_float32_metrics():
    maps, x, y, n, _ = _data()
    batch = _Batch(["auc", "sauc"], {"saliency_maps": maps}, x, y, n, n_threads=1,
                   check_normalization=True)
    inputs = batch.image(1)
    assert inputs.saliency_map.dtype == np.float32
    assert np.shares_memory(inputs.saliency_map, maps)
    batch = _Batch(["auc", "nss"], {"saliency_maps": maps}, x, y, n, n_threads=1,
                   check_normalization=True)
    assert batch.image(1).saliency_map.dtype == np.float64  # nss's kernels read float64 bits


def test_float32_results_are_those_of_the_same_values_in_float64():
    maps, x, y, n, log_p = _data(1)
    baseline = [log_p[0]] * len(maps)
    got = M.score_maps(maps, x, y, n, metrics=FLOAT32_METRICS, log_densities=log_p,
                       baseline_log_densities=baseline)
    expected = M.score_maps(maps.astype(np.float64), x, y, n, metrics=FLOAT32_METRICS,
                            log_densities=log_p.astype(np.float64),
                            baseline_log_densities=[b.astype(np.float64) for b in baseline])
    for name in FLOAT32_METRICS:
        np.testing.assert_array_equal(got[name].to_numpy(), expected[name].to_numpy(), name)
    per_fixation = M.score_fixations(maps, x, y, n, metrics=["auc", "log_likelihood"],
                                     log_densities=log_p)
    per_fixation64 = M.score_fixations(maps.astype(np.float64), x, y, n,
                                       metrics=["auc", "log_likelihood"],
                                       log_densities=log_p.astype(np.float64))
    assert per_fixation.equals(per_fixation64)


def test_streaming_scores_take_tensors_that_require_grad():
    maps, x, y, n, log_p = _data(2)
    t = torch.tensor(maps, requires_grad=True)
    prediction = t * 2.0  # a graph node, as a model output would be
    scores = M.StreamingScores(["auc", "nss", "log_likelihood"])
    scores.update(prediction, torch.tensor(x), torch.tensor(y), torch.tensor(n),
                  log_densities=torch.tensor(log_p, requires_grad=True))
    reference = M.StreamingScores(["auc", "nss", "log_likelihood"])
    reference.update(maps * 2.0, x, y, n, log_densities=log_p)
    assert scores.compute() == pytest.approx(reference.compute(), rel=1e-12)


def test_float32_log_density_tolerance():
    maps, x, y, n, log_p = _data(3)
    off = log_p.copy()
    off[0] += np.float32(5e-5)  # within float32's tolerance of 1e-4, not within 1e-6
    M.score_maps(None, x, y, n, metrics=["log_likelihood"], log_densities=off)
    with pytest.raises(InputError,
                       match="more than 1e-06 away from 1"):
        M.score_maps(None, x, y, n, metrics=["log_likelihood"],
                     log_densities=off.astype(np.float64))
