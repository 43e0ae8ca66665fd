"""The figures of the leaderboard website, as SVG text and small PNG files.

:func:`salbench.reports.site.build_site` sits a layer below the plots, so it takes the figure
maker as an argument; :class:`SiteFigures` is that maker, drawing with this package's plots and
matplotlib's SVG backend (fonts as paths, so a page looks the same without the fonts).
"""

from __future__ import annotations

import io
import math

import numpy as np

from ._style import BASELINE_COLOUR, MODEL_COLOUR, _style_axes


def _svg(figure_or_axes) -> str:
    import matplotlib.pyplot as plt

    figure = getattr(figure_or_axes, "figure", figure_or_axes)
    buffer = io.StringIO()
    try:
        figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.08,
                       metadata={"Date": None})
    finally:
        plt.close(figure)
    return buffer.getvalue()


class SiteFigures:
    """Draws every figure of the website (see :func:`salbench.reports.site.build_site`).

    Parameters
    ----------
    dpi : int, default=72
        Resolution of the gallery PNG files (small: the site stays small).
    colours : int, default=128
        The gallery PNG files are palette images of this many colours (a photograph in full
        colour would make each file several times larger).
    """

    def __init__(self, *, dpi: int = 72, colours: int = 128):
        self.dpi = int(dpi)
        self.colours = int(colours)

    def leaderboard_svg(self, board, metric) -> str:
        """:func:`salbench.plotting.plot_leaderboard` of one metric."""
        from .leaderboard import plot_leaderboard

        _agg()
        return _svg(plot_leaderboard(board, metric))

    def speed_svg(self, board, metric) -> str | None:
        """Score against GFLOP per image (where models report it) or measured ms per image;
        None when fewer than one submitted model has both."""
        from ..exceptions import InputError
        from .speed import plot_speed_accuracy

        _agg()
        cost = "gflops" if any(m.get("gflops") is not None for m in board.model_facts
                               if m["role"] == "model") else "ms"
        try:
            return _svg(plot_speed_accuracy(board, metric, cost=cost))
        except InputError:  # no submitted model has a score and a cost
            return None

    def distribution_svg(self, run, metrics, board) -> str:
        """Histograms of one model's per-image scores (one panel per metric), dashed at the
        mean over the leaderboard's images."""
        import matplotlib.pyplot as plt

        _agg()
        images = board.meta["image_indices"]
        frame = run.images.set_index("image").loc[images]
        figure, axes = plt.subplots(1, len(metrics), figsize=(2.9 * len(metrics), 2.3),
                                    layout="constrained", squeeze=False)
        for ax, metric in zip(axes[0], metrics):
            values = frame[metric].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            _style_axes(ax, grid_axis="y")
            if values.size:
                ax.hist(values, bins=min(20, max(5, int(math.sqrt(values.size)) + 1)),
                        color=MODEL_COLOUR if run.role == "model" else BASELINE_COLOUR,
                        alpha=0.85)
                ax.axvline(values.mean(), color="0.15", linestyle="--", linewidth=1)
            ax.set_title(f"{metric} ({values.size} images)", fontsize="medium", loc="left")
            ax.set_ylabel("images")
        return _svg(figure)

    def paired_svg(self, leader, run, metric, board) -> str:
        """:func:`salbench.plotting.plot_paired` of the leader (x) against this model (y)."""
        from .paired import plot_paired

        _agg()
        meta = board.meta
        return _svg(plot_paired(leader, run, metric, n_bootstrap=meta["n_bootstrap"],
                                n_permutations=meta["n_permutations"], seed=meta["seed"]))

    def gallery_png(self, dataset, images, model, name) -> bytes:
        """A row per image: the image with its fixations, the empirical density, the model's
        map (:func:`salbench.plotting.model_map`), as PNG bytes."""
        import matplotlib.pyplot as plt

        from ..datasets import density_map
        from ..models import from_spec
        from .grid import model_map

        _agg()
        if isinstance(model, str):
            model = from_spec(model, dataset=dataset)
        figure, axes = plt.subplots(len(images), 3, figsize=(7.5, 2.0 * len(images)),
                                    layout="constrained", squeeze=False)
        ppd = getattr(dataset.facts, "pixels_per_degree", None) or None
        for row, i in zip(axes, images):
            item = dataset[int(i)]
            f = item.fixations
            row[0].imshow(item.load(), cmap="gray" if item.load().ndim == 2 else None)
            row[0].scatter(f.x, f.y, s=6, c="white", edgecolors="black", linewidths=0.4)
            sigma = 1.0 if ppd else max(item.shape) / 40
            row[1].imshow(density_map((f.x, f.y), item.shape, sigma=sigma,
                                      pixels_per_degree=ppd), cmap="magma")
            prediction, kind = model_map(model, dataset, int(i))
            row[2].imshow(prediction, cmap="magma")
            for ax, label in zip(row, (f"image {i} ({f.x.size} fixations)", "empirical density",
                                       f"{name} ({'density' if kind == 'probabilistic' else 'map'})")):
                ax.set_title(label, fontsize="small", loc="left")
                ax.set_xticks([])
                ax.set_yticks([])
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", dpi=self.dpi, metadata={"Software": None})
        finally:
            plt.close(figure)
        return _small_png(buffer.getvalue(), self.colours)


def _small_png(data: bytes, colours: int) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=colours)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _agg():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "svg", "pdf"):
        matplotlib.use("Agg")  # files only: never open a window
