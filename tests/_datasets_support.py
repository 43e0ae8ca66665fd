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
