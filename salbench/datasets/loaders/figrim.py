"""FIGRIM (Bylinskii et al. 2015): the ``allImages`` annotation struct of the targets or fillers.

``allImages_release.mat`` (630 targets) and ``allImages_fillers.mat`` (2,157 fillers) hold one
variable ``allImages``, a 1 x N MATLAB struct array with fields

* ``filename`` (``'sun_aaajuldidvlcyzhv.jpg'``), ``category`` (``'airport_terminal'``) and
  ``impath`` (``'Targets/<category>/<filename>'`` or ``'Fillers/<category>/<filename>'``, relative
  to the folder the image archive unpacks into);
* ``userdata``, a 1 x 68 struct array, one element per participant (the j-th element is the same
  person on every image). A participant who did not see the image has empty fields; otherwise
  ``fixations`` is a 1 x 1 struct with ``enc``, ``rec`` and ``rec2``, each a k x 2 matrix
  **[x, y] in 1-based pixels** (possibly empty), and ``SDT`` the key-press outcome of each viewing.

Conversion: ``x = enc(:, 1) - 1``, ``y = enc(:, 2) - 1``; ``subject`` = the participant's slot
(0-based); one scanpath per (image, participant) in recorded order; no onsets or durations.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, mat_text, require, stimuli_from

#: The three viewings of a target image (fillers were seen at ``enc`` only, apart from the
#: vigilance repeats recorded under ``rec``).
VIEWINGS = ("enc", "rec", "rec2")


def read_figrim(path):
    """Parse an ``allImages`` struct file (all three viewings in one pass).

    Returns
    -------
    images : list of dict
        ``filename``, ``category`` and ``impath`` of every image, in file order.
    trials : dict of list
        Per viewing (``enc``, ``rec``, ``rec2``), ``(image index, participant slot, k x 2
        [x, y] as stored, 1-based)`` for every non-empty recording.
    empty_trials : dict of int
        Per viewing, participant-image pairs with a recording session but no fixation.
    """
    structs = load_mat(path, ("allImages",))["allImages"]
    if not isinstance(structs, np.ndarray) or structs.dtype.names is None:
        raise DataError(f"{path}: allImages is not a MATLAB struct array")
    missing = [f for f in ("filename", "category", "impath", "userdata") if f not in structs.dtype.names]
    if missing:
        raise DataError(f"{path}: allImages lacks the field(s) {missing}")
    images = []
    trials = {v: [] for v in VIEWINGS}
    empty = dict.fromkeys(VIEWINGS, 0)
    for i, record in enumerate(structs.reshape(-1)):
        where = f"{path}: allImages({i + 1})"
        try:
            image = {k: mat_text(record[k]) for k in ("filename", "category", "impath")}
        except ValueError as error:
            raise DataError(f"{where}: {error}") from None
        images.append(image)
        users = record["userdata"]
        if not isinstance(users, np.ndarray) or users.dtype.names is None or "fixations" not in users.dtype.names:
            raise DataError(f"{where} ({image['filename']}): userdata is not a struct array with "
                            "a field 'fixations'")
        for j, recorded in enumerate(users["fixations"].reshape(-1)):
            if recorded.size == 0:  # this participant did not see the image
                continue
            recorded = recorded.reshape(-1)[0]
            absent = [v for v in VIEWINGS if recorded.dtype.names is None or v not in recorded.dtype.names]
            if absent:
                raise DataError(f"{where} ({image['filename']}), participant {j + 1}: fixations "
                                f"has no field(s) {absent}")
            for viewing in VIEWINGS:
                points = np.asarray(recorded[viewing])
                if points.size == 0:
                    empty[viewing] += 1
                    continue
                if points.dtype == object or points.ndim != 2 or points.shape[1] != 2:
                    raise DataError(f"{where} ({image['filename']}), participant {j + 1}: "
                                    f"fixations.{viewing} must be a k x 2 [x, y] matrix, got "
                                    f"{points.dtype} {points.shape}")
                trials[viewing].append((i, j, points.astype(np.float64)))
    if not images:
        raise DataError(f"{path}: allImages is empty")
    return images, trials, empty


def load(spec, folder, out_of_image, *, viewing="enc"):
    """The registered ``figrim`` / ``figrim_fillers`` dataset from ``folder``."""
    import pandas as pd

    path = require(folder, spec.fixation_files[0], spec)
    images, every, empties = read_figrim(path)
    raw, empty = every[viewing], empties[viewing]
    if not raw:
        raise DataError(f"{path}: no fixation is recorded under {viewing} in this file")
    for image in images:
        rel = PurePosixPath(image["impath"])
        if rel.is_absolute() or ".." in rel.parts:
            raise DataError(f"{path}: impath {image['impath']!r} is not a relative path")
    stimuli = stimuli_from(folder, [image["impath"] for image in images], spec)
    trials = Trials()
    for i, j, points in raw:
        trials.add(i, points[:, 0] - 1.0, points[:, 1] - 1.0, subject=j)
    attributes = pd.DataFrame({"category": [image["category"] for image in images]})
    return finish(spec, stimuli, trials, out_of_image, attributes=attributes,
                  empty_trials=empty, options={"viewing": viewing})
