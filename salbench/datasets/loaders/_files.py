"""File-listing helpers shared by the loaders: natural order, image lists, positions in scanpaths."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ...exceptions import DataError

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str):
    """Sort key that orders embedded numbers by value: ``img2`` before ``img10``.

    It orders names as ``natsort.natsorted`` (pysaliency's choice for stimulus order) does for
    the publishers' file names: digits compared as integers, the rest as text.

    >>> sorted(["i10.jpg", "i9.jpg", "a/2.jpg", "a/10.jpg"], key=natural_key)
    ['a/2.jpg', 'a/10.jpg', 'i9.jpg', 'i10.jpg']
    """
    return [(0, int(part), part) if part.isdigit() else (1, 0, part)
            for part in _DIGITS.split(name) if part != ""]


def list_images(folder: Path, suffixes, *, recursive: bool = False) -> list[str]:
    """Image files under ``folder`` (relative POSIX paths, natural order); a DataError if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: stimulus folder is missing")
    suffixes = tuple(s.lower() for s in suffixes)
    pattern = "*/*" if recursive else "*"
    names = [p.relative_to(folder).as_posix() for p in folder.glob(pattern)
             if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith("._")]
    if not names:
        raise DataError(f"{folder}: no {'/'.join(suffixes)} image found")
    return sorted(names, key=natural_key)


def scanpath_columns(blocks) -> dict:
    """Fixation columns from ``(image, subject, x, y, t, duration, position)`` trial blocks.

    Each block holds one trial's kept fixations (1-D arrays); trials are numbered in order.
    """
    blocks = [b for b in blocks if len(b[2])]
    if not blocks:
        empty_f, empty_i = np.empty(0), np.empty(0, dtype=np.int64)
        return {"x": empty_f, "y": empty_f, "t": empty_f, "duration": empty_f, "n": empty_i,
                "subject": empty_i, "scanpath": empty_i, "position": empty_i}
    lengths = np.array([len(b[2]) for b in blocks], dtype=np.int64)
    return {
        "n": np.repeat(np.array([b[0] for b in blocks], dtype=np.int64), lengths),
        "subject": np.repeat(np.array([b[1] for b in blocks], dtype=np.int64), lengths),
        "scanpath": np.repeat(np.arange(len(blocks), dtype=np.int64), lengths),
        "x": np.concatenate([np.asarray(b[2], dtype=np.float64) for b in blocks]),
        "y": np.concatenate([np.asarray(b[3], dtype=np.float64) for b in blocks]),
        "t": np.concatenate([np.asarray(b[4], dtype=np.float64) for b in blocks]),
        "duration": np.concatenate([np.asarray(b[5], dtype=np.float64) for b in blocks]),
        "position": np.concatenate([np.asarray(b[6], dtype=np.int64) for b in blocks]),
    }


def inside(x, y, height: int, width: int) -> np.ndarray:
    """True where ``(x, y)`` (0-based continuous) lies in ``[0, W) x [0, H)``; NaN is outside."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (x >= 0) & (x < width) & (y >= 0) & (y < height)
