"""Saliency cropping: Twitter's argmax rule, a maximum-mass rule, the centre crop, and their scores.

Crop an image with a model::

    from salbench.cropping import model_crops, plot_crops
    crops = model_crops(model, image)            # ratios 0.56, 1, 1.14, 2 and the image's own
    crops.box("argmax", 1.0)                     # CropBox(x0=..., y0=..., x1=..., y1=...)
    squares = crops.images(image, "argmax")      # the cropped arrays

Score a model's crops against human fixations (per image, then averaged with bootstrap CIs)::

    from salbench.cropping import crop_scores, summarise_crop_scores
    table = crop_scores(model, dataset)          # image, ratio, method, fixations_kept, density_kept
    summary = summarise_crop_scores(table)       # means, 95% CIs, difference from the centre crop

* rules and their exact definitions: :mod:`salbench.cropping.rules`;
* boxes, crop sizes and summed-area tables: :mod:`salbench.cropping.boxes`;
* scores: :mod:`salbench.cropping.scoring`; overlays: :mod:`salbench.cropping.overlay`;
* the crop-bias audit (which of two side-by-side images a model crops to):
  :mod:`salbench.cropping.audit`.
"""

from .boxes import (
    DEFAULT_RATIOS, IMAGE_RATIO, CropBox, SummedAreaTable, best_window, crop_size, window_sums,
)
from .overlay import plot_crops
from .rules import (
    METHODS, Crops, argmax_crop, centre_crop, crop, crop_boxes, mass_crop, model_crops,
    salient_point,
)
from .scoring import SCORE_RATIOS, crop_scores, summarise_crop_scores

__all__ = [
    "DEFAULT_RATIOS", "IMAGE_RATIO", "METHODS", "SCORE_RATIOS", "CropBox", "Crops",
    "SummedAreaTable", "argmax_crop", "best_window", "centre_crop", "crop", "crop_boxes",
    "crop_scores", "crop_size", "mass_crop", "model_crops", "plot_crops", "salient_point",
    "summarise_crop_scores", "window_sums",
]
