"""``salbench datasets list|info|fetch``: the registered datasets."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import one_line_errors


# ------------------------------------------------------------------------------------ datasets
@click.group(name="datasets")
def datasets():
    """List, describe and download the registered datasets."""


@datasets.command(name="list")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Folder holding the datasets [env: SALBENCH_DATA].")
@one_line_errors
def datasets_list(data_root):
    """The registered datasets and whether each is on this machine."""
    from ..datasets import names, spec
    from ..datasets.cache import data_root as resolve_root
    from ..datasets.registry import present

    root = resolve_root(data_root)
    click.echo(f"{'name':<14} {'images':>6} {'fixations':>9} {'observers':>9}  local  "
               f"{'source':<12}  title")
    for n in names():
        s = spec(n)
        local = all(present(root / n, f) for f in s.required_files())
        counts = [("?" if v is None else v) for v in (s.n_images, s.n_fixations, s.n_observers)]
        click.echo(f"{n:<14} {counts[0]:>6} {counts[1]:>9} {counts[2]:>9}  "
                   f"{'yes' if local else 'no':<5}  {s.availability:<12}  {s.title}")
    click.echo(f"(data folder: {root})")


@datasets.command(name="info")
@click.argument("name")
@one_line_errors
def datasets_info(name):
    """What a dataset is: source, licence, counts, layout, coordinate conversion."""
    from ..datasets import spec

    s = spec(name)
    fields = [("name", s.name), ("title", s.title), ("citation", s.citation),
              ("licence", s.licence),
              ("source", f"{s.source} @ {s.commit}" if s.commit else f"{s.source} ({s.availability})"),
              ("recording", s.tracking),
              ("images", _known(s.n_images)), ("image sizes", s.image_sizes),
              ("observers", _known(s.n_observers)), ("fixations", _known(s.n_fixations)),
              ("empty trials", _known(s.empty_trials)),
              ("pixels per degree", s.pixels_per_degree or "not stated"),
              ("layout", s.layout), ("conversion", s.conversion),
              ("files", f"{len(s.files)} ({'checksums pinned' if s.checksums_pinned else 'checksums not pinned'})")]
    for option in s.options:
        fields.append(("option", f"{option.name}={'|'.join(str(c) for c in option.choices)} "
                                 f"(default {option.default}): {option.help}"))
    if s.counts_from:
        fields.append(("counts from", s.counts_from))
    for note in s.notes:
        fields.append(("note", note))
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        click.echo(f"{key:<{width}}  {value}")


def _known(value):
    return "unknown" if value is None else value


@datasets.command(name="fetch")
@click.argument("name")
@click.option("--data-root", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="SALBENCH_DATA", help="Where to put it [env: SALBENCH_DATA].")
@click.option("--base-url", default=None, help="A mirror with the cache's layout.")
@one_line_errors
def datasets_fetch(name, data_root, base_url):
    """Download a dataset (verified by SHA-256, resumable) and check that it loads."""
    from ..datasets import load
    from ..datasets.download import fetch

    folder = fetch(name, root=data_root, base_url=base_url)
    dataset = load(name, root=data_root)
    click.echo(f"{dataset!r} in {folder}")
