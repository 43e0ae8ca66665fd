"""The ``salbench crop`` and ``salbench audit`` commands.

Both take a model specification (:func:`salbench.models.spec.from_spec`: ``fastgaze:FILE.vxm``,
``python:FILE.py:ATTR``, ``onnx:FILE`` ...). salbench's own errors are printed as one
``error: ...`` line on standard error with exit status 1, after each warning as a ``warning:``
line; usage errors exit with status 2 (click). What they write and print is
:mod:`salbench.cropping.report`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import one_line_errors
from ._model_options import model_run_options, spec_options

MODEL_HELP = ("Model spec: builtin:default (salbench's own model), fastgaze:FILE.vxm, "
              "python:FILE.py:ATTR or python:MODULE:ATTR, onnx:FILE, torch:FILE, maps:DIR, "
              "hdf5:FILE, command:CMD, baseline:uniform.")


def _model(spec: str, *, timeout, resize_maps):
    from ..models.spec import from_spec

    return from_spec(spec, **spec_options(spec, timeout=timeout, resize_maps=resize_maps))


def _ratios(value: str) -> tuple:
    from ..cropping.boxes import check_ratios

    parts = [p.strip() for p in value.split(",") if p.strip()]
    return check_ratios(parts)


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
@model_run_options
@one_line_errors(show_warnings=True, resumable=False)
def crop_command(model_spec, images, ratios, methods, out, no_crops, saliency_alpha, dpi, quiet,
                 timeout, resize_maps):
    """Crop IMAGE... with MODEL's saliency map at each aspect ratio.

    command:CMD runs CMD per image; {image}, {output}, {id}, {name}, {height}, {width} are
    filled in (a whole argument as is, inside a longer argument shell-quoted).

    Example: salbench crop fastgaze:fastgaze.vxm photo.jpg --ratios 0.56,1,2 --out crops/
    """
    import matplotlib

    matplotlib.use("Agg")
    from ..cropping.boxes import ratio_label
    from ..cropping.report import check_output_stems, save_crops

    ratios = _ratios(ratios)
    methods = tuple(dict.fromkeys(methods))
    check_output_stems(images)
    model = _model(model_spec, timeout=timeout, resize_maps=resize_maps)

    def say(path, crops):
        row, col = crops.salient_point
        boxes = "  ".join(f"{m} {ratio_label(r)}: ({b.x0},{b.y0})-({b.x1},{b.y1})"
                          for m in methods for r, b in zip(crops.ratios, crops.boxes[m]))
        click.echo(f"{path.name}: salient point row {row}, column {col}; {boxes}")

    save_crops(model, images, out, ratios=ratios, methods=methods, crops=not no_crops,
               saliency_alpha=saliency_alpha, dpi=dpi,
               label=str(getattr(model, "name", model_spec)), on_image=None if quiet else say)
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
@model_run_options
@one_line_errors(show_warnings=True, resumable=False)
def audit_command(model_spec, groups_csv, pairs, out, comparisons, disjoint, height, gap, fill,
                  seed, interval, confidence, n_boot, plot_format, quiet, timeout, resize_maps):
    """Audit MODEL's crops for a preference between groups of images (Twitter's design).

    GROUPS.csv has a header with the columns `path` and `group`; relative paths are read from
    the CSV's folder. Each pair of images from two groups is joined side by side in both orders;
    the argmax rule and the mass rule each pick a side. Shares count the pairs that a group won
    in both orders. An audit describes this model on these images only. command:CMD models
    get their placeholders filled in as for `salbench crop` (see its --help).

    Example: salbench audit fastgaze:fastgaze.vxm groups.csv --pairs 200 --out audit/
    """
    import matplotlib

    matplotlib.use("Agg")
    from ..cropping.audit import audit, read_groups
    from ..cropping.report import format_audit, save_audit

    n_pairs = _pairs(pairs)
    groups = read_groups(groups_csv)
    model = _model(model_spec, timeout=timeout, resize_maps=resize_maps)
    result = audit(model, groups, pairs=n_pairs, comparisons=list(comparisons) or None,
                   disjoint=disjoint, height=height, gap=gap, fill=fill, seed=seed, interval=interval,
                   confidence=confidence, n_boot=n_boot, progress=not quiet)
    save_audit(result, out, plot_format=plot_format,
               settings={"model_spec": model_spec, "groups_csv": str(groups_csv)})
    if not quiet:
        click.echo(format_audit(result))
        click.echo(f"wrote {out}", err=True)
