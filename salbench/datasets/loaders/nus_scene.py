"""NUS Scene (Liang et al. 2015): ``tidy/fixations.mat`` and ``tidy/imgInfo.mat``.

``fixations`` is a 500 x 12 cell array (image x observer). A non-empty cell is a k x 4 double
matrix with columns **[y, x, onset_s, duration_s]** (row first). The coordinates are continuous
screen positions rescaled to the image and every one satisfies ``0 < x < W``, ``0 < y < H``, so
they are already 0-based: no offset is applied (subtracting 1 would push 6 fixations outside).
``imgInfo.size`` is 500 x 2 [H, W] and must match the image files. Image ``i`` is
``stimuli/{i + 1:03d}.jpg``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat


def read_nus_scene(fixation_path, info_path=None):
    """Parse NUS Scene's MAT files.

    Returns ``(n_images, columns, empty_trials, sizes)`` where ``columns`` has ``x``, ``y``
    (already 0-based), ``n``, ``subject``, ``scanpath``, ``position``, ``t`` and ``duration``
    (seconds) and ``sizes`` is the ``(n_images, 2)`` [H, W] array of ``imgInfo.mat`` (or None).
    """
    fixation_path = Path(fixation_path)
    cells = load_mat(fixation_path, ("fixations",))["fixations"]
    if not isinstance(cells, np.ndarray) or cells.dtype != object or cells.ndim != 2:
        raise DataError(f"{fixation_path}: variable 'fixations' must be an images x observers cell "
                        f"array, got {getattr(cells, 'dtype', type(cells))} {getattr(cells, 'shape', '')}")
    n_images, n_observers = cells.shape
    blocks, ns, subjects, lengths = [], [], [], []
    empty = 0
    for i in range(n_images):
        for j in range(n_observers):
            block = np.asarray(cells[i, j])
            if block.size == 0:
                empty += 1
                continue
            if block.dtype == object or block.ndim != 2 or block.shape[1] != 4:
                raise DataError(
                    f"{fixation_path}: fixations{{{i + 1},{j + 1}}} (image {i}, subject {j}) must "
                    f"be a k x 4 numeric matrix [y, x, onset, duration], got {block.dtype} {block.shape}"
                )
            blocks.append(block.astype(np.float64))
            ns.append(i)
            subjects.append(j)
            lengths.append(block.shape[0])
    if not blocks:
        raise DataError(f"{fixation_path}: the file holds no fixation at all")
    data = np.concatenate(blocks)
    lengths = np.asarray(lengths, dtype=np.int64)
    bad = ~np.isfinite(data[:, :2]).all(axis=1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(f"{fixation_path}: fixation {k} has non-finite coordinates {data[k, :2]}")
    columns = {
        "y": data[:, 0].copy(),
        "x": data[:, 1].copy(),
        "t": data[:, 2].copy(),
        "duration": data[:, 3].copy(),
        "n": np.repeat(np.asarray(ns, dtype=np.int64), lengths),
        "subject": np.repeat(np.asarray(subjects, dtype=np.int64), lengths),
        "scanpath": np.repeat(np.arange(lengths.size, dtype=np.int64), lengths),
        "position": np.arange(int(lengths.sum()), dtype=np.int64)
        - np.repeat(np.cumsum(lengths) - lengths, lengths),
    }
    sizes = None
    if info_path is not None:
        info_path = Path(info_path)
        info = load_mat(info_path, ("imgInfo",))["imgInfo"]
        try:
            sizes = np.asarray(info["size"].reshape(-1)[0], dtype=np.int64)
        except (ValueError, KeyError, IndexError, TypeError):
            raise DataError(f"{info_path}: imgInfo has no numeric field 'size'") from None
        if sizes.shape != (n_images, 2):
            raise DataError(f"{info_path}: imgInfo.size must be {n_images} x 2 [H, W], got {sizes.shape}")
    return n_images, columns, empty, sizes
