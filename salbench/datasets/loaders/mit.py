"""MIT1003 (Judd et al. 2009) and MIT300 (the MIT benchmark's test stimuli), as the publishers'
archives unpack.

MIT1003: ``ALLSTIMULI/<stem>.jpeg`` (1003 images) and ``DATA/<user>/<stem>.mat`` (15 users), each
MAT file holding one variable named like the image (MATLAB truncates names to 63 characters): a
struct whose ``DATA(1).eyeData`` is the trial's raw 240 Hz samples, ``N x 2`` ``[x, y]`` in
1-based image pixels (negative values are blinks). Fixations are extracted from the samples with
:func:`~salbench.datasets.loaders.mit_fixations.check_fixations`, the port of the dataset's own
``checkFixations.m``.

Conversion: ``x = median_x - 1``, ``y = median_y - 1`` (1-based to 0-based);
``t = (start - 1) / 240`` s (onset of the fixation's first sample since the trial's first
sample); ``duration = duration_ms / 1000``; ``position`` = index of the fixation among the
trial's extracted fixations (0 = the initial fixation on the central cross, which only the
``initial_fixation`` variant keeps). Fixations whose median lies outside the image (blinks,
glances off the picture) are dropped, as the dataset's code does; the counts go to the facts.

MIT300: ``BenchmarkIMAGES/<name>.jpg`` (300 images), stimuli only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError
from ._files import inside, list_images, natural_key, scanpath_columns
from ._mat import load_mat
from .mit_fixations import SAMPLING_RATE, check_fixations

#: MATLAB's longest variable name (``namelengthmax``).
MATLAB_NAME_LENGTH = 63


def _unwrap(value):
    """The single element inside MATLAB's 1x1 cell/struct nesting."""
    while isinstance(value, np.ndarray) and value.dtype == object and value.size == 1:
        value = value.reshape(-1)[0]
    return value


def _field(value, name: str, where: str):
    value = _unwrap(value)
    if isinstance(value, np.ndarray) and value.dtype.names is not None and value.size >= 1:
        if name in value.dtype.names:
            return value.reshape(-1)[0][name]
    elif isinstance(value, dict) and name in value:
        return value[name]
    raise DataError(f"{where}: expected a struct with a field {name!r}")


def read_eye_data(path: Path, stem: str) -> np.ndarray:
    """The raw samples ``DATA(1).eyeData`` of one MIT1003 trial file, as float64 ``(N, 2)``."""
    contents = load_mat(path, None)
    variable = stem[:MATLAB_NAME_LENGTH]
    if variable not in contents:
        if len(contents) != 1:
            raise DataError(f"{path}: no variable {variable!r} (it has {sorted(contents)})")
        variable = next(iter(contents))
    data = _field(contents[variable], "DATA", f"{path}: variable {variable!r}")
    samples = _unwrap(_field(data, "eyeData", f"{path}: {variable}.DATA(1)"))
    samples = np.asarray(samples)
    if samples.dtype == object or samples.ndim != 2 or (samples.size and samples.shape[1] < 2):
        raise DataError(f"{path}: {variable}.DATA(1).eyeData must be an N x 2 numeric array "
                        f"[x, y], got {samples.dtype} {samples.shape}")
    if samples.size == 0:
        return np.empty((0, 2))
    return samples[:, :2].astype(np.float64)


def users(folder: Path) -> list[str]:
    """The observers: the sub-folders of ``DATA`` (files such as ``DATA/x.mat`` are not users)."""
    data = Path(folder) / "DATA"
    if not data.is_dir():
        raise DataError(f"{data}: the eye-tracking folder is missing (unpack DATA.zip here)")
    names = sorted(p.name for p in data.iterdir() if p.is_dir() and not p.suffix)
    if not names:
        raise DataError(f"{data}: holds no observer folder")
    return names


