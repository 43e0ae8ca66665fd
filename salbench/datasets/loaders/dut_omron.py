"""DUT-OMRON (Yang, Zhang, Lu, Ruan, Yang 2013): eye-tracking points of 5 observers on 5,168 images.

``DUT-OMRON-image.zip`` unpacks into ``DUT-OMRON-image/<name>.jpg`` and
``DUT-OMRON-eye-fixations.zip`` into ``DUT-OMRON-eye-fixations/mat/<name>.mat``, one file per
image holding ``s``: an n x 3 matrix **[x, y, observer]**. The first row has observer 0 and holds
the image size instead of a point; the others are the observers' points (observers 1-5) in
recorded order. Coordinates include the value 0, so they are 0-based pixel positions.

Conversion: ``x = s(:, 1)``, ``y = s(:, 2)`` (no offset), ``subject = observer - 1``; the size
row must match the image file (in either order: the publisher does not say which comes first)
and is not a fixation; one scanpath per (image, observer); no onsets or durations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, require, stimuli_from

IMAGES = "DUT-OMRON-image"
FIXATIONS = "DUT-OMRON-eye-fixations/mat"


def read_dut_omron(path):
    """``s`` of one file as stored: an n x 3 float array [x, y, observer]."""
    s = np.asarray(load_mat(path, ("s",))["s"])
    if s.dtype == object or s.ndim != 2 or s.shape[1] != 3:
        raise DataError(f"{path}: s must be an n x 3 [x, y, observer] matrix, got {s.dtype} {s.shape}")
    return s.astype(np.float64)


def load(spec, folder, out_of_image):
    """The registered ``dut_omron`` dataset from ``folder``."""
    folder = Path(folder)
    images = require(folder, IMAGES, spec, what="folder")
    require(folder, FIXATIONS, spec, what="folder")
    names = sorted(p.name for p in images.glob("*.jpg"))
    if not names:
        raise DataError(f"dataset {spec.name!r}: {images} holds no .jpg image")
    stimuli = stimuli_from(folder, [f"{IMAGES}/{name}" for name in names], spec)
    trials = Trials()
    for n, name in enumerate(names):
        path = folder / FIXATIONS / f"{Path(name).stem}.mat"
        if not path.is_file():
            raise DataError(f"dataset {spec.name!r}: {path} (the fixations of {name}) is missing")
        s = read_dut_omron(path)
        observer = s[:, 2]
        size = s[observer == 0, :2]
        height, width = stimuli.shape(n)
        if size.shape[0] != 1 or tuple(size[0]) not in ((width, height), (height, width)):
            raise DataError(f"{path}: the observer-0 row must hold the image size {width} x {height} "
                            f"once; found {size.tolist()}")
        if ((observer != np.round(observer)) | (observer < 0)).any():
            raise DataError(f"{path}: observer numbers must be non-negative integers")
        for number in np.unique(observer[observer > 0]):
            mine = observer == number
            trials.add(n, s[mine, 0], s[mine, 1], subject=int(number) - 1)
    return finish(spec, stimuli, trials, out_of_image)
