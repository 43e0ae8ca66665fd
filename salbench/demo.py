"""The built-in demo: synthetic fixation data whose true density is known, and models of it.

``salbench demo`` runs :func:`run_demo`; the data and models are public so that examples and
doctests can use them (``from salbench.demo import synthetic_dataset, TrueDensityModel``).

:func:`synthetic_dataset` draws, for each image, a few "objects" (Gaussian blobs of random
position, size and weight) and mixes them with an image-independent centre bias; the mixture,
discretised on the pixel grid, is the image's **true fixation density**. Fixations are samples from
it (a pixel by its probability, then a uniform position inside the pixel), a scanpath of several
fixations per observer. The stimuli are real PNG files in which the objects are bright blobs on a
noisy background, so an image-based model can find them from the pixels alone.

Because the true density is known, :class:`TrueDensityModel` is an *exact* gold standard (its
information gain over the centre bias is the explainable information, with no estimation error).
The demo models have known flaws and should rank in this order:

* ``sharp`` — the true density slightly blurred (σ = 3 px): nearly perfect;
* ``blurry`` — the true density blurred with σ = 8 px: right places, too spread;
* ``no centre bias`` — the objects only, without the centre-bias component;
* ``contrast`` — a plain saliency map from the pixels (local contrast), no probabilities: it is
  scored on the saliency metrics only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .models.base import ProbabilisticModel, SaliencyMapModel

#: Weight of the centre-bias component of every true density.
CENTRE_WEIGHT = 0.35


@dataclass
class SyntheticData:
    """A synthetic dataset and the parameters of its true densities."""

    dataset: object
    shape: tuple
    centres: list  #: per image, (k, 2) object centres (x, y) in pixels
    sizes: list  #: per image, (k,) object standard deviations in pixels
    weights: list  #: per image, (k,) object weights (sum 1)

    def index(self, image_id) -> int:
        return self.dataset.stimuli.index_of(image_id)

    def centre_density(self) -> np.ndarray:
        h, w = self.shape
        return _gaussian_mixture(h, w, np.array([[w / 2, h / 2]]), None, np.array([1.0]),
                                 sx=np.array([w / 4.5]), sy=np.array([h / 4.5]))

    def object_density(self, i: int) -> np.ndarray:
        h, w = self.shape
        return _gaussian_mixture(h, w, self.centres[i], self.sizes[i], self.weights[i])

    def true_density(self, i: int) -> np.ndarray:
        return CENTRE_WEIGHT * self.centre_density() + (1 - CENTRE_WEIGHT) * self.object_density(i)


def _gaussian_mixture(h, w, centres, sizes, weights, *, sx=None, sy=None):
    """Pixel masses of a Gaussian mixture (each component integrated over pixel cells)."""
    from scipy.special import ndtr

    sx = sizes if sx is None else sx
    sy = sizes if sy is None else sy
    xs = np.arange(w + 1.0)
    ys = np.arange(h + 1.0)
    out = np.zeros((h, w))
    for (cx, cy), sdx, sdy, weight in zip(centres, sx, sy, weights):
        px = np.diff(ndtr((xs - cx) / sdx))
        py = np.diff(ndtr((ys - cy) / sdy))
        out += weight * np.outer(py, px) / (px.sum() * py.sum())
    return out / out.sum()


def synthetic_dataset(*, n_images: int = 24, shape=(96, 128), n_observers: int = 15,
                      fixations_per_observer: int = 5, seed: int = 0, root=None) -> SyntheticData:
    """Make a synthetic dataset (PNG stimuli written to ``root``) with known true densities.

    Examples
    --------
    >>> data = synthetic_dataset(n_images=3, shape=(20, 30), root=getfixture("tmp_path"))
    >>> len(data.dataset), len(data.dataset.fixations), data.true_density(0).shape
    (3, 225, (20, 30))
    >>> round(float(data.true_density(0).sum()), 12)
    1.0
    """
    import tempfile

    from PIL import Image

    from .datasets import Dataset, DatasetFacts, Fixations, Stimuli

    h, w = (int(v) for v in shape)
    rng = np.random.default_rng(seed)
    root = Path(tempfile.mkdtemp(prefix="salbench-demo-")) if root is None else Path(root)
    folder = root / "stimuli"
    folder.mkdir(parents=True, exist_ok=True)
    centres, sizes, weights, paths = [], [], [], []
    xs, ys, ns, subjects, scanpaths, positions = [], [], [], [], [], []
    data = SyntheticData(None, (h, w), centres, sizes, weights)
    for i in range(n_images):
        k = int(rng.integers(2, 5))
        centres.append(np.column_stack([rng.uniform(0.1 * w, 0.9 * w, k),
                                        rng.uniform(0.1 * h, 0.9 * h, k)]))
        sizes.append(rng.uniform(0.03, 0.08, k) * max(h, w))
        weights.append(rng.dirichlet(np.full(k, 2.0)))
        # the picture: objects as bright blobs (brightness grows with the object's weight)
        blobs = np.zeros((h, w))
        yy, xx = np.mgrid[0:h, 0:w] + 0.5
        for (cx, cy), s, wt in zip(centres[i], sizes[i], weights[i]):
            blobs += (0.5 + wt) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
        pixels = 0.25 + 0.6 * blobs / blobs.max() + rng.normal(0, 0.05, (h, w))
        rgb = np.clip(np.stack([pixels, 0.9 * pixels, 0.8 * pixels], axis=-1) * 255, 0, 255)
        path = folder / f"{i + 1:03d}.png"
        Image.fromarray(rgb.astype(np.uint8)).save(path)
        paths.append(path)
        # fixations: samples of the true density
        p = data.true_density(i).reshape(-1)
        for s in range(n_observers):
            flat = rng.choice(p.size, size=fixations_per_observer, p=p)
            xs.append(flat % w + rng.random(flat.size))
            ys.append(flat // w + rng.random(flat.size))
            ns.append(np.full(flat.size, i))
            subjects.append(np.full(flat.size, s))
            scanpaths.append(np.full(flat.size, i * n_observers + s))
            positions.append(np.arange(flat.size))
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), scanpath=np.concatenate(scanpaths),
                          position=np.concatenate(positions), n_images=n_images)
    facts = DatasetFacts(
        name="synthetic", title="salbench synthetic demo data (known true densities)",
        licence="CC0", source="salbench.demo.synthetic_dataset", observers=n_observers,
        conversion="none (generated in 0-based pixel coordinates)",
        notes=(f"seed {seed}; {n_images} images of {w}x{h}; true density = "
               f"{CENTRE_WEIGHT} centre bias + {1 - CENTRE_WEIGHT} objects",),
    )
    data.dataset = Dataset(Stimuli(paths, shapes=[(h, w)] * n_images), fixations, facts)
    return data


# ---------------------------------------------------------------------------------- models
class _SyntheticModel(ProbabilisticModel):
    needs_pixels = False

    def __init__(self, data: SyntheticData):
        self.data = data

    def _index(self, image, image_id):
        if image_id is None:
            raise ValueError(f"{self.name} needs image_id=")
        return self.data.index(image_id)

    def log_density(self, image, *, image_id=None):
        d = self.density(self._index(image, image_id))
        with np.errstate(divide="ignore"):
            return np.log(d / d.sum())

    def describe(self) -> dict:
        return {**super().describe(), "parameters": {"synthetic": True}}


class TrueDensityModel(_SyntheticModel):
    """The exact density the fixations were sampled from: the demo's gold standard."""

    name = "true density (gold standard)"
    baseline_role = "gold_standard"

    def density(self, i):
        return self.data.true_density(i)


