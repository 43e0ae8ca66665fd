"""The naive reference of every registered metric, on the inputs of one image.

``REFERENCES[name](image, options)`` computes metric ``name`` with the slow, obviously correct
implementations of ``tests/naive.py`` and ``tests/naive_emd.py``; ``image`` is a
:class:`tests.test_common.ImageCase`-like object (``saliency_map``, ``x``, ``y``,
``reference_map``, ``log_density``, ``baseline_log_density``, ``baseline_map``, ``nx``, ``ny``
— the other images' fixations —, ``other_map``) and ``options`` a dict (``convention``,
``downsize``). ``TOLERANCE[name]`` is the absolute tolerance of the comparison: 1e-10 for exact
metrics; for the sampled MIT AUCs the naive value is their expectation (the area is linear in
the sampled false-positive rates, so the expected area is the area with every candidate pixel as
a negative) and the tolerance covers the sampling error at the ``n_splits`` the tests use.

The registry-driven tests (``tests/test_common.py``) require an entry here for every registered
metric.
"""

from __future__ import annotations

import numpy as np

try:
    from . import naive
    from .naive_emd import lp_emd
except ImportError:  # collected as a top-level module
    import naive
    from naive_emd import lp_emd


def _distinct_fixated(s, x, y):
    mask = np.zeros(np.shape(s), bool)
    mask[naive.pixels(x, y)] = True
    return mask


def _auc(negatives):
    def reference(c, o):
        s = c.saliency_map
        if negatives == "all":
            neg = naive.negatives_all(s)
        else:
            neg = naive.negatives_unfixated(s, c.x, c.y)
        return float(np.mean(naive.rank_auc_per_fixation(s, c.x, c.y, neg)))
    return reference


def _sauc(c, o):
    neg = naive.negatives_at(c.saliency_map, c.nx, c.ny)
    return float(np.mean(naive.rank_auc_per_fixation(c.saliency_map, c.x, c.y, neg)))


def _borji_expectation(c, o):
    S = naive.minmax(c.saliency_map)
    positives = S[_distinct_fixated(S, c.x, c.y)]
    return naive.thresholded_roc_area(positives, S.ravel())


def _sauc_mit_expectation(c, o):
    S = naive.minmax(c.saliency_map)
    fixated = _distinct_fixated(S, c.x, c.y)
    candidates = (np.asarray(c.other_map) > 0) & ~fixated
    return naive.thresholded_roc_area(S[fixated], S[candidates])


def _emd(c, o):
    if o.get("downsize", 1) != 1:
        raise ValueError("the naive EMD reference is for downsize=1 (no resizing)")
    s, r = np.asarray(c.saliency_map, float), np.asarray(c.reference_map, float)
    return lp_emd(s / s.sum(), r / r.sum())


REFERENCES = {
    "auc": _auc("all"),
    "auc_unfixated": _auc("unfixated"),
    "sauc": _sauc,
    "auc_judd": lambda c, o: naive.auc_judd(c.saliency_map, c.x, c.y),
    "auc_borji": _borji_expectation,
    "sauc_mit": _sauc_mit_expectation,
    "nss": lambda c, o: naive.nss(c.saliency_map, c.x, c.y, o.get("convention", "tuebingen")),
    "cc": lambda c, o: naive.cc(c.saliency_map, c.reference_map),
    "kld": lambda c, o: naive.kld(c.saliency_map, c.reference_map,
                                  o.get("convention", "tuebingen")),
    "sim": lambda c, o: naive.sim(c.saliency_map, c.reference_map,
                                  o.get("convention", "tuebingen")),
    "emd": _emd,
    "log_likelihood": lambda c, o: naive.log_likelihood(c.log_density, c.x, c.y),
    "information_gain": lambda c, o: naive.information_gain(c.log_density,
                                                            c.baseline_log_density, c.x, c.y),
    "info_gain_mit": lambda c, o: naive.info_gain_mit(c.saliency_map, c.baseline_map, c.x, c.y),
}

TOLERANCE = {name: 1e-10 for name in REFERENCES}
TOLERANCE.update({"auc_borji": 0.03, "sauc_mit": 0.03, "emd": 1e-8})
