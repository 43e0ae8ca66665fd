"""Checking a submission (a folder or an archive of maps) against a dataset's stimuli.

:func:`check_submission` reads every map once, with the maps-folder adapter's reader and matching
rule (:class:`~salbench.models.adapters.MapDirectoryModel`: maps matched to stimuli by file
stem), and lists every problem at once in a :class:`SubmissionReport`: missing, extra, duplicate
(several maps for one stimulus), unreadable, colour, wrongly-sized, non-finite and constant maps,
and log-densities that are not normalised. A submission with no problem is one that
``salbench evaluate --model`` scores.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._validation import keyword_choice
from ..exceptions import DataError
from .archives import (MAX_BYTES, MAX_MEMBERS, UnsafeArchiveError, extract_archive, is_archive,
                       maps_root)

__all__ = ["PROBLEM_KINDS", "Problem", "SubmissionReport", "check_submission"]

#: Every kind of problem, in the order a report lists them.
PROBLEM_KINDS = ("unsafe archive", "missing", "duplicate", "extra", "unreadable", "colour",
                 "wrong size", "non-finite", "constant", "not normalised")
_KINDS = ("saliency", "log_density")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission.

    Attributes
    ----------
    kind : str
        One of :data:`PROBLEM_KINDS`.
    file : str or None
        The map file (relative to the submission's folder), when there is one.
    image : str or None
        The stimulus file name, when there is one.
    detail : str
        What is wrong, in words.
    """

    kind: str
    file: str | None
    image: str | None
    detail: str


