"""PASCAL-S (Li, Hou, Koch, Rehg, Yuille 2014): fixations of 12 observers on 850 PASCAL VOC images.

``salObj.zip`` unpacks into ``datasets/`` with ``imgs/pascal/1.jpg`` ... ``850.jpg`` and
``fixations/pascalFix.mat``, a MATLAB **v7.3 (HDF5)** file holding ``fixCell``: a cell array with
one k x 3 matrix per image, columns **[row, col, observer], all 1-based**, each observer's
fixations in recorded order. (h5py sees each matrix transposed, 3 x k.) A v5 copy of the same
variable (``scipy.io.loadmat``) is read too.

Conversion: ``x = col - 1``, ``y = row - 1``, ``subject = observer - 1``; one scanpath per
(image, observer); no onsets or durations.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat
from .published import Trials, finish, require, stimuli_from

FIXATIONS = "datasets/fixations/pascalFix.mat"
IMAGES = "datasets/imgs/pascal"
N_IMAGES = 850


def read_pascal_s(path):
    """The per-image k x 3 [row, col, observer] matrices of ``fixCell`` (1-based, as stored)."""
    import h5py

    if not h5py.is_hdf5(path):
        cells = load_mat(path, ("fixCell",))["fixCell"]
        return [_matrix(np.asarray(c), path, n) for n, c in enumerate(cells.reshape(-1))]
    try:
        with h5py.File(path, "r") as handle:
            if "fixCell" not in handle:
                raise DataError(f"{path}: the file has no variable 'fixCell'")
            references = handle["fixCell"][()].reshape(-1)
            matrices = []
            for n, reference in enumerate(references):
                node = handle[reference]
                if int(node.attrs.get("MATLAB_empty", 0)):
                    matrices.append(np.zeros((0, 3)))
                    continue
                matrices.append(_matrix(np.asarray(node[()]).T, path, n))
    except OSError as error:
        raise DataError(f"{path}: corrupt or truncated HDF5 MAT file ({error})") from None
    return matrices


def _matrix(array, path, n):
    if array.size == 0:
        return np.zeros((0, 3))
    if array.dtype == object or array.ndim != 2 or array.shape[1] != 3:
        raise DataError(f"{path}: fixCell{{{n + 1}}} must be a k x 3 [row, col, observer] matrix, "
                        f"got {array.dtype} {array.shape}")
    return array.astype(np.float64)


def load(spec, folder, out_of_image):
    """The registered ``pascal_s`` dataset from ``folder``."""
    path = require(folder, FIXATIONS, spec)
    matrices = read_pascal_s(path)
    if len(matrices) != N_IMAGES:
        raise DataError(f"{path}: fixCell has {len(matrices)} cells, expected {N_IMAGES}")
    stimuli = stimuli_from(folder, [f"{IMAGES}/{n + 1}.jpg" for n in range(N_IMAGES)], spec)
    trials = Trials()
    for n, matrix in enumerate(matrices):
        observers = matrix[:, 2]
        if ((observers != np.round(observers)) | (observers < 1)).any():
            raise DataError(f"{path}: fixCell{{{n + 1}}} has observer numbers that are not "
                            "positive integers")
        for observer in np.unique(observers):
            mine = observers == observer
            trials.add(n, matrix[mine, 1] - 1.0, matrix[mine, 0] - 1.0, subject=int(observer) - 1)
    return finish(spec, stimuli, trials, out_of_image)
