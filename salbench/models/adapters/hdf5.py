"""Predictions stored in one HDF5 file, in pysaliency's layout.

pysaliency's ``export_model_to_hdf5`` writes one dataset per stimulus, named by the stimulus file
name — the shortest trailing part of the stimuli's paths that tells them apart, so usually just
``"1001.jpg"``, and ``"Action/001.jpg"`` (a group ``Action`` holding a dataset ``001.jpg``) when
the stimuli sit in sub-folders. ``HDF5SaliencyMapModel`` reads saliency maps, ``HDF5Model`` (here
:class:`HDF5LogDensityModel`, ``kind="log_density"``) log-densities. Datasets are found here by
their path (the longest trailing part of the stimulus path that is a key), by file name, or by stem.

h5py is imported only when a file is opened (``pip install 'salbench[hdf5]'``).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path, PurePosixPath

import numpy as np

from ...exceptions import DataError, InputError
from ._base import (Adapter, check_resize, log_density_problem, make_log_density_variant, name_of,
                    stem_of)
from .directory import MapCheck, _size


def _h5py():
    try:
        import h5py
    except ImportError:
        raise InputError("reading HDF5 predictions needs h5py (pip install 'salbench[hdf5]')") from None
    return h5py


def _dataset_keys(group, prefix="") -> list[str]:
    """Paths of every dataset in ``group``, recursively (``"a/b.jpg"``)."""
    h5py = _h5py()
    keys = []
    for name, item in group.items():
        if isinstance(item, h5py.Group):
            keys.extend(_dataset_keys(item, f"{prefix}{name}/"))
        elif isinstance(item, h5py.Dataset):
            keys.append(f"{prefix}{name}")
    return keys


class HDF5SaliencyMapModel(Adapter):
    """Saliency maps (or, with ``kind="log_density"``, log-densities) from a pysaliency HDF5 file.

    Parameters
    ----------
    path : path-like
        The ``.hdf5`` / ``.h5`` file.
    kind : {"saliency", "log_density"}
    resize : {None, "bilinear", "mit", "nearest", "area"}
        ``None``: a wrongly-sized map is an error; otherwise maps are resized to the image.
    name : str, optional

    Examples
    --------
    >>> import h5py, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "predictions.hdf5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("1001.jpg", data=np.eye(2))
    >>> HDF5SaliencyMapModel(path).saliency_map((2, 2), image_id="1001.jpg").tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    needs_pixels = False
    normalise_log_density = False

    def __init__(self, path, *, kind: str = "saliency", resize: str | None = None,
                 name: str | None = None):
        self.path = Path(path)
        self.resize = check_resize(resize)
        self.name = name or self.path.stem
        if not self.path.is_file():
            raise DataError(f"{self.path}: HDF5 predictions file is missing")
        h5py = _h5py()
        try:
            with h5py.File(self.path, "r") as handle:
                self.keys = tuple(sorted(_dataset_keys(handle)))
        except OSError as error:
            raise DataError(f"{self.path}: not a readable HDF5 file ({error})") from None
        by_name: dict[str, list[str]] = {}
        by_stem: dict[str, list[str]] = {}
        for key in self.keys:
            base = PurePosixPath(key)
            by_name.setdefault(base.name, []).append(key)
            by_stem.setdefault(base.stem, []).append(key)
        self._by_name, self._by_stem = by_name, by_stem
        self._bound: dict = {}
        self._handle = None
        self._lock = threading.Lock()

    # h5py handles cannot be pickled (dask workers, process pools): reopen after unpickling.
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_handle"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _file(self):
        if self._handle is None:
            self._handle = _h5py().File(self.path, "r")
        return self._handle

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    # ------------------------------------------------------------------ matching
    def _candidates(self, stimulus_path) -> list[str]:
        parts = PurePosixPath(Path(stimulus_path).as_posix()).parts
        for start in range(len(parts)):  # longest trailing path first
            key = "/".join(parts[start:])
            if key in self._by_name.get(parts[-1], ()):
                return [key]
        named = self._by_name.get(parts[-1], [])
        if named:
            return named
        return self._by_stem.get(PurePosixPath(parts[-1]).stem, [])

    def key_for(self, image_id) -> str:
        """The dataset holding the image with id (or file name) ``image_id``."""
        if image_id is None:
            raise InputError(f"{self.name}: predictions are found by image, so saliency_map needs "
                             "image_id= (the stimulus id or file name)")
        key = self._bound.get(image_id)
        if key is not None:
            return key
        name = name_of(image_id)
        keys = self._candidates(name) if name else []
        if not keys:
            raise DataError(f"{self.path}: no dataset for image {image_id!r} (looked for "
                            f"{name!r} or stem {stem_of(image_id)!r})")
        if len(keys) > 1:
            raise DataError(f"{self.path}: several datasets match image {image_id!r}: "
                            f"{', '.join(keys)}")
        return keys[0]

    def _read(self, key) -> np.ndarray:
        with self._lock:  # one h5py handle, many engine threads
            try:
                data = self._file()[key][()]
            except (OSError, KeyError) as error:
                raise DataError(f"{self.path}: cannot read dataset {key!r} ({error})") from None
        a = np.asarray(data)
        while a.ndim > 2 and 1 in a.shape:
            a = np.squeeze(a, axis=a.shape.index(1))
        if a.ndim != 2 or a.dtype.kind not in "iuf" or a.dtype == np.bool_:
            raise DataError(f"{self.path}: dataset {key!r} has shape {np.shape(data)} and dtype "
                            f"{np.asarray(data).dtype}; expected a 2-D map of numbers")
        return np.ascontiguousarray(a, dtype=np.float64)

    def _output(self, image, image_id) -> np.ndarray:
        key = self.key_for(image_id)
        return self._finish(self._read(key), image, image_id, self.resize)

    def _parameters(self) -> dict:
        return {"path": str(self.path), "resize": self.resize, "n_datasets": len(self.keys)}

    def fingerprint(self) -> dict:
        """The HDF5 file's size, mtime and content hash."""
        from ..._fingerprint import files_fingerprint

        return {"files": files_fingerprint([self.path.resolve()])}

    # ------------------------------------------------------------------ checking
    def check(self, dataset, *, images=None, extra: str = "error", decode: bool = True,
              threads: int | None = None) -> MapCheck:
        """Check the file against ``dataset``; report every problem at once.

        Same contract as :meth:`MapDirectoryModel.check` (``threads`` is accepted for symmetry;
        HDF5 reads go through one handle). Without ``decode`` only dataset shapes are compared.
        """
        from ..._validation import keyword_choice

        keyword_choice(extra, "extra", ("error", "warn", "ignore"))
        start = time.perf_counter()
        stimuli = dataset.stimuli
        names, ids, shapes = stimuli.names, stimuli.ids, stimuli.shapes
        chosen = list(range(len(stimuli))) if images is None else [stimuli._check(int(i)) for i in images]
        claimed: set[str] = set()
        matches = {}
        for i, path in enumerate(stimuli.paths):
            matches[i] = self._candidates(path)
            claimed.update(matches[i])
        groups: dict[str, list[str]] = {}
        resolved = []
        for i in chosen:
            keys = matches[i]
            if not keys:
                groups.setdefault("missing", []).append(names[i])
            elif len(keys) > 1:
                groups.setdefault("ambiguous (several datasets for one image)", []).append(
                    f"{names[i]}: {', '.join(keys)}")
            else:
                resolved.append((i, keys[0]))
        extras = [k for k in self.keys if k not in claimed]
        if extras and extra == "error":
            groups["extra (no stimulus has this name)"] = extras
        handle = self._file()
        for i, key in resolved:
            expected = (int(shapes[i, 0]), int(shapes[i, 1]))
            try:
                if decode:
                    a = self._read(key)
                    shape = a.shape
                else:
                    a = None
                    shape = tuple(s for s in handle[key].shape if s != 1)
            except DataError as error:
                groups.setdefault("unreadable", []).append(str(error).split(": ", 1)[-1])
                continue
            if shape != expected and self.resize is None:
                groups.setdefault("wrong size", []).append(
                    f"{key} is {_size(shape) if len(shape) == 2 else shape} (WxH) but image "
                    f"{names[i]} is {_size(expected)}")
                continue
            if a is None:
                continue
            if self.kind == "saliency":
                bad = int(a.size - np.count_nonzero(np.isfinite(a)))
                if bad:
                    groups.setdefault("non-finite values", []).append(f"{key}: {bad} NaN/inf value(s)")
            else:
                problem = log_density_problem(a, key)
                if problem is not None:
                    groups.setdefault(problem[0], []).append(problem[1])
        if groups:
            count = sum(len(v) for v in groups.values())
            lines = [f"{self.path}: {count} problem(s) with the predictions for dataset "
                     f"{dataset.name!r} ({len(chosen)} image(s) to score):"]
            for title, items in groups.items():
                lines.append(f"  {title} ({len(items)}):")
                lines.extend(f"    {item}" for item in items)
            raise DataError("\n".join(lines))
        if extras and extra == "warn":
            import warnings

            warnings.warn(f"{self.path}: {len(extras)} dataset(s) match no stimulus of dataset "
                          f"{dataset.name!r}: {', '.join(extras[:20])}", UserWarning, stacklevel=2)
        for i, key in resolved:
            self._bound[ids[i]] = key
        return MapCheck(n_images=len(resolved), extra=tuple(extras) if extra != "error" else (),
                        ignored=(), decoded=bool(decode), seconds=time.perf_counter() - start)


HDF5LogDensityModel = make_log_density_variant(
    HDF5SaliencyMapModel, "HDF5LogDensityModel",
    """Normalised log-densities from a pysaliency HDF5 file (pysaliency's ``HDF5Model``):
    ``HDF5SaliencyMapModel(path, kind="log_density")``.""")
