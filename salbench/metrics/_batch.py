"""Scoring many images at once: ``score_maps``, parallel across images."""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._validation import as_coordinates, as_map, check_same_shape, positive_int
from ..exceptions import DegenerateInputWarning, InputError
from . import _registry
from ._conventions import convention_argument
from ._distributions import _emd, _kld, _sim
from ._likelihood import (
    LN2,
    _info_gain_mit,
    _information_gain,
    _log_density_argument,
    _log_likelihood,
)
from ._moments import _cc, _nss, _nss_per_fixation
from ._roc import _borji, _judd, _rank_auc, _rank_auc_stats, _sauc_mit, _step

_NO_FIXATIONS = "the image has no fixations"


def default_threads() -> int:
    """Threads used when ``n_threads`` is not given: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _map_count(maps, name):
    if maps is None:
        return None
    if isinstance(maps, np.ndarray):
        if maps.ndim != 3:
            raise InputError(
                f"{name} must be a 3-D array (images, height, width) or a sequence of 2-D "
                f"arrays, got a {maps.ndim}-D array of shape {maps.shape}"
            )
    try:
        return len(maps)
    except TypeError:
        raise InputError(f"{name} must be a sequence of 2-D arrays or a 3-D array") from None


def _metric_list(metrics):
    if metrics is None:
        raise InputError("metrics= is required: a metric name or a list of names")
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise InputError("metrics= is empty")
    for name in names:
        _registry.get(name)
    if len(set(names)) != len(names):
        raise InputError(f"metrics= lists a metric twice: {names}")
    return names


class _Fixations:
    """Fixations grouped by image (stable within an image), validated once."""

    def __init__(self, x, y, n, n_images):
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        n_raw = np.asarray(n)
        if not (x.shape == y.shape == n_raw.reshape(-1).shape):
            raise InputError(
                f"x, y and n must have the same length; got {x.size}, {y.size} and {n_raw.size}"
            )
        if n_raw.size and (n_raw.dtype.kind not in "iu" and not np.all(n_raw == np.round(n_raw))):
            raise InputError("n must hold integer image indices")
        n = n_raw.astype(np.int64).reshape(-1)
        bad = (n < 0) | (n >= n_images)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"fixation {i} has image index n = {n[i]}, but there are {n_images} images "
                f"(valid indices 0..{n_images - 1})"
            )
        order = np.argsort(n, kind="stable")
        self.x, self.y, self.n, self.order = x[order], y[order], n[order], order
        self.offsets = np.searchsorted(self.n, np.arange(n_images + 1))

    def of(self, i):
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.x[a:b], self.y[a:b]


class _ShuffledNegatives:
    """All images' fixations rescaled to a given image size, for the shuffled AUCs.

    The negatives of image ``i`` are every fixation of every *other* image, its coordinates scaled
    by ``(width_i / width_j, height_i / height_j)`` (the Tübingen convention). The flat pixel
    indices for one size are computed once and sorted (so reading the map at them streams through
    memory); an image's own fixations are subtracted afterwards.
    """

    def __init__(self, fixations, shapes):
        self._fixations = fixations
        self._shapes = shapes
        self._cache = {}
        self._source_size = np.array([shapes[i] for i in range(len(shapes))], dtype=np.float64)

    def for_shape(self, shape):
        if shape not in self._cache:
            f = self._fixations
            height, width = shape
            sizes = self._source_size[f.n]
            cols = np.minimum(np.floor(f.x * (width / sizes[:, 1])), width - 1).astype(np.int64)
            rows = np.minimum(np.floor(f.y * (height / sizes[:, 0])), height - 1).astype(np.int64)
            flat = np.sort(rows * width + cols)
            pixels, counts = np.unique(flat, return_counts=True)
            self._cache[shape] = (flat, pixels, counts)
        return self._cache[shape]

    def candidates_excluding(self, shape, own_flat):
        """Distinct pixels fixated on other images (MIT ``otherMap > 0``)."""
        _, pixels, counts = self.for_shape(shape)
        remaining = counts.copy()
        own, own_counts = np.unique(own_flat, return_counts=True)
        remaining[np.searchsorted(pixels, own)] -= own_counts
        return pixels[remaining > 0]


def score_maps(
    saliency_maps,
    x,
    y,
    n,
    *,
    metrics,
    reference_maps=None,
    convention="tuebingen",
    log_densities=None,
    baseline_log_densities=None,
    baseline_maps=None,
    n_splits=100,
    step=0.1,
    seed=None,
    emd_downsize=32,
    check_normalization=True,
    n_threads=None,
):
    """Score many images at once: one row per image, one column per metric.

    Images run in parallel on ``n_threads`` threads (the kernels release the GIL); each image's
    result is computed by the same serial code whatever the thread count, so results do not depend
    on it. Only one image's maps are touched by a thread at a time.

    Parameters
    ----------
    saliency_maps : sequence of (H_i, W_i) arrays or (N, H, W) array, or None
        The predictions; sizes may differ between images. ``None`` when only log-density metrics
        are asked for.
    x, y : array_like of shape (F,)
        All fixations, continuous 0-based pixel coordinates of their own image.
    n : array_like of shape (F,)
        Each fixation's image index into ``saliency_maps``.
    metrics : str or list of str
        Registry names (:func:`salbench.metrics.names`), e.g. ``["auc", "sauc", "nss", "cc"]``.
    reference_maps : sequence of arrays, optional
        Empirical fixation densities per image, for ``cc``, ``kld``, ``sim``.
    convention : {"tuebingen", "mit"} or dict, default="tuebingen"
        Passed to ``nss``, ``cc``, ``kld`` and ``sim`` (the AUC variants are separate metrics);
        a dict sets it per metric, e.g. ``{"kld": "pysaliency", "nss": "mit"}`` (metrics not
        named keep ``"tuebingen"``).
    log_densities, baseline_log_densities : sequences of arrays, optional
        For ``log_likelihood`` and ``information_gain``.
    baseline_maps : sequence of arrays, optional
        For ``info_gain_mit``.
    emd_downsize : int, default=32
        Shrink factor for ``emd`` (see :func:`salbench.metrics.emd`).
    n_splits, step, seed
        For the sampled MIT AUCs (``auc_borji``, ``sauc_mit``); image ``i`` uses the random
        stream ``numpy.random.default_rng([seed, i])``, so results are reproducible for a seed
        and independent of threading.
    check_normalization : bool, default=True
        Check that every log-density sums to 1 (see :func:`log_likelihood`).
    n_threads : int, optional
        Threads to use; by default the CPUs available to this process.

    Returns
    -------
    pandas.DataFrame
        Index ``image`` (0..N-1); a column per metric and ``n_fixations``. A metric that is
        undefined for an image (no fixations there, a constant map where the convention gives
        NaN) is NaN, with one :class:`~salbench.exceptions.DegenerateInputWarning` per reason.

    Notes
    -----
    ``sauc`` uses as negatives all fixations on all *other* images, rescaled to this image's
    size (the Tübingen convention); ``sauc_mit`` samples from the distinct pixels those
    fixations hit (MIT's ``otherMap``).

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import score_maps
    >>> maps = np.stack([np.add.outer(np.arange(4.0), np.arange(4.0))] * 2)
    >>> score_maps(maps, [3.5, 0.5], [3.5, 0.5], [0, 1], metrics=["auc", "nss"]).round(4)
              auc     nss  n_fixations
    image
    0      0.9688  1.8974            1
    1      0.0312 -1.8974            1
    """
    import pandas as pd

    names = _metric_list(metrics)
    convention = _conventions_by_metric(names, convention)
    options = {"n_splits": n_splits, "step": step, "seed": seed, "emd_downsize": emd_downsize}
    if "auc_borji" in names or "sauc_mit" in names:
        options["n_splits"] = positive_int(n_splits, "n_splits")
        options["step"] = _step(step)
    if "emd" in names:
        options["emd_downsize"] = positive_int(emd_downsize, "emd_downsize")
    batch = _Batch(
        names,
        {
            "saliency_maps": saliency_maps,
            "reference_maps": reference_maps,
            "log_densities": log_densities,
            "baseline_log_densities": baseline_log_densities,
            "baseline_maps": baseline_maps,
        },
        x, y, n,
        n_threads=n_threads,
        check_normalization=check_normalization,
        shuffled={"sauc", "sauc_mit"} & set(names),
    )

    def score_image(i):
        maps, flat, context = batch.image(i)
        row, reasons = {"n_fixations": 0 if flat is None else int(flat.shape[0])}, {}
        for name in names:
            if flat is None and "fixations" in _registry.get(name).needs:
                value, reason = np.nan, _NO_FIXATIONS
            else:
                value, reason = _score_one(name, i, maps, flat, convention, batch.shuffled,
                                           options, context)
            row[name] = value
            if reason:
                reasons[name] = reason
        return row, reasons

    results = batch.run(score_image)
    _warn_degenerate(results, names)
    table = pd.DataFrame([row for row, _ in results], columns=names + ["n_fixations"])
    table.index.name = "image"
    return table


#: Metrics with a value per fixation (their per-image value is the mean over fixations).
PER_FIXATION_METRICS = ("auc", "auc_unfixated", "sauc", "nss", "log_likelihood",
                        "information_gain")


def score_fixations(
    saliency_maps,
    x,
    y,
    n,
    *,
    metrics=("auc",),
    log_densities=None,
    baseline_log_densities=None,
    check_normalization=True,
    n_threads=None,
):
    """Per-fixation scores for many images: one row per fixation, in the input order.

    The metrics whose image score is a mean over fixations (pysaliency conventions) also have a
    value per fixation: ``auc`` / ``auc_unfixated`` / ``sauc`` (:func:`auc_per_fixation`
    against all pixels, unfixated pixels, or all fixations on other images), ``nss`` (the
    standardised saliency at the fixation), ``log_likelihood`` (nats) and ``information_gain``
    (bits over the baseline). The mean of a column over one image's fixations is that image's
    :func:`score_maps` value.

    Parameters are as for :func:`score_maps`.

    Returns
    -------
    pandas.DataFrame
        Columns ``image`` and one per metric; row ``k`` is fixation ``k`` of the input.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.metrics import score_fixations
    >>> maps = [np.array([[0.0, 1.0], [2.0, 3.0]])]
    >>> score_fixations(maps, [1.5, 0.5], [1.5, 0.5], [0, 0])
       image    auc
    0      0  0.875
    1      0  0.125
    """
    import pandas as pd

    names = _metric_list(metrics)
    unsupported = [m for m in names if m not in PER_FIXATION_METRICS]
    if unsupported:
        raise InputError(
            f"metric(s) {', '.join(unsupported)} have no per-fixation value; per-fixation "
            f"metrics are {', '.join(PER_FIXATION_METRICS)}"
        )
    batch = _Batch(
        names,
        {
            "saliency_maps": saliency_maps,
            "log_densities": log_densities,
            "baseline_log_densities": baseline_log_densities,
        },
        x, y, n,
        n_threads=n_threads,
        check_normalization=check_normalization,
        shuffled="sauc" in names,
    )

    def score_image(i):
        maps, flat, context = batch.image(i)
        if flat is None:
            return {}, {}
        columns, reasons = {}, {}
        for name in names:
            columns[name], reason = _per_fixation(name, maps, flat, batch.shuffled, context)
            if reason:
                reasons[name] = reason
        return columns, reasons

    results = batch.run(score_image)
    _warn_degenerate(results, names)
    f = batch.fixations
    table = pd.DataFrame({"image": np.empty(f.n.shape[0], dtype=np.int64)})
    for name in names:
        values = np.full(f.n.shape[0], np.nan)
        for i, (columns, _) in enumerate(results):
            if name in columns:
                values[f.order[f.offsets[i]:f.offsets[i + 1]]] = columns[name]
        table[name] = values
    table["image"] = f.n[np.argsort(f.order)]
    return table


def _per_fixation(name, maps, flat, shuffled, context):
    s = maps.get("saliency_maps")
    if name in ("auc", "auc_unfixated", "sauc"):
        if name == "sauc":
            negatives, _, _ = shuffled.for_shape(s.shape)
            scores, count = _rank_auc_stats(s, flat, negatives, exclude=flat, context=context)
        else:
            negatives = "all" if name == "auc" else "unfixated"
            scores, count = _rank_auc_stats(s, flat, negatives, context=context)
        if count == 0:
            return np.full(flat.shape[0], np.nan), "there are no negatives"
        return scores / count, None
    if name == "nss":
        return _nss_per_fixation(s, flat, context=context), None
    L = maps["log_densities"].reshape(-1)
    if name == "log_likelihood":
        return L[flat].copy(), None
    B = maps["baseline_log_densities"].reshape(-1)
    return (L[flat] - B[flat]) / LN2, None


class _Batch:
    """The inputs of a batch call, validated once, and a way to run one function per image."""

    def __init__(self, names, inputs, x, y, n, *, n_threads, check_normalization, shuffled):
        counts = {}
        for key, value in inputs.items():
            wanting = [m for m in names if _needs_input(m, key)]
            if not wanting:
                continue
            if value is None:
                raise InputError(f"metric(s) {', '.join(wanting)} need {key}=")
            counts[key] = _map_count(value, key)
        if len(set(counts.values())) != 1:
            raise InputError(
                "the map sequences have different lengths: "
                + ", ".join(f"{k}: {v}" for k, v in counts.items())
            )
        self.inputs = {key: inputs[key] for key in counts}
        self.n_images = next(iter(counts.values()))
        self.primary = next(iter(counts))
        self.shapes = [np.shape(self.inputs[self.primary][i]) for i in range(self.n_images)]
        for i, shape in enumerate(self.shapes):
            if len(shape) != 2:
                raise InputError(f"{self.primary} (image {i}) must be 2-D, got shape {shape}")
        self.fixations = _Fixations(x, y, n, self.n_images)
        self.shuffled = _ShuffledNegatives(self.fixations, self.shapes) if shuffled else None
        self.n_threads = (
            default_threads() if n_threads is None else positive_int(n_threads, "n_threads")
        )
        self._checked = _CheckedOnce(check_normalization)

    def image(self, i):
        """Validated maps of image ``i``, its fixations' flat pixel indices (None if none)."""
        context = f"image {i}"
        maps = {key: as_map(seq[i], key, context=context) for key, seq in self.inputs.items()}
        primary = maps[self.primary]
        if primary.shape != self.shapes[i]:
            raise InputError(f"{self.primary} ({context}) changed shape while being read")
        for key, value in maps.items():
            if key != self.primary:
                check_same_shape(primary, value, self.primary, key, context=context)
        for key in ("log_densities", "baseline_log_densities"):
            if key in maps:
                self._checked(self.inputs[key][i], maps[key], key, context)
        fx, fy = self.fixations.of(i)
        flat = None
        if fx.size:
            _, _, flat = as_coordinates(fx, fy, self.shapes[i], context=context)
        return maps, flat, context

    def run(self, function):
        """``[function(i) for i in images]``, on ``n_threads`` threads, in image order."""
        if self.n_threads == 1 or self.n_images <= 1:
            return [function(i) for i in range(self.n_images)]
        with ThreadPoolExecutor(max_workers=self.n_threads) as pool:
            return list(pool.map(function, range(self.n_images)))


class _CheckedOnce:
    """Validates each distinct log-density object once per call.

    A baseline (or a model's prediction reused across images) is usually one array object given
    for every image; its normalisation is a property of the object, so it is checked the first
    time it is seen. Objects are kept alive by the caller's sequence for the whole call.
    """

    def __init__(self, check_normalization):
        self._check = check_normalization
        self._seen = set()

    def __call__(self, original, array, name, context):
        key = id(original)
        if key in self._seen and isinstance(original, np.ndarray):
            return
        _log_density_argument(array, name, self._check, context=context)
        self._seen.add(key)


def _needs_input(metric, key):
    needs = _registry.get(metric).needs
    return {
        "saliency_maps": "log_density" not in needs,
        "reference_maps": "reference_map" in needs,
        "log_densities": "log_density" in needs,
        "baseline_log_densities": "baseline_log_density" in needs,
        "baseline_maps": "baseline_map" in needs,
    }[key]


def _score_one(name, i, maps, flat, convention, shuffled, options, context):
    s = maps.get("saliency_maps")
    n_splits, step, seed = options["n_splits"], options["step"], options["seed"]
    if name == "auc":
        return _rank_auc(s, flat, "all", context=context)
    if name == "auc_unfixated":
        return _rank_auc(s, flat, "unfixated", context=context)
    if name == "sauc":
        return _shuffled_auc(s, flat, shuffled, context)
    if name == "auc_judd":
        return _judd(s, flat, context=context)
    if name == "auc_borji":
        return _borji(s, flat, n_splits, step, np.random.default_rng(_seed(seed, i)),
                      context=context)
    if name == "sauc_mit":
        candidates = shuffled.candidates_excluding(s.shape, flat)
        return _sauc_mit(s, flat, candidates, n_splits, step,
                         np.random.default_rng(_seed(seed, i)), context=context)
    if name == "nss":
        return _nss(s, flat, convention[name], context=context)
    if name == "cc":
        return _cc(s, maps["reference_maps"], convention[name], context=context)
    if name == "kld":
        return _kld(s, maps["reference_maps"], convention[name], context=context)
    if name == "sim":
        return _sim(s, maps["reference_maps"], convention[name], context=context)
    if name == "emd":
        return _emd(s, maps["reference_maps"], options["emd_downsize"], "none", context=context)
    if name == "log_likelihood":
        return _log_likelihood(maps["log_densities"], flat, context=context), None
    if name == "information_gain":
        return _information_gain(
            maps["log_densities"], maps["baseline_log_densities"], flat, context=context
        )
    if name == "info_gain_mit":
        return _info_gain_mit(s, maps["baseline_maps"], flat, context=context)
    raise InputError(f"metric {name!r} cannot be computed by score_maps")  # pragma: no cover


def _conventions_by_metric(names, convention):
    """``{metric: convention}`` from one convention for all or a per-metric dict."""
    if isinstance(convention, str):
        convention = convention_argument(convention)
        return {m: convention for m in names if _registry.get(m).conventions}
    try:
        items = dict(convention)
    except (TypeError, ValueError):
        raise InputError(
            f"convention must be 'tuebingen', 'mit' or a dict metric -> convention, got "
            f"{convention!r}"
        ) from None
    resolved = {m: "tuebingen" for m in names if _registry.get(m).conventions}
    for metric, value in items.items():
        allowed = _registry.get(metric).conventions
        if metric not in names:
            raise InputError(f"convention= names {metric!r}, which is not in metrics=")
        if not allowed:
            raise InputError(f"metric {metric!r} has no conventions to choose from")
        resolved[metric] = convention_argument(value, allowed)
    return resolved


def _seed(seed, i):
    return None if seed is None else [int(seed), int(i)]


def _shuffled_auc(s, flat, shuffled, context):
    negatives, _, _ = shuffled.for_shape(s.shape)
    scores, n_negatives = _rank_auc_stats(s, flat, negatives, exclude=flat, context=context)
    if n_negatives == 0:
        return np.nan, "there are no fixations on other images to use as negatives"
    return float(scores.sum() / (flat.shape[0] * n_negatives)), None


def _warn_degenerate(results, names):
    for name in names:
        by_reason = {}
        for i, (_, reasons) in enumerate(results):
            if name in reasons:
                by_reason.setdefault(reasons[name], []).append(i)
        for reason, images in by_reason.items():
            shown = ", ".join(map(str, images[:10])) + (" ..." if len(images) > 10 else "")
            warnings.warn(
                f"{name} is NaN for {len(images)} image(s) ({shown}): {reason}",
                DegenerateInputWarning,
                stacklevel=3,
            )
