"""The OSIE MAT layout, shared by OSIE (Xu et al. 2014) and EyeCrowd (Jiang et al. 2014).

``fixations.mat`` holds a variable ``fixations``: an N x 1 (or 1 x N) cell array with one cell per
image. Each cell is a struct with

* ``img``: the stimulus file name, e.g. ``'1001.jpg'``;
* ``subjects``: a cell array with one struct per observer, with fields ``fix_x``, ``fix_y``
  (1 x k double, 1-based MATLAB pixel coordinates, x = column) and ``fix_duration`` (1 x k,
  milliseconds). An observer with no fixation on an image has empty arrays (an *empty trial*).

Conversion to salbench's convention: ``x = fix_x - 1``, ``y = fix_y - 1`` (1-based to 0-based),
``duration = fix_duration / 1000`` seconds; onset times are not recorded (``t = NaN``). The
observer id is the position in ``subjects`` (0-based); each non-empty trial is one scanpath, its
fixations in recorded order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from ._mat import load_mat


def _field(struct, name: str, where: str, path: Path):
    try:
        return struct[name]
    except (ValueError, KeyError, IndexError):
        raise DataError(f"{path}: {where} has no field {name!r}") from None


def _struct(cell, where: str, path: Path):
    """Unwrap MATLAB's 1x1 nesting of a struct inside a cell."""
    value = cell
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, np.ndarray) and value.dtype.names is not None and value.size == 1:
        return value.reshape(-1)[0]
    raise DataError(f"{path}: {where} is not a MATLAB struct (got {type(value).__name__} "
                    f"{getattr(value, 'dtype', '')} {getattr(value, 'shape', '')})")


def _vector(value, name: str, where: str, path: Path) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object:
        raise DataError(f"{path}: {where}: field {name!r} is not a numeric array")
    if array.size and min(array.shape) > 1:
        raise DataError(f"{path}: {where}: field {name!r} must be a vector, got shape {array.shape}")
    return array.reshape(-1)


def read_osie_layout(path, *, variable: str = "fixations"):
    """Parse an OSIE-layout MAT file.

    Returns
    -------
    names : list of str
        Stimulus file name of each image, in file order.
    columns : dict of numpy arrays
        ``x``, ``y`` (as stored, 1-based), ``n``, ``subject``, ``scanpath``, ``position``,
        ``duration_ms``.
    empty_trials : int
        Observer-image pairs without any fixation.
    """
    path = Path(path)
    cells = load_mat(path, (variable,))[variable]
    if not isinstance(cells, np.ndarray) or cells.dtype != object or cells.ndim != 2 or min(cells.shape) != 1:
        raise DataError(f"{path}: variable {variable!r} must be an N x 1 cell array, got "
                        f"{getattr(cells, 'dtype', type(cells))} {getattr(cells, 'shape', '')}")
    cells = cells.reshape(-1)
    names: list[str] = []
    xs, ys, ds, ns, subjects, positions_len = [], [], [], [], [], []
    empty = 0
    for i, cell in enumerate(cells):
        where = f"{variable}{{{i + 1}}}"
        image = _struct(cell, where, path)
        name = np.asarray(_field(image, "img", where, path)).reshape(-1)
        if name.size != 1 or not isinstance(name[0], str):
            raise DataError(f"{path}: {where}.img must be a file name string, got {name!r}")
        names.append(str(name[0]))
        observers = np.asarray(_field(image, "subjects", where, path))
        if observers.dtype != object:
            raise DataError(f"{path}: {where}.subjects must be a cell array")
        for j, observer_cell in enumerate(observers.reshape(-1)):
            here = f"{where}.subjects{{{j + 1}}} (image {names[-1]!r}, subject {j})"
            observer = _struct(observer_cell, here, path)
            x = _vector(_field(observer, "fix_x", here, path), "fix_x", here, path)
            y = _vector(_field(observer, "fix_y", here, path), "fix_y", here, path)
            d = _vector(_field(observer, "fix_duration", here, path), "fix_duration", here, path)
            if not (x.size == y.size == d.size):
                raise DataError(f"{path}: {here}: fix_x, fix_y and fix_duration have different "
                                f"lengths ({x.size}, {y.size}, {d.size})")
            if x.size == 0:
                empty += 1
                continue
            xs.append(x.astype(np.float64))
            ys.append(y.astype(np.float64))
            ds.append(d.astype(np.float64))
            ns.append(i)
            subjects.append(j)
            positions_len.append(x.size)
    lengths = np.asarray(positions_len, dtype=np.int64)
    if lengths.size == 0:
        raise DataError(f"{path}: the file holds no fixation at all")
    columns = {
        "x": np.concatenate(xs),
        "y": np.concatenate(ys),
        "duration_ms": np.concatenate(ds),
        "n": np.repeat(np.asarray(ns, dtype=np.int64), lengths),
        "subject": np.repeat(np.asarray(subjects, dtype=np.int64), lengths),
        "scanpath": np.repeat(np.arange(lengths.size, dtype=np.int64), lengths),
        # position within the scanpath: 0..k-1 for each trial
        "position": np.arange(int(lengths.sum()), dtype=np.int64)
        - np.repeat(np.cumsum(lengths) - lengths, lengths),
    }
    for name in ("x", "y"):
        bad = ~np.isfinite(columns[name])
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(f"{path}: fix_{name} of image {names[columns['n'][k]]!r}, subject "
                            f"{int(columns['subject'][k])} is {float(columns[name][k])!r} (not finite)")
    return names, columns, empty
