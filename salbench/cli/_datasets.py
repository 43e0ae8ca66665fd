"""``salbench datasets list|info|fetch|import``: the registered datasets."""

from __future__ import annotations

from pathlib import Path

import click

from ._errors import one_line_errors

_DATA_ROOT = click.option("--data-root", type=click.Path(file_okay=False, path_type=Path),
                          default=None, envvar="SALBENCH_DATA",
                          help="Folder holding the datasets [env: SALBENCH_DATA].")


def _count(value) -> str:
    return "?" if value is None else str(value)


# ------------------------------------------------------------------------------------ datasets
@click.group(name="datasets")
def datasets():
    """List, describe, download and import the registered datasets."""


@datasets.command(name="list")
@_DATA_ROOT
@one_line_errors
def datasets_list(data_root):
    """The registered datasets: installed here, downloadable, or import-only.

    "?" marks a count not measured on the real files.
    """
    from ..datasets import names, spec
    from ..datasets.cache import data_root as resolve_root
    from ..datasets.registry import missing, status

    root = resolve_root(data_root)
    width = max(len(n) for n in names())
    click.echo(f"{'name':<{width}} {'images':>6} {'fixations':>9} {'observers':>9}  "
               f"{'status':<12}  title")
    incomplete = []
    for n in names():
        s = spec(n)
        state = status(n, root=root)
        if state == "incomplete":
            incomplete.append(n)
        click.echo(f"{n:<{width}} {_count(s.n_images):>6} {_count(s.n_fixations):>9} "
                   f"{_count(s.n_observers):>9}  {state:<12}  {s.title}")
    for n in incomplete:
        folder = root / spec(n).install_folder
        click.echo(f"{n}: not installed: {folder} lacks {', '.join(missing(n, root=root))} "
                   f"(see datasets/{n}.md; `salbench datasets import {n} PATH` installs a copy)")
    click.echo(f"(data folder: {root}; status: installed, incomplete, downloadable (`salbench "
               "datasets fetch NAME`), import-only or dead-host (`salbench datasets import NAME "
               "PATH`))")


@datasets.command(name="info")
@click.argument("name")
@_DATA_ROOT
@one_line_errors
def datasets_info(name, data_root):
    """What a dataset is: source, licence, counts, layout, coordinate conversion, and whether
    it is installed here."""
    from ..datasets import spec
    from ..datasets.cache import data_root as resolve_root
    from ..datasets.registry import missing, status

    s = spec(name)
    root = resolve_root(data_root)
    state = status(name, root=root)
    if state == "incomplete":
        state = (f"incomplete: {root / s.install_folder} lacks "
                 f"{', '.join(missing(name, root=root))}")
    elif state == "installed":
        state = f"installed in {root / s.install_folder}"
    else:
        state = f"not installed (no {root / s.install_folder})" if not (
            root / s.install_folder).exists() else f"not installed in {root / s.install_folder}"
    source = f"{s.source} @ {s.commit}" if s.commit else s.source
    fields = [("name", s.name), ("title", s.title), ("citation", s.citation),
              ("licence", s.licence), ("source", source), ("source status", s.source_status),
              ("here", state),
              ("recording", s.tracking),
              ("images", _count(s.n_images)), ("image sizes", s.image_sizes),
              ("observers", _count(s.n_observers)), ("fixations", _count(s.n_fixations)),
              ("empty trials", _count(s.empty_trials)),
              ("pixels per degree", s.pixels_per_degree or "not stated"),
              ("layout", s.layout), ("conversion", s.conversion)]
    if s.attributes:
        fields.append(("attributes", ", ".join(s.attributes)))
    if s.files:
        fields.append(("files", f"{len(s.files)} ({'checksums pinned' if s.checksums_pinned else 'checksums not pinned'})"))
    for a in s.archives:
        check = f"MD5 {a.md5}" if a.md5 else (f"SHA-256 {a.sha256}" if a.sha256 else "no checksum")
        fields.append(("archive", f"{a.filename} ({check}) {a.url}"))
    if s.folder and s.folder != s.name:
        fields.append(("folder", f"{s.folder} (shared with the other {s.folder} variants)"))
    fields.append(("tested on", s.tested_on))
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


@datasets.command(name="fetch")
@click.argument("name")
@_DATA_ROOT
@click.option("--base-url", default=None, help="A mirror with the data folder's layout.")
@click.option("--no-verify", is_flag=True,
              help="For datasets without pinned checksums (EyeCrowd): download anyway and record "
                   "the SHA-256 of every file.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel transfers (default 4).")
@one_line_errors
def datasets_fetch(name, data_root, base_url, no_verify, workers):
    """Download a dataset (verified, resumable, through $HTTPS_PROXY) and check that it loads."""
    from ..datasets import load
    from ..datasets.download import fetch

    folder = fetch(name, root=data_root, base_url=base_url, verify=not no_verify, workers=workers)
    dataset = load(name, root=data_root)
    click.echo(f"{dataset!r} in {folder}")


@datasets.command(name="import")
@click.argument("name")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@_DATA_ROOT
@click.option("--no-verify", is_flag=True,
              help="Install archives whose checksum is unknown or differs from the pinned one.")
@click.option("--overwrite", is_flag=True, help="Replace an installed copy.")
@one_line_errors
def datasets_import(name, paths, data_root, no_verify, overwrite):
    """Install a dataset from archives or folders you downloaded yourself.

    PATHS are the publisher's archives (e.g. ALLSTIMULI.zip DATA.zip), the folders they unpack
    to, or a folder holding either. Archives are verified by checksum where salbench knows it.

    Example: salbench datasets import mit1003 ~/Downloads/ALLSTIMULI.zip ~/Downloads/DATA.zip
    """
    from ..datasets import load
    from ..datasets.importing import import_dataset

    folder = import_dataset(name, list(paths), root=data_root, verify=not no_verify,
                            overwrite=overwrite)
    dataset = load(name, root=data_root)
    click.echo(f"{dataset!r} installed in {folder}")
