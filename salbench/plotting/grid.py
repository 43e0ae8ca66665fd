"""A grid of images, their fixations and each model's map."""

from __future__ import annotations

import numpy as np

from .._validation import keyword_choice
from ..exceptions import InputError


def model_map(model, dataset, image: int):
    """The map a figure shows for one dataset image: a model's density or its saliency map.

    A probabilistic model gives ``exp(log_density)`` (the map the saliency metrics score); any
    other model its ``saliency_map`` (both validated by :func:`salbench.models.predict_map`).
    Returns ``(map, kind)``.
    """
    from ..models import model_kind, predict_map

    kind = model_kind(model)
    prediction = predict_map(model, dataset, image, kind=kind)
    return (np.exp(prediction) if kind == "probabilistic" else prediction), kind


_GRID_SCORES = ("auc", "nss", "auc_unfixated")


def plot_image_grid(dataset, images, models, *, fig=None, colorbar=False, score=None,
                    fixations_on_maps=False, cmap="magma", panel_width=2.6,
                    interpolation="auto"):
    """A grid of images: each with its fixations, then each model's map.

    Rows are images; the first column shows the image with its fixations (white dots, dark
    edge), the next columns each model's map — a probabilistic model's density
    ``exp(log_density)``, another model's saliency map — scaled to its own range.

    Parameters
    ----------
    dataset : salbench.Dataset
    images : sequence of int
        Dataset indices of the rows.
    models : sequence of models (or model spec strings, built with ``dataset=``)
    fig : matplotlib Figure, optional
        Draw into this (empty) figure; default a new figure sized to the grid.
    colorbar : bool, default=False
        A colourbar beside every map.
    score : {"auc", "nss", "auc_unfixated"}, optional
        Print this metric of each map on its panel (computed with :mod:`salbench.metrics`).
    fixations_on_maps : bool, default=False
        Also draw the fixations on the maps.
    cmap : str, default="magma"
    panel_width : float, default=2.6
        Width of one panel in inches.
    interpolation : str, default="auto"
        How images and maps are resampled for display (any of ``imshow``'s). ``"auto"``: pixels
        as squares (``"nearest"``) when an image is shown larger than its size at the figure's
        resolution, matplotlib's ``"antialiased"`` when it is shrunk.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes`` holds the panels row by row; a colourbar is an inset of its panel
        (``ax.child_axes``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from .. import metrics as metric_functions

    models = _models_argument(models, dataset)
    try:
        images = [int(i) for i in np.atleast_1d(np.asarray(images)).tolist()]
    except (TypeError, ValueError):
        raise InputError(f"images must be image indices, got {images!r}") from None
    if not images:
        raise InputError("images is empty: give at least one image index")
    bad = [i for i in images if not 0 <= i < len(dataset)]
    if bad:
        raise InputError(f"image indices {bad} are outside 0..{len(dataset) - 1} "
                         f"({dataset.name} has {len(dataset)} images)")
    if score is not None:
        keyword_choice(score, "score", _GRID_SCORES)
    names = [str(getattr(m, "name", type(m).__name__)) for m in models]
    n_rows, n_cols = len(images), 1 + len(models)
    shapes = [dataset.stimuli.shape(i) for i in images]
    aspect = float(np.mean([h / w for h, w in shapes]))
    if fig is None:
        fig = plt.figure(figsize=(panel_width * n_cols + (0.5 * len(models) if colorbar else 0),
                                  panel_width * aspect * n_rows + 0.5), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for r, i in enumerate(images):
        f = dataset.fixations.for_image(i)
        image = dataset.stimuli.load(i)
        if interpolation == "auto":
            # enlarged pixels stay sharp squares (smoothing them only invents detail); shrunk
            # images are low-pass filtered so they do not alias
            resample = "nearest" if image.shape[1] < panel_width * fig.dpi else "antialiased"
        else:
            resample = interpolation
        ax = axes[r, 0]
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation=resample)
        _draw_fixations(ax, f.x, f.y, image.shape[:2])
        ax.set_ylabel(f"{dataset.stimuli.names[i]}\n{len(f)} fixations", fontsize="small")
        for c, model in enumerate(models, start=1):
            values, kind = model_map(model, dataset, i)
            ax = axes[r, c]
            shown = ax.imshow(values, cmap=cmap, interpolation=resample,
                              vmin=0.0 if kind == "probabilistic" else float(values.min()),
                              vmax=float(values.max()) if values.max() > values.min() else None)
            if fixations_on_maps:
                _draw_fixations(ax, f.x, f.y, values.shape, size=6)
            if colorbar:
                # plain tick labels: an offset text ("1e-4") would collide with the titles
                # as tall as the map itself (an inset in axes coordinates follows its aspect)
                bar = fig.colorbar(shown, cax=ax.inset_axes([1.03, 0.0, 0.045, 1.0]),
                                   format=FuncFormatter(lambda v, _: f"{v:.2g}"))
                bar.ax.tick_params(labelsize="x-small")
            if score is not None and len(f):
                value = getattr(metric_functions, score)(values, f.x, f.y)
                ax.text(0.03, 0.04, f"{score.upper() if score != 'auc_unfixated' else score} "
                        f"{value:.3f}", transform=ax.transAxes, fontsize="x-small",
                        color="white", va="bottom",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="black", alpha=0.55,
                                  linewidth=0))
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
    for c, title in enumerate(["image + fixations", *names]):
        axes[0, c].set_title(title, fontsize="medium")
    return fig


def _draw_fixations(ax, x, y, shape, *, size=10):
    if len(x) == 0:
        return
    h, w = shape
    # fixation (x, y) lies in pixel (floor(y), floor(x)), drawn by imshow over [j-0.5, j+0.5]
    ax.scatter(np.asarray(x) - 0.5, np.asarray(y) - 0.5, s=size, c="white", edgecolors="black",
               linewidths=0.5, zorder=3)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)


def _models_argument(models, dataset):
    from ..models import model_kind

    if isinstance(models, str) or not isinstance(models, (list, tuple)):
        models = [models]
    if not models:
        raise InputError("models is empty: give at least one model")
    out = []
    for m in models:
        if isinstance(m, str):
            from ..models import from_spec

            m = from_spec(m, dataset=dataset)
        model_kind(m)  # a clear error for an object that is not a model
        out.append(m)
    return out


# ------------------------------------------------------------------------------------ speed
