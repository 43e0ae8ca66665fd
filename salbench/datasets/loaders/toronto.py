"""Toronto (Bruce & Tsotsos 2007): 120 images, the fixations of 20 observers pooled per image.

``eyetrackingdata.zip`` unpacks into ``eyetrackingdata/fixdens/`` with

* ``Original Image Set/1.jpg`` ... ``120.jpg`` (681 x 511 colour images);
* ``origfixdata.mat``, variable ``white``: a 1 x 120 cell array, cell ``n`` a 511 x 681 map of
  image ``n`` whose non-zero pixels are the fixated pixels of all observers together;
* ``Raw/<observer>/<image>.fix``: per-observer fixation listings whose positions are not in image
  pixels (pysaliency's loader documents that they do not line up with the images); not read.

Conversion: every non-zero pixel ``(row, col)`` (0-based array indices) of ``white{n}`` becomes one
fixation ``x = col``, ``y = row``, so ``floor(x), floor(y)`` is that pixel. Observers, order,
onsets and durations are unknown (``subject = scanpath = position = -1``), and two fixations on
the same pixel are one non-zero pixel: the maps cannot say how many fixations a pixel had.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, require, stimuli_from

#: Where the files are once ``eyetrackingdata.zip`` is unpacked into the dataset folder.
MAPS = "eyetrackingdata/fixdens/origfixdata.mat"
IMAGES = "eyetrackingdata/fixdens/Original Image Set"
N_IMAGES = 120


def read_toronto(path):
    """The fixated-pixel maps of ``origfixdata.mat``: a list of 2-D arrays, one per image."""
    cells = load_mat(path, ("white",))["white"]
    if not isinstance(cells, np.ndarray) or cells.dtype != object:
        raise DataError(f"{path}: variable 'white' must be a cell array of fixation maps")
    maps = []
    for n, cell in enumerate(cells.reshape(-1)):
        array = np.asarray(cell)
        if array.dtype == object or array.ndim != 2:
            raise DataError(f"{path}: white{{{n + 1}}} must be a 2-D map, got {array.dtype} {array.shape}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise DataError(f"{path}: white{{{n + 1}}} holds non-finite values")
        maps.append(array)
    return maps


def load(spec, folder, out_of_image):
    """The registered ``toronto`` dataset from ``folder``."""
    path = require(folder, MAPS, spec)
    maps = read_toronto(path)
    if len(maps) != N_IMAGES:
        raise DataError(f"{path}: white has {len(maps)} maps, expected {N_IMAGES}")
    stimuli = stimuli_from(folder, [f"{IMAGES}/{n + 1}.jpg" for n in range(N_IMAGES)], spec)
    trials = Trials()
    for n, fixated in enumerate(maps):
        if fixated.shape != stimuli.shape(n):
            raise DataError(f"{path}: white{{{n + 1}}} is {fixated.shape[0]} x {fixated.shape[1]} "
                            f"but image {n + 1}.jpg is {stimuli.shape(n)[0]} x {stimuli.shape(n)[1]}")
        rows, cols = np.nonzero(fixated)
        trials.add(n, cols.astype(np.float64), rows.astype(np.float64), scanpath=False)
    return finish(spec, stimuli, trials, out_of_image,
                  notes=("fixations pooled over observers as fixated pixels: no observer, order, "
                         "time or multiplicity",))