class BlurredTruthModel(_SyntheticModel):
    """The true density blurred with a Gaussian of ``sigma`` pixels."""

    def __init__(self, data, sigma: float, name: str):
        super().__init__(data)
        self.sigma = float(sigma)
        self.name = name

    def density(self, i):
        from scipy.ndimage import gaussian_filter

        return gaussian_filter(self.data.true_density(i), self.sigma, mode="reflect")

    def describe(self) -> dict:
        return {**super().describe(), "parameters": {"sigma": self.sigma}}


class ObjectsOnlyModel(_SyntheticModel):
    """The objects' density without the centre bias (mixed with 5% uniform)."""

    name = "no centre bias"

    def density(self, i):
        d = self.data.object_density(i)
        return 0.95 * d + 0.05 / d.size


class ContrastModel(SaliencyMapModel):
    """A plain saliency model from pixels: local luminance above the image mean, blurred.

    A deliberately simple image-based model (it finds bright blobs); it gives saliency maps only.
    """

    name = "contrast"

    def __init__(self, sigma_fraction: float = 0.04):
        self.sigma_fraction = float(sigma_fraction)

    def saliency_map(self, image, *, image_id=None):
        from scipy.ndimage import gaussian_filter

        a = np.asarray(image, dtype=np.float64)
        lum = a.mean(axis=2) if a.ndim == 3 else a
        sigma = self.sigma_fraction * max(lum.shape)
        smooth = gaussian_filter(lum, sigma, mode="reflect")
        return np.maximum(smooth - smooth.mean(), 0.0) + 1e-3 * smooth.std()

    def describe(self) -> dict:
        return {**super().describe(), "parameters": {"sigma_fraction": self.sigma_fraction}}


