"""The dataset registry: list, describe, load and verify the registered datasets.

``names()`` lists the datasets; ``load(name)`` returns a :class:`~salbench.datasets.Dataset` from
``root/name`` (``root`` defaults to ``$SALBENCH_DATA`` or a per-user cache folder), downloading it
first when ``download=True``. What each dataset is (its :class:`DatasetSpec`: source, pinned files,
counts, how its files are read) is in :mod:`salbench.datasets.specs`, whose names are re-exported
here. Each dataset has a card in the repository's top-level ``datasets/`` folder; a test checks
every card against its spec.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import DataError
from .cache import data_root
from .dataset import Dataset
from .specs import DatasetSpec, names, register, spec

__all__ = ["DatasetSpec", "dataset_folder", "load", "missing", "names", "register", "spec", "status",
           "verify"]


def present(folder: Path, relative: str) -> bool:
    """Whether a required entry of a dataset folder exists (a trailing ``/`` names a folder)."""
    path = Path(folder) / relative
    return path.is_dir() if relative.endswith("/") else path.is_file()


def dataset_folder(name: str, root=None) -> Path:
    """The folder that holds (or will hold) dataset ``name``'s files under the data root."""
    return data_root(root) / spec(name).install_folder


def verify(name: str, *, root=None, check_hash: bool = True) -> list[str]:
    """Check a dataset folder against the pinned manifest: a list of problems (empty = intact).

    Archive-based datasets (MIT1003, CAT2000) have checksums for their archives only; for them
    the check is that the unpacked folders are present.
    A dataset read from its publisher's files (no pinned manifest, no archives) is checked for
    the entries its loader needs and for the checksums of the published files that sit in the
    folder unchanged (e.g. FIGRIM's annotation struct); archives are not re-checked once unpacked.
    """
    from .manifest import verify_files

    s = spec(name)
    folder = data_root(root) / s.install_folder
    if s.files:
        return verify_files(folder, s.files, check_hash=check_hash)
    if s.published:
        from .loaders.published import verify_published

        return verify_published(s, folder, check_hash=check_hash)
    return [f"{folder / p}: missing" for p in s.installed_paths if not (folder / p).exists()]


def status(name: str, *, root=None) -> str:
    """``"installed"``; ``"incomplete"`` when some of the entries it needs are there but not all
    (:func:`missing` says which); otherwise where the files can come from: the spec's
    ``source_status``."""
    s = spec(name)
    folder = data_root(root) / s.install_folder
    if s.is_installed(folder):
        return "installed"
    if s.installed_paths and len(s.missing_paths(folder)) < len(s.installed_paths):
        return "incomplete"
    return s.source_status


def missing(name: str, *, root=None) -> list[str]:
    """The entries (relative to the dataset's folder) an installed copy of ``name`` must have and
    the folder lacks, e.g. FIGRIM's ``Targets/`` beside its annotation file."""
    s = spec(name)
    return s.missing_paths(data_root(root) / s.install_folder)


def _missing(s: DatasetSpec, folder: Path, options: dict) -> list[str]:
    """The entries ``load`` needs for ``options`` that ``folder`` lacks."""
    if s.published or s.files_for is not None:
        return [p for p in s.required_files(options) if not present(folder, p)]
    return [p for p in s.installed_paths if not (folder / p).exists()]


def _loader_takes_policy(loader) -> bool:
    # loaders that take (spec, folder, out_of_image[, **options]): the publishers' loaders (marked
    # ``cached``: called with out_of_image=None, cached per option set) and loaders written
    # before the cache, which apply the policy themselves and run uncached
    import inspect

    try:
        return len(inspect.signature(loader).parameters) >= 3
    except (TypeError, ValueError):
        return False


