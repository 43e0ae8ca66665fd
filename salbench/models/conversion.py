"""Saliency map → probabilistic model (Kümmerer, Wallis & Bethge, PNAS 2015).

A saliency map ranks pixels but says nothing about *how much* more likely one pixel is than
another, so log-likelihood and information gain are undefined for it. Following Kümmerer, Wallis
and Bethge ("Information-theoretic model comparison unifies saliency metrics", PNAS 2015),
:class:`SaliencyMapDensityModel` turns any saliency-map model into a density by fitting, on the
*training* images only and by maximum likelihood of their fixations,

    ``log p(x) = f(blur_σ(ŝ))(x) + w · log p_cb(x) − log Z``

* ``ŝ`` — the map, averaged onto a working grid of cells (``d × d`` pixels, ``d = ceil(max(H, W) /
  grid)``) and min–max normalised to [0, 1] per image (so the model sees only the ranking and
  contrast a saliency map encodes, not its arbitrary scale);
* ``blur_σ`` — an optional Gaussian blur (``σ`` a fraction of the image's larger side), after which
  the map is min–max normalised again;
* ``f`` — a monotone increasing nonlinearity, piecewise linear in ``n_knots`` equally spaced knots
  on [0, 1]: ``f(t_0) = 0`` and ``f(t_k) = Σ_{i≤k} exp(θ_i)``, monotone by construction;
* ``p_cb`` — a centre-bias model (by default a
  :class:`~salbench.models.baselines.CentreBiasModel` fitted on the same training images;
  training images get its cross-validated answer) with weight ``w``;
* ``Z`` normalises over the image.

For a fixed ``σ`` the log-likelihood is optimised over ``θ`` and ``w`` with L-BFGS-B and its
analytic gradient, on the working grid (each fixation counts in its cell; the per-pixel density is
constant within a cell during fitting). ``σ`` is chosen on a grid of candidates and refined by a
bounded scalar search around the best. A prediction repeats the same steps for the new image,
interpolates ``f(blur(ŝ))`` bilinearly from cell centres to pixel centres, adds ``w · log p_cb`` at
full resolution and normalises.

Because ``f`` can be flat and ``w`` can be 1, the family contains the centre bias itself, so on
held-out data the converted model is, up to estimation noise, never worse than the centre bias.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.optimize import minimize, minimize_scalar

from .._validation import positive_int
from ..exceptions import InputError
from .._blas import single_threaded
from .base import ProbabilisticModel, SaliencyMapModel

LN2 = math.log(2.0)
#: Default candidate blur widths, fractions of the image's larger side (0: no blur).
DEFAULT_SIGMAS = (0.0, 0.01, 0.02, 0.035, 0.06, 0.1)
_THETA_BOUNDS = (-14.0, 7.0)
_WEIGHT_BOUNDS = (-1.0, 3.0)


# ---------------------------------------------------------------------------------- grid helpers
def cell_size(shape, grid: int) -> int:
    """Side ``d`` of the working cells: ``ceil(max(H, W) / grid)`` pixels."""
    return max(1, -(-max(shape) // grid))


def block_sum(a: np.ndarray, d: int) -> np.ndarray:
    """Sums over ``d × d`` blocks (the last row/column of blocks may be partial)."""
    h, w = a.shape
    hc, wc = -(-h // d), -(-w // d)
    if h % d or w % d:
        padded = np.zeros((hc * d, wc * d), dtype=np.float64)
        padded[:h, :w] = a
        a = padded
    return a.reshape(hc, d, wc, d).sum(axis=(1, 3))


def cell_areas(shape, d: int) -> np.ndarray:
    """Pixels in each cell."""
    h, w = shape
    rows = np.minimum(np.arange(-(-h // d)) * d + d, h) - np.arange(-(-h // d)) * d
    cols = np.minimum(np.arange(-(-w // d)) * d + d, w) - np.arange(-(-w // d)) * d
    return np.outer(rows, cols).astype(np.float64)


def _interpolation_matrix(n: int, d: int) -> np.ndarray:
    """(n, cells) weights interpolating cell-centre values linearly at pixel centres."""
    cells = -(-n // d)
    starts = np.arange(cells) * d
    centres = (starts + np.minimum(starts + d, n)) / 2.0
    px = np.arange(n) + 0.5
    m = np.zeros((n, cells))
    if cells == 1:
        m[:, 0] = 1.0
        return m
    k = np.clip(np.searchsorted(centres, px, side="right") - 1, 0, cells - 2)
    t = np.clip((px - centres[k]) / (centres[k + 1] - centres[k]), 0.0, 1.0)
    m[np.arange(n), k] = 1.0 - t
    m[np.arange(n), k + 1] = t
    return m


def upsample(cells: np.ndarray, shape, d: int) -> np.ndarray:
    """Bilinear interpolation of cell-centre values to every pixel of an ``shape`` image."""
    return _interpolation_matrix(shape[0], d) @ cells @ _interpolation_matrix(shape[1], d).T


def _minmax(a: np.ndarray) -> np.ndarray:
    lo, hi = float(a.min()), float(a.max())
    if not hi > lo:
        return np.zeros_like(a)
    return (a - lo) / (hi - lo)


def prepare_map(saliency_map: np.ndarray, d: int) -> np.ndarray:
    """The map averaged onto the working grid and min–max normalised (before any blur)."""
    s = np.asarray(saliency_map, dtype=np.float64)
    return _minmax(block_sum(s, d) / cell_areas(s.shape, d))


def blur_cells(m: np.ndarray, sigma: float, shape, d: int) -> np.ndarray:
    """Blur a prepared map by ``sigma`` (fraction of the larger image side) and renormalise."""
    if sigma <= 0:
        return m
    return _minmax(gaussian_filter(m, sigma * max(shape) / d, mode="nearest", truncate=3.0))


# ---------------------------------------------------------------------------------- nonlinearity
def knot_values(theta: np.ndarray) -> np.ndarray:
    """``f`` at the knots: 0, then cumulative sums of ``exp(theta)`` (monotone increasing)."""
    return np.concatenate([[0.0], np.cumsum(np.exp(theta))])


def piecewise_linear(values: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``f(s)`` for ``s`` in [0, 1], linear between equally spaced knots with ``values``."""
    k = values.shape[0] - 1
    u = np.clip(s, 0.0, 1.0) * k
    i0 = np.minimum(u.astype(np.int64), k - 1)
    t = u - i0
    return values[i0] * (1.0 - t) + values[i0 + 1] * t


