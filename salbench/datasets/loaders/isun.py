"""iSUN (Xu et al. 2015, TurkerGaze): webcam eye tracking of crowd workers on SUN images.

The LSUN 2015 saliency challenge published ``training.mat``, ``validation.mat``, ``testing.mat``
and ``image.zip`` (unpacking into ``images/<name>.jpg``). Each MAT file holds a variable named
like the file (``training``...): an N x 1 struct array with fields ``image`` (the stimulus name
without extension) and, for training and validation, ``gaze``: a 1 x S struct array, one element
per worker, whose field ``fixation`` is a k x 2 matrix **[x, y]** of that worker's fixations in
image pixels. The files do not say whether positions are 0- or 1-based; like pysaliency, salbench
takes them as they are (0-based).

Conversion: ``x = fixation(:, 1)``, ``y = fixation(:, 2)``; workers are not identified across
images (``subject = -1``; one scanpath per worker and image); no onsets or durations.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, mat_text, require, stimuli_from

SPLITS = {"train": "training", "val": "validation", "test": "testing"}


def read_isun(path, variable: str, *, with_gaze: bool = True):
    """``(names, gaze)``: stimulus names and, per image, the workers' k x 2 [x, y] arrays."""
    records = load_mat(path, (variable,))[variable]
    if not isinstance(records, np.ndarray) or records.dtype.names is None or "image" not in records.dtype.names:
        raise DataError(f"{path}: {variable} is not a struct array with a field 'image'")
    if with_gaze and "gaze" not in records.dtype.names:
        raise DataError(f"{path}: {variable} has no field 'gaze'")
    names, gaze = [], []
    for n, record in enumerate(records.reshape(-1)):
        try:
            names.append(mat_text(record["image"]))
        except ValueError as error:
            raise DataError(f"{path}: {variable}({n + 1}).image: {error}") from None
        if not with_gaze:
            continue
        workers = record["gaze"]
        while isinstance(workers, np.ndarray) and workers.dtype == object and workers.size == 1:
            workers = workers.reshape(-1)[0]
        if not isinstance(workers, np.ndarray) or workers.dtype.names is None or "fixation" not in workers.dtype.names:
            raise DataError(f"{path}: {variable}({n + 1}).gaze is not a struct array with a field 'fixation'")
        arrays = []
        for j, worker in enumerate(workers.reshape(-1)):
            array = np.asarray(worker["fixation"])
            if array.size == 0:
                arrays.append(np.zeros((0, 2)))
                continue
            if array.dtype == object or array.ndim != 2 or array.shape[1] != 2:
                raise DataError(f"{path}: {variable}({n + 1}).gaze({j + 1}).fixation must be a "
                                f"k x 2 [x, y] matrix, got {array.dtype} {array.shape}")
            arrays.append(array.astype(np.float64))
        gaze.append(arrays)
    return names, gaze


def load(spec, folder, out_of_image, *, split="train"):
    """The registered ``isun`` dataset (one split) from ``folder``."""
    variable = SPLITS[split]
    path = require(folder, f"{variable}.mat", spec)
    names, gaze = read_isun(path, variable, with_gaze=split != "test")
    stimuli = stimuli_from(folder, [f"images/{name}.jpg" for name in names], spec)
    trials = Trials()
    empty = 0
    for n, arrays in enumerate(gaze):
        for array in arrays:
            if not array.shape[0]:
                empty += 1
                continue
            trials.add(n, array[:, 0], array[:, 1])
    notes = ("test split: stimuli only",) if split == "test" else ()
    return finish(spec, stimuli, trials, out_of_image, empty_trials=empty,
                  options={"split": split}, notes=notes)
