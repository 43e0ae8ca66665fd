"""Reading and writing pysaliency's HDF5 layout, so data moves freely between the two tools.

pysaliency (0.2.x) stores each object in an HDF5 file or group whose attributes ``type`` and
``version`` say what it is, with one dataset per field:

* ``FixationTrains`` (version 1.2; 1.0 and 1.1 are read too): ``train_xs``, ``train_ys``,
  ``train_ts`` (scanpaths x longest scanpath, NaN-padded), ``train_ns``, ``train_subjects``; attribute
  ``__attributes__`` (JSON list of further per-fixation datasets), ``scanpath_attribute_mapping``
  (JSON) and groups ``scanpath_attributes`` / ``scanpath_fixation_attributes`` (each with its own
  ``__attributes__``). Durations are the scanpath fixation attribute ``durations`` (seconds),
  mapped to ``duration``, as pysaliency's own loaders do.
* ``Fixations`` (version 1.0): ``x``, ``y``, ``t``, ``x_hist``, ``y_hist``, ``t_hist``, ``n``,
  ``subjects`` and ``__attributes__``.
* ``FileStimuli`` (version 2.1; 1.0/2.0 read): ``filenames`` (UTF-8 strings, relative to the HDF5
  file's folder from version 2.0 on) and ``shapes`` (variable-length int arrays, ``[H, W, C]``),
  attributes ``size`` and ``__attributes__``.

pysaliency's coordinates are 0-based pixels like salbench's, so no conversion is applied; note
that pysaliency's ``t`` is whatever its loader stored (some use the fixation index), while salbench
writes onset seconds (NaN when unknown). h5py is imported only when these functions run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..exceptions import DataError, InputError
from .fixations import Fixations
from .stimuli import Stimuli


def _h5py():
    try:
        import h5py
    except ImportError:  # pragma: no cover - h5py is in the test extra
        raise ImportError("reading or writing HDF5 needs h5py: pip install 'salbench[hdf5]'") from None
    return h5py


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return str(value)


def _attr(node, name: str, path) -> str:
    try:
        return _text(node.attrs[name])
    except KeyError:
        raise DataError(f"{path}: HDF5 object {node.name!r} has no attribute {name!r}; "
                        "not a pysaliency object") from None


def _dataset(node, name: str, path):
    try:
        return node[name][...]
    except KeyError:
        raise DataError(f"{path}: pysaliency {_attr(node, 'type', path)} object {node.name!r} lacks "
                        f"the dataset {name!r}") from None


# ------------------------------------------------------------------------------------ writing
def write_pysaliency(path, obj, *, durations_name: str = "durations") -> Path:
    """Write a :class:`Fixations` (as ``FixationTrains``) or :class:`Stimuli` (as ``FileStimuli``)
    to a new HDF5 file, atomically. pysaliency reads it with ``pysaliency.read_hdf5(path)``.

    Fixations whose scanpath is unknown (``-1``) are written as a flat ``Fixations`` object.
    """
    h5py = _h5py()
    path = Path(path)
    with atomic_path(path, suffix=".h5tmp") as tmp:
        with h5py.File(tmp, "w") as handle:
            if isinstance(obj, Fixations):
                if len(obj) and (obj.scanpath < 0).any():
                    _write_flat_fixations(handle, obj)
                else:
                    _write_fixation_trains(handle, obj, durations_name)
            elif isinstance(obj, Stimuli):
                _write_file_stimuli(handle, obj, directory=path.resolve().parent)
            else:
                raise InputError(f"can write Fixations or Stimuli, not {type(obj).__name__}")
    return path


def _json_attr(node, name, value):
    node.attrs[name] = np.bytes_(json.dumps(value))


def _write_fixation_trains(node, fixations: Fixations, durations_name: str):
    ids, inverse = np.unique(fixations.scanpath, return_inverse=True)
    lengths = np.bincount(inverse, minlength=ids.size)
    longest = int(lengths.max()) if lengths.size else 0
    position = fixations.position
    if len(fixations) and ((position < 0) | (position >= lengths[inverse])).any():
        # positions are unknown or not 0..k-1: number fixations in stored order within each scanpath
        order = np.argsort(inverse, kind="stable")
        position = np.empty(len(fixations), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        position[order] = np.arange(len(fixations)) - np.repeat(starts, lengths)
    shape = (ids.size, longest)
    xs, ys, ts, ds = (np.full(shape, np.nan) for _ in range(4))
    xs[inverse, position] = fixations.x
    ys[inverse, position] = fixations.y
    ts[inverse, position] = fixations.t
    ds[inverse, position] = fixations.duration
    ns = np.zeros(ids.size, dtype=np.int64)
    subjects = np.zeros(ids.size, dtype=np.int64)
    ns[inverse] = fixations.n
    subjects[inverse] = fixations.subject
    node.attrs["type"] = np.bytes_("FixationTrains")
    node.attrs["version"] = np.bytes_("1.2")
    for name, data in (("train_xs", xs), ("train_ys", ys), ("train_ts", ts), ("train_ns", ns),
                       ("train_subjects", subjects)):
        node.create_dataset(name, data=data)
    _json_attr(node, "__attributes__", [])
    has_durations = len(fixations) > 0 and not np.isnan(fixations.duration).all()
    _json_attr(node, "scanpath_attribute_mapping", {durations_name: "duration"} if has_durations else {})
    scanpath_attributes = node.create_group("scanpath_attributes")
    _json_attr(scanpath_attributes, "__attributes__", [])
    per_fixation = node.create_group("scanpath_fixation_attributes")
    if has_durations:
        per_fixation.create_dataset(durations_name, data=ds)
    _json_attr(per_fixation, "__attributes__", [durations_name] if has_durations else [])
    node.attrs["n_images"] = fixations.n_images  # salbench extra: keeps images without fixations


def _write_flat_fixations(node, fixations: Fixations):
    node.attrs["type"] = np.bytes_("Fixations")
    node.attrs["version"] = np.bytes_("1.0")
    hist = np.full((len(fixations), 1), np.nan)
    for name, data in (("x", fixations.x), ("y", fixations.y), ("t", fixations.t),
                       ("x_hist", hist), ("y_hist", hist), ("t_hist", hist), ("n", fixations.n),
                       ("subjects", fixations.subject), ("duration", fixations.duration)):
        node.create_dataset(name, data=data)
    _json_attr(node, "__attributes__", ["subjects", "duration"])
    node.attrs["n_images"] = fixations.n_images


def _write_file_stimuli(node, stimuli: Stimuli, directory: Path):
    from PIL import Image

    h5py = _h5py()
    node.attrs["type"] = np.bytes_("FileStimuli")
    node.attrs["version"] = np.bytes_("2.1")
    names = [os.path.relpath(p.resolve(), directory) for p in stimuli.paths]
    node.create_dataset("filenames", data=np.array([n.encode("utf-8") for n in names], dtype=object),
                        dtype=h5py.string_dtype("utf-8"))
    shapes = node.create_dataset("shapes", (len(stimuli),), dtype=h5py.vlen_dtype(np.int64))
    for i, path in enumerate(stimuli.paths):
        with Image.open(path) as image:
            bands = len(image.getbands())
        h, w = stimuli.shape(i)
        # pysaliency records the decoded array's shape; salbench decodes to 2-D or RGB
        shapes[i] = np.array([h, w] if bands == 1 else [h, w, 3], dtype=np.int64)
    _json_attr(node, "__attributes__", [])
    node.attrs["size"] = len(stimuli)


def save_pysaliency(dataset, folder) -> tuple[Path, Path]:
    """Write ``folder/stimuli.hdf5`` and ``folder/fixations.hdf5`` (pysaliency's cache layout)."""
    folder = Path(folder)
    return (write_pysaliency(folder / "stimuli.hdf5", dataset.stimuli),
            write_pysaliency(folder / "fixations.hdf5", dataset.fixations))


# ------------------------------------------------------------------------------------ reading
def read_pysaliency(path, *, group: str | None = None, n_images: int | None = None):
    """Read a pysaliency HDF5 object: ``FixationTrains``/``Fixations`` -> :class:`Fixations`,
    ``FileStimuli`` -> :class:`Stimuli`. ``group`` selects an object inside the file."""
    h5py = _h5py()
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise DataError(f"{path}: not a readable HDF5 file ({error})") from None
    with handle:
        try:
            node = handle if group is None else handle[group]
        except KeyError:
            raise DataError(f"{path}: no group {group!r}") from None
        kind = _attr(node, "type", path)
        version = _attr(node, "version", path)
        try:
            if kind == "FixationTrains":
                return _read_fixation_trains(node, version, path, n_images)
            if kind == "Fixations":
                return _read_flat_fixations(node, version, path, n_images)
            if kind == "FileStimuli":
                return _read_file_stimuli(node, version, path)
        except (ValueError, TypeError, IndexError, OSError) as error:
            if isinstance(error, (DataError, InputError)):
                raise DataError(f"{path}: {error}") from None
            raise DataError(f"{path}: corrupt pysaliency {kind} object ({error})") from None
        if kind == "Stimuli":
            raise DataError(f"{path}: pysaliency 'Stimuli' objects embed the pixels; salbench needs "
                            "image files (save them with pysaliency's FileStimuli)")
        raise DataError(f"{path}: unsupported pysaliency object type {kind!r}")


def _check_version(kind, version, allowed, path):
    if version not in allowed:
        raise DataError(f"{path}: pysaliency {kind} version {version!r} is not supported "
                        f"(supported: {', '.join(allowed)})")


def _read_fixation_trains(node, version, path, n_images):
    _check_version("FixationTrains", version, ("1.0", "1.1", "1.2"), path)
    xs = np.asarray(_dataset(node, "train_xs", path), dtype=np.float64)
    ys = np.asarray(_dataset(node, "train_ys", path), dtype=np.float64)
    ts = np.asarray(_dataset(node, "train_ts", path), dtype=np.float64)
    ns = np.asarray(_dataset(node, "train_ns", path)).reshape(-1)
    subjects = np.asarray(_dataset(node, "train_subjects", path)).reshape(-1)
    if xs.ndim != 2 or ys.shape != xs.shape or ts.shape != xs.shape or ns.size != xs.shape[0] \
            or subjects.size != xs.shape[0]:
        raise DataError(f"{path}: FixationTrains arrays disagree in shape: train_xs {xs.shape}, "
                        f"train_ys {ys.shape}, train_ts {ts.shape}, train_ns {ns.shape}, "
                        f"train_subjects {subjects.shape}")
    durations = None
    if version >= "1.2" and "scanpath_fixation_attributes" in node:
        group = node["scanpath_fixation_attributes"]
        mapping = json.loads(_text(node.attrs.get("scanpath_attribute_mapping", b"{}")))
        for name in json.loads(_text(group.attrs.get("__attributes__", b"[]"))):
            if mapping.get(name, name) in ("duration", "durations"):
                durations = np.asarray(group[name][...], dtype=np.float64)
    valid = ~np.isnan(xs)
    # pysaliency pads scanpaths at the end; a NaN inside a scanpath is corruption
    if (np.cumsum(~valid, axis=1).astype(bool) & valid).any():
        raise DataError(f"{path}: train_xs has NaN inside a scanpath (only trailing padding is allowed)")
    rows, cols = np.nonzero(valid)
    fixations = Fixations(
        xs[rows, cols], ys[rows, cols], ns[rows], subject=subjects[rows], scanpath=rows,
        position=cols, t=ts[rows, cols],
        duration=None if durations is None else durations[rows, cols],
        n_images=_n_images(node, ns, n_images),
    )
    return fixations


def _read_flat_fixations(node, version, path, n_images):
    _check_version("Fixations", version, ("1.0",), path)
    x = _dataset(node, "x", path)
    n = np.asarray(_dataset(node, "n", path)).reshape(-1)
    attributes = json.loads(_text(node.attrs.get("__attributes__", b"[]")))
    duration = None
    for name in attributes:
        if name in ("duration", "durations"):
            duration = node[name][...]
    scanpath = node["scanpath_index"][...] if "scanpath_index" in node else None
    return Fixations(x, _dataset(node, "y", path), n, subject=_dataset(node, "subjects", path),
                     t=_dataset(node, "t", path), duration=duration, scanpath=scanpath,
                     n_images=_n_images(node, n, n_images))


def _n_images(node, ns, n_images):
    if n_images is not None:
        return n_images
    if "n_images" in node.attrs:
        return int(node.attrs["n_images"])
    return int(ns.max()) + 1 if ns.size else 0


def _read_file_stimuli(node, version, path):
    _check_version("FileStimuli", version, ("1.0", "2.0", "2.1"), path)
    names = [_text(v) for v in _dataset(node, "filenames", path)]
    shapes = list(_dataset(node, "shapes", path))
    if len(shapes) != len(names):
        raise DataError(f"{path}: FileStimuli has {len(names)} file names but {len(shapes)} shapes")
    base = path.resolve().parent
    paths = [Path(os.path.normpath(base / n)) if version >= "2.0" else Path(n) for n in names]
    hw = np.array([[int(s[0]), int(s[1])] for s in shapes], dtype=np.int64).reshape(-1, 2)
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DataError(f"{path}: {len(missing)} stimulus file(s) listed are missing, e.g. {missing[0]}")
    return Stimuli(paths, shapes=hw)


def load_pysaliency(folder=None, *, stimuli=None, fixations=None, name: str = "pysaliency",
                    out_of_image: str = "error"):
    """A :class:`~salbench.datasets.Dataset` from pysaliency files (``folder/stimuli.hdf5`` and
    ``folder/fixations.hdf5`` by default); ``out_of_image`` as for
    :class:`~salbench.datasets.Dataset`."""
    from .dataset import Dataset, DatasetFacts

    if folder is not None:
        stimuli = stimuli or Path(folder) / "stimuli.hdf5"
        fixations = fixations or Path(folder) / "fixations.hdf5"
    if stimuli is None or fixations is None:
        raise InputError("pass folder= or both stimuli= and fixations= paths")
    stim = read_pysaliency(stimuli)
    if not isinstance(stim, Stimuli):
        raise DataError(f"{stimuli}: holds fixations, not stimuli")
    fix = read_pysaliency(fixations, n_images=len(stim))
    if not isinstance(fix, Fixations):
        raise DataError(f"{fixations}: holds stimuli, not fixations")
    facts = DatasetFacts(name=name, source=f"pysaliency files {stimuli}, {fixations}",
                         conversion="none (pysaliency uses 0-based pixel coordinates)")
    return Dataset(stim, fix, facts, out_of_image=out_of_image)