class SpectralResidualModel(SaliencyMapModel):
    """Spectral-residual saliency (Hou & Zhang, CVPR 2007): a classic model from pixels alone.

    The luminance is shrunk to ``size`` pixels on its longer side; the saliency map is the squared
    inverse Fourier transform of the log-amplitude spectrum minus its 3x3 local mean (keeping the
    phase), blurred (σ = 2.5 cells) and resized back to the image (bilinear).
    """

    name = "spectral residual"

    def __init__(self, size: int = 64):
        self.size = int(size)

    def saliency_map(self, image, *, image_id=None):
        from scipy.ndimage import gaussian_filter, uniform_filter

        from .metrics import resize_map

        a = np.asarray(image, dtype=np.float64)
        lum = a.mean(axis=2) if a.ndim == 3 else a
        h, w = lum.shape
        scale = self.size / max(h, w)
        small = resize_map(lum, (max(8, round(h * scale)), max(8, round(w * scale))),
                           method="bilinear")
        spectrum = np.fft.fft2(small)
        log_amplitude = np.log(np.abs(spectrum) + 1e-9)
        residual = log_amplitude - uniform_filter(log_amplitude, 3, mode="nearest")
        saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
        saliency = gaussian_filter(saliency, 2.5)
        return np.maximum(resize_map(saliency, (h, w), method="bilinear"), 0.0)

    def describe(self) -> dict:
        return {**super().describe(), "parameters": {"size": self.size}}


def synthetic_models(data: SyntheticData) -> list:
    """The demo's models (best first, by construction) — baselines not included."""
    return [BlurredTruthModel(data, 3.0, "sharp"), BlurredTruthModel(data, 8.0, "blurry"),
            ObjectsOnlyModel(data), ContrastModel()]


# ---------------------------------------------------------------------------------- running
def find_local_dataset(name: str = "osie"):
    """A registered dataset already on this machine: ``$SALBENCH_DATA`` / the user cache, or a
    ``shared/datasets`` folder next to the working directory or the source tree. None if absent."""
    from .datasets import load
    from .exceptions import DataError

    candidates = [None]
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidates += [base / "shared" / "datasets", base.parent / "shared" / "datasets"]
    for root in candidates:
        try:
            if root is not None and not (root / name).is_dir():
                continue
            return load(name, root=root)
        except (DataError, OSError):
            continue
    return None


def run_demo(*, data: str = "auto", n_images: int | None = None, out=None, n_threads=None,
             seed: int = 0, progress: bool | None = False, echo=None):
    """Run the whole pipeline and return ``(leaderboard, description)``.

    ``data="synthetic"`` always uses synthetic data; ``"auto"`` uses OSIE when it is available
    locally (the first ``n_images``, default 40, of its default test split — images the built-in
    model never saw: uniform, centre bias, the leave-one-subject-out gold standard, the
    spectral-residual model and salbench's built-in pruned gaze model), otherwise synthetic data
    (``n_images`` default 24).
    """
    import tempfile
    import warnings

    from .evaluation import default_baseline, evaluate
    from .exceptions import DegenerateInputWarning
    from .reports import leaderboard
    from .models.baselines import GoldStandardModel, UniformModel

    say = echo or (lambda message: None)
    real = find_local_dataset("osie") if data == "auto" else None
    workdir = Path(tempfile.mkdtemp(prefix="salbench-demo-")) if out is None else Path(out)
    options = dict(n_threads=n_threads, progress=progress, seed=seed)
    if real is not None:
        from .datasets import split_images
        from .models.default import default_model

        # The built-in model was trained on OSIE's default training split: score held-out images.
        test = split_images(real, seed=0).test
        k = min(n_images or 40, len(test))
        dataset = real.subset(test[:k])
        description = (f"OSIE (found locally), first {k} of the {len(test)} test images of "
                       f"split_images(osie, seed=0), {len(dataset.fixations)} fixations")
        centre_bias = default_baseline(dataset)
        models = [UniformModel(), centre_bias,
                  GoldStandardModel(prior=centre_bias).fit(dataset),
                  SpectralResidualModel(), default_model()]
    else:
        synthetic = synthetic_dataset(n_images=n_images or 24, seed=seed,
                                      root=workdir / "synthetic-data")
        dataset = synthetic.dataset
        description = (f"synthetic data, {len(dataset)} images of {synthetic.shape[1]}x"
                       f"{synthetic.shape[0]}, {len(dataset.fixations)} fixations sampled from "
                       "known densities")
        models = [UniformModel(), default_baseline(dataset), TrueDensityModel(synthetic),
                  *synthetic_models(synthetic)]
    say(f"salbench demo: {description}")
    results = []
    for model in models:
        say(f"  scoring {model.name} ...")
        with warnings.catch_warnings():
            # undefined values are recorded in each manifest; the demo prints the table only
            warnings.simplefilter("ignore", DegenerateInputWarning)
            target = None if out is None else workdir / "results" / _slug(model.name)
            results.append(evaluate(model, dataset, out=target, **options))
    board = leaderboard(results, seed=seed)
    return board, description


def _slug(name: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in name.lower())
    return "-".join(part for part in keep.split("-") if part) or "model"


__all__ = ["synthetic_dataset", "SyntheticData", "TrueDensityModel", "BlurredTruthModel",
           "ObjectsOnlyModel", "ContrastModel", "SpectralResidualModel", "synthetic_models",
           "run_demo"]
