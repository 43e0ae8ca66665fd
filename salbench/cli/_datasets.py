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

    root = resolve_root(data_root)
    click.echo(f"{'name':<10} {'images':>6} {'fixations':>9} {'observers':>9}  local  title")
    for n in names():
        s = spec(n)
        local = all((root / n / f).is_file() for f in s.fixation_files)
        click.echo(f"{n:<10} {s.n_images:>6} {s.n_fixations:>9} {s.n_observers:>9}  "
                   f"{'yes' if local else 'no':<5}  {s.title}")
    click.echo(f"(data folder: {root})")


@datasets.command(name="info")
@click.argument("name")
@one_line_errors
def datasets_info(name):
    """What a dataset is: source, licence, counts, layout, coordinate conversion."""
    from ..datasets import spec

    s = spec(name)
    fields = [("name", s.name), ("title", s.title), ("citation", s.citation),
              ("licence", s.licence), ("source", f"{s.source} @ {s.commit}"),
              ("images", s.n_images), ("image sizes", s.image_sizes),
              ("observers", s.n_observers), ("fixations", s.n_fixations),
              ("empty trials", s.empty_trials),
              ("pixels per degree", s.pixels_per_degree or "not stated"),
              ("layout", s.layout), ("conversion", s.conversion),
              ("files", f"{len(s.files)} ({'checksums pinned' if s.checksums_pinned else 'checksums not pinned'})")]
    for note in s.notes:
        fields.append(("note", note))
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        click.echo(f"{key:<{width}}  {value}")


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
