"""Koehler et al. (2014): 800 images, fixations under three tasks.

``PublicData.zip`` (sent by the authors after a request form) unpacks into

* ``Images/image_r_1.jpg`` ... ``image_r_800.jpg`` (405 x 405);
* ``ObserverData.mat`` with, per task, two arrays ``<task>_x`` and ``<task>_y`` of shape
  (observers, 800 images, longest scanpath): **1-based [x, y] pixel positions**, NaN after the
  last fixation of a scanpath (and everywhere for an observer who did not see an image). The task
  prefixes are ``freeview`` (free viewing), ``objsearch`` (cued object search) and ``salview``
  (saliency search: look for the most salient object).

Conversion: ``x = <task>_x - 1``, ``y = <task>_y - 1``; ``subject`` = the observer's index along
the first axis (the same person on every image of that task; the file does not say whether an
index is the same person in two tasks); one scanpath per (observer, image); no onsets or durations.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, require, stimuli_from

#: Registered task names and the variable prefixes in ``ObserverData.mat``.
TASKS = {"freeviewing": "freeview", "objectsearch": "objsearch", "saliencysearch": "salview"}
N_IMAGES = 800


def read_koehler(path, *, task: str = "freeviewing"):
    """The ``(x, y)`` arrays of one task, as stored: (observers, images, fixations), NaN-padded."""
    prefix = TASKS[task]
    data = load_mat(path, (f"{prefix}_x", f"{prefix}_y"))
    x, y = (np.asarray(data[f"{prefix}_{c}"], dtype=np.float64) for c in "xy")
    if x.ndim == 2:  # MATLAB drops a trailing singleton axis (one fixation at most)
        x, y = x[..., None], y[..., None]
    if x.ndim != 3 or x.shape != y.shape:
        raise DataError(f"{path}: {prefix}_x and {prefix}_y must be observers x images x fixations "
                        f"arrays of one shape, got {x.shape} and {y.shape}")
    if (np.isnan(x) != np.isnan(y)).any():
        o, i, k = np.argwhere(np.isnan(x) != np.isnan(y))[0]
        raise DataError(f"{path}: {prefix}_x and {prefix}_y disagree on which values are missing "
                        f"(observer {o + 1}, image {i + 1}, fixation {k + 1})")
    return x, y


def load(spec, folder, out_of_image, *, task="freeviewing"):
    """The registered ``koehler`` dataset (one task) from ``folder``."""
    path = require(folder, "ObserverData.mat", spec)
    x, y = read_koehler(path, task=task)
    if x.shape[1] != N_IMAGES:
        raise DataError(f"{path}: {TASKS[task]}_x covers {x.shape[1]} images, expected {N_IMAGES}")
    stimuli = stimuli_from(folder, [f"Images/image_r_{n + 1}.jpg" for n in range(N_IMAGES)], spec)
    trials = Trials()
    empty = 0
    for n in range(N_IMAGES):
        for subject in range(x.shape[0]):
            keep = ~np.isnan(x[subject, n])
            if not keep.any():
                empty += 1
                continue
            trials.add(n, x[subject, n, keep] - 1.0, y[subject, n, keep] - 1.0, subject=subject)
    return finish(spec, stimuli, trials, out_of_image, empty_trials=empty,
                  options={"task": task})
