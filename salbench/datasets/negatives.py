"""Shuffled-AUC negatives: the fixations of the other images, rescaled to an image's size."""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError

__all__ = ["shuffled_negatives"]


def shuffled_negatives(dataset, image, *, images=None) -> tuple[np.ndarray, np.ndarray]:
    """The negatives of the shuffled AUC of ``image``: every fixation on the other images.

    A fixation ``(x, y)`` on image ``j`` becomes ``(x * width_i / width_j, y * height_i /
    height_j)`` on image ``i`` (the Tübingen convention, pysaliency's): exactly the negatives
    that :func:`salbench.metrics.score_maps` and :func:`salbench.evaluate` use for ``sauc``, so
    ``salbench.metrics.sauc(map_i, x_i, y_i, *shuffled_negatives(dataset, i))`` is their value.
    Coordinates that rounding would put on the far border are moved just inside the image.

    Parameters
    ----------
    dataset : salbench.datasets.Dataset
    image : int
        Index of the image whose negatives these are.
    images : sequence of int, optional
        The images whose fixations are used (default all): the evaluated images, as
        ``evaluate`` takes them from the scored split. ``image`` itself is always left out.

    Returns
    -------
    (x, y) : tuple of numpy.ndarray of float64
        Continuous 0-based pixel coordinates on ``image``, ordered by source image.

    Examples
    --------
    >>> from salbench.datasets import Dataset, Fixations, Stimuli
    >>> stimuli = Stimuli(["a.png", "b.png"], shapes=[(10, 20), (5, 10)])
    >>> data = Dataset(stimuli, Fixations(x=[1.0, 4.0], y=[2.0, 3.0], n=[0, 1]))
    >>> [v.tolist() for v in shuffled_negatives(data, 0)]  # image 1 is half the size
    [[8.0], [6.0]]
    """
    stimuli, fixations = dataset.stimuli, dataset.fixations
    height, width = stimuli.shape(image)  # checks the index
    i = int(image)
    n = fixations.n
    other = n != i
    if images is not None:
        used = np.zeros(len(stimuli), dtype=bool)
        used[_indices(images, len(stimuli))] = True
        other &= used[n]
    shapes = stimuli.shapes
    source = n[other]
    x = fixations.x[other] * (width / shapes[source, 1])
    y = fixations.y[other] * (height / shapes[source, 0])
    # scaled coordinates stay inside the image despite rounding
    return np.minimum(x, np.nextafter(width, 0)), np.minimum(y, np.nextafter(height, 0))


def _indices(images, n_images) -> np.ndarray:
    idx = np.asarray(images).reshape(-1)
    if idx.size and (idx.dtype.kind not in "iu"):
        raise InputError(f"images must be integer image indices, got dtype {idx.dtype}")
    idx = idx.astype(np.int64)
    bad = (idx < 0) | (idx >= n_images)
    if bad.any():
        raise InputError(f"image index {int(idx[bad][0])} is out of range for {n_images} images")
    return idx
