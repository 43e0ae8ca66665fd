"""Fixations grouped by image, and the shuffled-AUC negatives built from them."""

from __future__ import annotations

import numpy as np

from .._validation import check_numeric_dtype
from ..exceptions import InputError


class FixationsByImage:
    """Fixations grouped by image (stable within an image), validated once."""

    def __init__(self, x, y, n, n_images):
        x, y, n_raw = np.asarray(x), np.asarray(y), np.asarray(n)
        check_numeric_dtype(x.dtype, "x")
        check_numeric_dtype(y.dtype, "y")
        check_numeric_dtype(n_raw.dtype, "n")
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
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


class ShuffledNegatives:
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
        self._counts = {}
        self._source_size = np.array([shapes[i] for i in range(len(shapes))], dtype=np.float64)

    def for_shape(self, shape):
        """Sorted flat pixel indices of every fixation rescaled to ``shape`` (repeats kept)."""
        flat = self._cache.get(shape)
        if flat is None:
            f = self._fixations
            height, width = shape
            sizes = self._source_size[f.n]
            cols = np.minimum(np.floor(f.x * (width / sizes[:, 1])), width - 1).astype(np.int64)
            rows = np.minimum(np.floor(f.y * (height / sizes[:, 0])), height - 1).astype(np.int64)
            flat = np.sort(rows * width + cols)
            self._cache[shape] = flat
        return flat

    def candidates_excluding(self, shape, own_flat):
        """Distinct pixels fixated on other images (MIT ``otherMap > 0``)."""
        counted = self._counts.get(shape)
        if counted is None:
            counted = np.unique(self.for_shape(shape), return_counts=True)
            self._counts[shape] = counted
        pixels, counts = counted
        remaining = counts.copy()
        own, own_counts = np.unique(own_flat, return_counts=True)
        remaining[np.searchsorted(pixels, own)] -= own_counts
        return pixels[remaining > 0]
