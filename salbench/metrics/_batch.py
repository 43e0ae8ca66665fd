"""Scoring many images at once: ``score_maps``, parallel across images."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._cpus import default_threads
from .._validation import as_coordinates, as_map, check_same_shape, positive_int
from ..exceptions import DegenerateInputWarning, InputError
from . import _registry
from ._image import ImageInputs, ScoringOptions, score_image
from ._likelihood import _log_density_argument
from ._negatives import FixationsByImage, ShuffledNegatives

#: ``score_maps`` keyword -> the input (``MetricInfo.needs``) it provides.
BATCH_INPUTS = {
    "saliency_maps": "saliency_map",
    "reference_maps": "reference_map",
    "log_densities": "log_density",
    "baseline_log_densities": "baseline_log_density",
    "baseline_maps": "baseline_map",
}
#: Batches with fewer pixels than this (all images together) are scored without a thread pool:
#: starting one takes ~0.2-0.5 ms, about what the kernels need for this many pixels per metric.
SERIAL_PIXELS = 1 << 19
#: Needs served by the other images' fixations of the same call.
SHUFFLED_NEEDS = ("negatives", "other_map")


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

    names, results = _score_rows(
        saliency_maps, x, y, n, metrics=metrics, reference_maps=reference_maps,
        convention=convention, log_densities=log_densities,
        baseline_log_densities=baseline_log_densities, baseline_maps=baseline_maps,
        n_splits=n_splits, step=step, seed=seed, emd_downsize=emd_downsize,
        check_normalization=check_normalization, n_threads=n_threads)
    _warn_degenerate(results, names, stacklevel=3)
    table = pd.DataFrame([row for row, _ in results], columns=names + ["n_fixations"])
    table.index.name = "image"
    return table


def _score_rows(saliency_maps, x, y, n, *, metrics, reference_maps=None, convention="tuebingen",
                log_densities=None, baseline_log_densities=None, baseline_maps=None,
                n_splits=100, step=0.1, seed=None, emd_downsize=32, check_normalization=True,
                n_threads=None):
    """:func:`score_maps` without the table: ``(names, [(row, reasons) per image])``."""
    names = _metric_list(metrics)
    options = ScoringOptions.for_metrics(names, convention=convention, n_splits=n_splits,
                                         step=step, seed=seed, emd_downsize=emd_downsize)
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
    )

    def score_one(i):
        inputs = batch.image(i)
        scores = score_image(names, inputs, options)
        scores.row["n_fixations"] = inputs.n_fixations
        return scores.row, scores.reasons

    return names, batch.run(score_one)


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
    per_fixation_names = _registry.per_fixation_names()
    unsupported = [m for m in names if m not in per_fixation_names]
    if unsupported:
        raise InputError(
            f"metric(s) {', '.join(unsupported)} have no per-fixation value; per-fixation "
            f"metrics are {', '.join(per_fixation_names)}"
        )
    options = ScoringOptions.for_metrics(names)
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
    )

    def score_one(i):
        inputs = batch.image(i)
        if inputs.flat is None:
            return {}, {}
        scores = score_image(names, inputs, options, per_fixation=True, per_image=False)
        return scores.fixations, scores.reasons

    results = batch.run(score_one)
    _warn_degenerate(results, names, stacklevel=3)
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


class _Batch:
    """The inputs of a batch call, validated once, and a way to run one function per image."""

    def __init__(self, names, inputs, x, y, n, *, n_threads, check_normalization):
        counts = {}
        for key, value in inputs.items():
            wanting = [m for m in names if BATCH_INPUTS[key] in _registry.get(m).needs]
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
        # a float32 map read only by metrics whose cores take float32 exactly is not copied
        self.keep_float32 = {
            key: all(_registry.get(m).float32 for m in names
                     if _registry.get(m).uses(BATCH_INPUTS[key]))
            for key in counts}
        self.n_images = next(iter(counts.values()))
        self.primary = next(iter(counts))
        self.shapes = [np.shape(self.inputs[self.primary][i]) for i in range(self.n_images)]
        for i, shape in enumerate(self.shapes):
            if len(shape) != 2:
                raise InputError(f"{self.primary} (image {i}) must be 2-D, got shape {shape}")
        self.fixations = FixationsByImage(x, y, n, self.n_images)
        shuffled = any(_registry.get(m).uses(*SHUFFLED_NEEDS) for m in names)
        self.shuffled = ShuffledNegatives(self.fixations, self.shapes) if shuffled else None
        self.n_threads = (
            default_threads() if n_threads is None else positive_int(n_threads, "n_threads")
        )
        self._checked = _CheckedOnce(check_normalization)

    def image(self, i) -> ImageInputs:
        """The validated inputs of image ``i`` (``flat`` is None when it has no fixations)."""
        context = f"image {i}"
        maps = {key: as_map(seq[i], key, context=context, keep_float32=self.keep_float32[key])
                for key, seq in self.inputs.items()}
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
        return ImageInputs(flat=flat, negatives=self.shuffled, index=i, context=context,
                           **{BATCH_INPUTS[key]: value for key, value in maps.items()})

    def run(self, function):
        """``[function(i) for i in images]``, on ``n_threads`` threads, in image order.

        A batch of fewer than :data:`SERIAL_PIXELS` pixels in all runs in this thread: starting
        a pool of threads costs more than such a batch takes.
        """
        small = sum(h * w for h, w in self.shapes) < SERIAL_PIXELS
        if self.n_threads == 1 or self.n_images <= 1 or small:
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
        _log_density_argument(array, name, self._check, context=context, keep_float32=True)
        self._seen.add(key)


def _warn_degenerate(results, names, *, stacklevel=3):
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
                stacklevel=stacklevel,
            )
