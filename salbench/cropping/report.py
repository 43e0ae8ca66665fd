"""What ``salbench crop`` and ``salbench audit`` write and print.

* :func:`save_crops` — crop image files with a model and write the crops, one overlay per image
  and ``crops.csv`` to a folder;
* :func:`save_audit` — an :class:`~salbench.cropping.audit.AuditResult` as ``records.csv``,
  ``summary.json`` and its plot;
* :func:`format_audit` — an audit's shares, position effects and argmax bias as text.

Files are written atomically (a temporary file beside the target, then renamed).
"""

from __future__ import annotations

import math
from pathlib import Path

from .._io import atomic_path, write_json, write_table
from ..exceptions import InputError
from .boxes import DEFAULT_RATIOS, ratio_label
from .overlay import plot_crops
from .rules import model_crops, model_name


def check_output_stems(images) -> list[str]:
    """The file stems of ``images``, which name their outputs; an InputError if two share one."""
    stems = [Path(p).stem for p in images]
    duplicates = sorted({s for s in stems if stems.count(s) > 1})
    if duplicates:
        raise InputError(f"several images share the file stem(s) {duplicates}; their outputs "
                         "would overwrite each other")
    return stems


def save_crops(model, images, out, *, ratios=DEFAULT_RATIOS, methods=("argmax",),
               crops: bool = True, saliency_alpha: float = 0.0, dpi: int = 80, label=None,
               on_image=None):
    """Crop each image file with ``model`` and write the results to the folder ``out``.

    Writes ``STEM_METHOD_RATIO.png`` for every crop (unless ``crops=False``), ``STEM_overlay.png``
    (one panel per rule, each with every ratio's box, at ``dpi``) and ``crops.csv`` (one row per
    image, rule and ratio, with the salient point). ``label`` names the model in the overlays'
    titles (default: its name); ``on_image(path, crops)`` is called after each image with its
    :class:`~salbench.cropping.Crops`. Returns the table written to ``crops.csv``.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    from ..datasets.stimuli import read_image

    images = [Path(p) for p in images]
    methods = tuple(dict.fromkeys(methods))
    check_output_stems(images)
    label = model_name(model) if label is None else label
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = []
    for path in images:
        image = read_image(path)
        # the file name is the image's id: a model's errors name it, a map folder finds its map
        result = model_crops(model, image, ratios=ratios, methods=methods, image_id=path.name)
        frame = result.to_frame()
        frame.insert(0, "image", str(path))
        frame["salient_row"], frame["salient_col"] = result.salient_point
        tables.append(frame)
        if crops:
            for method in methods:
                for r, cropped in zip(result.ratios, result.images(image, method)):
                    _save_png(cropped, out / f"{path.stem}_{method}_{ratio_label(r)}.png")
        height, width = image.shape[:2]
        # one panel per rule, each with every ratio (colours match across panels)
        figure, axes = plt.subplots(1, len(methods), squeeze=False,
                                    figsize=(4.0 * len(methods) + 1.2, 4.0 * height / width + 0.6))
        try:
            for k, (method, ax) in enumerate(zip(methods, axes[0])):
                plot_crops(image, result, methods=[method], ax=ax, saliency_alpha=saliency_alpha,
                           legend=k == len(methods) - 1, title=f"{method} rule")
            figure.suptitle(f"{path.name}: {label}")
            _save_figure(figure, out / f"{path.stem}_overlay.png", dpi=dpi)
        finally:
            plt.close(figure)
        if on_image is not None:
            on_image(path, result)
    table = pd.concat(tables, ignore_index=True)
    write_table(table, out / "crops.csv", "csv")
    return table


def save_audit(result, out, *, plot_format: str = "png", settings=None) -> Path:
    """Write an audit to the folder ``out``: ``records.csv`` (one row per trial), ``summary.json``
    (:meth:`~salbench.cropping.audit.AuditResult.to_dict`, its settings extended by ``settings``)
    and ``audit.<plot_format>`` (its plot, 100 dpi). Returns ``out``."""
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_table(result.records, out / "records.csv", "csv")
    summary = result.to_dict()
    summary["settings"] = {**summary["settings"], **(settings or {})}
    write_json(out / "summary.json", summary)
    ax = result.plot()
    try:
        _save_figure(ax.figure, out / f"audit.{plot_format}", dpi=100)
    finally:
        plt.close(ax.figure)
    return out


def format_audit(result) -> str:
    """An audit's shares, position effects and argmax bias, one line each, as ``salbench audit``
    prints them."""
    level = round(100 * result.settings["confidence"])
    lines = [f"share of pairs won in both orders [{level}% {result.settings['interval']} "
             "interval], exact binomial test against 1/2:"]
    for row in result.summary.itertuples():
        lines.append(f"  {row.group_a} over {row.group_b} [{row.rule}]: {_fmt(row.share)} "
                     f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}], p = {_p(row.p_value)}; "
                     f"{row.a_both}:{row.b_both} pairs, {row.left_both + row.right_both} decided "
                     f"by position, {row.undecided} undecided")
    for row in result.position.itertuples():
        lines.append(f"  position, left over right [{row.rule}]: {_fmt(row.left_share)} "
                     f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}], p = {_p(row.p_value)}; "
                     f"{row.left_both}:{row.right_both} pairs")
    for row in result.bias.itertuples():
        lines.append(f"  argmax bias {row.group_a} over {row.group_b}: {_fmt(row.argmax_bias)} "
                     f"[{_fmt(row.ci_low)}, {_fmt(row.ci_high)}]; the rules agree on "
                     f"{_fmt(100 * row.agreement, 1)}% of trials")
    return "\n".join(lines)


def _fmt(value, digits=3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"


def _p(value) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"


def _save_figure(figure, path: Path, *, dpi: int):
    with atomic_path(path, suffix=path.suffix) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")


def _save_png(array, path: Path):
    from PIL import Image

    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(array).save(tmp, format="PNG")
