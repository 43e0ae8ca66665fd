"""The ``salbench crop`` and ``salbench audit`` commands (registered by :mod:`salbench.cli`).

Both take a model specification (:func:`salbench.models.spec.from_spec`: ``fastgaze:FILE.vxm``,
``python:FILE.py:ATTR``, ``onnx:FILE`` ...). salbench's own errors are printed as one
``error: ...`` line on standard error with exit status 1; usage errors exit with status 2 (click).
Files are written atomically (a temporary file beside the target, then renamed).
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import click

from .exceptions import SalbenchError

MODEL_HELP = ("Model spec: builtin:default (salbench's own model), fastgaze:FILE.vxm, "
              "python:FILE.py:ATTR or python:MODULE:ATTR, onnx:FILE, torch:FILE, maps:DIR, "
              "hdf5:FILE, command:CMD, baseline:uniform.")


def _one_line_errors(function):
    """salbench errors as one ``error:`` line and exit 1; warnings as ``warning:`` lines."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    return function(*args, **kwargs)
                finally:
                    for message in dict.fromkeys(str(w.message) for w in caught):
                        click.echo(f"warning: {message}", err=True)
        except SalbenchError as error:
            from .cli import exit_with_error

            exit_with_error(error)

    return wrapper


def _model(spec: str):
    from .models.spec import from_spec

    return from_spec(spec)


def _ratios(value: str) -> tuple:
    from .cropping.boxes import check_ratios

    parts = [p.strip() for p in value.split(",") if p.strip()]
    return check_ratios(parts)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _readable(path: Path) -> Path:
    """Give a file written through a temporary file (created 0600) the usual permissions."""
    os.chmod(path, 0o666 & ~_umask())
    return path


def _save_figure(figure, path: Path, *, dpi: int):
    from ._io import atomic_path

    with atomic_path(path, suffix=path.suffix) as tmp:
        figure.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
        _readable(tmp)


def _save_png(array, path: Path):
    from PIL import Image

    from ._io import atomic_path

    with atomic_path(path, suffix=".png") as tmp:
        Image.fromarray(array).save(tmp, format="PNG")
        _readable(tmp)


# ------------------------------------------------------------------------------------ crop
@click.command(name="crop", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model_spec", metavar="MODEL")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ratios", default="0.56,1,1.14,2,image", show_default=True,
              help="Comma-separated aspect ratios (height / width); 'image' is the image's own.")
@click.option("--method", "methods", multiple=True, default=("argmax",), show_default=True,
              type=click.Choice(["argmax", "mass", "centre"]),
              help="Crop rule (repeat for several): argmax = Twitter's rule (centred on the most "
                   "salient pixel), mass = the window holding the most predicted mass, "
                   "centre = the centred window.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the crops (STEM_METHOD_RATIO.png), the overlays (STEM_overlay.png) "
                   "and crops.csv.")
