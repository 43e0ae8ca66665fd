"""Crop rules: Twitter's argmax rule, the maximum-mass window and the centre crop.

* ``"argmax"`` (Twitter's rule): find the single most salient pixel (the first maximum in
  row-major order, as ``numpy.argmax``); for each aspect ratio take the largest crop of that ratio
  (:func:`~.boxes.crop_size`: full width or full height), centre it on that pixel — the window
  starts ``size // 2`` pixels before it, so the pixel is the centre pixel of an odd-sized window
  and just after the centre of an even-sized one — and slide it back inside the image.
* ``"mass"``: the window of that same size holding the most predicted fixation mass (exhaustive
  search with a summed-area table; near-ties go to the window nearest the image centre). It does
  not hang on one pixel: a broad salient region beats a single sharp peak.
* ``"centre"``: the window of that size centred in the image (the baseline every rule should beat).

The rules take a 2-D map. :func:`model_crops` runs a model first: any
:class:`~salbench.models.base.SaliencyMapModel` (a probabilistic model's map is its density) or a
plain callable ``f(image) -> map``. The mass rule needs a non-negative map (a density or
intensity-like map); maps with negative values (logits...) are refused for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import as_map, check_finite
from ..exceptions import InputError
from .boxes import (
    DEFAULT_RATIOS, CropBox, SummedAreaTable, best_window, check_ratios, crop_size, image_shape,
    ratio_label, resolve_ratio,
)

#: The crop rules, in the order tables list them.
METHODS = ("argmax", "mass", "centre")


def salient_point(saliency_map) -> tuple[int, int]:
    """``(row, column)`` of the most salient pixel (first maximum in row-major order).

    Examples
    --------
    >>> m = np.zeros((3, 4)); m[2, 1] = 5.0
    >>> salient_point(m)
    (2, 1)
    """
    m = as_map(saliency_map, "saliency_map")
    check_finite(m, "saliency_map")
    row, col = np.unravel_index(int(np.argmax(m)), m.shape)
    return int(row), int(col)


def _fit(centre: int, size: int, limit: int) -> int:
    """Start of a ``size``-long window centred on ``centre`` and moved back inside ``[0, limit)``."""
    start = centre - size // 2
    return min(max(start, 0), limit - size)


def argmax_crop(shape, point, ratio) -> CropBox:
    """Twitter's crop of aspect ``ratio`` for an image of ``shape`` centred on ``point``.

    Parameters
    ----------
    shape : (H, W) or an image array
    point : (row, column)
        The salient pixel (see :func:`salient_point`).
    ratio : float or "image"
        Height / width of the crop.

    Examples
    --------
    >>> argmax_crop((600, 800), (100, 700), 1.0)  # full height, pushed back from the right edge
    CropBox(x0=200, y0=0, x1=800, y1=600)
    >>> argmax_crop((600, 800), (100, 700), 0.56)  # full width, pushed down from the top edge
    CropBox(x0=0, y0=0, x1=800, y1=448)
    """
    height, width = image_shape(shape)
    row, col = (int(v) for v in point)
    if not (0 <= row < height and 0 <= col < width):
        raise InputError(f"point (row {row}, column {col}) is outside the image {(height, width)}")
    h, w = crop_size((height, width), ratio)
    y0, x0 = _fit(row, h, height), _fit(col, w, width)
    return CropBox(x0, y0, x0 + w, y0 + h)


def _check_mass_map(m: np.ndarray, context: str):
    if (m < 0).any():
        raise InputError(f"{context} has negative values (min {float(m.min()):.3g}); the mass rule "
                         "needs a non-negative map such as a density — use a probabilistic model "
                         "or a non-negative saliency map")


def mass_crop(saliency_map, ratio) -> CropBox:
    """The window of aspect ``ratio`` (Twitter's size) holding the most mass of ``saliency_map``.

    Examples
    --------
    >>> m = np.zeros((10, 20)); m[:, 2] = 1.0; m[:, 15:19] = 0.4  # one sharp column, one broad band
    >>> mass_crop(m, 1.0)  # the broad band beats the sharp column; ties go nearest the centre
    CropBox(x0=9, y0=0, x1=19, y1=10)
    """
    m = as_map(saliency_map, "saliency_map")
    check_finite(m, "saliency_map")
    _check_mass_map(m, "saliency_map")
    return best_window(m, crop_size(m.shape, ratio))[0]


def centre_crop(shape, ratio) -> CropBox:
    """The window of aspect ``ratio`` (Twitter's size) centred in the image (offset rounded down).

    Examples
    --------
    >>> centre_crop((600, 800), 1.0)
    CropBox(x0=100, y0=0, x1=700, y1=600)
    """
    height, width = image_shape(shape)
    h, w = crop_size((height, width), ratio)
    y0, x0 = (height - h) // 2, (width - w) // 2
    return CropBox(x0, y0, x0 + w, y0 + h)


@dataclass(frozen=True)
class Crops:
    """The crops of one image: a box per rule and aspect ratio, and the salient point.

    Attributes
    ----------
    shape : (H, W)
    salient_point : (row, column)
        The argmax pixel of the map (the centre of Twitter's crops).
    ratios : tuple
        The requested ratios (floats, or "image" for the image's own).
    boxes : dict
        ``{method: (CropBox per ratio, ...)}``.
    saliency_map : ndarray or None
        The map the boxes came from.
    """

    shape: tuple
    salient_point: tuple
    ratios: tuple
    boxes: dict
    saliency_map: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def methods(self) -> tuple:
        return tuple(self.boxes)

    def box(self, method: str, ratio) -> CropBox:
        """The box of ``method`` for ``ratio`` (one of :attr:`ratios`)."""
        if method not in self.boxes:
            raise InputError(f"no {method!r} crops here; methods: {list(self.boxes)}")
        for r, box in zip(self.ratios, self.boxes[method]):
            if r == ratio or ratio_label(r) == ratio_label(ratio):
                return box
        raise InputError(f"no crop for ratio {ratio!r}; ratios: {[ratio_label(r) for r in self.ratios]}")

    def images(self, image, method: str = "argmax") -> list:
        """The cropped images of ``method``, one per ratio."""
        image = np.asarray(image)
        if image_shape(image) != tuple(self.shape):
            raise InputError(f"image has shape {image.shape[:2]} but the crops were made for "
                             f"{tuple(self.shape)}")
        return [box.apply(image) for box in self.boxes[method]]

    def to_frame(self):
        """A tidy table: method, ratio (label), ratio_value, x0, y0, x1, y1."""
        import pandas as pd

        rows = []
        for method, boxes in self.boxes.items():
            for r, box in zip(self.ratios, boxes):
                rows.append({"method": method, "ratio": ratio_label(r),
                             "ratio_value": resolve_ratio(r, self.shape), **box.to_dict()})
        return pd.DataFrame(rows, columns=["method", "ratio", "ratio_value", "x0", "y0", "x1", "y1"])


def check_methods(methods) -> tuple:
    if isinstance(methods, str):
        methods = (methods,)
    methods = tuple(methods)
    if not methods:
        raise InputError(f"methods is empty: choose from {list(METHODS)}")
    for m in methods:
        if m not in METHODS:
            raise InputError(f"unknown crop method {m!r}; choose from {list(METHODS)}")
    return tuple(dict.fromkeys(methods))


def crop_boxes(saliency_map, *, ratios=DEFAULT_RATIOS, methods=METHODS) -> Crops:
    """Crops of every rule in ``methods`` for each aspect ratio, from a saliency map.

    Parameters
    ----------
    saliency_map : (H, W) array
        Any finite map for ``"argmax"``; non-negative for ``"mass"``.
    ratios : sequence of float or "image"
        Height / width of each crop; "image" is the image's own ratio (the whole image).
    methods : sequence of {"argmax", "mass", "centre"}

    Examples
    --------
    >>> m = np.zeros((60, 80)); m[10, 70] = 1.0
    >>> crops = crop_boxes(m, ratios=[1.0, 0.5])
    >>> crops.salient_point, crops.box("argmax", 1.0), crops.box("centre", 0.5)
    ((10, 70), CropBox(x0=20, y0=0, x1=80, y1=60), CropBox(x0=0, y0=10, x1=80, y1=50))
    """
    ratios = check_ratios(ratios)
    methods = check_methods(methods)
    m = as_map(saliency_map, "saliency_map")
    check_finite(m, "saliency_map")
    if "mass" in methods:
        _check_mass_map(m, "saliency_map")
    point = salient_point(m)
    boxes = {}
    for method in methods:
        if method == "argmax":
            boxes[method] = tuple(argmax_crop(m.shape, point, r) for r in ratios)
        elif method == "mass":
            table = SummedAreaTable(m)
            boxes[method] = tuple(best_window(table, crop_size(m.shape, r))[0] for r in ratios)
        else:
            boxes[method] = tuple(centre_crop(m.shape, r) for r in ratios)
    return Crops(tuple(m.shape), point, ratios, boxes, m)


def predict_map(model, image, *, image_id=None, context: str = "the model") -> np.ndarray:
    """Run ``model`` on ``image``: a SaliencyMapModel's ``saliency_map`` or ``model(image)``.

    The map is checked: 2-D, the image's size, finite.
    """
    shape = image_shape(image)
    if hasattr(model, "saliency_map"):
        out = model.saliency_map(image, image_id=image_id)
    elif callable(model):
        out = model(image)
    else:
        raise InputError(f"model must be a SaliencyMapModel or a callable image -> map, got "
                         f"{type(model).__name__}")
    m = as_map(out, f"the map of {context}")
    if m.shape != shape:
        raise InputError(f"{context} returned a map of shape {m.shape} for an image of shape "
                         f"{shape}; crops need a map of the image's size")
    check_finite(m, f"the map of {context}")
    return m


def model_name(model) -> str:
    return str(getattr(model, "name", None) or getattr(model, "__name__", None)
               or type(model).__name__)


def model_crops(model, image, *, ratios=DEFAULT_RATIOS, methods=METHODS, image_id=None) -> Crops:
    """Run ``model`` on ``image`` and crop by every rule in ``methods`` (see :func:`crop_boxes`).

    Examples
    --------
    >>> image = np.zeros((40, 90), np.uint8); image[20, 80] = 255
    >>> crops = model_crops(lambda im: im.astype(float), image, ratios=[1.0])
    >>> crops.box("argmax", 1.0), crops.images(image)[0].shape
    (CropBox(x0=50, y0=0, x1=90, y1=40), (40, 40))
    """
    m = predict_map(model, image, image_id=image_id, context=model_name(model))
    return crop_boxes(m, ratios=ratios, methods=methods)


def crop(model, image, *, ratios=DEFAULT_RATIOS, method: str = "argmax", image_id=None) -> list:
    """The cropped images (one per ratio) of ``image`` by ``method``, using ``model``'s map."""
    crops = model_crops(model, image, ratios=ratios, methods=(method,), image_id=image_id)
    return crops.images(image, method)
