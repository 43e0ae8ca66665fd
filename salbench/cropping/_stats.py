"""Small statistics shared by the crop scores and the audit: bootstrap means, binomial intervals."""

from __future__ import annotations

import math

import numpy as np

from .._validation import degenerate
from ..exceptions import InputError

INTERVALS = ("wilson", "clopper-pearson")


def check_confidence(confidence) -> float:
    try:
        c = float(confidence)
    except (TypeError, ValueError):
        raise InputError(f"confidence must be a number in (0, 1), got {confidence!r}") from None
    if not 0.0 < c < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence!r}")
    return c


def bootstrap_means(values, *, n_boot: int = 2000, seed: int = 0, confidence: float = 0.95,
                    chunk: int = 250) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means of ``values`` (rows = independent units) with percentile bootstrap intervals.

    Rows are resampled with replacement, the same rows for every column (so differences between
    columns are paired). Returns ``(mean, low, high)``, each of shape ``(k,)``.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    n = v.shape[0]
    if n == 0:
        nan = np.full(v.shape[1], np.nan)
        return nan, nan.copy(), nan.copy()
    rng = np.random.default_rng(seed)
    means = np.empty((n_boot, v.shape[1]))
    for start in range(0, n_boot, chunk):
        stop = min(start + chunk, n_boot)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = v[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return v.mean(axis=0), low, high


def binomial_summary(successes: int, trials: int, *, confidence: float = 0.95,
                     interval: str = "wilson", what: str = "no trials") -> dict:
    """Share ``successes / trials`` with a binomial interval and an exact test against 1/2.

    ``interval`` is "wilson" (score interval) or "clopper-pearson" (exact); the p-value is the
    two-sided exact binomial test (:func:`scipy.stats.binomtest`). With no trials every value is
    NaN and a DegenerateInputWarning says so (naming ``what``).
    """
    if interval not in INTERVALS:
        raise InputError(f"interval must be one of {list(INTERVALS)}, got {interval!r}")
    successes, trials = int(successes), int(trials)
    if trials == 0:
        nan = degenerate(f"{what}, so the share is undefined", stacklevel=4)
        return {"share": nan, "ci_low": nan, "ci_high": nan, "p_value": nan}
    from scipy.stats import binomtest

    result = binomtest(successes, trials, 0.5)
    ci = result.proportion_ci(confidence_level=confidence,
                              method="wilson" if interval == "wilson" else "exact")
    return {"share": successes / trials, "ci_low": float(ci.low), "ci_high": float(ci.high),
            "p_value": float(result.pvalue)}


def nan_if_empty(values) -> float:
    v = np.asarray(values, dtype=np.float64)
    return float(v.mean()) if v.size else math.nan
