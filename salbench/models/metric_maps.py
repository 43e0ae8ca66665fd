"""Metric-specific saliency maps of a probabilistic model (Kümmerer, Wallis & Bethge, ECCV 2018).

A probabilistic model predicts a density ``p`` of fixations. Different metrics reward different
maps, so scoring the density itself on every metric is unfair to it ("Saliency benchmarking made
easy: separating models, maps and metrics", ECCV 2018). For each metric the map that maximises
the metric's *expected* score when fixations are drawn from ``p`` is:

==============================  =================================================================
metric                          map
==============================  =================================================================
auc, auc_unfixated, auc_judd,   ``p`` (any increasing function of it): ranking pixels by density
auc_borji, nss, info_gain_mit   maximises the expected AUC, and NSS's expected value is
                                maximised by ``p`` as well
sauc, sauc_mit                  ``p / p_neg``, where ``p_neg`` is the density of the negatives —
                                the fixations on *other* images: the model's average density over
                                other images, or a centre-bias model
cc, kld, emd                    the expected empirical map: ``p`` blurred with the kernel that
                                builds the empirical maps (``sigma``, ``method``). For KLD this is
                                exact (``E[Q]`` minimises the expected cross-entropy); for CC it is
                                the paper's choice (exact for the covariance, approximate for the
                                normalisation); for EMD it is a heuristic (the paper does not
                                treat EMD)
sim                             optimised for the expected SIM with ``n_fixations`` fixations per
                                image (see below)
log_likelihood,                 ``log p`` itself
information_gain
==============================  =================================================================

SIM. With ``E_m`` empirical maps (normalised to sum 1) of ``n_fixations`` fixations sampled from
``p``, the paper maximises ``mean_m SIM(S, E_m) = mean_m Σ_j min(S_j, E_mj)`` over maps ``S`` with
``Σ S = 1`` by stochastic gradient ascent. This objective is a linear program with a closed-form
solution, used here instead: each pixel's term is concave and piecewise linear in ``S_j`` with
slope ``#{m : E_mj > S_j} / M``, so the optimum raises all pixels together through their order
statistics — ``S_j = E_(r)j + t (E_(r+1)j − E_(r)j)`` where ``E_(r)j`` is the ``r``-th smallest
sample at pixel ``j`` and ``r``, ``t`` are set by ``Σ S = 1``. That is the exact maximiser of the
sampled objective (no learning rate, no iterations). Samples are drawn on a grid of at most
``sim_grid`` cells along the larger side (cell probabilities, blurred with ``sigma`` in cells), and
the result is interpolated back to pixels.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import keyword_choice, positive_int
from ..exceptions import InputError
from .._blas import single_threaded
from .base import ProbabilisticModel, SaliencyMapModel

METHODS = ("gaussian", "mit")


def map_for_metric(name: str) -> str:
    """Which map maximises ``name``'s expected score: its registry ``optimal_map``."""
    from ..metrics import get, names

    kind = get(name).optimal_map if name in names() else ""
    if not kind:
        known = sorted(n for n in names() if get(n).optimal_map)
        raise InputError(f"no metric-specific map is defined for metric {name!r}; known: {known}")
    return kind


