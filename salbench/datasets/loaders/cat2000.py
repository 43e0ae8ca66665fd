"""CAT2000 (Borji & Itti 2015), as the publisher's ``trainSet.zip`` / ``testSet.zip`` unpack.

Training set: ``trainSet/Stimuli/<category>/<nnn>.jpg`` (2000 images, 20 categories of 100, all
1920x1080) and ``trainSet/allFixData.mat``, whose variable ``allData`` is a MATLAB
``containers.Map``: one key per image (sorted keys in the stimuli's natural order: the i-th key is
the i-th image, the correspondence pysaliency relies on; the loader checks the counts agree), each
value an ``n x 1`` cell array with one struct per observer, fields ``name`` (the recording's file
name, ``<...>-<...>-<observer>.eye``: the observer is the part after the last ``-``) and ``data``
(``k x 2`` or wider, ``[x, y]`` in 1-based pixels, one row per fixation in viewing order).
Reading a ``containers.Map`` without MATLAB needs the ``mat-io`` package
(``pip install "salbench[matlab]"``).

Conversion: ``x = data(:, 1) - 1``, ``y = data(:, 2) - 1``; onset and duration are not in the
file (NaN). Rows with a NaN coordinate, rows outside the image (blinks are negative) and a row
that repeats the previous kept row exactly (frequent in the file; pysaliency 1.1 removes them
too) are dropped; ``position`` is the row index in ``data``, so a dropped row leaves a gap.

Test set: ``testSet/Stimuli/<category>/<nnn>.jpg`` (2000 images), stimuli only; files under an
``Output`` folder are not stimuli.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from ._files import inside, list_images, scanpath_columns
from ._mat import load_mat


def _stimuli(folder: Path, exclude_output: bool):
    from ..stimuli import Stimuli

    base = Path(folder) / "Stimuli"
    names = list_images(base, (".jpg",), recursive=True)
    if exclude_output:
        names = [n for n in names if "output" not in n.lower()]
    categories = [Path(n).parent.as_posix() for n in names]
    return Stimuli([base / n for n in names]), names, categories


def _observer(name, where: str) -> str:
    text = str(np.asarray(name).reshape(-1)[0]) if np.asarray(name).size else ""
    label = text[:-4] if text.lower().endswith(".eye") else text
    if "-" not in label:
        raise DataError(f"{where}: recording name {text!r} is not '<...>-<observer>.eye'")
    return label.rsplit("-", 1)[1]


def _trials(value, where: str):
    """The ``(observer, data)`` pairs of one map value (a cell array of structs)."""
    cells = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
    out = []
    for j, cell in enumerate(cells.reshape(-1) if cells.dtype == object else [cells]):
        struct = cell
        while isinstance(struct, np.ndarray) and struct.dtype == object and struct.size == 1:
            struct = struct.reshape(-1)[0]
        here = f"{where}{{{j + 1}}}"
        if not (isinstance(struct, np.ndarray) and struct.dtype.names
                and {"name", "data"} <= set(struct.dtype.names)):
            raise DataError(f"{here}: expected a struct with fields 'name' and 'data'")
        record = struct.reshape(-1)[0]
        data = record["data"]
        while isinstance(data, np.ndarray) and data.dtype == object and data.size == 1:
            data = data.reshape(-1)[0]
        data = np.asarray(data)
        if data.size == 0:
            data = np.empty((0, 2))
        if data.dtype == object or data.ndim != 2 or data.shape[1] < 2:
            raise DataError(f"{here}.data must be a k x 2 numeric array [x, y], got "
                            f"{data.dtype} {data.shape}")
        out.append((_observer(record["name"], here), data[:, :2].astype(np.float64)))
    return out


def read_cat2000_train(folder: Path):
    """Parse an unpacked CAT2000 training folder (``.../trainSet``'s parent).

    Returns ``(stimuli, categories, columns, counts, observers)``.
    """
    folder = Path(folder) / "trainSet"
    stimuli, names, categories = _stimuli(folder, exclude_output=False)
    path = folder / "allFixData.mat"
    all_data = load_mat(path, ("allData",), objects=True)["allData"]
    if not hasattr(all_data, "keys"):
        raise DataError(f"{path}: allData must be a containers.Map, got {type(all_data).__name__}")
    keys = sorted(all_data.keys())
    if len(keys) != len(stimuli):
        raise DataError(f"{path}: allData has {len(keys)} keys but trainSet/Stimuli holds "
                        f"{len(stimuli)} images; they must correspond one to one")
    per_image = [_trials(all_data[k], f"{path}: allData({k!r})") for k in keys]
    labels = sorted({observer for trials in per_image for observer, _ in trials})
    ids = {label: k for k, label in enumerate(labels)}
    blocks = []
    counts = {"trials": 0, "empty_trials": 0, "nan": 0, "outside": 0, "repeated": 0}
    shapes = stimuli.shapes
    for i, trials in enumerate(per_image):
        height, width = (int(v) for v in shapes[i])
        for observer, data in trials:
            counts["trials"] += 1
            x, y = data[:, 0] - 1.0, data[:, 1] - 1.0
            finite = np.isfinite(x) & np.isfinite(y)
            keep = finite & inside(x, y, height, width)
            counts["nan"] += int((~finite).sum())
            counts["outside"] += int((finite & ~keep).sum())
            rows = np.flatnonzero(keep)
            if rows.size > 1:  # a row equal to the previous *kept* row is a repeat
                same = (x[rows[1:]] == x[rows[:-1]]) & (y[rows[1:]] == y[rows[:-1]])
                counts["repeated"] += int(same.sum())
                rows = np.concatenate([rows[:1], rows[1:][~same]])
            if rows.size == 0:
                counts["empty_trials"] += 1
            nan = np.full(rows.size, np.nan)
            blocks.append((i, ids[observer], x[rows], y[rows], nan, nan, rows))
    return stimuli, categories, scanpath_columns(blocks), counts, len(labels)


def load_cat2000_train(spec, folder: Path):
    import pandas as pd

    from ..dataset import Dataset
    from ..fixations import Fixations

    stimuli, categories, columns, counts, observers = read_cat2000_train(folder)
    fixations = Fixations._from_sorted(columns, len(stimuli))
    notes = (f"dropped by the loader: {counts['outside']} fixation(s) outside the image, "
             f"{counts['nan']} with a NaN coordinate, {counts['repeated']} exact repeat(s) of the "
             "previous fixation",)
    facts = spec.facts(empty_trials=counts["empty_trials"], out_of_image=counts["outside"],
                       dropped=counts["outside"], observers=observers)
    facts = facts.replace(notes=facts.notes + notes)
    attributes = pd.DataFrame({"category": categories})
    return Dataset(stimuli, fixations, facts, attributes=attributes,
                   out_of_image=None)  # load() applies the policy


def load_cat2000_test(spec, folder: Path):
    import pandas as pd

    from ..dataset import Dataset
    from ..fixations import Fixations

    stimuli, _, categories = _stimuli(Path(folder) / "testSet", exclude_output=True)
    return Dataset(stimuli, Fixations.empty(len(stimuli)), spec.facts(),
                   attributes=pd.DataFrame({"category": categories}))