class _Problem:
    """The training data on the working grid for one blur width, concatenated over images."""

    def __init__(self, s, c, log_area, counts, offsets, n_knots):
        k = n_knots - 1
        u = np.clip(s, 0.0, 1.0) * k
        self.i0 = np.minimum(u.astype(np.int64), k - 1)
        self.t = u - self.i0
        self.has_c = c is not None
        self.c = np.ascontiguousarray(c if c is not None else np.zeros_like(s), dtype=np.float64)
        self.log_area = np.ascontiguousarray(log_area, dtype=np.float64)
        self.counts = np.ascontiguousarray(counts, dtype=np.float64)
        self.offsets = np.append(offsets, s.shape[0]).astype(np.int64)
        self.total = float(self.counts.sum())
        self.n_knots = n_knots
        self._scratch = np.empty(s.shape[0])
        self._rows = np.empty((offsets.shape[0], n_knots + 2))

    def log_likelihood(self, values, w):
        """Per-image rows ``[ll, d/dv_0 … d/dv_{K-1}, d/dw]`` (see :mod:`._conversion_kernel`)."""
        from ._conversion_kernel import likelihood_rows

        likelihood_rows(self.i0, self.t, self.c, self.log_area, self.counts, self.offsets,
                        np.ascontiguousarray(values, dtype=np.float64), float(w), self._scratch,
                        self._rows)
        return self._rows

    def value_and_grad(self, params):
        """Negative mean log-likelihood (nats per fixation) and its gradient in ``params``."""
        k = self.n_knots
        theta = params[:k - 1]
        w = params[k - 1] if self.has_c else 0.0
        rows = self.log_likelihood(knot_values(theta), w)
        summed = rows.sum(axis=0)  # fixed order over images: independent of thread count
        dv = summed[1:k + 1]
        dtheta = np.exp(theta) * np.cumsum(dv[::-1])[::-1][1:]
        grad = np.concatenate([dtheta, summed[k + 1:k + 2]]) if self.has_c else dtheta
        return -summed[0] / self.total, -grad / self.total