@dataclass(frozen=True)
class SubmissionReport:
    """What :func:`check_submission` found.

    Attributes
    ----------
    path : str
        The folder or archive checked.
    dataset : str
        The dataset's name.
    kind : {"saliency", "log_density"}
    n_images : int
        Stimuli the submission must cover.
    n_files : int
        Map files found.
    problems : tuple of Problem
    skipped : tuple of str
        Files that are not maps (a README, hidden files), never a problem.
    """

    path: str
    dataset: str
    kind: str
    n_images: int
    n_files: int
    problems: tuple = ()
    skipped: tuple = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Whether the submission would score (no problem)."""
        return not self.problems

    def by_kind(self) -> dict:
        """``{kind: [Problem, ...]}`` in the order of :data:`PROBLEM_KINDS`."""
        groups = {k: [p for p in self.problems if p.kind == k] for k in PROBLEM_KINDS}
        return {k: v for k, v in groups.items() if v}

    def render(self) -> str:
        """The report as text: a verdict line, then every problem grouped by kind."""
        head = (f"{self.path}: {self.n_files} map file(s) for {self.n_images} image(s) of "
                f"dataset {self.dataset!r} ({self.kind})")
        if self.ok:
            return f"{head}: OK, no problem found\n"
        lines = [f"{head}: {len(self.problems)} problem(s)"]
        for kind, problems in self.by_kind().items():
            lines.append(f"  {kind} ({len(problems)}):")
            lines.extend(f"    {p.detail}" for p in problems)
        if any(p.kind == "missing" for p in self.problems):
            lines.append("  maps are matched to stimuli by file stem (image 1001.jpg -> 1001.png, "
                         "1001.npy, ...)")
        return "\n".join(lines) + "\n"

    def raise_for_problems(self) -> None:
        """Raise a :class:`~salbench.exceptions.DataError` listing every problem, if any."""
        if not self.ok:
            raise DataError(self.render().rstrip("\n"))


def _size(shape) -> str:
    return f"{shape[1]}x{shape[0]}"


def _inspect(path: Path, rel: str, image: str, expected, kind: str, key) -> Problem | None:
    """The first problem of one map file, or None."""
    from ..models.adapters import ColourMapError, log_density_problem, read_map

    try:
        a = read_map(path, key=key)
    except ColourMapError as error:
        return Problem("colour", rel, image, str(error).replace(str(path), rel, 1))
    except DataError as error:
        return Problem("unreadable", rel, image, str(error).replace(str(path), rel, 1))
    if a.shape != tuple(expected):
        return Problem("wrong size", rel, image, f"{rel} is {_size(a.shape)} (WxH) but image "
                                                 f"{image} is {_size(expected)}")
    if kind == "saliency":
        bad = int(a.size - np.count_nonzero(np.isfinite(a)))
        if bad:
            return Problem("non-finite", rel, image, f"{rel}: {bad} NaN/inf value(s)")
        if float(a.max()) == float(a.min()):
            # a constant map ranks no pixel above another: AUC 0.5 by construction, NSS and CC
            # undefined; almost always a failed export
            return Problem("constant", rel, image, f"{rel}: every pixel is {float(a.min()):g}")
        return None
    problem = log_density_problem(a, rel)
    if problem is None:
        return None
    return Problem("non-finite" if problem[0].startswith("non-finite") else "not normalised",
                   rel, image, problem[1])


def _check_folder(folder: Path, shown: str, dataset, images, kind, recursive, key, threads,
                  skipped) -> SubmissionReport:
    from ..models.adapters import MapDirectoryModel

    model = MapDirectoryModel(folder, recursive=recursive, key=key)
    stimuli = dataset.stimuli
    names, shapes = stimuli.names, stimuli.shapes
    chosen = list(range(len(stimuli))) if images is None else [int(i) for i in images]
    matches = {i: model.candidates(p) for i, p in enumerate(stimuli.paths)}
    claimed = {p for found in matches.values() for p in found}

    def rel(p):
        return p.relative_to(folder).as_posix()

    problems, resolved = [], []
    for i in chosen:
        found = matches[i]
        if not found:
            problems.append(Problem("missing", None, names[i], f"{names[i]}: no map"))
        elif len(found) > 1:
            listed = ", ".join(rel(p) for p in found)
            problems.append(Problem("duplicate", listed, names[i],
                                    f"{names[i]}: several maps with its stem: {listed}"))
        else:
            resolved.append((i, found[0]))
    for p in model.files:
        if p not in claimed:
            problems.append(Problem("extra", rel(p), None, f"{rel(p)}: no stimulus of "
                                                           f"{dataset.name!r} has stem {p.stem!r}"))

    def inspect(item):
        i, p = item
        return _inspect(p, rel(p), names[i], (int(shapes[i, 0]), int(shapes[i, 1])), kind, key)

    workers = max(1, int(threads or 4))
    if workers > 1 and len(resolved) > 1:
        with ThreadPoolExecutor(min(workers, len(resolved))) as pool:
            found = list(pool.map(inspect, resolved))
    else:
        found = [inspect(item) for item in resolved]
    problems += [p for p in found if p is not None]
    order = {k: n for n, k in enumerate(PROBLEM_KINDS)}
    problems.sort(key=lambda p: order[p.kind])  # stable: images stay in dataset order
    return SubmissionReport(path=shown, dataset=dataset.name, kind=kind, n_images=len(chosen),
                            n_files=len(model.files), problems=tuple(problems),
                            skipped=tuple(skipped) + tuple(model.ignored))


def check_submission(path, dataset, *, images=None, kind: str = "saliency",
                     recursive: bool = False, key: str | None = None, threads: int | None = None,
                     max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS,
                     workdir=None) -> SubmissionReport:
    """Check a folder or archive of maps against a dataset; list every problem at once.

    Parameters
    ----------
    path : path-like
        A folder of maps, or a ``.zip`` / ``.tar`` / ``.tar.gz`` / ``.tgz`` of one (a single
        top folder inside the archive is looked into).
    dataset : salbench.datasets.Dataset or salbench.datasets.Stimuli-holding object
        Its ``stimuli`` are what the maps must cover (stimuli-only datasets are fine).
    images : sequence of int, optional
        The images that must have maps (default: all). Maps of the dataset's other images are
        not "extra".
    kind : {"saliency", "log_density"}
        What the files hold: saliency maps, or natural-log densities (which must be normalised).
    recursive : bool
        Also look in sub-folders (e.g. CAT2000 categories).
    key : str, optional
        The array (NPZ) or variable (MAT) to read when files hold several.
    threads : int, optional
        Files decoded in parallel (default 4).
    max_bytes, max_members : int
        Archive limits (see :mod:`salbench.submissions.archives`).
    workdir : path-like, optional
        Where an archive is extracted (into a temporary folder, removed afterwards); default the
        system's temporary folder.

    Returns
    -------
    SubmissionReport
        ``report.ok`` is True when the submission would score; ``report.render()`` lists the
        problems by file and image name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from salbench.datasets import Stimuli
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> np.save(folder / "a.npy", np.eye(2))
    >>> class Data:
    ...     name, stimuli = "toy", Stimuli(["a.png", "b.png"], shapes=[(2, 2), (2, 2)],
    ...                                    hashes=["0" * 64, "1" * 64])
    >>> report = check_submission(folder, Data())
    >>> report.ok, [p.kind for p in report.problems]
    (False, ['missing'])
    """
    keyword_choice(kind, "kind", _KINDS)
    path = Path(path)
    if path.is_dir():
        return _check_folder(path, str(path), dataset, images, kind, recursive, key, threads, ())
    if not is_archive(path):
        raise DataError(f"{path}: not a folder of maps nor an archive (.zip, .tar, .tar.gz, "
                        ".tgz)")
    with tempfile.TemporaryDirectory(prefix="salbench-check-", dir=workdir) as tmp:
        try:
            folder, skipped = extract_archive(path, Path(tmp) / "maps", max_bytes=max_bytes,
                                              max_members=max_members)
        except UnsafeArchiveError as error:
            problem = Problem("unsafe archive", None, None, str(error))
            return SubmissionReport(path=str(path), dataset=dataset.name, kind=kind,
                                    n_images=len(dataset.stimuli) if images is None
                                    else len(list(images)), n_files=0, problems=(problem,))
        return _check_folder(maps_root(folder), str(path), dataset, images, kind, recursive, key,
                             threads, skipped)
