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
