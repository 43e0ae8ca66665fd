"""Shared helpers for the evaluation, leaderboard and CLI tests: small real datasets and models."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from salbench.datasets import Dataset, DatasetFacts, Fixations, Stimuli
from salbench.models.base import ProbabilisticModel, SaliencyMapModel

SHARED = Path(os.environ.get("SALBENCH_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SHARED_DATASETS = SHARED / "datasets"


def mixed_size_dataset(root: Path, *, sizes=((30, 40), (20, 50), (30, 40), (16, 16), (20, 50), (30, 40)),
                       fixations_per_image=(12, 9, 0, 7, 15, 10), seed=0, name="mixed") -> Dataset:
    """Real PNG stimuli of several sizes, random fixations by 3 observers (one image has none)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder = Path(root) / "stimuli"
    folder.mkdir(parents=True, exist_ok=True)
    paths, xs, ys, ns, subjects = [], [], [], [], []
    for i, ((h, w), k) in enumerate(zip(sizes, fixations_per_image)):
        path = folder / f"img{i:02d}.png"
        Image.fromarray(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)).save(path)
        paths.append(path)
        # fixations crowd towards the centre (so models with a centre bias do better)
        xs.append(np.clip(rng.normal(w / 2, w / 5, k), 0, np.nextafter(w, 0)))
        ys.append(np.clip(rng.normal(h / 2, h / 5, k), 0, np.nextafter(h, 0)))
        ns.append(np.full(k, i))
        subjects.append(np.arange(k) % 3)
    fixations = Fixations(np.concatenate(xs), np.concatenate(ys), np.concatenate(ns),
                          subject=np.concatenate(subjects), n_images=len(sizes))
    return Dataset(Stimuli(paths), fixations, DatasetFacts(name=name, observers=3))


class SmoothRandomModel(ProbabilisticModel):
    """A deterministic smooth random log-density per image (seeded by the image id)."""

    needs_pixels = False

    def __init__(self, name="smooth random", sharpness=1.0):
        self.name = name
        self.sharpness = float(sharpness)

    def _field(self, shape, image_id):
        from scipy.ndimage import gaussian_filter

        seed = int.from_bytes(str(image_id).encode()[-8:].ljust(8, b"\0"), "little") % (2**32)
        rng = np.random.default_rng([seed, int(1000 * self.sharpness)])
        h, w = shape
        yy, xx = np.mgrid[0:h, 0:w]
        centre = -((xx - w / 2) ** 2 / (w / 3) ** 2 + (yy - h / 2) ** 2 / (h / 3) ** 2)
        return self.sharpness * (centre + gaussian_filter(rng.normal(size=shape), 2.0) * 3)

    def log_density(self, image, *, image_id=None):
        shape = image if isinstance(image, tuple) else np.shape(image)[:2]
        z = self._field(shape, image_id)
        return z - np.log(np.exp(z - z.max()).sum()) - z.max()

    def describe(self):
        return {**super().describe(), "parameters": {"sharpness": self.sharpness}}


class PixelMeanModel(SaliencyMapModel):
    """A plain saliency map from pixels (the mean over colour channels): needs the decoded image."""

    name = "pixel mean"

    def saliency_map(self, image, *, image_id=None):
        a = np.asarray(image, dtype=np.float64)
        return a.mean(axis=2) if a.ndim == 3 else a
