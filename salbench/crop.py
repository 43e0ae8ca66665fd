"""Deprecated alias of :mod:`salbench.cropping` (kept for one release): import from there."""

import warnings

from .cropping import (  # noqa: F401
    DEFAULT_RATIOS, IMAGE_RATIO, METHODS, SCORE_RATIOS, CropBox, Crops, SummedAreaTable,
    __all__, argmax_crop, best_window, centre_crop, crop, crop_boxes, crop_scores, crop_size,
    mass_crop, model_crops, plot_crops, salient_point, summarise_crop_scores, window_sums,
)

warnings.warn("salbench.crop is deprecated and will be removed in the next release; import from "
              "salbench.cropping instead", DeprecationWarning, stacklevel=2)
