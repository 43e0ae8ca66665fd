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
from .specs import DatasetSpec, names, spec

__all__ = ["DatasetSpec", "dataset_folder", "load", "names", "spec", "verify"]


def present(folder: Path, relative: str) -> bool:
    """Whether a required entry of a dataset folder exists (a trailing ``/`` names a folder)."""
    path = Path(folder) / relative
    return path.is_dir() if relative.endswith("/") else path.is_file()


def dataset_folder(name: str, root=None) -> Path:
    return data_root(root) / spec(name).name


def verify(name: str, *, root=None, check_hash: bool = True) -> list[str]:
    """Check a dataset folder against the pinned manifest: a list of problems (empty = intact).

    A dataset read from its publisher's files (no pinned manifest) is checked for the entries its
    loader needs and for the checksums of the published files that sit in the folder unchanged
    (e.g. FIGRIM's annotation struct); archives are not re-checked once unpacked.
    """
    from .manifest import verify_files

    s = spec(name)
    folder = data_root(root) / s.name
    if s.files:
        return verify_files(folder, s.files, check_hash=check_hash)
    from .loaders.published import verify_published

    return verify_published(s, folder, check_hash=check_hash)


def load(name: str, *, root=None, download: bool = False, out_of_image: str | None = None,
         base_url: str | None = None, verify: bool = True, progress: bool | None = None,
         **options) -> Dataset:
    """Load a registered dataset.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"osie"``.
    root : path-like, optional
        Folder holding one sub-folder per dataset (``root/osie/...``). Defaults to
        ``$SALBENCH_DATA`` or the per-user cache folder (``~/.cache/salbench`` on Linux).
    download : bool
        Fetch missing files from the dataset's public source at its pinned commit first (each file
        verified by SHA-256, see :func:`salbench.datasets.download.fetch`).
    out_of_image : {"error", "drop", "clip", "keep"}, optional
        What to do with fixations outside their image; each is reported with dataset, image and
        subject, and ``dataset.facts`` records how many were dropped or clipped. Defaults to the
        dataset's own policy (``spec(name).default_out_of_image``: ``"error"`` unless its card
        explains why the publisher's data holds such points).
    base_url, verify, progress
        Passed to :func:`~salbench.datasets.download.fetch` when downloading.
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
    s = spec(name)
    from .loaders.published import resolve_options, where_to_get

    chosen = resolve_options(s.name, s.options, options)
    if out_of_image is None:
        out_of_image = s.default_out_of_image
    folder = data_root(root) / s.name
    required = s.required_files(chosen)
    missing = [f for f in required if not present(folder, f)]
    if download and (missing or any(not (folder / e.path).is_file() for e in s.files)):
        from .download import fetch

        fetch(s.name, root=root, base_url=base_url, verify=verify, progress=progress)
        missing = [f for f in required if not present(folder, f)]
    if missing:
        how = (f"Download it with salbench.datasets.load({s.name!r}, download=True) or `salbench "
               f"datasets fetch {s.name}`." if s.files else where_to_get(s))
        raise DataError(
            f"dataset {s.name!r} is not in {folder} (missing {', '.join(missing)}). {how} Or pass "
            "root= (or set $SALBENCH_DATA) to the folder that holds it."
        )
    if s.options:
        return s.loader(s, folder, out_of_image, **chosen)
    return s.loader(s, folder, out_of_image)
