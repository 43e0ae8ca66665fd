"""Columnar fixation data: one numpy array per field, sorted by image, with per-image offsets.

A :class:`Fixations` object never holds a Python object per fixation. Its fields are

==========  =========  ===========================================================================
field       dtype      meaning
==========  =========  ===========================================================================
x, y        float64    continuous 0-based pixel coordinates (x = column, y = row); the fixation
                       belongs to pixel ``(floor(y), floor(x))``
n           int64      image index, ``0 <= n < n_images``
subject     int64      observer id (``-1`` where unknown)
scanpath    int64      id of the trial (one observer viewing one image) the fixation belongs to
                       (``-1`` where unknown)
position    int64      0-based index of the fixation within its scanpath (``-1`` where unknown)
t           float64    onset time in seconds since image onset (NaN where unknown)
duration    float64    fixation duration in seconds (NaN where unknown)
==========  =========  ===========================================================================

Fixations are stored sorted by image (a stable sort, so the order within an image — usually
scanpath by scanpath, in viewing order — is kept) and ``offsets[i]:offsets[i + 1]`` is the slice of
image ``i``. Per-image access is therefore O(1) and returns numpy *views*, never copies::

    for i in range(fixations.n_images):
        f = fixations.for_image(i)          # cheap: eight slices of the columns
        scores = metric(maps[i], f.x, f.y)  # f.x, f.y are float64 views

This is the access pattern the evaluation engine uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_path
from .._validation import check_numeric_dtype
from ..exceptions import DataError, InputError

#: The columns of a Fixations object, in their canonical order.
FIELDS = ("x", "y", "n", "subject", "scanpath", "position", "t", "duration")
_FLOAT_FIELDS = ("x", "y", "t", "duration")
_INT_FIELDS = ("n", "subject", "scanpath", "position")
_UNKNOWN = {"subject": -1, "scanpath": -1, "position": -1, "t": np.nan, "duration": np.nan}

#: Format tag stored in Parquet metadata so a file can be recognised and versioned.
PARQUET_FORMAT = "salbench.Fixations/1"


@dataclass(frozen=True)
class ImageFixations:
    """The fixations of one image: read-only numpy views into the parent :class:`Fixations`.

    Attributes have the same meaning as the columns of :class:`Fixations`; ``index`` is the image
    index. ``len(f)`` is the number of fixations.
    """

    index: int
    x: np.ndarray
    y: np.ndarray
    subject: np.ndarray
    scanpath: np.ndarray
    position: np.ndarray
    t: np.ndarray
    duration: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


class Fixations:
    """Eye fixations of many observers on many images, stored column by column.

    Parameters
    ----------
    x, y : array-like of float, shape (N,)
        Continuous 0-based pixel coordinates (x = column, y = row).
    n : array-like of int, shape (N,)
        Image index of each fixation.
    subject, scanpath, position : array-like of int, shape (N,), optional
        Observer id, trial id and index within the trial; ``-1`` (the default) means unknown.
    t, duration : array-like of float, shape (N,), optional
        Onset time and duration in seconds; NaN (the default) means unknown.
    n_images : int, optional
        Number of images (images may have no fixation). Defaults to ``max(n) + 1``.

    Notes
    -----
    The arrays are copied, sorted stably by image and made read-only, so a Fixations object is
    immutable and its per-image views can be shared between threads.

    Examples
    --------
    >>> f = Fixations(x=[10.5, 3.0, 7.2], y=[4.0, 2.5, 1.0], n=[1, 0, 1], subject=[0, 0, 1])
    >>> len(f), f.n_images, f.counts.tolist()
    (3, 2, [1, 2])
    >>> f.for_image(1).x.tolist()
    [10.5, 7.2]
    """

    __slots__ = ("_columns", "_offsets", "_n_images")

    def __init__(self, x, y, n, *, subject=None, scanpath=None, position=None, t=None,
                 duration=None, n_images: int | None = None):
        columns = {}
        x = np.asarray(x)
        if x.ndim != 1:
            raise InputError(f"x must be 1-D, got shape {x.shape}")
        size = x.shape[0]
        given = {"x": x, "y": y, "n": n, "subject": subject, "scanpath": scanpath,
                 "position": position, "t": t, "duration": duration}
        for name in FIELDS:
            value = given[name]
            dtype = np.float64 if name in _FLOAT_FIELDS else np.int64
            if value is None:
                columns[name] = np.full(size, _UNKNOWN[name], dtype=dtype)
                continue
            array = np.asarray(value)
            if array.ndim != 1 or array.shape[0] != size:
                raise InputError(
                    f"field {name!r} must be 1-D with {size} values (like x), got shape {array.shape}"
                )
            if dtype is np.int64:
                if array.dtype.kind == "f":
                    if size and not (np.isfinite(array).all() and (array == np.round(array)).all()):
                        bad = int(np.flatnonzero(~np.isfinite(array) | (array != np.round(array)))[0])
                        raise InputError(
                            f"field {name!r} must hold integers; value {array[bad].item()!r} at fixation "
                            f"{bad} is not one"
                        )
                elif array.dtype.kind not in "iub" and size:
                    raise InputError(f"field {name!r} must be integer, got dtype {array.dtype}")
            elif size:
                check_numeric_dtype(array.dtype, f"field {name!r}")
            columns[name] = np.array(array, dtype=dtype, copy=True)

        for name in ("x", "y"):
            bad = ~np.isfinite(columns[name])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(
                    f"{name} of fixation {i} is {float(columns[name][i])!r}; coordinates must be finite "
                    f"({int(bad.sum())} non-finite value(s))"
                )
        n_arr = columns["n"]
        if size and n_arr.min() < 0:
            i = int(np.argmin(n_arr))
            raise InputError(f"image index n of fixation {i} is {n_arr[i]}; it must be >= 0")
        needed = int(n_arr.max()) + 1 if size else 0
        if n_images is None:
            n_images = needed
        elif isinstance(n_images, bool) or not isinstance(n_images, (int, np.integer)):
            raise InputError(f"n_images must be an integer, got {n_images!r}")
        elif n_images < needed:
            raise InputError(
                f"n_images is {n_images} but fixations refer to image index {needed - 1}"
            )

        if size and np.any(n_arr[1:] < n_arr[:-1]):
            order = np.argsort(n_arr, kind="stable")
            for name in FIELDS:
                columns[name] = columns[name][order]
        counts = np.bincount(columns["n"], minlength=int(n_images))
        offsets = np.zeros(int(n_images) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        self._columns = {name: _readonly(col) for name, col in columns.items()}
        self._offsets = _readonly(offsets)
        self._n_images = int(n_images)

    # --------------------------------------------------------------- construction helpers
    @classmethod
    def _from_sorted(cls, columns: dict, n_images: int) -> "Fixations":
        """Build from columns already sorted by image with the right dtypes (no copy, no check)."""
        self = cls.__new__(cls)
        counts = np.bincount(columns["n"], minlength=n_images)
        offsets = np.zeros(n_images + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        self._columns = {name: _readonly(np.ascontiguousarray(columns[name])) for name in FIELDS}
        self._offsets = _readonly(offsets)
        self._n_images = int(n_images)
        return self

    @classmethod
    def empty(cls, n_images: int = 0) -> "Fixations":
        """No fixations on ``n_images`` images."""
        return cls(np.empty(0), np.empty(0), np.empty(0, dtype=np.int64), n_images=n_images)

    @classmethod
    def concatenate(cls, parts, *, n_images: int | None = None) -> "Fixations":
        """Join several Fixations that share one image numbering."""
        parts = list(parts)
        if not parts:
            return cls.empty(n_images or 0)
        columns = {name: np.concatenate([p._columns[name] for p in parts]) for name in FIELDS}
        if n_images is None:
            n_images = max(p.n_images for p in parts)
        kwargs = {name: columns[name] for name in FIELDS if name not in ("x", "y", "n")}
        return cls(columns["x"], columns["y"], columns["n"], n_images=n_images, **kwargs)

    # --------------------------------------------------------------- columns
    @property
    def x(self) -> np.ndarray:
        return self._columns["x"]

    @property
    def y(self) -> np.ndarray:
        return self._columns["y"]

    @property
    def n(self) -> np.ndarray:
        return self._columns["n"]

    @property
    def subject(self) -> np.ndarray:
        return self._columns["subject"]

    @property
    def scanpath(self) -> np.ndarray:
        return self._columns["scanpath"]

    @property
    def position(self) -> np.ndarray:
        return self._columns["position"]

    @property
    def t(self) -> np.ndarray:
        return self._columns["t"]

    @property
    def duration(self) -> np.ndarray:
        return self._columns["duration"]

    def column(self, name: str) -> np.ndarray:
        """The column ``name`` (one of :data:`FIELDS`)."""
        if name not in self._columns:
            raise InputError(f"unknown fixation field {name!r}; the fields are {list(FIELDS)}")
        return self._columns[name]

    # --------------------------------------------------------------- sizes and per-image access
    def __len__(self) -> int:
        return int(self._columns["x"].shape[0])

    @property
    def n_images(self) -> int:
        """Number of images the fixations are indexed against (some may have no fixation)."""
        return self._n_images

    @property
    def offsets(self) -> np.ndarray:
        """``(n_images + 1,)`` int64: image ``i``'s fixations are ``offsets[i]:offsets[i + 1]``."""
        return self._offsets

    @property
    def counts(self) -> np.ndarray:
        """Number of fixations on each image, shape ``(n_images,)``."""
        return np.diff(self._offsets)

    def image_slice(self, i: int) -> slice:
        """The slice of image ``i``'s fixations in every column."""
        i = self._check_image(i)
        return slice(int(self._offsets[i]), int(self._offsets[i + 1]))

    def for_image(self, i: int) -> ImageFixations:
        """The fixations of image ``i`` as read-only views (O(1), no copy).

        Examples
        --------
        >>> f = Fixations(x=[1.0, 2.0, 3.0], y=[1.0, 1.0, 1.0], n=[0, 2, 2])
        >>> len(f.for_image(1)), f.for_image(2).x.tolist()
        (0, [2.0, 3.0])
        """
        s = self.image_slice(i)
        c = self._columns
        return ImageFixations(i, c["x"][s], c["y"][s], c["subject"][s], c["scanpath"][s],
                              c["position"][s], c["t"][s], c["duration"][s])

    def __iter__(self):
        """Iterate over images: yields :class:`ImageFixations` for ``i = 0 .. n_images - 1``."""
        for i in range(self._n_images):
            yield self.for_image(i)

    def _check_image(self, i) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise InputError(f"image index must be an integer, got {i!r}")
        i = int(i)
        if not 0 <= i < self._n_images:
            raise InputError(f"image index {i} is out of range for {self._n_images} images")
        return i

    # --------------------------------------------------------------- facts
    @property
    def subjects(self) -> np.ndarray:
        """Sorted unique observer ids (``-1`` = unknown included if present)."""
        return np.unique(self._columns["subject"])

    @property
    def n_subjects(self) -> int:
        s = self.subjects
        return int((s >= 0).sum())

    @property
    def n_scanpaths(self) -> int:
        s = self._columns["scanpath"]
        return int(np.unique(s[s >= 0]).size)

    def __repr__(self) -> str:
        return (f"Fixations({len(self)} fixations on {self.n_images} images, "
                f"{self.n_subjects} subjects, {self.n_scanpaths} scanpaths)")

    def equals(self, other: "Fixations") -> bool:
        """True when both hold the same columns (NaN equal to NaN) and the same number of images."""
        if not isinstance(other, Fixations) or other.n_images != self.n_images:
            return False
        return all(np.array_equal(self._columns[k], other._columns[k], equal_nan=k in _FLOAT_FIELDS)
                   for k in FIELDS)

    # --------------------------------------------------------------- filtering
    def filter(self, mask=None, *, images=None, subjects=None, positions=None) -> "Fixations":
        """Keep the fixations that satisfy every given condition; image numbering is unchanged.

        Parameters
        ----------
        mask : array-like of bool, shape (N,), optional
            Per-fixation selection.
        images : array-like of int, optional
            Keep fixations on these images (use :meth:`subset` to also renumber images).
        subjects : array-like of int, optional
            Keep fixations of these observers.
        positions : slice or array-like of int, optional
            Keep fixations at these positions within their scanpath, e.g. ``slice(1, None)`` drops
            each scanpath's first fixation (often the central fixation cross).
        """
        keep = np.ones(len(self), dtype=bool)
        if mask is not None:
            m = np.asarray(mask)
            if m.dtype != np.bool_ or m.shape != (len(self),):
                raise InputError(
                    f"mask must be a boolean array of shape ({len(self)},), got {m.dtype} {m.shape}"
                )
            keep &= m
        if images is not None:
            idx = np.asarray(images, dtype=np.int64).reshape(-1)
            if idx.size and (idx.min() < 0 or idx.max() >= self._n_images):
                raise InputError(f"images must lie in [0, {self._n_images}), got {idx.min()}..{idx.max()}")
            keep &= np.isin(self.n, idx)
        if subjects is not None:
            keep &= np.isin(self.subject, np.asarray(subjects, dtype=np.int64).reshape(-1))
        if positions is not None:
            pos = self.position
            if isinstance(positions, slice):
                if positions.step not in (None, 1):
                    raise InputError("positions slice must have step 1")
                if (pos < 0).any() and (positions.start is not None or positions.stop is not None):
                    raise InputError("positions are unknown (-1) for some fixations; cannot filter by position")
                lo = -np.inf if positions.start is None else positions.start
                hi = np.inf if positions.stop is None else positions.stop
                keep &= (pos >= lo) & (pos < hi)
            else:
                keep &= np.isin(pos, np.asarray(positions, dtype=np.int64).reshape(-1))
        columns = {name: col[keep] for name, col in self._columns.items()}
        return Fixations._from_sorted(columns, self._n_images)

    def subset(self, images) -> "Fixations":
        """The fixations of ``images``, renumbered so that ``images[k]`` becomes image ``k``.

        Scanpath ids are kept (they stay unique). Repeated image indices are an error.
        """
        idx = np.asarray(images, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= self._n_images):
            raise InputError(f"images must lie in [0, {self._n_images}), got {idx.min()}..{idx.max()}")
        if np.unique(idx).size != idx.size:
            raise InputError("images passed to subset() must not repeat")
        pieces = [np.arange(self._offsets[i], self._offsets[i + 1]) for i in idx]
        take = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.int64)
        columns = {name: col[take] for name, col in self._columns.items()}
        new_n = np.repeat(np.arange(idx.size, dtype=np.int64), self.counts[idx])
        columns["n"] = new_n
        return Fixations._from_sorted(columns, int(idx.size))

    # --------------------------------------------------------------- pandas / Parquet
    def to_dataframe(self):
        """A pandas DataFrame with one column per field (a copy)."""
        import pandas as pd

        return pd.DataFrame({name: np.array(self._columns[name]) for name in FIELDS})

    @classmethod
    def from_dataframe(cls, frame, *, n_images: int | None = None) -> "Fixations":
        """Build from a DataFrame with columns ``x``, ``y``, ``n`` and optionally the other fields.

        Unknown extra columns are an error (so a typo is not silently ignored).
        """
        columns = list(frame.columns)
        missing = [c for c in ("x", "y", "n") if c not in columns]
        if missing:
            raise InputError(f"DataFrame lacks the required column(s) {missing}; it has {columns}")
        extra = [c for c in columns if c not in FIELDS]
        if extra:
            raise InputError(f"DataFrame has unknown column(s) {extra}; the fields are {list(FIELDS)}")
        kwargs = {c: frame[c].to_numpy() for c in columns if c not in ("x", "y", "n")}
        return cls(frame["x"].to_numpy(), frame["y"].to_numpy(), frame["n"].to_numpy(),
                   n_images=n_images, **kwargs)

    def to_parquet(self, path, *, metadata: dict | None = None) -> Path:
        """Write to a Parquet file atomically (needs pyarrow). ``metadata`` is stored as JSON."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: self._columns[name] for name in FIELDS})
        meta = {"format": PARQUET_FORMAT, "n_images": self._n_images, "user": metadata or {}}
        table = table.replace_schema_metadata({b"salbench": json.dumps(meta).encode()})
        path = Path(path)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return path

    @classmethod
    def read_parquet(cls, path, *, return_metadata: bool = False):
        """Read a file written by :meth:`to_parquet` (or any Parquet with the field columns)."""
        import pyarrow.parquet as pq

        path = Path(path)
        try:
            table = pq.read_table(path)
        except FileNotFoundError:
            raise DataError(f"{path}: no such file") from None
        except Exception as error:  # pyarrow raises several types for corrupt files
            raise DataError(f"{path}: not a readable Parquet file ({error})") from None
        raw = (table.schema.metadata or {}).get(b"salbench")
        meta = json.loads(raw) if raw else {}
        if raw and meta.get("format") != PARQUET_FORMAT:
            raise DataError(f"{path}: unsupported salbench format {meta.get('format')!r}")
        try:
            fixations = cls.from_dataframe(table.to_pandas(), n_images=meta.get("n_images"))
        except InputError as error:
            raise DataError(f"{path}: {error}") from None
        return (fixations, meta.get("user", {})) if return_metadata else fixations