class SaliencyMapDensityModel(ProbabilisticModel):
    """A saliency-map model turned into a probabilistic model (see the module notes).

    Parameters
    ----------
    model : SaliencyMapModel
        Any saliency-map model (a folder of maps, a network, a function...).
    centre_bias : "fit", ProbabilisticModel or None
        ``"fit"``: a :class:`~salbench.models.baselines.CentreBiasModel` fitted on the training
        images; a model: used as given (it must not have seen the evaluation images); None: no
        centre-bias term.
    blur : bool
        Fit a Gaussian blur (else ``σ = 0``).
    sigmas : sequence of float, optional
        Candidate blur widths as fractions of the larger image side (default
        :data:`DEFAULT_SIGMAS`), refined around the best.
    n_knots : int
        Knots of the nonlinearity (default 20).
    grid : int
        Cells along the larger image side of the working grid (default 64: 12.5-pixel cells on
        an 800-pixel image; on OSIE a grid of 100 gave the same held-out information gain,
        0.470 against 0.472 bits per fixation, at 2.3 times the fitting time —
        ``benchmarks/bench_models.py``).
    allow_training_images : bool
        By default, asking for the density of a training image (recognised by ``image_id``) is an
        error: its fixations fitted the model, so scoring it would overstate the model.
    threads : int, optional
        Threads reading the training maps.
    name : str, optional

    Attributes (after :meth:`fit`)
    ------------------------------
    sigma_, centre_bias_weight_ : float
    knots_, values_ : ndarray
        The nonlinearity: ``f(knots_[k]) = values_[k]``.
    train_log_likelihood_ : float
        Mean log-likelihood of the training fixations on the working grid, bits per fixation,
        relative to a uniform density (``+ log2(H W)``), i.e. the training information gain over
        the uniform model.
    """

    def __init__(self, model: SaliencyMapModel, *, centre_bias="fit", blur: bool = True,
                 sigmas=None, n_knots: int = 20, grid: int = 64,
                 allow_training_images: bool = False, threads: int | None = None,
                 name: str | None = None):
        if not isinstance(model, SaliencyMapModel):
            raise InputError(f"model must be a SaliencyMapModel, got {type(model).__name__}")
        if not (centre_bias is None or centre_bias == "fit"
                or isinstance(centre_bias, ProbabilisticModel)):
            raise InputError("centre_bias must be 'fit', a ProbabilisticModel or None")
        self.model = model
        self.centre_bias = centre_bias
        self.blur = bool(blur)
        sigmas = DEFAULT_SIGMAS if sigmas is None else tuple(float(s) for s in sigmas)
        if not sigmas or min(sigmas) < 0 or not all(math.isfinite(s) for s in sigmas):
            raise InputError(f"sigmas must be non-negative finite numbers, got {sigmas!r}")
        self.sigmas = tuple(sorted(set(sigmas))) if self.blur else (0.0,)
        self.n_knots = positive_int(n_knots, "n_knots", minimum=2)
        self.grid = positive_int(grid, "grid", minimum=4)
        self.allow_training_images = bool(allow_training_images)
        self.threads = threads
        self.name = name or f"{getattr(model, 'name', 'model')} (density)"
        # A folder of maps needs no decoded image; then neither does its density.
        self.needs_pixels = bool(getattr(model, "needs_pixels", True))
        self._fitted = False

    # ------------------------------------------------------------------ fitting
    def _map(self, dataset, i):
        image = (dataset.stimuli.load(i) if getattr(self.model, "needs_pixels", True)
                 else dataset.stimuli.shape(i))
        s = np.asarray(self.model.saliency_map(image, image_id=dataset.stimuli.ids[i]), np.float64)
        if s.shape != dataset.stimuli.shape(i):
            raise InputError(f"{self.model.name}: the map of image {i} "
                             f"({dataset.stimuli.names[i]!r}) has shape {s.shape}, the image "
                             f"{dataset.stimuli.shape(i)}")
        if not np.isfinite(s).all():
            raise InputError(f"{self.model.name}: the map of image {i} "
                             f"({dataset.stimuli.names[i]!r}) has non-finite values")
        return s

    def fit(self, dataset, *, train) -> "SaliencyMapDensityModel":
        """Fit on the fixations of the training images ``train`` (indices or a ``Split``) only.

        Only those images' maps and fixations are read; the centre bias (``"fit"``) is fitted on
        the same images.
        """
        from ..datasets.splits import training_indices
        from .baselines import CentreBiasModel

        start = time.perf_counter()
        idx = training_indices(dataset, train)
        idx = np.array([i for i in idx if len(dataset.fixations.for_image(int(i))) > 0], np.int64)
        if idx.size == 0:
            raise InputError("the training images have no fixations")
        cb = self.centre_bias
        if isinstance(cb, str):
            cb = CentreBiasModel().fit(dataset, images=idx)
        self.centre_bias_ = cb
        ids = dataset.stimuli.ids

        def prepare(i):
            i = int(i)
            shape = dataset.stimuli.shape(i)
            d = cell_size(shape, self.grid)
            m = prepare_map(self._map(dataset, i), d)
            area = cell_areas(shape, d)
            f = dataset.fixations.for_image(i)
            counts = np.zeros(m.shape)
            np.add.at(counts, (np.floor(f.y).astype(np.int64) // d,
                               np.floor(f.x).astype(np.int64) // d), 1.0)
            c = None
            if cb is not None:
                density = np.exp(cb.log_density(shape, image_id=ids[i]))
                c = np.log(np.maximum(block_sum(density, d) / area, 1e-300))
            return shape, d, m, area, counts, c

        workers = self.threads or 2
        if workers > 1 and idx.size > 1:
            with ThreadPoolExecutor(workers) as pool:
                items = list(pool.map(prepare, idx))
        else:
            items = [prepare(i) for i in idx]

        sizes = np.array([item[2].size for item in items])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        log_area = np.concatenate([np.log(item[3]).ravel() for item in items])
        counts = np.concatenate([item[4].ravel() for item in items])
        c = None if cb is None else np.concatenate([item[5].ravel() for item in items])
        uniform = float(sum(item[4].sum() * math.log(item[0][0] * item[0][1]) for item in items))
        n_fix = float(counts.sum())

        k = self.n_knots
        start_params = np.concatenate([np.full(k - 1, math.log(3.0 / (k - 1))),
                                       [1.0] if cb is not None else []])
        bounds = [_THETA_BOUNDS] * (k - 1) + ([_WEIGHT_BOUNDS] if cb is not None else [])
        results = {}
        warm = [start_params]

        problems = {}

        def problem_for(sigma):
            if sigma not in problems:
                s = np.concatenate([blur_cells(item[2], sigma, item[0], item[1]).ravel()
                                    for item in items])
                problems.clear()  # keep one problem's arrays in memory
                problems[sigma] = _Problem(s, c, log_area, counts, offsets, k)
            return problems[sigma]

        def optimise(sigma, start_from, ftol):
            return minimize(problem_for(sigma).value_and_grad, start_from, jac=True,
                            method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 2000, "ftol": ftol, "gtol": 1e-8})

        def fit_sigma(sigma):
            # Searching over sigma, a relative tolerance of 1e-7 (~1e-6 nats per fixation) is
            # far finer than the differences between candidate widths.
            sigma = float(sigma)
            if sigma not in results:
                out = optimise(sigma, warm[0], 1e-7)
                results[sigma] = (float(out.fun), out.x)
                if out.fun <= min(r[0] for r in results.values()):
                    warm[0] = out.x
            return results[sigma][0]

        # Many tiny BLAS calls (L-BFGS-B on ~20 parameters): threads only cost (see salbench/_blas.py).
        with single_threaded():
            losses = [fit_sigma(s) for s in self.sigmas]
            best = int(np.argmin(losses))
            if self.blur and len(self.sigmas) > 1:
                lo = self.sigmas[max(best - 1, 0)]
                hi = self.sigmas[min(best + 1, len(self.sigmas) - 1)]
                if hi > lo:
                    minimize_scalar(fit_sigma, bounds=(lo, hi), method="bounded",
                                    options={"xatol": 0.002, "maxiter": 5})
            # Polish the chosen width to a tight tolerance.
            sigma = min(results, key=lambda key: results[key][0])
            out = optimise(sigma, results[sigma][1], 1e-11)
            if out.fun <= results[sigma][0]:
                results[sigma] = (float(out.fun), out.x)
        sigma, (loss, params) = min(results.items(), key=lambda kv: kv[1][0])
        self.sigma_ = float(sigma)
        self.theta_ = params[:k - 1].copy()
        self.knots_ = np.linspace(0.0, 1.0, k)
        self.values_ = knot_values(self.theta_)
        self.centre_bias_weight_ = float(params[k - 1]) if cb is not None else 0.0
        self.train_log_likelihood_ = (-loss * n_fix + uniform) / n_fix / LN2
        self.n_train_images_ = int(idx.size)
        self.n_train_fixations_ = int(n_fix)
        self.sigma_candidates_ = {float(s): -v[0] for s, v in sorted(results.items())}
        self.train_ids_ = frozenset(ids[int(i)] for i in idx)
        self.dataset_name_ = dataset.name
        self.fit_seconds_ = time.perf_counter() - start
        self._fitted = True
        return self

    # ------------------------------------------------------------------ prediction
    def nonlinearity(self, s) -> np.ndarray:
        """The fitted ``f`` at normalised map values ``s`` in [0, 1]."""
        self._check_fitted()
        return piecewise_linear(self.values_, np.asarray(s, dtype=np.float64))

    def _check_fitted(self):
        if not self._fitted:
            raise InputError("SaliencyMapDensityModel is not fitted: call .fit(dataset, train=...)")

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        self._check_fitted()
        if (image_id is not None and image_id in self.train_ids_
                and not self.allow_training_images):
            raise InputError(f"image {image_id!r} is a training image of this model (its fixations "
                             "fitted the nonlinearity); score held-out images only, or pass "
                             "allow_training_images=True")
        from .adapters._base import shape_of

        s = np.asarray(self.model.saliency_map(image, image_id=image_id), dtype=np.float64)
        shape = s.shape
        expected = shape_of(image)
        if s.ndim != 2 or (expected is not None and expected != shape):
            raise InputError(f"{self.model.name}: map shape {shape} differs from the image's "
                             f"{expected}")
        if not np.isfinite(s).all():
            raise InputError(f"{self.model.name}: the map of image {image_id!r} has non-finite values")
        d = cell_size(shape, self.grid)
        cells = self.nonlinearity(blur_cells(prepare_map(s, d), self.sigma_, shape, d))
        g = upsample(cells, shape, d)
        if self.centre_bias_ is not None and self.centre_bias_weight_ != 0.0:
            g += self.centre_bias_weight_ * self.centre_bias_.log_density(shape, image_id=image_id)
        top = float(g.max())
        g -= top + math.log(float(np.exp(g - top).sum()))
        return g

    def fingerprint(self) -> dict:
        """The wrapped saliency model's fingerprint (its maps, weights or code)."""
        from .._fingerprint import model_fingerprint

        return {"saliency_model": model_fingerprint(self.model)}

    def describe(self) -> dict:
        d = super().describe()
        d["model"] = self.model.describe()
        if self._fitted:
            d["parameters"] = {
                "method": "Kümmerer, Wallis & Bethge (PNAS 2015) saliency-to-density fit",
                "sigma": self.sigma_, "centre_bias_weight": self.centre_bias_weight_,
                "knots": self.knots_.tolist(), "values": self.values_.tolist(),
                "grid": self.grid, "n_train_images": self.n_train_images_,
                "n_train_fixations": self.n_train_fixations_, "dataset": self.dataset_name_,
                "train_information_gain_over_uniform_bits": self.train_log_likelihood_,
                "centre_bias": None if self.centre_bias_ is None else self.centre_bias_.describe(),
            }
        return d


def to_density(model: SaliencyMapModel, dataset, *, train, **options) -> SaliencyMapDensityModel:
    """``SaliencyMapDensityModel(model, **options).fit(dataset, train=train)``."""
    return SaliencyMapDensityModel(model, **options).fit(dataset, train=train)
