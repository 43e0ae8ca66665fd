"""What the loaders of publishers' files share: the files a publisher serves, the options a loader
takes, and the steps from parsed columns to a :class:`~salbench.datasets.Dataset`.

Most fixation datasets are not a GitHub repository at a commit but archives on a lab's web page,
behind a form or on a host that has gone. Their specs name the publisher's files
(:class:`PublishedFile`: URL, size and checksums where known) and whether salbench can fetch them
(``source_status``); their loaders read a folder that holds those files *as they unpack*, so a
user who obtained them another way unpacks them into ``<data root>/<name>/`` (or imports them)
and ``load(name)`` finds them.

This module imports nothing heavy: specs import it when ``salbench.datasets`` is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError

#: Values of ``DatasetSpec.source_status`` (one vocabulary with the rest of the registry; kept
#: here under its old name for the loaders' tests).
AVAILABILITY = ("downloadable", "import-only", "dead-host")


@dataclass(frozen=True)
class PublishedFile:
    """One file as its publisher serves it.

    ``name`` is the file name, ``url`` where it was published, ``unpacks_to`` what it becomes in
    the dataset folder (an archive's top-level entries, or the file itself). ``size`` (bytes),
    ``md5`` and ``sha256`` are given where known and ``None`` otherwise; ``checksum_from`` says who
    measured them (e.g. pysaliency's loader, which pins MD5 sums, or salbench on the real file).
    """

    name: str
    url: str
    unpacks_to: str
    size: int | None = None
    md5: str | None = None
    sha256: str | None = None
    checksum_from: str = ""


@dataclass(frozen=True)
class LoadOption:
    """A keyword option of a registered dataset's loader, e.g. FIGRIM's ``viewing``."""

    name: str
    choices: tuple
    default: object
    help: str = ""

    def check(self, dataset: str, value):
        if value not in self.choices:
            shown = ", ".join(repr(c) for c in self.choices)
            raise InputError(f"dataset {dataset!r}: {self.name}={value!r} is not one of {shown}")
        return value


def resolve_options(dataset: str, declared, given: dict) -> dict:
    """``given`` checked against the ``declared`` :class:`LoadOption` s, defaults filled in.

    Examples
    --------
    >>> viewing = LoadOption("viewing", ("enc", "rec", "rec2"), "enc")
    >>> resolve_options("figrim", (viewing,), {}), resolve_options("figrim", (viewing,), {"viewing": "rec"})
    ({'viewing': 'enc'}, {'viewing': 'rec'})
    """
    known = {o.name: o for o in declared}
    unknown = sorted(set(given) - set(known))
    if unknown:
        offered = ", ".join(f"{o.name}={'|'.join(str(c) for c in o.choices)}" for o in declared)
        raise InputError(f"dataset {dataset!r} takes no option(s) {unknown}"
                         + (f"; its options are {offered}" if offered else "; it takes no option"))
    return {name: option.check(dataset, given.get(name, option.default))
            for name, option in known.items()}


# ------------------------------------------------------------------ files in a dataset folder
def require(folder: Path, relative: str, spec, what: str = "file") -> Path:
    """``folder / relative``, or a DataError that says what is missing and where to get it."""
    path = Path(folder) / relative
    if path.is_file() if what == "file" else path.is_dir():
        return path
    raise DataError(f"dataset {spec.name!r}: {path} is missing ({what} expected at "
                    f"<data root>/{spec.name}/{relative}). {where_to_get(spec)}")


def where_to_get(spec) -> str:
    """Where the publisher's files are and how to install them (one or two sentences)."""
    how = getattr(spec, "how_to_get", "") or ""
    status = getattr(spec, "source_status", "downloadable")
    head = {"downloadable": "The publisher serves the files",
            "import-only": "The files cannot be fetched automatically",
            "dead-host": "The publisher's host is gone"}.get(status, "Get the files")
    homepage = getattr(spec, "homepage", "") or spec.source
    folder = getattr(spec, "install_folder", spec.name)
    action = how or f"unpack them into <data root>/{folder}/ as they unpack"
    return (f"{head} ({homepage}): {action}, or install a copy with `salbench datasets import "
            f"{spec.name} PATH` (see datasets/{spec.name}.md).")


def verify_published(spec, folder: Path, *, check_hash: bool = True) -> list[str]:
    """Problems with a folder of publisher's files: missing entries the loader needs (for the
    default options), and MD5 / SHA-256 mismatches of published files kept as they are."""
    import hashlib

    folder = Path(folder)
    problems = []
    for relative in spec.required_files():
        path = folder / relative
        if not (path.is_dir() if relative.endswith("/") else path.is_file()):
            problems.append(f"{path}: missing")
    for published in spec.published:
        path = folder / published.unpacks_to
        if published.unpacks_to != published.name or not path.is_file():
            continue  # an archive (checked before unpacking) or a file reported above
        if published.size is not None and path.stat().st_size != published.size:
            problems.append(f"{path}: size {path.stat().st_size} bytes, expected {published.size}")
            continue
        if not check_hash:
            continue
        for algorithm, label in (("sha256", "SHA-256"), ("md5", "MD5")):
            expected = getattr(published, algorithm)
            if expected is None:
                continue
            digest = hashlib.new(algorithm)
            with open(path, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != expected:
                problems.append(f"{path}: {label} {digest.hexdigest()}, expected {expected}")
            break  # the strongest checksum known is enough
    return problems


def stimuli_from(folder: Path, relatives, spec):
    """File-backed :class:`Stimuli` for ``folder / r`` for every ``r`` (all must exist)."""
    from ..stimuli import Stimuli

    folder = Path(folder)
    paths = [folder / r for r in relatives]
    missing = [str(r) for r, p in zip(relatives, paths) if not p.is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"dataset {spec.name!r}: {len(missing)} stimulus file(s) named in the "
                        f"fixation data are missing under {folder}: {shown}. {where_to_get(spec)}")
    return Stimuli(paths)


# ------------------------------------------------------------------ trials to columns
class Trials:
    """Accumulates scanpaths (one observer viewing one image) into salbench's columns.

    ``add(n, x, y, subject=..., t=..., duration=...)`` appends one trial whose coordinates are
    already converted to salbench's convention; ``columns()`` returns the arrays with a scanpath id
    per trial and each fixation's position within its trial, sorted stably by image. A group of
    fixations that is not a scanpath (pooled over observers, order unknown) is added with
    ``scanpath=False``: its scanpath and position are -1.

    Examples
    --------
    >>> trials = Trials()
    >>> trials.add(1, [5.0, 6.0], [1.0, 2.0], subject=3)
    >>> trials.add(0, [2.0], [2.0], scanpath=False)
    >>> c = trials.columns()
    >>> c["n"].tolist(), c["subject"].tolist(), c["scanpath"].tolist(), c["position"].tolist()
    ([0, 1, 1], [-1, 3, 3], [-1, 0, 0], [-1, 0, 1])
    """

    def __init__(self):
        self._parts = {k: [] for k in ("x", "y", "t", "duration")}
        self._n, self._subject, self._lengths, self._ordered = [], [], [], []

    def add(self, n: int, x, y, *, subject: int = -1, t=None, duration=None,
            scanpath: bool = True) -> None:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        k = x.size
        if y.size != k:
            raise ValueError(f"x has {k} values but y has {y.size}")
        if k == 0:
            return
        for name, value in (("t", t), ("duration", duration)):
            column = np.full(k, np.nan) if value is None else np.asarray(value, np.float64).reshape(-1)
            if column.size != k:
                raise ValueError(f"{name} has {column.size} values, expected {k}")
            self._parts[name].append(column)
        self._parts["x"].append(x)
        self._parts["y"].append(y)
        self._n.append(int(n))
        self._subject.append(int(subject))
        self._lengths.append(k)
        self._ordered.append(bool(scanpath))

    def __len__(self) -> int:
        return len(self._lengths)

    def columns(self) -> dict:
        lengths = np.asarray(self._lengths, dtype=np.int64)
        total = int(lengths.sum())
        if not lengths.size:
            empty = np.empty(0, np.float64)
            none = np.empty(0, np.int64)
            return {"x": empty, "y": empty.copy(), "t": empty.copy(), "duration": empty.copy(),
                    "n": none, "subject": none.copy(), "scanpath": none.copy(),
                    "position": none.copy()}
        columns = {k: np.concatenate(v) for k, v in self._parts.items()}
        columns["n"] = np.repeat(np.asarray(self._n, np.int64), lengths)
        columns["subject"] = np.repeat(np.asarray(self._subject, np.int64), lengths)
        ordered = np.asarray(self._ordered)
        ids = np.where(ordered, np.cumsum(ordered) - 1, -1).astype(np.int64)
        columns["scanpath"] = np.repeat(ids, lengths)
        columns["position"] = np.where(
            np.repeat(ordered, lengths),
            np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths), -1)
        order = np.argsort(columns["n"], kind="stable")
        if not (order == np.arange(total)).all():
            columns = {k: v[order] for k, v in columns.items()}
        return columns


def finish(spec, stimuli, trials: Trials, out_of_image: str, *, attributes=None,
           empty_trials: int = 0, options: dict | None = None, notes=()):
    """A :class:`Dataset` from parsed trials: out-of-image policy applied (``None``: left to the
    caller, as ``load()`` does so that it can cache the parsed trials), facts recorded.

    The facts' notes start with the chosen options (``"options: viewing=enc"``) so a result
    manifest says which variant of the dataset was scored.
    """
    from ..dataset import Dataset
    from ..fixations import Fixations

    columns = trials.columns()
    for name in ("x", "y"):
        bad = ~np.isfinite(columns[name])
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            n = int(columns["n"][k])
            raise DataError(f"dataset {spec.name!r}: a fixation on image {n} "
                            f"({stimuli.names[n]!r}), subject {int(columns['subject'][k])}, has "
                            f"{name} = {columns[name][k]!r} (not finite); {int(bad.sum())} such value(s)")
    fixations = Fixations._from_sorted(columns, len(stimuli))
    extra = tuple(notes)
    if options:
        extra = ("options: " + ", ".join(f"{k}={v}" for k, v in options.items()),) + extra
    facts = spec.facts(empty_trials=empty_trials)
    facts = facts.replace(notes=extra + tuple(facts.notes))
    # out_of_image=None: the caller (load(), through the cache) applies the policy
    return Dataset(stimuli, fixations, facts, attributes=attributes, out_of_image=out_of_image)


def read_json(path):
    """A JSON file's content, or a DataError naming the file."""
    import json

    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DataError(f"{path}: file is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a readable JSON file ({error})") from None


def mat_text(value) -> str:
    """A MATLAB char array as read by SciPy (``array(['name'])``, nested cells) as a str."""
    while isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"expected one string, got an array of shape {value.shape}")
        value = value.reshape(-1)[0]
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value
