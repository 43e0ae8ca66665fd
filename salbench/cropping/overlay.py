"""The crop overlay: the image, its salient point and the crop boxes (matplotlib, imported lazily)."""

from __future__ import annotations

import numpy as np

from ..exceptions import InputError
from .boxes import image_shape, ratio_label

#: Line style per crop rule, so several rules can share one overlay.
METHOD_STYLES = {"argmax": "-", "mass": "--", "centre": ":"}


def plot_crops(image, crops, *, methods=None, saliency_alpha: float = 0.0, ax=None,
               title: str | None = None, legend: bool = True):
    """Draw ``image`` with the salient point and the crop boxes of ``crops``.

    Parameters
    ----------
    image : (H, W[, 3]) array
    crops : Crops
        From :func:`salbench.cropping.model_crops` or :func:`salbench.cropping.crop_boxes`.
    methods : sequence of str, optional
        Which rules' boxes to draw (default: all in ``crops``); one line style per rule, one
        colour per aspect ratio.
    saliency_alpha : float
        Opacity of the saliency map drawn over the image (0: not drawn).
    ax : matplotlib Axes, optional
    title : str, optional
    legend : bool
        Draw a legend beside the image.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.asarray(image)
    height, width = image_shape(image)
    if (height, width) != tuple(crops.shape):
        raise InputError(f"image has shape {(height, width)} but the crops were made for "
                         f"{tuple(crops.shape)}")
    methods = crops.methods if methods is None else tuple(methods)
    for m in methods:
        if m not in crops.boxes:
            raise InputError(f"no {m!r} crops to draw; methods: {list(crops.boxes)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6 * height / width))
    # extent puts pixel (i, j) on [j, j + 1) x [i, i + 1), salbench's coordinate convention
    extent = (0, width, height, 0)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, extent=extent,
              interpolation="nearest")
    if saliency_alpha > 0 and crops.saliency_map is not None:
        ax.imshow(crops.saliency_map, cmap="magma", alpha=saliency_alpha, extent=extent)
    colours = plt.get_cmap("tab10")
    n = len(crops.ratios)
    for method in methods:
        for k, (ratio, box) in enumerate(zip(crops.ratios, crops.boxes[method])):
            # earlier boxes are drawn thicker, so edges that coincide (full-height or full-width
            # crops share two sides) show as nested colours instead of hiding each other
            label = f"r={ratio_label(ratio)}" if len(methods) == 1 else \
                f"{method} r={ratio_label(ratio)}"
            ax.add_patch(Rectangle((box.x0, box.y0), box.width, box.height, fill=False,
                                   edgecolor=colours(k % 10), linewidth=1.2 + 1.0 * (n - 1 - k),
                                   linestyle=METHOD_STYLES.get(method, "-")
                                   if len(methods) > 1 else "-", label=label))
    row, col = crops.salient_point
    ax.plot([col + 0.5], [row + 0.5], marker="o", markersize=10, markerfacecolor="yellow",
            markeredgecolor="black", linestyle="none", label="salient point")
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    return ax
