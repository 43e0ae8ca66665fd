"""The converted-dataset cache: a registered dataset is parsed once, then read back in milliseconds.

The first ``load(name)`` runs the dataset's loader (MAT files, raw eye samples, JSON...) and
writes what it returned to one uncompressed ``.npz`` file: the eight fixation columns, the
stimulus paths (relative to the dataset folder) and sizes, the per-image attributes and the
facts. Later loads read that file (a million fixations in well under a second, see
``benchmarks/bench_datasets.py``) and decode no image: the images stay files, read when asked for,
so memory is the fixations' columns plus one small row per image.

A cache file is used only when all of these agree, and is rebuilt otherwise:

* its format (:data:`FORMAT`) and the spec's ``loader_version``;
* the loader's options (``load("figrim", viewing="rec")``): each option set has its own file;
* the *source signature*: the relative path, size and modification time of every file in the
  dataset folder (any added, removed, replaced or touched file makes it stale);
* the SHA-256 of its own arrays (a damaged file is detected, reported with a warning, rebuilt).

Where: ``$SALBENCH_CACHE`` if set, else ``<per-user cache>/converted`` (``~/.cache/salbench/
converted`` on Linux), one file per dataset name and folder
(``<name>-<hash of the folder's absolute path>.npz``), written atomically. A folder that cannot be
written only costs speed: loading works without a cache (with a warning).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np

from .._io import atomic_path
from ..exceptions import DataError
from .fixations import FIELDS

#: Format tag of a cache file; bump it when the layout below changes. 2: the facts hold
#: ``tracking`` (eye, webcam or mouse tracking) and the header the loader's options.
FORMAT = "salbench.DatasetCache/2"
#: Environment variable that overrides the cache folder.
ENV_VAR = "SALBENCH_CACHE"
_SKIP_PREFIX = ".salbench"


def cache_root(cache=True) -> Path | None:
    """The cache folder for ``cache`` (True: the default; a path; False/None: no cache)."""
    if cache is False or cache is None:
        return None
    if cache is not True:
        return Path(cache).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from .cache import platform_cache_dir

    return platform_cache_dir() / "converted"


def _options_key(options) -> dict:
    """The options as the cache header stores them (sorted, values as strings)."""
    return {str(k): str(v) for k, v in sorted((options or {}).items())}


def cache_file(spec, folder: Path, root: Path, options=None) -> Path:
    """``root/<name>-<hash>.npz``: the hash covers the folder's absolute path and the options."""
    text = str(Path(folder).resolve())
    if options:
        text += "\n" + json.dumps(_options_key(options), sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    return root / f"{spec.name}-{key}.npz"


def source_signature(folder: Path) -> str:
    """SHA-256 over ``path, size, mtime`` of every file below ``folder`` (salbench's own
    ``.salbench*`` markers and hidden folders excepted)."""
    folder = Path(folder)
    entries = []
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                for entry in it:
                    if entry.name.startswith(_SKIP_PREFIX) or entry.name == ".partial":
                        continue
                    if entry.is_dir(follow_symlinks=True):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=True):
                        st = entry.stat()
                        rel = Path(entry.path).relative_to(folder).as_posix()
                        entries.append(f"{rel}\t{st.st_size}\t{st.st_mtime_ns}")
        except OSError:
            continue
    entries.sort()
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest()


def _content_digest(arrays: dict) -> str:
    digest = hashlib.sha256()
    for key in sorted(arrays):
        value = np.ascontiguousarray(arrays[key])
        digest.update(key.encode())
        digest.update(str(value.dtype).encode())
        digest.update(str(value.shape).encode())
        digest.update(value.view(np.uint8).reshape(-1) if value.dtype.kind != "U"
                      else value.tobytes())
    return digest.hexdigest()


def _attribute_arrays(attributes) -> tuple[dict, list]:
    arrays, columns = {}, []
    if attributes is None:
        return arrays, columns
    for k, column in enumerate(attributes.columns):
        values = attributes[column]
        key = f"attr{k}"
        if values.dtype.kind in "biuf":
            arrays[key] = values.to_numpy()
            columns.append({"name": str(column), "kind": "array", "key": key})
        else:  # strings, categories, mixed: JSON keeps None and the values' Python types
            columns.append({"name": str(column), "kind": "json",
                            "values": [None if v is None or (isinstance(v, float) and np.isnan(v))
                                       else (v.item() if hasattr(v, "item") else v)
                                       for v in values.tolist()]})
    return arrays, columns


