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

import contextlib
import contextvars
import hashlib
import inspect
import os
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["array_hash", "code_fingerprint", "dataset_inputs", "describe_changes", "file_entry",
           "files_fingerprint", "hashing_run", "model_fingerprint"]

_CHUNK = 1 << 20
_CACHE: contextvars.ContextVar = contextvars.ContextVar("salbench_hash_cache", default=None)


@contextlib.contextmanager
def hashing_run():
    """Scope of one run: within it a file whose stat is unchanged is not hashed twice."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def _new_hash():
    # SHA-256 rather than BLAKE2b or MD5: with the CPU's SHA extensions (x86 SHA-NI, ARMv8)
    # OpenSSL's SHA-256 measured 757 MB/s against 305 MB/s (BLAKE2b) and 302 MB/s (MD5) on a
    # 50 MB buffer here, load average 12 on 2 CPUs (benchmarks/bench_evaluate.py compares them
    # on the OSIE maps).
    return hashlib.sha256()


def _hash_path(path: Path) -> str:
    digest = _new_hash()
    with open(path, "rb") as handle:
        buffer = bytearray(_CHUNK)
        view = memoryview(buffer)
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
    return digest.hexdigest()


def file_entry(path) -> dict:
    """``{"size", "mtime_ns", "sha256"}`` of a file, or ``{"missing": reason}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "map.npy"
    >>> _ = path.write_bytes(b"abc")
    >>> file_entry(path)["sha256"]
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return _entry(Path(path), _CACHE.get())


def _entry(path: Path, cache) -> dict:
    try:
        st = os.stat(path)
    except OSError as error:
        return {"missing": error.strerror or type(error).__name__}
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    digest = None if cache is None else cache.get(key)
    if digest is None:
        try:
            digest = _hash_path(path)
        except OSError as error:
            return {"missing": error.strerror or type(error).__name__}
        if cache is not None:
            cache[key] = digest
    return {"size": int(st.st_size), "mtime_ns": int(st.st_mtime_ns), "sha256": digest}


def files_fingerprint(paths, *, root=None, threads: int = 4) -> dict:
    """``{name: file_entry(path)}`` for ``paths`` (names relative to ``root`` when given).

    Files are hashed on up to ``threads`` threads (hashlib releases the GIL on large buffers).
    """
    paths = [Path(p) for p in paths]
    root = None if root is None else Path(root)

    def name(path):
        if root is not None:
            with contextlib.suppress(ValueError):
                return path.relative_to(root).as_posix()
        return str(path)

    cache = _CACHE.get()  # worker threads do not see this thread's context: pass it on
    if threads > 1 and len(paths) > 8:
        with ThreadPoolExecutor(min(threads, len(paths))) as pool:
            entries = list(pool.map(lambda p: _entry(p, cache), paths))
    else:
        entries = [_entry(p, cache) for p in paths]
    return {name(p): e for p, e in sorted(zip(paths, entries), key=lambda pe: name(pe[0]))}


def array_hash(*arrays) -> str:
    """Content hash of numeric arrays (dtype, shape and bytes of each), e.g. network weights."""
    digest = _new_hash()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _salbench_version() -> str:
    from .. import __version__

    return __version__


def code_fingerprint(obj) -> dict:
    """Where ``obj`` (a function, class or instance) is defined, with that file's hash.

    salbench's own code is fingerprinted by salbench's version instead of its files.
    """
    target = obj if inspect.isfunction(obj) or inspect.ismethod(obj) or isinstance(obj, type) \
        else type(obj)
    module_name = getattr(target, "__module__", None) or "?"
    qualname = getattr(target, "__qualname__", type(target).__name__)
    if module_name.split(".")[0] == "salbench":
        return {"code": f"{module_name}.{qualname}", "salbench": _salbench_version()}
    source = None
    with contextlib.suppress(TypeError, OSError):
        source = inspect.getsourcefile(target) or inspect.getfile(target)
    if source is None:
        module = sys.modules.get(module_name)
        source = getattr(module, "__file__", None)
    info = {"code": f"{module_name}.{qualname}"}
    if source and Path(source).is_file():
        info["files"] = {str(Path(source).resolve()): file_entry(source)}
    return info


def command_fingerprint(args, *, cwd=None) -> dict:
    """A command line and a hash of every existing file among its words.

    Each argument is looked at whole, split like a shell would (so the script inside
    ``sh -c "python tool.py {image}"`` counts) and after a ``--flag=`` prefix; words with a
    placeholder (``{image}``...) are skipped, and so are bare program names found on ``PATH``.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    words = []
    for arg in args:
        words.append(arg)
        with contextlib.suppress(ValueError):
            words.extend(shlex.split(arg))
    candidates = []
    for word in words:
        for piece in (word, word.partition("=")[2]):
            if piece and "{" not in piece and piece not in candidates:
                candidates.append(piece)
    files = {}
    for word in candidates:
        path = Path(word) if Path(word).is_absolute() else base / word
        try:
            if path.is_file():
                files[word] = file_entry(path)
        except OSError:  # a word too long to be a path
            continue
    return {"command": " ".join(shlex.quote(a) for a in args), "files": files}


def model_fingerprint(model, *, model_version=None) -> dict:
    """The model's own ``fingerprint()`` (or its code's), with the user's ``model_version``."""
    own = getattr(model, "fingerprint", None)
    info = {"class": type(model).__qualname__}
    info.update(dict(own()) if callable(own) else code_fingerprint(model))
    if model_version is not None:
        info["model_version"] = str(model_version)
    return info


def dataset_inputs(dataset) -> dict:
    """Hashes of the dataset's image list and fixations (and their counts)."""
    images = _new_hash()
    images.update("\n".join(dataset.stimuli.ids).encode())
    fixations = _new_hash()
    table = dataset.fixations
    for column in ("x", "y", "n", "subject"):
        fixations.update(column.encode())
        fixations.update(np.ascontiguousarray(table.column(column)).tobytes())
    return {"name": dataset.name, "n_images": len(dataset), "images": images.hexdigest(),
            "n_fixations": len(table), "fixations": fixations.hexdigest()}


# ---------------------------------------------------------------------------------- comparing
def _short(value, limit: int = 60) -> str:
    from .._tables import canonical_json

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
    from .._tables import canonical_json

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
