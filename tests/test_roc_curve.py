"""salbench.metrics.roc_curve: exact ROC curves whose area is the metrics' rank AUC."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salbench import metrics, plotting
from salbench.exceptions import InputError


def _naive_curve_points(positives, negatives):
    """Every (fpr, tpr) point, one per distinct value, with the threshold +inf first."""
    thresholds = np.unique(np.concatenate([positives, negatives]))[::-1]
    return [(0.0, 0.0)] + [(float(np.mean(negatives >= t)), float(np.mean(positives >= t)))
                           for t in thresholds]


def _naive_area(positives, negatives):
    """Mann-Whitney: the share of (positive, negative) pairs ordered right, ties half."""
    p, n = positives[:, None], negatives[None, :]
    return float(np.mean((p > n) + 0.5 * (p == n)))


@st.composite
def cases(draw):
    h, w = draw(st.integers(1, 6)), draw(st.integers(2, 6))
    levels = draw(st.integers(1, 5))  # few levels: many ties between and within the classes
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    s = rng.integers(0, levels, size=(h, w)).astype(float)
    n = draw(st.integers(1, 8))
    x, y = rng.uniform(0, w, n), rng.uniform(0, h, n)
    m = draw(st.integers(1, 10))
    nx, ny = rng.uniform(0, w, m), rng.uniform(0, h, m)
    return s, x, y, (nx, ny)


@settings(max_examples=120, deadline=None)
@given(cases(), st.sampled_from(["all", "unfixated", "shuffled"]))
def test_area_is_the_auc_of_the_metrics_and_the_mann_whitney_count(case, kind):
    s, x, y, shuffled = case
    rows, cols = np.floor(y).astype(int), np.floor(x).astype(int)
    positives = s[rows, cols]
    if kind == "all":
        negatives, value = s.ravel(), metrics.auc(s, x, y)
    elif kind == "unfixated":
        fixated = np.zeros(s.shape, bool)
        fixated[rows, cols] = True
        negatives = s[~fixated]
        if negatives.size == 0:
            with pytest.raises(InputError, match="no negatives"):
                metrics.roc_curve(s, x, y, negatives="unfixated")
            return
        value = metrics.auc_unfixated(s, x, y)
    else:
        nx, ny = shuffled
        negatives = s[np.floor(ny).astype(int), np.floor(nx).astype(int)]
        value = metrics.sauc(s, x, y, nx, ny)
    curve = metrics.roc_curve(s, x, y, negatives=shuffled if kind == "shuffled" else kind)
    assert abs(curve.area - value) <= 1e-12
    assert abs(curve.area - _naive_area(positives, negatives)) <= 1e-12
    assert (curve.n_positives, curve.n_negatives) == (positives.size, negatives.size)
    # the curve keeps a subset of the naive points, in order, from (0, 0) to (1, 1)
    naive = _naive_curve_points(positives, negatives)
    kept = list(zip(curve.fpr.tolist(), curve.tpr.tolist()))
    assert kept[0] == (0.0, 0.0) and kept[-1] == (1.0, 1.0)
    assert all(any(abs(f - g) < 1e-12 and abs(t - u) < 1e-12 for g, u in naive) for f, t in kept)
    assert (np.diff(curve.fpr) >= 0).all() and (np.diff(curve.tpr) >= 0).all()
    assert curve.thresholds[0] == np.inf and (np.diff(curve.thresholds) < 0).all()


def test_constant_map_is_the_diagonal():
    curve = metrics.roc_curve(np.full((3, 4), 2.0), [0.5, 1.5], [0.5, 2.5])
    assert curve.fpr.tolist() == [0.0, 1.0] and curve.tpr.tolist() == [0.0, 1.0]
    assert curve.area == 0.5 == metrics.auc(np.full((3, 4), 2.0), [0.5, 1.5], [0.5, 2.5])


def test_mean_roc_curve_area_is_the_mean_auc():
    rng = np.random.default_rng(1)
    maps = [rng.integers(0, k, size=(5, 7)).astype(float) for k in (2, 3, 50)]
    x, y = rng.uniform(0, 7, 6), rng.uniform(0, 5, 6)
    mean = metrics.mean_roc_curve([metrics.roc_curve(s, x, y) for s in maps])
    assert abs(mean.area - np.mean([metrics.auc(s, x, y) for s in maps])) <= 1e-12
    with pytest.raises(InputError, match="at least one curve"):
        metrics.mean_roc_curve([])


def test_errors_name_the_problem():
    with pytest.raises(InputError, match="no negatives"):
        metrics.roc_curve(np.ones((1, 2)), [0.5, 1.5], [0.5, 0.5], negatives="unfixated")
    bad = np.ones((3, 3))
    bad[1, 2] = np.inf
    with pytest.raises(InputError, match="row 1, column 2"):
        metrics.roc_curve(bad, [0.5], [0.5])
    with pytest.raises(InputError, match="outside the image"):
        metrics.roc_curve(np.ones((3, 3)), [0.5], [0.5], negatives=([3.5], [0.5]))
    with pytest.raises(InputError, match="negatives must be"):
        metrics.roc_curve(np.ones((3, 3)), [0.5], [0.5], negatives="shuffled")


def test_plotting_names_are_the_metrics_ones():
    assert plotting.roc_curve is metrics.roc_curve
    assert plotting.mean_roc_curve is metrics.mean_roc_curve
    assert plotting.RocCurve is metrics.RocCurve
    from salbench.plotting import roc

    assert roc.roc_curve is metrics.roc_curve
