"""Joining two images side by side, as Twitter's crop audit did (Yee et al., CSCW 2021)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InputError
from .boxes import CropBox


@dataclass(frozen=True)
class JoinedPair:
    """Two images on one canvas: ``image`` and where each one lies in it."""

    image: np.ndarray
    left: CropBox
    right: CropBox

    def side_of(self, row: int, col: int) -> str:
        """"left", "right" or "none" (the gap or the fill below the shorter image)."""
        for name, box in (("left", self.left), ("right", self.right)):
            if box.y0 <= row < box.y1 and box.x0 <= col < box.x1:
                return name
        return "none"


def as_rgb8(image, *, name: str = "image") -> np.ndarray:
    """An ``(H, W, 3)`` uint8 array from a uint8 greyscale, RGB or RGBA image."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise InputError(f"{name} must be a uint8 image (as decoded from a file), got dtype {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise InputError(f"{name} must be (H, W) greyscale or (H, W, 3) RGB, got shape {a.shape}")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise InputError(f"{name} is empty (shape {a.shape})")
    return np.ascontiguousarray(a[:, :, :3])


def resize_to_height(image: np.ndarray, height: int) -> np.ndarray:
    """Resize (Pillow, bicubic) to ``height`` rows, width ``round(W · height / H)`` (at least 1)."""
    h, w = image.shape[:2]
    if h == height:
        return image
    from PIL import Image

    width = max(1, int(round(w * height / h)))
    return np.asarray(Image.fromarray(image).resize((width, height), Image.Resampling.BICUBIC))


def join_side_by_side(left, right, *, height: int | None = None, gap: int = 0,
                      fill: int = 0) -> JoinedPair:
    """Put ``left`` and ``right`` on one canvas, top-aligned, with ``gap`` columns between them.

    Parameters
    ----------
    left, right : uint8 arrays, (H, W) or (H, W, 3)
    height : int, optional
        Resize both to this height first (aspect kept), as Twitter's audit did; otherwise each
        keeps its size and the shorter one is padded below with ``fill``.
    gap : int
        Columns of ``fill`` between the two images.
    fill : int
        Grey level (0–255) of the gap and the padding.

    Examples
    --------
    >>> a = np.full((2, 3), 10, np.uint8); b = np.full((4, 2), 200, np.uint8)
    >>> joined = join_side_by_side(a, b, gap=1)
    >>> joined.image.shape, joined.left, joined.right
    ((4, 6, 3), CropBox(x0=0, y0=0, x1=3, y1=2), CropBox(x0=4, y0=0, x1=6, y1=4))
    >>> joined.image[:, :, 0].tolist()
    [[10, 10, 10, 0, 200, 200], [10, 10, 10, 0, 200, 200], [0, 0, 0, 0, 200, 200], [0, 0, 0, 0, 200, 200]]
    """
    left = as_rgb8(left, name="left image")
    right = as_rgb8(right, name="right image")
    for value, name, low in ((gap, "gap", 0), (fill, "fill", 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise InputError(f"{name} must be a non-negative integer, got {value!r}")
    if fill > 255:
        raise InputError(f"fill must be a grey level in 0..255, got {fill!r}")
    if height is not None:
        if isinstance(height, bool) or not isinstance(height, (int, np.integer)) or height < 1:
            raise InputError(f"height must be a positive integer, got {height!r}")
        left, right = resize_to_height(left, int(height)), resize_to_height(right, int(height))
    (hl, wl), (hr, wr) = left.shape[:2], right.shape[:2]
    canvas = np.full((max(hl, hr), wl + gap + wr, 3), fill, np.uint8)
    canvas[:hl, :wl] = left
    canvas[:hr, wl + gap:] = right
    return JoinedPair(canvas, CropBox(0, 0, wl, hl), CropBox(wl + gap, 0, wl + gap + wr, hr))
