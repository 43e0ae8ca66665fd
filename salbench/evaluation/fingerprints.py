"""Fingerprints of an evaluation's inputs, so that results always describe what was scored.

Every results manifest records, under ``config["inputs"]``, a fingerprint of each input:

* ``model`` — what the model reads: a map folder's files (name, size, mtime and content hash
  each), an HDF5, ONNX, TorchScript or ``.vxm`` file's hash, a network's weights, a ``command:``
  model's command plus a hash of every existing file it names, a Python function's module file,
  and the user's ``model_version`` when given;
* ``dataset`` — hashes of the image list (names and content hashes of the stimuli) and of the
  fixations;
* ``baseline`` — the IG baseline's fingerprint (its parameters are in ``parameters.baseline``).

A resumed run, and a rerun that would reuse complete results, go on only when every fingerprint
matches; otherwise :func:`describe_changes` says which inputs (which files: changed, added,
removed) differ, and the run is refused until ``overwrite=True`` (``--overwrite``).

The protocol
------------
A model may implement ``fingerprint() -> dict``: JSON-serialisable facts that change whenever
its predictions may change. File contents go under a ``"files"`` key as ``{name: entry}`` with
entries from :func:`file_entry` (they are compared by content hash, so copying or touching a
file is not a change; size and mtime are kept to help a reader). A model without the method is
fingerprinted by its class's source file (:func:`code_fingerprint`).

Hashing rule and cost
---------------------
Contents are hashed with SHA-256 (``hashlib``, no extra dependency; ``sha256sum FILE`` gives the
same hex digest, so a reader can check a recorded file by hand), at least once per run: inside :func:`hashing_run` (one per :func:`salbench.evaluate` call) a file is
hashed the first time it is asked for, and again only if its size, mtime, ctime or inode have
changed since — the engine re-checks the fingerprint at the end of a run with that stat-based
shortcut, so maps edited *during* a run are caught too. Measured on the 700 OSIE maps as PNG
(benchmarks/bench_evaluate.py prints the current numbers in its "fingerprint s" column and a
table of hash speeds).
"""

from __future__ import annotations

import numpy as np

from .._fingerprint import (  # noqa: F401  (re-exported: the engine's fingerprint vocabulary)
    array_hash,
    code_fingerprint,
    command_fingerprint,
    file_entry,
    files_fingerprint,
    hashing_run,
    model_fingerprint,
    new_hash,
)

__all__ = ["array_hash", "code_fingerprint", "command_fingerprint", "dataset_inputs",
           "describe_changes", "file_entry", "files_fingerprint", "hashing_run",
           "model_fingerprint"]


def dataset_inputs(dataset) -> dict:
    """Hashes of the dataset's image list and fixations (and their counts)."""
    images = new_hash()
    images.update("\n".join(dataset.stimuli.ids).encode())
    fixations = new_hash()
    table = dataset.fixations
    for column in ("x", "y", "n", "subject"):
        fixations.update(column.encode())
        fixations.update(np.ascontiguousarray(table.column(column)).tobytes())
    return {"name": dataset.name, "n_images": len(dataset), "images": images.hexdigest(),
            "n_fixations": len(table), "fixations": fixations.hexdigest()}


# ---------------------------------------------------------------------------------- comparing
def _short(value, limit: int = 60) -> str:
    from .._io import canonical_json

    text = value if isinstance(value, str) else canonical_json(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _listing(names, limit: int = 8) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _file_changes(old: dict, new: dict, where: str) -> list[str]:
    def content(entry):
        return entry.get("sha256") if isinstance(entry, dict) else None

    # a file that could not be read counts as absent
    old = {n: e for n, e in old.items() if content(e) is not None}
    new = {n: e for n, e in new.items() if content(e) is not None}

    added = [n for n in new if n not in old]
    removed = [n for n in old if n not in new]
    changed = [n for n in new if n in old and content(old[n]) != content(new[n])]
    lines = []
    for label, names in (("changed", changed), ("added", added), ("removed", removed)):
        if names:
            lines.append(f"{where}: {len(names)} file(s) {label}: {_listing(names)}")
    return lines


def describe_changes(old, new, where: str = "") -> list[str]:
    """One line per difference between two recorded fingerprints (empty when they match).

    Examples
    --------
    >>> old = {"model": {"files": {"a.png": {"sha256": "1"}, "b.png": {"sha256": "2"}}}}
    >>> new = {"model": {"files": {"a.png": {"sha256": "9"}, "c.png": {"sha256": "3"}}}}
    >>> for line in describe_changes(old, new):
    ...     print(line)
    model: 1 file(s) changed: a.png
    model: 1 file(s) added: c.png
    model: 1 file(s) removed: b.png
    """
    from .._io import canonical_json

    if isinstance(old, dict) and isinstance(new, dict):
        lines = []
        for key in list(dict.fromkeys([*old, *new])):
            label = f"{where}.{key}" if where else str(key)
            if key == "files" and isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
                lines += _file_changes(old[key], new[key], where or "files")
            elif key not in old:
                lines.append(f"{label}: not recorded before, now {_short(new[key])}")
            elif key not in new:
                lines.append(f"{label}: was {_short(old[key])}, now absent")
            else:
                lines += describe_changes(old[key], new[key], label)
        return lines
    if canonical_json(old) != canonical_json(new):
        return [f"{where or 'value'}: was {_short(old)}, now {_short(new)}"]
    return []