def read_mit1003(folder: Path, *, initial_fixation: bool, only_1024x768: bool):
    """Parse an unpacked MIT1003 folder.

    Returns ``(names, shapes, columns, counts, n_observers)``: stimulus paths relative to
    ``folder``, their ``(H, W)``, fixation columns in salbench's convention, ``counts``
    (``trials``, ``empty_trials``, ``outside``, ``initial``: fixations dropped for lying outside
    the image and initial fixations left out) and the number of observer folders.
    """
    from ..stimuli import image_shape

    folder = Path(folder)
    stimuli = folder / "ALLSTIMULI"
    names = list_images(stimuli, (".jpeg",))
    shapes = [image_shape(stimuli / n) for n in names]
    if only_1024x768:
        keep = [k for k, s in enumerate(shapes) if s == (768, 1024)]
        names, shapes = [names[k] for k in keep], [shapes[k] for k in keep]
    observers = users(folder)
    missing = [f"DATA/{u}/{Path(n).stem}.mat" for n in names for u in observers
               if not (folder / "DATA" / u / f"{Path(n).stem}.mat").is_file()]
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise DataError(f"{folder}: {len(missing)} trial file(s) are missing: {shown}")
    blocks = []
    counts = {"trials": 0, "empty_trials": 0, "outside": 0, "initial": 0}
    for i, name in enumerate(names):
        height, width = shapes[i]
        stem = Path(name).stem
        for j, user in enumerate(observers):
            path = folder / "DATA" / user / f"{stem}.mat"
            try:
                found = check_fixations(read_eye_data(path, stem))
            except ValueError as error:
                raise DataError(f"{path}: {error}") from None
            counts["trials"] += 1
            position = np.arange(len(found), dtype=np.int64)
            x, y = found.x - 1.0, found.y - 1.0
            keep = inside(x, y, height, width)
            if not initial_fixation and len(found):
                counts["initial"] += 1
                counts["outside"] += int((~keep[1:]).sum())
                keep[0] = False
            else:
                counts["outside"] += int((~keep).sum())
            if not keep.any():
                counts["empty_trials"] += 1
            blocks.append((i, j, x[keep], y[keep], (found.start[keep] - 1) / SAMPLING_RATE,
                           found.duration_ms[keep] / 1000.0, position[keep]))
    return ([f"ALLSTIMULI/{n}" for n in names], np.asarray(shapes, dtype=np.int64).reshape(-1, 2),
            scanpath_columns(blocks), counts, len(observers))


def load_mit1003(spec, folder: Path):
    from ..dataset import Dataset
    from ..fixations import Fixations
    from ..stimuli import Stimuli

    initial = bool(spec.variant.get("initial_fixation", False))
    onesize = bool(spec.variant.get("only_1024x768", False))
    names, shapes, columns, counts, n_users = read_mit1003(
        folder, initial_fixation=initial, only_1024x768=onesize)
    stimuli = Stimuli([folder / n for n in names], shapes=shapes)
    fixations = Fixations._from_sorted(columns, len(names))
    notes = (f"{counts['outside']} extracted fixation(s) outside their image (blinks, off-image "
             "glances) were dropped by the loader, as the dataset's own code drops them",)
    if not initial:
        notes += (f"the initial fixation of each of {counts['initial']} trial(s) was left out "
                  "(Judd et al. 2009: it is the central fixation cross)",)
    facts = spec.facts(empty_trials=counts["empty_trials"], out_of_image=counts["outside"],
                       dropped=counts["outside"], observers=n_users)
    facts = facts.replace(notes=facts.notes + notes)
    return Dataset(stimuli, fixations, facts, out_of_image=None)  # load() applies the policy


def load_mit300(spec, folder: Path):
    from ..dataset import Dataset
    from ..fixations import Fixations
    from ..stimuli import Stimuli

    base = Path(folder) / "BenchmarkIMAGES"
    names = list_images(base, (".jpg",))
    stimuli = Stimuli([base / n for n in sorted(names, key=natural_key)])
    return Dataset(stimuli, Fixations.empty(len(stimuli)), spec.facts())