def load(name: str, *, root=None, download: bool = False, out_of_image: str | None = None,
         base_url: str | None = None, verify: bool = True, progress: bool | None = None,
         cache=True, **options) -> Dataset:
    """Load a registered dataset.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"osie"``.
    root : path-like, optional
        Folder holding one sub-folder per dataset (``root/osie/...``). Defaults to
        ``$SALBENCH_DATA`` or the per-user cache folder (``~/.cache/salbench`` on Linux).
    download : bool
        Fetch missing files from the dataset's public source first (each file verified by
        checksum, see :func:`salbench.datasets.download.fetch`).
    out_of_image : {"error", "drop", "clip", "keep"}, optional
        What to do with fixations outside their image; each is reported with dataset, image and
        subject, and ``dataset.facts`` records how many were dropped or clipped. Defaults to the
        dataset's own policy (``spec(name).default_out_of_image``: ``"error"`` unless its card
        explains why the publisher's data holds such points).
    base_url, verify, progress
        Passed to :func:`~salbench.datasets.download.fetch` when downloading.
    cache : bool or path-like, default=True
        Use the converted-dataset cache (:mod:`salbench.datasets.converted`): the first load
        parses the files and writes the cache, later loads read it. A path chooses the cache
        folder; False parses the files every time. A dataset with options (the publishers'
        datasets) has one cache file per option set.
    **options
        The dataset's own options (``spec(name).options``), e.g. ``viewing="rec"`` for
        ``figrim`` or ``release="2015", split="val"`` for ``salicon``; unknown names and values
        are an error.

    Examples
    --------
    >>> import salbench
    >>> ds = salbench.datasets.load("osie", root=SHARED_DATASETS)  # doctest: +SKIP
    >>> len(ds), len(ds.fixations)                                  # doctest: +SKIP
    (700, 98321)
    """
    from .dataset import OUT_OF_IMAGE_POLICIES
    from ..exceptions import InputError

    s = spec(name)
    from .loaders.published import resolve_options, where_to_get

    # options and the policy are checked before any file is read or fetched
    chosen = resolve_options(s.name, s.options, options)
    if out_of_image is None:
        out_of_image = s.default_out_of_image
    if out_of_image not in OUT_OF_IMAGE_POLICIES:
        raise InputError(f"out_of_image must be one of {list(OUT_OF_IMAGE_POLICIES)}, got "
                         f"{out_of_image!r}")
    folder = data_root(root) / s.install_folder
    missing = _missing(s, folder, chosen)
    complete = not missing and all((folder / e.path).is_file() for e in s.files)
    if download and not complete:
        from .download import fetch

        fetch(s.name, root=root, base_url=base_url, verify=verify, progress=progress)
        missing = _missing(s, folder, chosen)
    if missing:
        if s.files or s.archives:
            how = (f"Download it with salbench.datasets.load({s.name!r}, download=True) or "
                   f"`salbench datasets fetch {s.name}`" if s.source_status == "downloadable" else
                   f"Get its files from {s.source} (see datasets/{s.name}.md)")
            how += f", or install a copy with `salbench datasets import {s.name} PATH`, or"
        else:
            how = where_to_get(s) + " Or"
        raise DataError(
            f"dataset {s.name!r} is not in {folder} (missing {', '.join(missing)}). {how} pass "
            "root= (or set $SALBENCH_DATA) to the folder that holds it."
        )
    cached_with_options = getattr(s.loader, "cached", False)
    if _loader_takes_policy(s.loader) and not cached_with_options:
        if s.options:
            return s.loader(s, folder, out_of_image, **chosen)
        return s.loader(s, folder, out_of_image)

    from . import converted

    # one cache file per option set: figrim with viewing=rec is another dataset than with enc
    key = chosen if cached_with_options else None
    dataset = converted.load(s, folder, cache, options=key)
    if dataset is None:
        dataset = (s.loader(s, folder, None, **chosen) if cached_with_options
                   else s.loader(s, folder))
        converted.save(s, folder, dataset, cache, options=key)
    if s.stimuli_only or len(dataset.fixations) == 0:
        return dataset
    # the policy is applied where every dataset applies it: when the Dataset is built
    return Dataset(dataset.stimuli, dataset.fixations, dataset.facts,
                   attributes=dataset._attributes, out_of_image=out_of_image)