def save(spec, folder: Path, dataset, cache=True, *, options=None) -> Path | None:
    """Write ``dataset`` (a loader's result for ``options``) to the cache; None when no cache is
    used."""
    root = cache_root(cache)
    if root is None:
        return None
    folder = Path(folder)
    path = cache_file(spec, folder, root, options)
    fixations, stimuli = dataset.fixations, dataset.stimuli
    arrays = {f"fix_{name}": np.asarray(fixations.column(name)) for name in FIELDS}
    arrays["shapes"] = np.asarray(stimuli.shapes, dtype=np.int64)
    arrays["paths"] = np.array(stimuli.relative_paths(folder), dtype=np.str_)
    attribute_arrays, attribute_columns = _attribute_arrays(dataset._attributes)
    arrays.update(attribute_arrays)
    header = {
        "format": FORMAT, "dataset": spec.name, "loader_version": spec.loader_version,
        "folder": str(folder.resolve()), "options": _options_key(options),
        "signature": source_signature(folder),
        "n_images": len(stimuli), "facts": dataset.facts.to_dict(),
        "attributes": None if dataset._attributes is None else attribute_columns,
        "content_sha256": _content_digest(arrays),
    }
    arrays["header"] = np.array(json.dumps(header))
    try:
        root.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
    except (OSError, DataError) as error:
        warnings.warn(f"could not write the dataset cache {path} ({getattr(error, 'strerror', None) or error}); "
                      f"loading {spec.name!r} will parse its files every time. Set ${ENV_VAR} to "
                      "a writable folder.", UserWarning, stacklevel=3)
        return None
    return path


def load(spec, folder: Path, cache=True, *, options=None):
    """The cached dataset of ``spec`` in ``folder`` for ``options``, or None when missing, stale
    or damaged."""
    from .dataset import Dataset, DatasetFacts
    from .fixations import Fixations
    from .stimuli import Stimuli

    root = cache_root(cache)
    if root is None:
        return None
    folder = Path(folder)
    path = cache_file(spec, folder, root, options)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            header = json.loads(str(npz["header"]))
            if (header.get("format") != FORMAT or header.get("dataset") != spec.name
                    or header.get("loader_version") != spec.loader_version
                    or header.get("options") != _options_key(options)):
                return None
            if header.get("signature") != source_signature(folder):
                return None  # the dataset's files changed since the cache was written
            arrays = {key: npz[key] for key in npz.files if key != "header"}
    except Exception as error:  # noqa: BLE001 - zip, JSON and numpy errors all mean "damaged"
        _damaged(path, error)
        return None
    if _content_digest(arrays) != header.get("content_sha256"):
        _damaged(path, "content checksum mismatch")
        return None
    n_images = int(header["n_images"])
    columns = {name: arrays[f"fix_{name}"] for name in FIELDS}
    fixations = Fixations._from_sorted(columns, n_images)
    stimuli = Stimuli([folder / p for p in arrays["paths"].tolist()], shapes=arrays["shapes"])
    facts = header["facts"]
    facts["notes"] = tuple(facts.get("notes") or ())
    facts["images"] = None if facts.get("images") is None else tuple(facts["images"])
    attributes = None
    if header.get("attributes") is not None:
        import pandas as pd

        data = {}
        for column in header["attributes"]:
            data[column["name"]] = (arrays[column["key"]] if column["kind"] == "array"
                                    else column["values"])
        attributes = pd.DataFrame(data, index=pd.RangeIndex(n_images))
    # what the loader returned; load() applies the out-of-image policy to it
    return Dataset(stimuli, fixations, DatasetFacts(**facts), attributes=attributes,
                   out_of_image=None)


def _damaged(path: Path, error) -> None:
    warnings.warn(f"the dataset cache {path} is damaged ({error}); it is rebuilt from the "
                  "dataset's files", UserWarning, stacklevel=4)
    try:
        path.unlink()
    except OSError:
        pass