@click.option("--no-crops", is_flag=True, help="Write only the overlays and crops.csv.")
@click.option("--saliency-alpha", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Opacity of the saliency map drawn on the overlays.")
@click.option("--dpi", type=click.IntRange(min=10), default=80, show_default=True,
              help="Resolution of the overlay PNGs.")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@_one_line_errors
def crop_command(model_spec, images, ratios, methods, out, no_crops, saliency_alpha, dpi, quiet):
    """Crop IMAGE... with MODEL's saliency map at each aspect ratio.

    Example: salbench crop fastgaze:fastgaze.vxm photo.jpg --ratios 0.56,1,2 --out crops/
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from ._io import write_table
    from .cropping import model_crops, plot_crops
    from .cropping.boxes import ratio_label
    from .datasets.stimuli import read_image
    from .exceptions import InputError

    ratios = _ratios(ratios)
    methods = tuple(dict.fromkeys(methods))
    stems = [p.stem for p in images]
    duplicates = sorted({s for s in stems if stems.count(s) > 1})
    if duplicates:
        raise InputError(f"several images share the file stem(s) {duplicates}; their outputs "
                         "would overwrite each other")
    model = _model(model_spec)
    out.mkdir(parents=True, exist_ok=True)
    tables = []
    for path in images:
        image = read_image(path)
        crops = model_crops(model, image, ratios=ratios, methods=methods)
        frame = crops.to_frame()
        frame.insert(0, "image", str(path))
        frame["salient_row"], frame["salient_col"] = crops.salient_point
        tables.append(frame)
        if not no_crops:
            for method in methods:
                for r, cropped in zip(crops.ratios, crops.images(image, method)):
                    _save_png(cropped, out / f"{path.stem}_{method}_{ratio_label(r)}.png")
        height, width = image.shape[:2]
        # one panel per rule, each with every ratio (colours match across panels)
        figure, axes = plt.subplots(1, len(methods), squeeze=False,
                                    figsize=(4.0 * len(methods) + 1.2, 4.0 * height / width + 0.6))
        try:
            for k, (method, ax) in enumerate(zip(methods, axes[0])):
                plot_crops(image, crops, methods=[method], ax=ax, saliency_alpha=saliency_alpha,
                           legend=k == len(methods) - 1, title=f"{method} rule")
            figure.suptitle(f"{path.name}: {getattr(model, 'name', model_spec)}")
            _save_figure(figure, out / f"{path.stem}_overlay.png", dpi=dpi)
        finally:
            plt.close(figure)
        if not quiet:
            row, col = crops.salient_point
            boxes = "  ".join(f"{m} {ratio_label(r)}: ({b.x0},{b.y0})-({b.x1},{b.y1})"
                              for m in methods for r, b in zip(crops.ratios, crops.boxes[m]))
            click.echo(f"{path.name}: salient point row {row}, column {col}; {boxes}")
    _readable(write_table(pd.concat(tables, ignore_index=True), out / "crops.csv", "csv"))
    if not quiet:
        click.echo(f"wrote {out}", err=True)


# ------------------------------------------------------------------------------------ audit
def _pairs(value: str):
    if value.strip().lower() == "all":
        return None
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter(f"expected a positive integer or 'all', got {value!r}") from None
    if n < 1:
        raise click.BadParameter(f"expected a positive integer or 'all', got {value!r}")
    return n


@click.command(name="audit", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("model_spec", metavar="MODEL")
@click.argument("groups_csv", metavar="GROUPS.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pairs", default="100", show_default=True,
              help="Pairs per comparison of two groups (distinct pairs, each run in both orders), "
                   "or 'all'.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for records.csv (one row per trial), summary.json and audit.png.")
@click.option("--compare", "comparisons", multiple=True, metavar="A:B",
              help="Compare groups A and B (repeatable; default: every pair of groups).")
@click.option("--disjoint", is_flag=True,
              help="Use every image at most once per comparison (pairs share no image; at most "
                   "as many pairs as the smaller group has images; --pairs all takes that many).")
@click.option("--height", type=click.IntRange(min=1), default=None,
              help="Resize both images of a pair to this height before joining them.")
@click.option("--gap", type=click.IntRange(min=0), default=0, show_default=True,
              help="Columns of padding between the two images.")
@click.option("--fill", type=click.IntRange(0, 255), default=0, show_default=True,
              help="Grey level of the gap and of the padding below the shorter image.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the pair draws and the bootstrap.")
@click.option("--interval", type=click.Choice(["wilson", "clopper-pearson"]), default="wilson",
              show_default=True, help="Binomial confidence interval of the shares.")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.95, show_default=True)
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=1), default=2000,
              show_default=True, help="Bootstrap resamples of the argmax-bias interval.")
@click.option("--plot-format", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar, no table; only errors.")
@_one_line_errors
def audit_command(model_spec, groups_csv, pairs, out, comparisons, disjoint, height, gap, fill,
                  seed, interval, confidence, n_boot, plot_format, quiet):
    """Audit MODEL's crops for a preference between groups of images (Twitter's design).

    GROUPS.csv has a header with the columns `path` and `group`; relative paths are read from
    the CSV's folder. Each pair of images from two groups is joined side by side in both orders;
    the argmax rule and the mass rule each pick a side. Shares count the pairs that a group won
    in both orders. An audit describes this model on these images only.

    Example: salbench audit fastgaze:fastgaze.vxm groups.csv --pairs 200 --out audit/
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._io import write_json, write_table
    from .cropping.audit import audit, read_groups

    n_pairs = _pairs(pairs)
    groups = read_groups(groups_csv)
    model = _model(model_spec)
    result = audit(model, groups, pairs=n_pairs, comparisons=list(comparisons) or None,
                   disjoint=disjoint, height=height, gap=gap, fill=fill, seed=seed, interval=interval,
                   confidence=confidence, n_boot=n_boot, progress=not quiet)
    out.mkdir(parents=True, exist_ok=True)
    _readable(write_table(result.records, out / "records.csv", "csv"))
    summary = result.to_dict()
    summary["settings"]["model_spec"] = model_spec
    summary["settings"]["groups_csv"] = str(groups_csv)
    _readable(write_json(out / "summary.json", summary))
    ax = result.plot()
    try:
        _save_figure(ax.figure, out / f"audit.{plot_format}", dpi=100)
    finally:
        plt.close(ax.figure)
    if not quiet:
        click.echo(_render(result))
        click.echo(f"wrote {out}", err=True)


def _fmt(value, digits=3) -> str:
    import math

    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"


def _p(value) -> str:
    import math

    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.4f}" if value >= 1e-4 else f"{value:.1e}"


def _render(result) -> str:
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
