"""Crop geometry: boxes, crop sizes for an aspect ratio, and window sums by summed-area table.

Coordinates follow salbench's convention: pixel (row ``i``, column ``j``) covers
``x ∈ [j, j + 1)``, ``y ∈ [i, i + 1)``. A :class:`CropBox` is half-open in whole pixels: it holds
columns ``x0 .. x1 - 1`` and rows ``y0 .. y1 - 1``, so ``image[y0:y1, x0:x1]`` is the crop and a
fixation ``(x, y)`` is inside when ``x0 <= x < x1`` and ``y0 <= y < y1``.

An aspect ratio is ``r = height / width`` (Twitter's convention: 0.56 is a wide 16:9 strip,
2.0 a tall 1:2 one).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..exceptions import InputError

#: Twitter's requested aspect ratios (height / width); "image" adds the image's own ratio.
DEFAULT_RATIOS = (0.56, 1.0, 1.14, 2.0, "image")
#: The string that stands for the image's own aspect ratio.
IMAGE_RATIO = "image"


@dataclass(frozen=True)
class CropBox:
    """A crop rectangle in pixel coordinates, half-open: columns ``[x0, x1)``, rows ``[y0, y1)``.

    Examples
    --------
    >>> box = CropBox(2, 0, 6, 3)
    >>> box.width, box.height, box.ratio
    (4, 3, 0.75)
    >>> import numpy as np
    >>> box.apply(np.arange(40).reshape(4, 10)).tolist()
    [[2, 3, 4, 5], [12, 13, 14, 15], [22, 23, 24, 25]]
    >>> box.contains([1.9, 2.0, 5.99, 6.0], [0.0, 0.0, 2.5, 0.0]).tolist()
    [False, True, True, False]
    """

    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self):
        for name in ("x0", "y0", "x1", "y1"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise InputError(f"CropBox.{name} must be an integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        if not (self.x1 > self.x0 and self.y1 > self.y0):
            raise InputError(f"CropBox must have positive size, got x0={self.x0}, x1={self.x1}, "
                             f"y0={self.y0}, y1={self.y1}")

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def ratio(self) -> float:
        """``height / width``."""
        return self.height / self.width

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def slices(self) -> tuple:
        """``(rows, columns)`` slices: ``image[box.slices]`` is the crop."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def fits(self, shape) -> bool:
        """Whether the box lies inside an image of ``shape`` ``(H, W[, C])``."""
        return self.x0 >= 0 and self.y0 >= 0 and self.y1 <= shape[0] and self.x1 <= shape[1]

    def apply(self, image) -> np.ndarray:
        """The cropped image ``image[y0:y1, x0:x1]`` (a copy); the box must fit the image."""
        image = np.asarray(image)
        if image.ndim not in (2, 3):
            raise InputError(f"image must be (H, W) or (H, W, C), got shape {image.shape}")
        if not self.fits(image.shape):
            raise InputError(f"{self} does not fit inside an image of shape {image.shape[:2]}")
        return image[self.slices].copy()

    def contains(self, x, y) -> np.ndarray:
        """Boolean array: which points ``(x, y)`` (continuous coordinates) lie inside the box."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return (x >= self.x0) & (x < self.x1) & (y >= self.y0) & (y < self.y1)

    def to_dict(self) -> dict:
        return {"x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1}


def image_shape(image) -> tuple[int, int]:
    """``(H, W)`` of an ``(H, W[, C])`` array or an ``(H, W)`` tuple."""
    if isinstance(image, tuple) and len(image) == 2:
        shape = image
    else:
        shape = np.shape(image)
        if len(shape) not in (2, 3):
            raise InputError(f"image must be (H, W) or (H, W, C), got shape {tuple(shape)}")
    height, width = int(shape[0]), int(shape[1])
    if height < 1 or width < 1:
        raise InputError(f"image is empty (shape {tuple(shape)})")
    return height, width


def check_ratio(ratio, *, allow_image: bool = True):
    """A positive finite float, or :data:`IMAGE_RATIO` where allowed; else an InputError."""
    if isinstance(ratio, str):
        if allow_image and ratio == IMAGE_RATIO:
            return IMAGE_RATIO
        try:
            ratio = float(ratio)
        except ValueError:
            allowed = f" or {IMAGE_RATIO!r}" if allow_image else ""
            raise InputError(f"an aspect ratio must be a positive number (height / width)"
                             f"{allowed}, got {ratio!r}") from None
    if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real):
        raise InputError(f"an aspect ratio must be a positive number (height / width), "
                         f"got {ratio!r}")
    ratio = float(ratio)
    if not (math.isfinite(ratio) and ratio > 0):
        raise InputError(f"an aspect ratio must be a positive finite number, got {ratio!r}")
    return ratio


def check_ratios(ratios, *, allow_image: bool = True) -> tuple:
    """Validate a sequence of aspect ratios (duplicates kept in order of first appearance)."""
    if isinstance(ratios, (str, numbers.Real)):
        ratios = (ratios,)
    try:
        values = [check_ratio(r, allow_image=allow_image) for r in ratios]
    except TypeError:
        raise InputError(f"ratios must be a sequence of aspect ratios, got {ratios!r}") from None
    if not values:
        raise InputError("ratios is empty: give at least one aspect ratio")
    unique = []
    for v in values:
        if v not in unique:
            unique.append(v)
    return tuple(unique)


def resolve_ratio(ratio, shape) -> float:
    """The numeric ratio: :data:`IMAGE_RATIO` becomes ``H / W`` of ``shape``."""
    return shape[0] / shape[1] if ratio == IMAGE_RATIO else float(ratio)


def ratio_label(ratio) -> str:
    """A short label for tables and file names: ``0.56``, ``1``, ``image``."""
    return IMAGE_RATIO if ratio == IMAGE_RATIO else f"{float(ratio):g}"


def crop_size(shape, ratio) -> tuple[int, int]:
    """``(height, width)`` of the largest crop of aspect ``ratio`` (height / width) in ``shape``.

    Twitter's rule: if ``ratio`` is below the image's own ``H / W`` the crop keeps the full width
    and its height is ``round(ratio * W)``; otherwise it keeps the full height and its width is
    ``round(H / ratio)`` (rounding half to even, as NumPy's ``round``), at least one pixel.

    Examples
    --------
    >>> crop_size((600, 800), 0.56), crop_size((600, 800), 1.0), crop_size((600, 800), 2.0)
    ((448, 800), (600, 600), (600, 300))
    >>> crop_size((600, 800), "image")
    (600, 800)
    """
    height, width = image_shape(shape)
    ratio = resolve_ratio(check_ratio(ratio), (height, width))
    if ratio < height / width:
        return min(max(int(np.rint(ratio * width)), 1), height), width
    return height, min(max(int(np.rint(height / ratio)), 1), width)


class SummedAreaTable:
    """Sums of a 2-D map over any axis-aligned window in O(1) after one O(H·W) pass.

    Built by two 1-D cumulative sums (rows, then columns), so the rounding error of one window
    sum is about ``(H + W) · eps · sum(|values|)`` rather than ``H · W · eps · ...``.

    Examples
    --------
    >>> table = SummedAreaTable(np.arange(12.0).reshape(3, 4))
    >>> table.sum(CropBox(1, 1, 3, 3)), table.total
    (30.0, 66.0)
    """

    def __init__(self, values):
        a = np.asarray(values, dtype=np.float64)
        if a.ndim != 2:
            raise InputError(f"values must be a 2-D map, got shape {a.shape}")
        self.shape = a.shape
        self.abs_total = float(np.abs(a).sum())
        table = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
        np.cumsum(a, axis=0, out=table[1:, 1:])
        np.cumsum(table[1:, 1:], axis=1, out=table[1:, 1:])
        self.table = table

    @property
    def total(self) -> float:
        return float(self.table[-1, -1])

    def sum(self, box: CropBox) -> float:
        """Sum inside ``box`` (which must fit the map)."""
        if not box.fits(self.shape):
            raise InputError(f"{box} does not fit inside a map of shape {self.shape}")
        t = self.table
        return float(t[box.y1, box.x1] - t[box.y0, box.x1] - t[box.y1, box.x0] + t[box.y0, box.x0])

    def window_sums(self, size) -> np.ndarray:
        """Sums over every ``size = (h, w)`` window, indexed by its top-left corner.

        Shape ``(H - h + 1, W - w + 1)``; entry ``[i, j]`` is ``values[i:i + h, j:j + w].sum()``.
        """
        h, w = (int(v) for v in size)
        if not (1 <= h <= self.shape[0] and 1 <= w <= self.shape[1]):
            raise InputError(f"window {(h, w)} does not fit in a map of shape {self.shape}")
        t = self.table
        return t[h:, w:] - t[:-h, w:] - t[h:, :-w] + t[:-h, :-w]


def window_sums(values, size) -> np.ndarray:
    """Sums of ``values`` over every ``size = (h, w)`` window (see :class:`SummedAreaTable`).

    Examples
    --------
    >>> window_sums(np.arange(12.0).reshape(3, 4), (2, 2)).tolist()
    [[10.0, 14.0, 18.0], [26.0, 30.0, 34.0]]
    """
    return SummedAreaTable(values).window_sums(size)


#: Window sums within this fraction of the map's total |mass| of the best are treated as ties
#: (far above the summed-area table's rounding error, far below any difference that matters).
TIE_TOLERANCE = 1e-10


def best_window(values, size, *, prefer="centre") -> tuple[CropBox, float]:
    """The ``size = (h, w)`` window with the largest sum of ``values``, and that sum.

    Exhaustive over all positions (summed-area table; ``values`` may be a
    :class:`SummedAreaTable` already built). Windows within
    ``TIE_TOLERANCE · sum(|values|)`` of the best are ties; ``prefer="centre"`` picks the tied
    window whose centre is nearest the map's centre (then the first in row-major order),
    ``prefer="first"`` the first in row-major order.

    Examples
    --------
    >>> m = np.zeros((4, 9)); m[:, 6] = 1.0
    >>> best_window(m, (4, 3))
    (CropBox(x0=4, y0=0, x1=7, y1=4), 4.0)
    """
    if prefer not in ("centre", "first"):
        raise InputError(f"prefer must be 'centre' or 'first', got {prefer!r}")
    table = values if isinstance(values, SummedAreaTable) else SummedAreaTable(values)
    sums = table.window_sums(size)
    h, w = (int(v) for v in size)
    best = float(sums.max())
    rows, cols = np.nonzero(sums >= best - TIE_TOLERANCE * table.abs_total)
    if prefer == "centre" and rows.size > 1:
        # distance of the window centre from the map centre, in doubled units (exact integers)
        dy = 2 * rows.astype(np.int64) + h - table.shape[0]
        dx = 2 * cols.astype(np.int64) + w - table.shape[1]
        k = int(np.argmin(dx * dx + dy * dy))
    else:
        k = 0
    i, j = int(rows[k]), int(cols[k])
    return CropBox(j, i, j + w, i + h), float(sums[i, j])
