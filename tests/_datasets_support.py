"""Shared helpers for the dataset tests: where the real data lives, small synthetic datasets."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: ../shared relative to the repository root, overridable with $SALBENCH_SHARED.
SHARED = Path(os.environ.get("SALBENCH_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
SHARED_DATASETS = SHARED / "datasets"


def write_jpeg(path: Path, height: int, width: int, seed: int = 0) -> Path:
    """Write a small real JPEG of the given size (random colours)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="JPEG", quality=90)
    return path


def write_osie_layout_mat(path: Path, images, *, oned_subjects_row: bool = True) -> Path:
    """Write a MAT v5 file in OSIE's layout (the layout EyeCrowd shares).

    ``images`` is a list of ``(file name, trials)``; ``trials`` a list (one per observer) of
    ``(fix_x, fix_y, fix_duration_ms)`` arrays in 1-based MATLAB pixel coordinates (empty arrays
    for an empty trial).
    """
    import scipy.io

    cells = np.empty((len(images), 1), dtype=object)
    for i, (name, trials) in enumerate(images):
        subjects = np.empty((1, len(trials)) if oned_subjects_row else (len(trials), 1), dtype=object)
        for j, (fx, fy, fd) in enumerate(trials):
            subjects.flat[j] = {
                "fix_x": np.asarray(fx, dtype=np.float64).reshape(1, -1),
                "fix_y": np.asarray(fy, dtype=np.float64).reshape(1, -1),
                "fix_duration": np.asarray(fd, dtype=np.uint16).reshape(1, -1),
            }
        cells[i, 0] = {"img": name, "subjects": subjects}
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"fixations": cells}, do_compression=True)
    return path


# ------------------------------------------------------------------ MIT1003 / CAT2000 fixtures
def eye_trace(points, samples, *, saccade=10):
    """Raw 240 Hz samples ``[x, y]``: a fixation at each point for ``samples[k]`` samples, joined
    by ``saccade``-sample movements with a smooth (cosine) speed profile."""
    parts = []
    for k, (point, count) in enumerate(zip(points, samples)):
        if k:
            start = np.asarray(points[k - 1], dtype=float)
            end = np.asarray(point, dtype=float)
            s = (1 - np.cos(np.linspace(0, np.pi, saccade + 2)[1:-1])) / 2
            parts.append(start + s[:, None] * (end - start))
        parts.append(np.tile(np.asarray(point, dtype=float), (count, 1)))
    return np.concatenate(parts)


def write_mit1003_trial(path: Path, variable: str, samples) -> Path:
    """One ``DATA/<user>/<stem>.mat`` in MIT1003's layout: a struct named like the image whose
    ``DATA`` is a 1x1 struct array with ``eyeData`` (N x 2 double)."""
    import scipy.io

    data = np.empty((1, 1), dtype=[("eyeData", "O")])
    data[0, 0]["eyeData"] = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {variable[:63]: {"DATA": data}}, do_compression=True)
    return path


def write_mit1003(folder: Path, images: dict, trials: dict) -> Path:
    """An unpacked MIT1003 folder: ``ALLSTIMULI/<stem>.jpeg`` for ``images = {stem: (H, W)}``
    and ``DATA/<user>/<stem>.mat`` for ``trials = {(stem, user): samples}``."""
    for k, (stem, (h, w)) in enumerate(images.items()):
        write_jpeg(folder / "ALLSTIMULI" / f"{stem}.jpeg", h, w, seed=k)
    for (stem, user), samples in trials.items():
        write_mit1003_trial(folder / "DATA" / user / f"{stem}.mat", stem, samples)
    return folder


def write_cat2000_train(folder: Path, images: dict, recordings: dict, *, version="v7") -> Path:
    """An unpacked ``trainSet/``: ``Stimuli/<category>/<file>`` for ``images = {"cat/001.jpg":
    (H, W)}`` and ``allFixData.mat`` whose ``allData`` is a containers.Map (written with mat-io,
    as MATLAB stores it) from ``recordings = {key: [(name, data k x 2), ...]}``."""
    import warnings

    with warnings.catch_warnings():  # mat-io sets a pandas option pandas 3 deprecates
        warnings.filterwarnings("ignore", message=".*infer_string.*")
        from matio import save_to_mat
        from matio.utils import MatlabContainerMap

    base = folder / "trainSet"
    for k, (rel, (h, w)) in enumerate(images.items()):
        write_jpeg(base / "Stimuli" / rel, h, w, seed=k)
    values = {}
    for key, trials in recordings.items():
        cell = np.empty((len(trials), 1), dtype=object)
        for j, (name, data) in enumerate(trials):
            struct = np.empty((1, 1), dtype=[("name", "O"), ("data", "O")])
            struct[0, 0]["name"] = np.array([name])
            struct[0, 0]["data"] = np.asarray(data, dtype=np.float64).reshape(-1, 2)
            cell[j, 0] = struct
        values[key] = cell
    save_to_mat(base / "allFixData.mat", {"allData": MatlabContainerMap(values)}, version=version)
    return folder