def __getattr__(name):
    # MAP_FOR_METRIC (metric -> map kind) is the registry's ``optimal_map``, read on access
    if name == "MAP_FOR_METRIC":
        from ..metrics import get, names

        return {n: get(n).optimal_map for n in names() if get(n).optimal_map}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_log_density(log_density) -> np.ndarray:
    a = np.asarray(log_density, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise InputError(f"log_density must be a non-empty 2-D array, got shape {a.shape}")
    if np.isnan(a).any() or np.isposinf(a).any():
        raise InputError("log_density contains NaN or +inf")
    return a


def _density(log_density: np.ndarray) -> np.ndarray:
    p = np.exp(log_density - log_density.max())
    return p / p.sum()


def blurred_density(density, *, sigma: float, method: str = "gaussian",
                    n_fixations: int | None = None, mode: str = "reflect",
                    truncate: float = 4.0) -> np.ndarray:
    """The expected empirical map (up to scale) when fixations are drawn from ``density``.

    ``method="gaussian"`` matches :func:`salbench.datasets.density_map` with that method (every
    fixation counts): ``E[blur(fixation map)] = n · blur(p)``, computed as
    ``scipy.ndimage.gaussian_filter(p, sigma, mode=mode, truncate=truncate)``. ``method="mit"``
    matches the MIT blur of the *binary* fixation map: a pixel is fixated at least once with
    probability ``1 − (1 − p)^n``, which is blurred with :func:`salbench.datasets.maps.mit_blur`
    (with ``n_fixations`` unknown, ``p`` itself is blurred).
    """
    keyword_choice(method, "method", METHODS)
    p = np.asarray(density, dtype=np.float64)
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma (pixels of the empirical-map kernel) must be positive, got {sigma!r}")
    if method == "gaussian":
        from scipy.ndimage import gaussian_filter

        out = gaussian_filter(p, float(sigma), mode=mode, truncate=truncate)
    else:
        from ..datasets.maps import mit_blur

        q = p if n_fixations is None else -np.expm1(n_fixations * np.log1p(-np.minimum(p, 1.0)))
        out = mit_blur(q, float(sigma))
    out = np.maximum(out, 0.0)  # FFT round-off
    total = out.sum()
    return out / total if total > 0 else np.full(p.shape, 1.0 / p.size)


def max_mean_intersection(samples) -> np.ndarray:
    """The ``S >= 0`` with ``sum(S) = 1`` maximising ``mean_m sum_j min(S_j, samples[m, j])``.

    Each ``samples[m]`` must be non-negative with sum 1. The objective is separable and concave:
    pixel ``j`` contributes ``phi_j(S_j) = mean_m min(S_j, samples[m, j])``, whose slope between
    its ``r``-th and ``(r+1)``-th smallest samples is ``(M - r) / M``. Spending the unit budget on
    the steepest slopes first raises every pixel to its ``r``-th order statistic, then all of them
    part of the way to the next, where ``r`` is the last level whose total is at most 1 (the total
    at level ``M`` is ``sum_j max_m samples[m, j] >= 1``). That greedy allocation is optimal for a
    separable concave objective under one linear budget (any split among equal slopes is too).

    Examples
    --------
    >>> max_mean_intersection(np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
    [0.5, 0.5]
    """
    samples = np.asarray(samples, dtype=np.float64)
    m = samples.shape[0]
    ordered = np.sort(samples, axis=0)                        # order statistics per pixel
    levels = np.concatenate([[0.0], ordered.sum(axis=1)])     # budget used at each level
    r = int(np.searchsorted(levels, 1.0, side="right") - 1)   # levels[r] <= 1 < levels[r + 1]
    r = min(r, m - 1)
    low = ordered[r - 1] if r > 0 else np.zeros(ordered.shape[1])
    high = ordered[r]
    step = levels[r + 1] - levels[r]
    t = (1.0 - levels[r]) / step if step > 0 else 0.0
    return low + t * (high - low)


def _kernel_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) matrix whose column k is a unit impulse at k blurred with reflecting borders."""
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(np.eye(n), sigma, axis=0, mode="reflect", truncate=4.0)


def sim_optimal_map(density, *, sigma: float, n_fixations: int, samples: int = 200,
                    grid: int = 100, seed: int = 0) -> np.ndarray:
    """The map maximising the expected SIM (Tübingen convention) under ``density``.

    Exact maximiser of the average SIM against ``samples`` empirical maps of ``n_fixations``
    fixations drawn from ``density`` (see the module notes), computed on a grid of at most
    ``grid`` cells along the larger side and interpolated back to pixels. Returns a map that sums
    to 1.

    Examples
    --------
    >>> p = np.full((20, 30), 1 / 600)
    >>> s = sim_optimal_map(p, sigma=3.0, n_fixations=50, samples=50)
    >>> s.shape, round(float(s.sum()), 12)
    ((20, 30), 1.0)
    """
    from .conversion import block_sum, cell_areas, cell_size, upsample

    p = np.asarray(density, dtype=np.float64)
    n = positive_int(n_fixations, "n_fixations")
    samples = positive_int(samples, "samples", minimum=2)
    if not (math.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be positive, got {sigma!r}")
    shape = p.shape
    d = cell_size(shape, positive_int(grid, "grid", minimum=4))
    cells = block_sum(p, d)
    cells = np.maximum(cells, 0.0)
    cells /= cells.sum()
    rng = np.random.default_rng(seed)
    # Draw the fixations' cells by inverse-CDF sampling (n * samples draws, not a multinomial per
    # sample, which costs a binomial per cell).
    cdf = np.cumsum(cells.ravel())
    cdf /= cdf[-1]
    drawn = np.minimum(np.searchsorted(cdf, rng.random((samples, n)), side="right"), cdf.size - 1)
    rows, cols = np.divmod(drawn, cells.shape[1])
    # Each empirical map is a sum of separable kernels, blurred with reflecting borders (as
    # density_map's default): E_m = Ky[:, rows_m] @ Kx[:, cols_m].T, batched over the samples.
    ky = _kernel_matrix(cells.shape[0], sigma / d)
    kx = _kernel_matrix(cells.shape[1], sigma / d)
    with single_threaded():  # many small products: BLAS threads only cost (see salbench/_blas.py)
        empirical = np.matmul(np.ascontiguousarray(ky[:, rows].transpose(1, 0, 2)),
                              np.ascontiguousarray(kx[:, cols].transpose(1, 2, 0)))
    empirical /= empirical.sum(axis=(1, 2), keepdims=True)
    best = max_mean_intersection(empirical.reshape(samples, -1)).reshape(cells.shape)
    if d == 1:
        return best / best.sum()
    per_pixel = upsample(best / cell_areas(shape, d), shape, d)
    per_pixel = np.maximum(per_pixel, 0.0)
    return per_pixel / per_pixel.sum()


def metric_saliency_maps(log_density, metrics, *, sigma: float | None = None,
                         method: str = "gaussian", baseline_log_density=None,
                         n_fixations: int | None = None, sim_samples: int = 200,
                         sim_grid: int = 100, seed: int = 0) -> dict:
    """The metric-specific saliency map of one image for each of ``metrics``.

    Parameters
    ----------
    log_density : (H, W) array
        The model's natural-log density for the image.
    metrics : str or sequence of str
        Metric names (any with a registry ``optimal_map``).
    sigma : float, optional
        Kernel width, in pixels, of the empirical maps the reference-map metrics (cc, kld, emd,
        sim) compare against — the same value the evaluation uses. Required for those metrics.
    method : {"gaussian", "mit"}
        How the empirical maps are blurred (as in :func:`salbench.datasets.density_map`).
    baseline_log_density : (H, W) array, optional
        Log-density of the shuffled-AUC negatives (a centre bias, or the model's average density
        over other images; :func:`average_log_density`). Required for sauc.
    n_fixations : int, optional
        Fixations per image the empirical map is built from. Required for sim; used by
        ``method="mit"`` for cc/kld.
    sim_samples, sim_grid, seed
        Of :func:`sim_optimal_map`.

    Returns
    -------
    dict
        ``{metric: (H, W) float64 map}``; maps shared by several metrics are computed once.

    Examples
    --------
    >>> log_p = np.log(np.full((4, 5), 1 / 20))
    >>> maps = metric_saliency_maps(log_p, ["auc", "information_gain"])
    >>> sorted(maps), bool(np.allclose(maps["information_gain"], log_p))
    (['auc', 'information_gain'], True)
    """
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    kind_of = {name: map_for_metric(name) for name in names}
    keyword_choice(method, "method", METHODS)
    log_p = _check_log_density(log_density)
    kinds = set(kind_of.values())
    if kinds & {"blurred", "sim"} and sigma is None:
        raise InputError("cc, kld, emd and sim maps need sigma= (pixels of the empirical-map "
                         "kernel used by the evaluation)")
    if "sim" in kinds and n_fixations is None:
        raise InputError("the sim map needs n_fixations= (fixations per image the empirical maps "
                         "are built from)")
    if "shuffled" in kinds and baseline_log_density is None:
        raise InputError("the sauc map needs baseline_log_density= (a centre bias, or the "
                         "model's average density over other images)")
    p = _density(log_p)
    made = {}
    for kind in kinds:
        if kind == "density":
            made[kind] = p
        elif kind == "log_density":
            made[kind] = log_p
        elif kind == "shuffled":
            b = _check_log_density(baseline_log_density)
            if b.shape != log_p.shape:
                raise InputError(f"baseline_log_density has shape {b.shape}, log_density {log_p.shape}")
            ratio = log_p - b
            if not np.isfinite(ratio).any():
                raise InputError("log_density and baseline_log_density share no finite pixel")
            ratio = np.where(np.isfinite(ratio), ratio, -np.inf)
            made[kind] = np.exp(ratio - ratio.max())
        elif kind == "blurred":
            made[kind] = blurred_density(p, sigma=float(sigma), method=method,
                                         n_fixations=n_fixations)
        else:
            made[kind] = sim_optimal_map(p, sigma=float(sigma), n_fixations=int(n_fixations),
                                         samples=sim_samples, grid=sim_grid, seed=seed)
    return {name: made[kind_of[name]] for name in names}


def metric_saliency_map(log_density, metric: str, **options) -> np.ndarray:
    """The metric-specific map for one metric (see :func:`metric_saliency_maps`)."""
    return metric_saliency_maps(log_density, [metric], **options)[metric]


def average_log_density(model: ProbabilisticModel, dataset, images, shape) -> np.ndarray:
    """Log of the model's density averaged over ``images``, each resized to ``shape``.

    The negatives of shuffled AUC are the fixations on other images; their density is the average
    of the model's densities over those images (in image-relative coordinates, so images of other
    sizes are resized with area averaging and renormalised).
    """
    from ..metrics import resize_map

    total = np.zeros(tuple(shape))
    count = 0
    for i in images:
        i = int(i)
        image = (dataset.stimuli.load(i) if getattr(model, "needs_pixels", True)
                 else dataset.stimuli.shape(i))
        p = np.exp(model.log_density(image, image_id=dataset.stimuli.ids[i]))
        if p.shape != tuple(shape):
            p = np.maximum(resize_map(p, tuple(shape), method="area"), 0.0)
        total += p / p.sum()
        count += 1
    if count == 0:
        raise InputError("average_log_density needs at least one image")
    with np.errstate(divide="ignore"):
        return np.log(total / count)


class MetricMapModel(SaliencyMapModel):
    """The metric-specific saliency maps of a probabilistic model, as a saliency-map model.

    Parameters
    ----------
    model : ProbabilisticModel
    metric : str
        The metric whose map :meth:`saliency_map` returns (:meth:`maps` gives several at once).
    sigma, method, n_fixations, sim_samples, sim_grid, seed
        As for :func:`metric_saliency_maps`.
    negatives : ProbabilisticModel, optional
        Density of the shuffled-AUC negatives (e.g. a fitted
        :class:`~salbench.models.baselines.CentreBiasModel`), asked with the same image size and
        ``image_id``.

    Examples
    --------
    >>> from salbench.models.baselines import UniformModel
    >>> m = MetricMapModel(UniformModel(), "cc", sigma=2.0)
    >>> m.saliency_map((3, 4)).shape
    (3, 4)
    """

    def __init__(self, model: ProbabilisticModel, metric: str = "auc", *, sigma: float | None = None,
                 method: str = "gaussian", negatives: ProbabilisticModel | None = None,
                 n_fixations: int | None = None, sim_samples: int = 200, sim_grid: int = 100,
                 seed: int = 0, name: str | None = None):
        if not isinstance(model, ProbabilisticModel):
            raise InputError(f"model must be a ProbabilisticModel, got {type(model).__name__}")
        map_for_metric(metric)  # a clear error for a metric without one
        if negatives is not None and not isinstance(negatives, ProbabilisticModel):
            raise InputError("negatives must be a ProbabilisticModel (e.g. a centre bias) or None")
        self.model, self.metric = model, metric
        self.options = {"sigma": sigma, "method": method, "n_fixations": n_fixations,
                        "sim_samples": sim_samples, "sim_grid": sim_grid, "seed": seed}
        keyword_choice(method, "method", METHODS)
        self.negatives = negatives
        self.needs_pixels = getattr(model, "needs_pixels", True)
        self.name = name or f"{model.name} [{metric} map]"

    def maps(self, image, *, image_id=None, metrics=None) -> dict:
        """``{metric: map}`` for ``metrics`` (default: this model's metric), one density call."""
        names = [self.metric] if metrics is None else ([metrics] if isinstance(metrics, str)
                                                       else list(metrics))
        log_p = self.model.log_density(image, image_id=image_id)
        baseline = None
        if any(map_for_metric(n) == "shuffled" for n in names):
            if self.negatives is None:
                raise InputError("the sauc map needs negatives= (a centre-bias model)")
            baseline = self.negatives.log_density(log_p.shape, image_id=image_id)
        # Vary the SIM sampling seed with the image so errors do not repeat across images.
        options = dict(self.options)
        if image_id is not None:
            import hashlib

            digest = int(hashlib.sha256(str(image_id).encode()).hexdigest()[:8], 16)
            options["seed"] = [int(options["seed"]), digest]
        return metric_saliency_maps(log_p, names, baseline_log_density=baseline, **options)

    def saliency_map(self, image, *, image_id=None) -> np.ndarray:
        return self.maps(image, image_id=image_id)[self.metric]

    def describe(self) -> dict:
        d = super().describe()
        d["parameters"] = {"metric": self.metric, **self.options,
                           "map": map_for_metric(self.metric),
                           "negatives": None if self.negatives is None else self.negatives.describe(),
                           "model": self.model.describe()}
        return d
